r"""Pure geometry on landmark coordinates: the package's conventions live here.

Conventions (stated once, used everywhere)
------------------------------------------
* Points are pixel coordinates ``(..., 2)``: x to the image right, y *down*,
  origin at the top-left corner. Every function vectorises over leading axes
  and lets NaN propagate (NaN in gives NaN out); nothing here raises on
  missing data, does I/O or knows about MediaPipe.
* Angles are in degrees.
* "Left" and "right" are the *subject's* sides, not the image's.
* **Tilt** of a bilateral pair (shoulders, hips, ears, knees) is the angle of
  the line through the left and right point against the horizontal,
  **positive when the subject's left point is higher**:

  .. math:: \mathrm{tilt} = \operatorname{atan2}(y_R - y_L,\ |x_L - x_R|)

  so it lies in [-90, 90] whichever way the subject faces: which side is
  higher is decided by the heights alone, and facing away does not add 180.
* **Lateral** quantities (shifts, leans) are positive **towards the subject's
  left**. Which image direction that is depends on the view, and is given by
  :func:`left_direction` (+1: the subject's left is towards the image right,
  as for a person facing the camera in an unmirrored photo).
* **Camera roll** ``roll_deg`` is the angle by which a truly horizontal line
  appears rotated counter-clockwise in the image (its right end higher).
  :func:`level_points` undoes it by rotating points clockwise by that angle
  about a centre; every metric computed on levelled points is relative to
  true horizontal instead of the image's edges.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def _pts(a: ArrayLike) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.shape[-1:] != (2,):
        raise ValueError(f"points must have shape (..., 2), got {arr.shape}")
    return arr


def tilt_deg(left: ArrayLike, right: ArrayLike) -> FloatArray:
    """Tilt of the line from ``right`` to ``left`` against the horizontal.

    Parameters
    ----------
    left, right : (..., 2) float
        The subject's left and right point, pixels, y down.

    Returns
    -------
    (...) float64
        Degrees in [-90, 90], positive when ``left`` is higher in the image.
    """
    lp, rp = _pts(left), _pts(right)
    rise = rp[..., 1] - lp[..., 1]
    run = np.abs(lp[..., 0] - rp[..., 0])
    return np.degrees(np.arctan2(rise, run))


def height_difference(left: ArrayLike, right: ArrayLike) -> FloatArray:
    """How much higher ``left`` is than ``right``, in pixels (negative: lower)."""
    return _pts(right)[..., 1] - _pts(left)[..., 1]


def distance(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Euclidean distance between points, pixels."""
    return np.linalg.norm(_pts(a) - _pts(b), axis=-1)


def midpoint(a: ArrayLike, b: ArrayLike) -> FloatArray:
    """Midpoint of two points."""
    return (_pts(a) + _pts(b)) / 2.0


def left_direction(left: ArrayLike, right: ArrayLike) -> FloatArray:
    """+1 where the subject's left lies towards the image right, -1 where towards the image left.

    Taken from a bilateral pair; NaN where the pair is missing or coincides in x.
    """
    dx = _pts(left)[..., 0] - _pts(right)[..., 0]
    return np.where(dx == 0, np.nan, np.sign(dx))


def lateral_offset(point: ArrayLike, reference: ArrayLike, direction: ArrayLike) -> FloatArray:
    """Horizontal offset of ``point`` from ``reference`` towards the subject's left, pixels.

    ``direction`` is :func:`left_direction` for the same image.
    """
    return (_pts(point)[..., 0] - _pts(reference)[..., 0]) * np.asarray(direction, dtype=np.float64)


def lean_deg(lower: ArrayLike, upper: ArrayLike, direction: ArrayLike) -> FloatArray:
    """Angle of the line from ``lower`` up to ``upper`` against the vertical.

    Positive when ``upper`` lies towards the subject's left of ``lower``
    (``direction`` from :func:`left_direction`); in (-180, 180], 0 for upright.
    """
    lo, up = _pts(lower), _pts(upper)
    side = (up[..., 0] - lo[..., 0]) * np.asarray(direction, dtype=np.float64)
    rise = lo[..., 1] - up[..., 1]
    return np.degrees(np.arctan2(side, rise))


