"""Pose landmarks in pixel coordinates, independent of MediaPipe's types.

``Landmarks`` is the one container the rest of the package reads. It is
built once at the boundary (``Landmarks.from_mediapipe``) and holds

* ``xy``: ``(33, 2)`` float64, pixels, x to the right, y down, origin at the
  top-left corner of the image;
* ``visibility`` and ``presence``: ``(33,)`` float64 in [0, 1], MediaPipe's
  estimates that a point is visible (not occluded) and inside the frame;
* ``world``: ``(33, 3)`` float64, metres, MediaPipe's hip-centred 3-D
  estimate (x to the image right, y down, z away from the camera), or NaN.

Landmark names follow MediaPipe's BlazePose topology: ``LEFT_*`` is the
*subject's* left as the model labels it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from posture.result import LandmarkPoints

FloatArray = NDArray[np.float64]

N_LANDMARKS = 33

MIN_SCORE = 0.5
"""The lowest visibility and presence of a landmark that posture relies on (``--min-visibility``)."""

EDGE_MARGIN = 0.15
"""A landmark closer to the photo's edge than this many body scales (see
:meth:`Landmarks.body_scale`) is not usable: the flesh around a joint centre
extends about that far (some 6 cm of a 40 cm shoulder width), so part of the
joint is cut off and the model guesses where its centre is."""


class PoseLandmark(enum.IntEnum):
    """Indices of the 33 BlazePose landmarks."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


def _json_list(a: FloatArray, ndigits: int) -> list[Any]:
    """Nested list with NaN as None (JSON has no NaN)."""
    return [_json_list(r, ndigits) if np.ndim(r) else (None if np.isnan(r) else round(float(r), ndigits)) for r in a]


def _mirror_permutation() -> NDArray[np.intp]:
    """Index map that swaps every LEFT_* landmark with its RIGHT_* twin."""
    perm = np.arange(N_LANDMARKS)
    for lm in PoseLandmark:
        if lm.name.startswith("LEFT_"):
            twin = PoseLandmark["RIGHT_" + lm.name[5:]]
            perm[lm], perm[twin] = twin, lm
    return perm


SWAP_SIDES: NDArray[np.intp] = _mirror_permutation()
"""``xy[SWAP_SIDES]`` relabels every left landmark as right and vice versa."""

# Bone connections drawn on overlays (pairs of landmarks).
POSE_CONNECTIONS: tuple[tuple[PoseLandmark, PoseLandmark], ...] = (
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.RIGHT_SHOULDER),
    (PoseLandmark.LEFT_HIP, PoseLandmark.RIGHT_HIP),
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.LEFT_HIP),
    (PoseLandmark.RIGHT_SHOULDER, PoseLandmark.RIGHT_HIP),
    (PoseLandmark.LEFT_SHOULDER, PoseLandmark.LEFT_ELBOW),
    (PoseLandmark.LEFT_ELBOW, PoseLandmark.LEFT_WRIST),
    (PoseLandmark.RIGHT_SHOULDER, PoseLandmark.RIGHT_ELBOW),
    (PoseLandmark.RIGHT_ELBOW, PoseLandmark.RIGHT_WRIST),
    (PoseLandmark.LEFT_HIP, PoseLandmark.LEFT_KNEE),
    (PoseLandmark.LEFT_KNEE, PoseLandmark.LEFT_ANKLE),
    (PoseLandmark.RIGHT_HIP, PoseLandmark.RIGHT_KNEE),
    (PoseLandmark.RIGHT_KNEE, PoseLandmark.RIGHT_ANKLE),
    (PoseLandmark.LEFT_ANKLE, PoseLandmark.LEFT_HEEL),
    (PoseLandmark.RIGHT_ANKLE, PoseLandmark.RIGHT_HEEL),
)


