"""MediaPipe pose landmarker adapter: images in, :class:`Landmarks` out.

The only module that imports ``mediapipe`` (lazily, when a detector is
opened). The bundled model is checked against its SHA-256 before use; any
other ``.task`` bundle is checked for being a zip with TFLite models in it,
and MediaPipe's own refusal becomes a :class:`ModelError`. MediaPipe's and
TFLite's native log lines are written to file descriptor 2 by C++ code; they
are captured and passed to this module's logger at DEBUG level.

Segmentation masks (``PoseDetector(segmentation=True)``, :meth:`PoseDetector.detect_segmented`):
in mediapipe 0.10.30-0.10.33, reading a mask whose rows are padded in memory
aborts the whole process (``image_frame.cc: Check failed: 1 == ChannelSize()``:
``Image.numpy_view`` re-packs a non-contiguous frame with a routine written for
one-byte channels, and the mask has 4-byte floats). A float row is padded
unless the width is a multiple of 4, so the photo is widened to a multiple of
4 pixels by repeating its last column (at most 3) before detection, the mask
is checked to be contiguous before it is read, and it is cut back to the
photo's width.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Iterator

import cv2
import numpy as np
from numpy.typing import NDArray

from posture.errors import ModelError, first_line
from posture.geometry import box_iou
from posture.landmarks import Landmarks, PoseLandmark

log = logging.getLogger(__name__)

BUNDLED_MODEL_NAME = "pose_landmarker_full.task"
BUNDLED_MODEL_SHA256 = "c655eedb126c58514bda49a00c4b5d317dc738c726bbc28c6e93f2f1b0d6f182"


def bundled_model_path() -> Path:
    """Path of the model shipped inside the package."""
    return Path(str(resources.files("posture") / "models" / BUNDLED_MODEL_NAME))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelInfo:
    """Which model file is used; ``bundled`` when it is the shipped one."""

    path: str
    sha256: str
    bundled: bool

    @property
    def name(self) -> str:
        """File name without the ``.task`` suffix."""
        return Path(self.path).stem

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "sha256": self.sha256, "bundled": self.bundled}


def check_model(path: str | Path | None = None) -> ModelInfo:
    """Validate a model bundle (the bundled one when ``path`` is None).

    Raises
    ------
    ModelError
        Missing file, not a ``.task`` bundle, or a bundled model whose
        checksum does not match (a damaged installation).
    """
    if path is None:
        p = bundled_model_path()
        digest = _sha256(p) if p.is_file() else ""
        if digest != BUNDLED_MODEL_SHA256:
            raise ModelError(f"the bundled model {p} is missing or damaged (SHA-256 mismatch); reinstall posture")
        return ModelInfo(str(p), digest, True)
    p = Path(path)
    if p.is_dir():
        raise ModelError(f"{p}: is a folder; --model takes a .task file")
    if not p.is_file():
        raise ModelError(f"{p}: no such model file")
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError):
        raise ModelError(f"{p}: not a MediaPipe .task bundle (expected a zip of .tflite models)") from None
    if not any(n.endswith(".tflite") for n in names):
        raise ModelError(f"{p}: not a pose landmarker bundle (no .tflite model inside)")
    digest = _sha256(p)
    return ModelInfo(str(p), digest, digest == BUNDLED_MODEL_SHA256)


@contextlib.contextmanager
def native_logs_to_debug(label: str = "mediapipe") -> Iterator[None]:
    """Send what native code writes to stderr (fd 2) to the DEBUG log instead, each line prefixed by ``label``."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        fd = 2
    sys.stderr.flush()
    try:
        saved = os.dup(fd)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), fd)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            for line in tmp.read().decode("utf-8", "replace").splitlines():
                log.debug("%s: %s", label, line)


def _prominence(lm: Landmarks) -> float:
    """Area of the box around the confidently placed landmarks, in pixels squared."""
    x0, y0, x1, y1 = lm.bbox()
    area = (x1 - x0) * (y1 - y0)
    return float(area) if np.isfinite(area) else 0.0