def rotate_points(points: ArrayLike, angle_deg: float, center: ArrayLike) -> FloatArray:
    """Rotate pixel points counter-clockwise (as seen on screen) by ``angle_deg`` about ``center``.

    With y down, a point to the right of the centre moves *up* for a positive
    angle; this matches ``cv2.getRotationMatrix2D(center, angle_deg, 1)``.
    """
    p = _pts(points)
    c = _pts(center)
    t = np.radians(angle_deg)
    cos, sin = np.cos(t), np.sin(t)
    dx, dy = p[..., 0] - c[..., 0], p[..., 1] - c[..., 1]
    return np.stack([c[..., 0] + dx * cos + dy * sin, c[..., 1] - dx * sin + dy * cos], axis=-1)


def level_points(points: ArrayLike, roll_deg: float, center: ArrayLike) -> FloatArray:
    """Undo a camera roll of ``roll_deg`` (see the module conventions)."""
    return rotate_points(points, -roll_deg, center)


def apply_affine(matrix: ArrayLike, points: ArrayLike) -> FloatArray:
    """Map ``(..., 2)`` pixel points through a ``(2, 3)`` affine ``matrix`` (``(x, y, 1)`` in,
    ``(x', y')`` out). NaN stays NaN."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.shape != (2, 3):
        raise ValueError(f"an affine matrix must have shape (2, 3), got {m.shape}")
    p = _pts(points)
    return np.asarray(p @ m[:, :2].T + m[:, 2], dtype=np.float64)


def frontal_deviation_deg(left_3d: ArrayLike, right_3d: ArrayLike) -> FloatArray:
    """Angle in [0, 90] between a bilateral segment and the image plane.

    ``left_3d``/``right_3d`` are ``(..., 3)`` points with x along the image
    width and z along the camera axis (any units). 0 for a subject square to
    the camera (front or back), 90 for a side view.
    """
    lp = np.asarray(left_3d, dtype=np.float64)
    rp = np.asarray(right_3d, dtype=np.float64)
    d = lp - rp
    return np.degrees(np.arctan2(np.abs(d[..., 2]), np.abs(d[..., 0])))


def trunk_deviation_deg(left_3d: ArrayLike, right_3d: ArrayLike) -> float:
    """Angle in [0, 90] between the image plane and the common direction of several bilateral
    segments ``(n, 3)`` (x along the image width, z along the camera axis).

    Each segment's direction in the x-z plane is an axis (left-right and right-left alike); the
    common one is their principal axis, each weighted by its squared length in that plane:
    ``2φ = atan2(Σ 2 dx dz, Σ (dx² - dz²))``. A depth error δ turns a segment of length ``L`` by
    about ``δ / L``, so a short segment, whose angle says less, counts less. One segment gives
    :func:`frontal_deviation_deg`; NaN when there is none.
    """
    d = np.asarray(left_3d, dtype=np.float64).reshape(-1, 3) - np.asarray(right_3d, dtype=np.float64).reshape(-1, 3)
    if len(d) == 0:
        return float("nan")
    dx, dz = d[:, 0], d[:, 2]
    return float(abs(np.degrees(np.arctan2(np.sum(2.0 * dx * dz), np.sum(dx**2 - dz**2)))) / 2.0)


Box = tuple[float, float, float, float]


def _box_overlap(a: Box, b: Box) -> tuple[float, float, float]:
    """Intersection area of two ``(x0, y0, x1, y1)`` boxes and each one's area; zeros when either is
    undefined (NaN)."""
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return 0.0, 0.0, 0.0
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return iw * ih, (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes; 0 when either is undefined (NaN)."""
    inter, area_a, area_b = _box_overlap(a, b)
    union = area_a + area_b - inter
    return float(inter / union) if union > 0 else 0.0


def box_cover(inner: Box, outer: Box) -> float:
    """The share of box ``inner``'s area that lies inside box ``outer`` (0 to 1); 0 when either is
    undefined (NaN) or ``inner`` is empty."""
    inter, area, _ = _box_overlap(inner, outer)
    return float(inter / area) if area > 0 else 0.0


def common_tilt(tilts: list[float], min_deg: float, max_spread: float = 0.5) -> float | None:
    """The mean of ``tilts`` (degrees) when at least two are given and they all turn the same way,
    each by at least ``min_deg``, spread by at most ``max_spread`` times their mean: what a camera
    roll (or a change of it) does to every bilateral line alike. None otherwise."""
    if len(tilts) < 2:
        return None
    mean = sum(tilts) / len(tilts)
    same_way = all(t * mean > 0 and abs(t) >= min_deg for t in tilts)
    if same_way and max(tilts) - min(tilts) <= max_spread * abs(mean):
        return mean
    return None