@dataclass(frozen=True)
class Landmarks:
    """One person's 33 landmarks in pixel coordinates of one image.

    Attributes
    ----------
    xy : (33, 2) float64
        Pixels, x right, y down. NaN where a landmark is missing.
    visibility, presence : (33,) float64
        In [0, 1]; NaN where the model gave none.
    width, height : int
        Size of the image the pixels refer to.
    world : (33, 3) float64
        Metres, hip-centred (x right, y down, z away from the camera); NaN
        when unknown.
    """

    xy: FloatArray
    visibility: FloatArray
    presence: FloatArray
    width: int
    height: int
    world: FloatArray = field(default_factory=lambda: np.full((N_LANDMARKS, 3), np.nan))

    def __post_init__(self) -> None:
        expected = {
            "xy": (N_LANDMARKS, 2),
            "visibility": (N_LANDMARKS,),
            "presence": (N_LANDMARKS,),
            "world": (N_LANDMARKS, 3),
        }
        for name, shape in expected.items():
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")

    def __getitem__(self, landmark: PoseLandmark) -> FloatArray:
        """Pixel position ``(2,)`` of one landmark."""
        return self.xy[int(landmark)]

    def score(self, landmark: PoseLandmark) -> float:
        """Lower of visibility and presence for one landmark (NaN counts as 0)."""
        # Plain floats: this runs for every landmark a metric needs, on every live frame.
        v = float(self.visibility[int(landmark)])
        p = float(self.presence[int(landmark)])
        return min(0.0 if v != v else v, 0.0 if p != p else p)  # x != x only for NaN

    def in_frame(self, landmark: PoseLandmark) -> bool:
        """Whether the landmark lies inside the image."""
        x, y = self.xy[int(landmark)]
        return bool(0 <= x < self.width and 0 <= y < self.height)

    def body_scale(self) -> float:
        """Pixels: the larger of the shoulder width and half the distance between the shoulders'
        and the hips' midpoints (the missing ones ignored; 0 when neither is known)."""
        ls, rs, lh, rh = (
            self.xy[int(p)]
            for p in (
                PoseLandmark.LEFT_SHOULDER,
                PoseLandmark.RIGHT_SHOULDER,
                PoseLandmark.LEFT_HIP,
                PoseLandmark.RIGHT_HIP,
            )
        )
        sizes = [float(np.hypot(*(ls - rs))), 0.5 * float(np.hypot(*((ls + rs) / 2 - (lh + rh) / 2)))]
        finite = [v for v in sizes if v == v]  # v == v only when not NaN
        return max(finite) if finite else 0.0

    def unusable(self, landmark: PoseLandmark, min_score: float) -> str | None:
        """Why one landmark cannot be measured, or None when it can: not found, outside the
        photo, at its edge (within ``EDGE_MARGIN`` body scales) or scoring below ``min_score``.

        This is the one test of a landmark's use, for every metric and drawing.
        """
        name = landmark.name.lower().replace("_", " ")
        x, y = self.xy[int(landmark)]
        if not (np.isfinite(x) and np.isfinite(y)):
            return f"{name} not found"
        if not self.in_frame(landmark):
            return f"{name} outside the photo"
        margin = EDGE_MARGIN * self.body_scale()
        if min(x, y, self.width - x, self.height - y) < margin:
            return f"{name} at the photo's edge"
        score = self.score(landmark)
        if score < min_score:
            return f"{name} not visible enough (score {np.floor(score * 100) / 100:.2f}, needs {min_score:.2f})"
        return None

    def usable(self, points: Sequence[PoseLandmark], min_score: float) -> bool:
        """Whether every one of ``points`` can be measured (see :meth:`unusable`)."""
        return all(self.unusable(p, min_score) is None for p in points)

    def swap_sides(self) -> Landmarks:
        """The same points with every left/right label exchanged.

        A mirror image shows the subject's left on the side where an
        unmirrored photo shows their right; the model, seeing an ordinary
        body, labels by position. Swapping labels restores anatomical sides.
        """
        return Landmarks(
            xy=self.xy[SWAP_SIDES],
            visibility=self.visibility[SWAP_SIDES],
            presence=self.presence[SWAP_SIDES],
            width=self.width,
            height=self.height,
            world=self.world[SWAP_SIDES],
        )

    def bbox(self, min_score: float = MIN_SCORE) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` in pixels of the in-frame landmarks scoring at least ``min_score``."""
        scores = np.minimum(np.nan_to_num(self.visibility), np.nan_to_num(self.presence))
        inside = (
            (self.xy[:, 0] >= 0) & (self.xy[:, 0] < self.width) & (self.xy[:, 1] >= 0) & (self.xy[:, 1] < self.height)
        )
        pts = self.xy[(scores >= min_score) & inside]
        if len(pts) == 0:
            return (np.nan, np.nan, np.nan, np.nan)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return (float(x0), float(y0), float(x1), float(y1))

    def to_points(self) -> LandmarkPoints:
        """The stored form: pixel coordinates rounded to 0.1 px, scores to 0.001, NaN as None."""
        return LandmarkPoints(
            width=self.width,
            height=self.height,
            names=tuple(lm.name.lower() for lm in PoseLandmark),
            xy_px=tuple((x, y) for x, y in _json_list(self.xy, 1)),
            visibility=tuple(_json_list(self.visibility, 3)),
            presence=tuple(_json_list(self.presence, 3)),
        )

    @classmethod
    def from_points(cls, points: LandmarkPoints) -> Landmarks:
        """Inverse of :meth:`to_points` (the 3-D estimate is not stored)."""

        def arr(v: Any) -> FloatArray:
            return np.array([np.nan if x is None else x for x in np.ravel(v)], dtype=np.float64)

        return cls(
            xy=arr(points.xy_px).reshape(N_LANDMARKS, 2),
            visibility=arr(points.visibility),
            presence=arr(points.presence),
            width=int(points.width),
            height=int(points.height),
        )

    @classmethod
    def from_normalized(
        cls,
        points: Sequence[Any],
        width: int,
        height: int,
        world: Sequence[Any] | None = None,
    ) -> Landmarks:
        """Build from objects with ``x, y`` in [0, 1] (and optional ``visibility``,
        ``presence``), such as MediaPipe's ``NormalizedLandmark``.

        Coordinates are scaled by the image size here, once: angles taken on
        normalised coordinates are wrong for non-square images.
        """
        if len(points) != N_LANDMARKS:
            raise ValueError(f"expected {N_LANDMARKS} landmarks, got {len(points)}")

        def num(v: Any) -> float:
            return np.nan if v is None else float(v)

        xy = np.array([[num(p.x) * width, num(p.y) * height] for p in points])
        vis = np.array([num(getattr(p, "visibility", None)) for p in points])
        pres = np.array([num(getattr(p, "presence", None)) for p in points])
        w3 = (
            np.array([[num(p.x), num(p.y), num(p.z)] for p in world])
            if world is not None
            else np.full((N_LANDMARKS, 3), np.nan)
        )
        return cls(xy=xy, visibility=vis, presence=pres, width=width, height=height, world=w3)