# What MediaPipe's C API turns a failed status into (mediapipe_c_utils.convert_to_exception):
# RuntimeError and subclasses, ValueError, IndexError, and OSError subclasses such as
# FileNotFoundError (a bundle whose .tflite files have other names) or TimeoutError.
_MEDIAPIPE_ERRORS = (RuntimeError, ValueError, IndexError, OSError)


STRIP_DUPLICATE_IOU = 0.3
"""A person found on a strip overlapping an already found one by more than this is the same person."""

STRIP_MAX_SIDE = 640
"""Strips are shrunk to at most this many pixels on their long side before the second look."""

STRIP_MIN_SCALE = 0.5
"""A person found on a strip whose body scale is less than this fraction of the largest found is not counted."""

STRIP_MAX_ASPECT = 3.0
"""A person found on a strip whose landmark box is more than this many times wider than tall is not counted:
parts of several people side by side read as one lying across them (4.9 in a classroom photo; every other
detection in the photo set is at most 1.9)."""


def _same_shoulders(a: Landmarks, b: Landmarks) -> bool:
    """Whether the shoulders' midpoints of two detections lie within half a body scale of each other."""
    mid_a = (a[PoseLandmark.LEFT_SHOULDER] + a[PoseLandmark.RIGHT_SHOULDER]) / 2
    mid_b = (b[PoseLandmark.LEFT_SHOULDER] + b[PoseLandmark.RIGHT_SHOULDER]) / 2
    return bool(np.hypot(*(mid_a - mid_b)) < 0.5 * max(a.body_scale(), b.body_scale()))


def rank_people(people: list[Landmarks], duplicate_iou: float = 0.7) -> list[Landmarks]:
    """Most prominent person first; near-duplicate detections of one person dropped."""
    ranked = sorted(people, key=_prominence, reverse=True)
    kept: list[Landmarks] = []
    for p in ranked:
        if all(box_iou(p.bbox(), k.bbox()) < duplicate_iou for k in kept):
            kept.append(p)
    return kept


