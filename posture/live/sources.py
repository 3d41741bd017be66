"""Where live frames come from: a camera, a video file or an image sequence.

:func:`open_source` returns a :class:`FrameSource`, a context manager that
iterates ``(H, W, 3)`` uint8 RGB frames (converted from OpenCV's BGR here,
once) and, for a mirror view, flipped left-right before anyone sees them.
Frames are decoded in a background thread, a few ahead, so decoding overlaps
pose detection; a camera keeps only its newest frame, so a slow loop shows
the present instead of falling behind.

Opening checks that a first frame can be read, so a missing camera or an
unreadable file is one clear :class:`~posture.errors.SourceError`. OpenCV's
and FFmpeg's own messages go to the DEBUG log. The stream ending, or a
camera disconnecting mid-session, simply ends the iteration;
:attr:`FrameSource.end_reason` says which.
"""

from __future__ import annotations

import glob
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posture.errors import InputError, SourceError
from posture.files import IMAGE_SUFFIXES, check_regular
from posture.images import check_dimensions, load_image

log = logging.getLogger(__name__)

DEFAULT_SEQUENCE_FPS = 30.0
"""Frame rate assumed for an image sequence (and a video that states none)."""

CAMERA_RETRIES = 10
"""Consecutive failed camera reads (about 50 ms apart) taken as a disconnection."""

_END = object()

Frame = NDArray[np.uint8]


def _quiet_open(open_fn: Callable[[], Any]) -> Any:
    """Run an OpenCV open call with its and FFmpeg's stderr messages sent to the DEBUG log."""
    import cv2

    from posture.pose import native_logs_to_debug

    old = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        with native_logs_to_debug("opencv"):
            return open_fn()
    finally:
        cv2.utils.logging.setLogLevel(old)


def _open_capture(open_fn: Callable[[], Any], error: str) -> tuple[Any, Frame]:
    """Open a capture and read its first frame, or raise :class:`SourceError` with ``error``."""
    cap = _quiet_open(open_fn)
    ok, first = (False, None)
    if cap is not None and cap.isOpened():
        ok, first = _quiet_open(cap.read)
    if not ok or first is None:
        if cap is not None:
            cap.release()
        raise SourceError(error)
    return cap, first


class _CaptureReader:
    """Reads BGR frames from an OpenCV ``VideoCapture`` (or any object with ``read``/``release``)."""

    rgb = False

    def __init__(self, cap: Any, camera: bool) -> None:
        self.cap = cap
        self.camera = camera
        self.end_reason = "end of video"

    def read(self) -> Frame | None:
        for _ in range(CAMERA_RETRIES if self.camera else 1):
            ok, frame = self.cap.read()
            if ok and frame is not None:
                return frame
            if self.camera:
                time.sleep(0.05)
        self.end_reason = "camera disconnected" if self.camera else "end of video"
        return None

    def release(self) -> None:
        self.cap.release()


class _SequenceReader:
    """Reads an image sequence file by file, as photos are read (:func:`posture.images.load_image`,
    upright RGB); a file it refuses is skipped with a warning."""

    rgb = True

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.i = 0
        self.end_reason = "end of image sequence"

    def read(self) -> Frame | None:
        while self.i < len(self.paths):
            p = self.paths[self.i]
            self.i += 1
            try:
                # A frame has no least size, as a video's frames have none.
                return load_image(p, min_side=1).rgb
            except InputError as e:
                log.warning("%s; skipped", e)
        return None

    def release(self) -> None:
        pass