class PoseDetector:
    """A MediaPipe ``PoseLandmarker`` as a context manager.

    ``video=True`` uses the VIDEO running mode (tracking between frames;
    pass increasing ``timestamp_ms`` to :meth:`detect`). Results are ranked
    by :func:`rank_people`. ``segmentation=True`` also computes each
    person's silhouette, read with :meth:`detect_segmented`.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        num_poses: int = 4,
        video: bool = False,
        min_detection_confidence: float = 0.5,
        segmentation: bool = False,
    ) -> None:
        self.info = check_model(model)
        self.num_poses = num_poses
        self.video = video
        self.segmentation = segmentation
        self.min_detection_confidence = min_detection_confidence
        self._landmarker: Any = None
        self._mp: Any = None

    def __enter__(self) -> PoseDetector:
        with native_logs_to_debug():
            import mediapipe as mp
            from mediapipe.tasks.python import BaseOptions, vision

            self._mp = mp
            mode = vision.RunningMode.VIDEO if self.video else vision.RunningMode.IMAGE
            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=self.info.path),
                running_mode=mode,
                num_poses=self.num_poses,
                min_pose_detection_confidence=self.min_detection_confidence,
                output_segmentation_masks=self.segmentation,
            )
            try:
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
            except _MEDIAPIPE_ERRORS as e:
                raise ModelError(f"{self.info.path}: not a usable pose landmarker model ({first_line(e)})") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the landmarker (idempotent)."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with native_logs_to_debug():
                try:
                    landmarker.close()
                except _MEDIAPIPE_ERRORS as e:
                    # A graph that failed while running also fails to close; raising
                    # here would hide the error that made the caller leave its block.
                    log.debug("closing the pose landmarker failed: %s", e)

    def detect(self, rgb: NDArray[np.uint8], timestamp_ms: int | None = None) -> list[Landmarks]:
        """Every person found in an ``(H, W, 3)`` uint8 RGB image, most prominent first."""
        return [p for p, _ in self._run(rgb, timestamp_ms, masks=False)]

    def others_in_strips(self, rgb: NDArray[np.uint8], found: list[Landmarks]) -> list[Landmarks]:
        """People the whole-image pass missed, most prominent first, in the image's pixels.

        MediaPipe's person detector finds few of several small people side by side
        (one of the four in front of a bus). A second look on three overlapping
        vertical strips, each half the image wide and padded with grey on both sides
        by half its width (a person cut by the photo's edge is then found), finds more; a person counts as
        new when their shoulders are not another's (:func:`_same_shoulders`) and their box
        overlaps none by more than ``STRIP_DUPLICATE_IOU`` (and none at all whom the strip's inner edge cuts),
        and when their body scale is at least
        ``STRIP_MIN_SCALE`` of the largest found (a tripod is not a small person) and their box is
        at most ``STRIP_MAX_ASPECT`` times wider than tall. IMAGE mode only.
        """
        h, w = rgb.shape[:2]
        half = w // 2
        scale = max((p.body_scale() for p in found), default=0.0)
        new: list[Landmarks] = []
        pad = half // 2
        for x0 in (0, w // 4, w - half):
            # A person the strip's inner edge cuts shows only in part there; the model may complete the
            # part into someone beside them. Such a person is whole in another strip (the strips overlap
            # by a quarter of the image), so nothing overlapping them is new from this strip.
            cuts = [c for c in (x0, x0 + half) if 0 < c < w]
            boxes = [k.bbox() for k in found]
            cut_people = [b for b in boxes if any(b[0] < c < b[2] for c in cuts)]
            strip = np.full((h, half + 2 * pad, 3), 128, np.uint8)
            strip[:, pad : pad + half] = rgb[:, x0 : x0 + half]
            for moved in self._detect_part(strip, x0 - pad, 0, w, h):
                box = moved.bbox()
                if (
                    moved.body_scale() >= STRIP_MIN_SCALE * scale
                    and box[2] - box[0] <= STRIP_MAX_ASPECT * (box[3] - box[1])
                    and all(box_iou(box, k) == 0.0 for k in cut_people)
                    and all(
                        box_iou(box, k.bbox()) < STRIP_DUPLICATE_IOU and not _same_shoulders(moved, k)
                        for k in (*found, *new)
                    )
                ):
                    new.append(moved)
        return rank_people(new)

    def _detect_part(self, part: NDArray[np.uint8], x0: int, y0: int, w: int, h: int) -> list[Landmarks]:
        """People in ``part``, a piece of a ``w`` x ``h`` image whose top-left corner lies at ``(x0, y0)``
        in it, in the image's pixels; the piece is shrunk to at most ``STRIP_MAX_SIDE`` pixels for the
        model (which sees 256 pixels anyway)."""
        ph, pw = part.shape[:2]
        f = min(1.0, STRIP_MAX_SIDE / max(ph, pw))
        if f < 1.0:
            part = cv2.resize(part, (round(pw * f), round(ph * f)), interpolation=cv2.INTER_AREA)
        out = []
        for p in self.detect(np.ascontiguousarray(part)):
            xy = p.xy * np.array([pw / part.shape[1], ph / part.shape[0]]) + np.array([x0, y0])
            out.append(Landmarks(xy, p.visibility, p.presence, w, h, p.world))
        return out

    def people_in_tiles(self, rgb: NDArray[np.uint8]) -> list[Landmarks]:
        """People found on tiles of the image, most prominent first, in the image's pixels.

        A person about a fifth of the photo's height is too small for MediaPipe's person detector
        on the whole photo (it sees the photo at 224 pixels). Each of the 3 x 3 tiles half the
        image's width and height, a quarter apart, holds whole anyone smaller than a quarter of the
        image, at twice the scale. One person found on several tiles counts once (:func:`rank_people`
        and :func:`_same_shoulders`). IMAGE mode only.
        """
        h, w = rgb.shape[:2]
        th, tw = h // 2, w // 2
        found: list[Landmarks] = []
        for y0 in (0, h // 4, h - th):
            for x0 in (0, w // 4, w - tw):
                found += self._detect_part(rgb[y0 : y0 + th, x0 : x0 + tw], x0, y0, w, h)
        kept: list[Landmarks] = []
        for p in rank_people(found):
            if not any(_same_shoulders(p, k) for k in kept):
                kept.append(p)
        return kept

    def detect_segmented(
        self, rgb: NDArray[np.uint8], timestamp_ms: int | None = None
    ) -> list[tuple[Landmarks, NDArray[np.float32] | None]]:
        """Every person with their segmentation mask, most prominent first.

        Each mask is ``(H, W)`` float32 in [0, 1] (1 on the person), the
        image's size; None if MediaPipe gave none. Needs ``segmentation=True``.
        """
        if not self.segmentation:
            raise RuntimeError("detect_segmented needs PoseDetector(segmentation=True)")
        return self._run(rgb, timestamp_ms, masks=True)

    def _run(
        self, rgb: NDArray[np.uint8], timestamp_ms: int | None, masks: bool
    ) -> list[tuple[Landmarks, NDArray[np.float32] | None]]:
        if self._landmarker is None:
            raise RuntimeError("PoseDetector used outside its 'with' block")
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
        mp = self._mp
        h, w = rgb.shape[:2]
        data = np.ascontiguousarray(rgb)
        padded_w = w
        if self.segmentation and w % 4:
            # Mask rows must not be padded in memory (see the module docstring).
            padded_w = w + (-w) % 4
            data = np.ascontiguousarray(np.concatenate([data, np.repeat(data[:, -1:], padded_w - w, axis=1)], axis=1))
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=data)
        if self.video and timestamp_ms is None:
            raise ValueError("VIDEO mode needs a timestamp_ms for every frame")
        with native_logs_to_debug():
            try:
                if timestamp_ms is not None and self.video:
                    result = self._landmarker.detect_for_video(image, int(timestamp_ms))
                else:
                    result = self._landmarker.detect(image)
            except RuntimeError as e:
                if self.info.bundled or self.video:
                    raise  # VIDEO mode also fails on non-increasing timestamps: not the model
                # Another bundle that loads but whose graph fails to run (e.g. its two
                # .tflite files swapped) is a bad model file, not an internal error.
                raise ModelError(
                    f"{self.info.path}: the model failed to run ({first_line(e)}); "
                    "is it a MediaPipe pose landmarker bundle?"
                ) from None
        people = []
        for pts, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True):
            lm = Landmarks.from_normalized(pts, padded_w, h, world)
            if padded_w != w:
                lm = Landmarks(
                    xy=lm.xy, visibility=lm.visibility, presence=lm.presence, width=w, height=h, world=lm.world
                )
            people.append(lm)
        found = list(result.segmentation_masks or []) if masks else []
        pairs = {id(p): (p, _read_mask(found[i], h, w) if i < len(found) else None) for i, p in enumerate(people)}
        return [pairs[id(p)] for p in rank_people(people)]


def _read_mask(mask: Any, height: int, width: int) -> NDArray[np.float32] | None:
    """A MediaPipe mask image as an ``(height, width)`` float32 array, or None if it can't be read safely."""
    if mask.image_format != 9 or not mask.is_contiguous():  # 9: ImageFormat.VEC32F1
        # numpy_view() would abort the process on a non-contiguous float frame.
        log.debug("segmentation mask not read: format %s, contiguous %s", mask.image_format, mask.is_contiguous())
        return None
    arr = np.asarray(mask.numpy_view())
    arr = arr.reshape(arr.shape[0], arr.shape[1])
    if arr.shape[0] != height or arr.shape[1] < width:
        log.debug("segmentation mask has shape %s for a %dx%d image", arr.shape, width, height)
        return None
    return np.array(arr[:, :width], dtype=np.float32)