class FrameSource:
    """An open frame source; iterate it for RGB frames (once).

    Attributes
    ----------
    description : str
        ``camera 0``, or the file or folder name.
    fps : float or None
        The frame rate that gives frame times (a file's), or None for a
        camera, whose frames are timed by the clock.
    nominal_fps : float
        Frame rate to write a recording at.
    mirrored : bool
        Frames are flipped left-right (a mirror view).
    size : (int, int)
        Width and height of the frames.
    end_reason : str
        Why the frames ended (``end of video``, ``camera disconnected``, ...).
    """

    def __init__(
        self,
        reader: _CaptureReader | _SequenceReader,
        first: Frame,
        *,
        description: str,
        fps: float | None,
        nominal_fps: float,
        mirrored: bool,
        latest_only: bool,
        prefetch: int = 4,
    ) -> None:
        self._reader = reader
        self._first: Frame | None = first
        self.description = description
        self.fps = fps
        self.nominal_fps = nominal_fps
        self.mirrored = mirrored
        self.size = (int(first.shape[1]), int(first.shape[0]))
        check_dimensions(description, *self.size, error=SourceError)
        self._latest_only = latest_only
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1 if latest_only else max(1, prefetch))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._iterated = False

    @property
    def end_reason(self) -> str:
        """Why the frames ended."""
        return self._reader.end_reason

    def _convert(self, frame: Frame) -> Frame:
        """A read frame as RGB, flipped for a mirror view."""
        import cv2

        check_dimensions(self.description, frame.shape[1], frame.shape[0], error=SourceError)
        if self._reader.rgb:  # decoded as a photo
            return np.ascontiguousarray(frame[:, ::-1] if self.mirrored else frame)
        bgr = frame
        if bgr.ndim == 2:
            return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_GRAY2RGB))
        if bgr.shape[2] == 4:
            bgr = cv2.cvtColor(bgr, cv2.COLOR_BGRA2BGR)
        if self.mirrored:
            bgr = cv2.flip(bgr, 1)
        return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def _put(self, item: Any) -> bool:
        """Queue an item; False when the source is being closed."""
        while not self._stop.is_set():
            if self._latest_only and item is not _END:
                try:
                    self._queue.get_nowait()  # drop the older frame: show the present
                except queue.Empty:
                    pass
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            frame = self._first
            self._first = None
            while frame is not None and not self._stop.is_set():
                if not self._put(self._convert(frame)):
                    return
                frame = self._reader.read()
        except Exception as e:  # noqa: BLE001 - handed to the consuming thread, re-raised there
            self._put(e)
            return
        self._put(_END)

    def __iter__(self) -> Iterator[Frame]:
        if self._iterated:
            raise RuntimeError("a FrameSource can be iterated only once")
        self._iterated = True
        self._thread = threading.Thread(target=self._produce, name="posture-frames", daemon=True)
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, Exception):
                raise SourceError(f"{self.description}: reading failed ({item})") from item
            yield item

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the camera or file (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self._reader.release()


def _sequence_paths(spec: str) -> list[Path] | None:
    """The image files of a folder or glob pattern, sorted; None if ``spec`` is neither."""
    p = Path(spec)
    if p.is_dir():
        paths = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise SourceError(f"{spec}: the folder has no images ({', '.join(IMAGE_SUFFIXES)})")
        return paths
    if glob.has_magic(spec):
        paths = sorted(Path(q) for q in glob.glob(spec) if Path(q).suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise SourceError(f"{spec}: no images match the pattern")
        return paths
    return None


def open_source(
    source: str | Path | None = None,
    *,
    camera: int = 0,
    mirror: bool | None = None,
    fps: float | None = None,
    prefetch: int = 4,
    capture_factory: Callable[..., Any] | None = None,
) -> FrameSource:
    """Open a camera (``source`` None) or a video file, image folder or glob pattern.

    Parameters
    ----------
    source : str or Path or None
        A video file (anything FFmpeg reads, GIF included), a folder of
        images, or a pattern such as ``frames/*.png``. None: the camera.
    camera : int
        Camera index when ``source`` is None.
    mirror : bool or None
        Flip frames left-right. None: yes for a camera (people expect to see
        themselves as in a mirror), no for a file.
    fps : float or None
        Frame rate of a file or sequence; None: the video's own (30 for an
        image sequence).
    capture_factory : callable, optional
        Replaces ``cv2.VideoCapture`` (tests).

    Raises
    ------
    SourceError
        No camera at that index, a missing or unreadable file, an empty folder.
    """
    import cv2

    factory = capture_factory or cv2.VideoCapture
    if source is None:
        cap, first = _open_capture(
            lambda: factory(camera),
            f"camera {camera}: cannot be opened (no camera found, or another program is using it); "
            "try --camera N, or --source FILE for a video",
        )
        reported = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        return FrameSource(
            _CaptureReader(cap, camera=True),
            first,
            description=f"camera {camera}",
            fps=None,
            nominal_fps=reported if 1.0 <= reported <= 240.0 else 30.0,
            mirrored=True if mirror is None else mirror,
            latest_only=True,
        )

    spec = str(source)
    if fps is not None and not fps > 0:
        raise SourceError(f"frame rate must be positive, got {fps}")
    paths = _sequence_paths(spec)
    if paths is not None:
        seq = _SequenceReader(paths)
        head = seq.read()
        if head is None:
            raise SourceError(f"{spec}: none of the {len(paths)} images can be read")
        return _recorded(seq, head, spec, fps or DEFAULT_SEQUENCE_FPS, mirror, prefetch)
    check_regular(spec, error=SourceError)
    cap, first = _open_capture(
        lambda: factory(spec), f"{spec}: not a video or image that can be read (or it has no frames)"
    )
    reported = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    rate = fps or (reported if 1.0 <= reported <= 1000.0 else DEFAULT_SEQUENCE_FPS)
    return _recorded(_CaptureReader(cap, camera=False), first, spec, rate, mirror, prefetch)


def _recorded(
    reader: _CaptureReader | _SequenceReader, first: Frame, spec: str, rate: float, mirror: bool | None, prefetch: int
) -> FrameSource:
    """A recorded source (a video or an image sequence): every frame in order, timed at ``rate``."""
    return FrameSource(
        reader,
        first,
        description=spec,
        fps=rate,
        nominal_fps=rate,
        mirrored=bool(mirror),
        latest_only=False,
        prefetch=prefetch,
    )
