"""What the refinements share: reading a person's outline from a segmentation mask and the photo,
in a frame that turns with the body, and the refined pair they return.

The mask is ``(H, W)`` float in [0, 1], 1 on the person (MediaPipe's, see
:meth:`posture.pose.PoseDetector.detect_segmented`). It is upsampled from a
small network output and is smooth; each outline point found on it is moved
along its scan line to the photo's strongest colour edge within
``max(2 px, 0.03 H)`` (:func:`snap_to_edge`).

Body frame
Every search runs in a frame that turns with the body, so a camera roll
turns the refined points with it: ``v`` along the trunk axis (the hips'
midpoint to the shoulders' midpoint, pointing up), ``u`` perpendicular to
it towards the subject's left. Without usable hip landmarks ``v`` is the
image's up direction (flagged ``frame: image vertical``). Lengths are in
units of ``H`` (half the distance between the shoulder landmarks) and
``T`` (trunk length, hips' midpoint to shoulders' midpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from posture import geometry as g
from posture.landmarks import Landmarks, PoseLandmark

L = PoseLandmark
FloatArray = NDArray[np.float64]

EDGE_MAX_WIDTH = 0.12
"""The mask may take at most this fraction of ``H`` (or of ``T`` at the hips) to rise from 0.2 to 0.8."""

MAX_FIT_RMS = 0.03
"""Largest RMS residual (fraction of ``H`` or ``T``) of a contour fit before it counts as ragged."""


@dataclass(frozen=True)
class Cause:
    """Why a pair fell back to the landmarks, as data: a stable ``code`` (the keys of
    :data:`posture.hints.HINTS`, e.g. ``arm_against_hip``) and the subject's ``side``
    (``left``/``right``) it concerns, None when it concerns both."""

    code: str
    side: str | None = None

    def swapped(self) -> Cause:
        """The same cause with the sides exchanged (for a flipped or mirrored image)."""
        other = {"left": "right", "right": "left"}.get(self.side or "")
        return Cause(self.code, other)

    def to_dict(self) -> dict[str, str | None]:
        """JSON form."""
        return {"code": self.code, "side": self.side}


@dataclass(frozen=True)
class RefinedPair:
    """Refined left/right points of one bilateral pair, or why there are none.

    Attributes
    ----------
    left, right : (2,) float64
        The subject's left and right refined point, pixels (x right, y down)
        in the image the landmarks refer to; NaN when not refined.
    left_ok, right_ok : bool
        Whether each side's image evidence was usable.
    reason : str or None
        Why the pair was not refined (None when it was), in words.
    causes : tuple of Cause
        The same as data, one per cause (empty when refined).
    contour_left, contour_right : (n, 2) float64
        The outline points each side's estimate used, pixels (for drawing).
    fit_rms_px : float
        RMS residual of the contour fit or registration, pixels (NaN if none).
    uncertainty_deg : float
        Standard error of the refined tilt from the outline's pixel noise
        or registration residuals, degrees; NaN if none.
        It does not include how well the outline follows the skeleton.
    """

    left: FloatArray
    right: FloatArray
    left_ok: bool
    right_ok: bool
    reason: str | None
    contour_left: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    contour_right: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    fit_rms_px: float = float("nan")
    uncertainty_deg: float = float("nan")
    causes: tuple[Cause, ...] = ()

    @property
    def refined(self) -> bool:
        """Whether both sides were usable and the points are set."""
        return self.reason is None and bool(np.isfinite(self.left).all() and np.isfinite(self.right).all())

    @property
    def tilt_deg(self) -> float:
        """Tilt of the refined points (:func:`posture.geometry.tilt_deg`), NaN when not refined."""
        return float(g.tilt_deg(self.left, self.right)) if self.refined else float("nan")

    def to_dict(self, contour_points: int = 12) -> dict[str, Any]:
        """JSON form: points to 0.1 px, tilt to 0.1 degree; NaN as None.

        ``contour_left_px``/``contour_right_px`` hold at most ``contour_points``
        evenly chosen outline points per side (for drawing; 0 leaves them out).
        """

        def pt(p: FloatArray) -> list[float] | None:
            return [round(float(c), 1) for c in p] if np.isfinite(p).all() else None

        def some(c: FloatArray) -> list[list[float] | None]:
            if len(c) == 0:
                return []
            idx = np.unique(np.linspace(0, len(c) - 1, min(len(c), contour_points)).round().astype(int))
            return [pt(c[i]) for i in idx]

        contours = (
            {"contour_left_px": some(self.contour_left), "contour_right_px": some(self.contour_right)}
            if contour_points > 0
            else {}
        )
        return {
            "refined": self.refined,
            "tilt_deg": round(self.tilt_deg, 1) if self.refined else None,
            "uncertainty_deg": round(self.uncertainty_deg, 2)
            if self.refined and np.isfinite(self.uncertainty_deg)
            else None,
            "left_px": pt(self.left),
            "right_px": pt(self.right),
            "left_ok": self.left_ok,
            "right_ok": self.right_ok,
            "reason": self.reason,
            "causes": [c.to_dict() for c in self.causes],
            **contours,
        }

    @classmethod
    def failed(cls, reason: str, *causes: Cause, left_ok: bool = False, right_ok: bool = False) -> RefinedPair:
        """A pair that could not be refined, for ``causes``."""
        nan = np.full(2, np.nan)
        return cls(nan, nan.copy(), left_ok, right_ok, reason, causes=causes)


# --- image sampling -------------------------------------------------------------------------


def sample(mask: NDArray[np.float32], pts: FloatArray) -> FloatArray:
    """Bilinear mask values at continuous pixel points ``(..., m, 2)`` (pixel i spans [i, i+1)); 0 outside.

    One call reads any number of scan lines of ``m`` points each (``m`` below 32767).
    """
    shape = np.shape(pts)[:-1]
    p = np.asarray(pts, dtype=np.float32).reshape(-1, shape[-1] if shape else 1, 2) - 0.5
    out = cv2.remap(mask, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return out.reshape(shape).astype(np.float64)


def first_crossing(values: FloatArray, positions: FloatArray, level: float = 0.5) -> FloatArray:
    """Position where each scan ``values (..., m)`` first reaches ``level``, linearly interpolated
    between the ``positions (m,)``; NaN where it never does or does at once."""
    hit = values >= level
    i = np.argmax(hit, axis=-1)
    found = np.take_along_axis(hit, i[..., None], axis=-1)[..., 0] & (i > 0)
    i = np.maximum(i, 1)
    a = np.take_along_axis(values, (i - 1)[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(values, i[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = positions[i - 1] + (level - a) / (b - a) * (positions[i] - positions[i - 1])
    return np.where(found, x, np.nan)


def edge_width(values: FloatArray, positions: FloatArray) -> FloatArray:
    """Distance over which each scan ``(..., m)`` rises from 0.2 to 0.8 at its first edge (infinite
    if it never gets from below 0.2 to 0.8: a mask that does not separate the person from the background)."""
    width = np.abs(first_crossing(values, positions, 0.8) - first_crossing(values, positions, 0.2))
    return np.where(np.isfinite(width), width, np.inf)


EDGE_SNAP_H = 0.03
"""The image's own edge is searched this far (fraction of ``H``; at least 2 pixels) either side of the mask's."""
EDGE_SNAP_MIN_CONTRAST = 4.0
"""Smallest colour step (0-255 levels per pixel, after smoothing) that counts as the body's edge."""
EDGE_SMOOTHING = np.array([1, 2, 3, 4, 3, 2, 1], float) / 16.0
"""Bilinear sampling makes a profile's gradient piecewise constant between pixel centres; this
one-pixel triangular smoothing (at 0.25-pixel steps) gives it a single, sub-pixel peak."""


class EdgeImage:
    """The photo as float32 RGB smoothed with a Gaussian of sigma 1 pixel, for snapping outlines to its edges.

    Only the part of ``box`` (x0, y0, x1, y1; the whole photo if None) that a read needs is
    smoothed, at each read; outside the box the image reads 0. A read gives the same values as
    smoothing the whole box once (the smoothed part is taken with the blur's reach inside the box).
    """

    BLUR_REACH = 4
    """Pixels the Gaussian (sigma 1, OpenCV's 9-tap kernel) reaches either side."""

    def __init__(self, rgb: NDArray[np.uint8], box: tuple[float, float, float, float] | None = None) -> None:
        self.rgb = np.asarray(rgb)
        h, w = self.rgb.shape[:2]
        if box is None or not np.isfinite(box).all():
            box = (0.0, 0.0, float(w), float(h))
        self.box = (
            max(0, int(box[0])),
            max(0, int(box[1])),
            min(w, int(np.ceil(box[2]))),
            min(h, int(np.ceil(box[3]))),
        )

    def sample(self, pts: FloatArray) -> NDArray[np.float32]:
        """Bilinear smoothed colour ``(..., m, 3)`` at finite pixel points ``(..., m, 2)``; the edge pixel beyond the photo."""
        shape = np.shape(pts)[:-1]
        p = np.asarray(pts, dtype=np.float32).reshape(-1, shape[-1], 2) - 0.5
        h, w = self.rgb.shape[:2]
        # The pixels the bilinear reads touch (a pixel more each way: OpenCV rounds coordinates to
        # 1/32 pixel first), clipped to the photo: a read beyond it repeats its edge.
        rx0, ry0 = (int(min(max(np.floor(p[..., k].min()) - 1, 0), n - 1)) for k, n in ((0, w), (1, h)))
        rx1, ry1 = (int(min(max(np.floor(p[..., k].max()) + 3, 1), n)) for k, n in ((0, w), (1, h)))
        region = np.zeros((ry1 - ry0, rx1 - rx0, 3), np.float32)
        bx0, by0, bx1, by1 = self.box
        x0, y0, x1, y1 = max(bx0, rx0), max(by0, ry0), min(bx1, rx1), min(by1, ry1)
        if x1 > x0 and y1 > y0:
            r = self.BLUR_REACH
            mx0, my0, mx1, my1 = max(bx0, x0 - r), max(by0, y0 - r), min(bx1, x1 + r), min(by1, y1 + r)
            blurred = cv2.GaussianBlur(self.rgb[my0:my1, mx0:mx1].astype(np.float32), (0, 0), 1.0)
            region[y0 - ry0 : y1 - ry0, x0 - rx0 : x1 - rx0] = blurred[y0 - my0 : y1 - my0, x0 - mx0 : x1 - mx0]
        out = cv2.remap(region, p[..., 0] - rx0, p[..., 1] - ry0, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return np.asarray(out, dtype=np.float32).reshape(*shape, 3)


def snap_to_edge(image: EdgeImage | None, points: FloatArray, direction: FloatArray, reach: float) -> FloatArray:
    """Move each of ``points (n, 2)`` along its ``direction`` (``(n, 2)`` or one ``(2,)``) to the photo's
    strongest colour edge within ``reach`` pixels.

    The mask is computed at a lower resolution than the photo and is smooth;
    the photo's own edge is sharper. A point stays where it is when there is
    no image, no clear edge nearby, or it is not finite.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ok = np.isfinite(points).all(axis=1)
    if image is None or not ok.any():
        return points
    d = np.broadcast_to(np.asarray(direction, dtype=np.float64), points.shape)[ok]
    ts = np.arange(-reach, reach + 1e-9, 0.25)
    prof = image.sample(points[ok][:, None, :] + ts[None, :, None] * d[:, None, :])
    grad = np.linalg.norm(np.gradient(prof.astype(np.float64), 0.25, axis=1), axis=2)
    k = len(EDGE_SMOOTHING) // 2
    padded = np.pad(grad, ((0, 0), (k, k)))
    grad = sum(w * padded[:, j : j + len(ts)] for j, w in enumerate(EDGE_SMOOTHING))
    i = np.argmax(grad, axis=1)
    rows = np.arange(len(i))
    snapped = (grad[rows, i] >= EDGE_SNAP_MIN_CONTRAST) & (i >= k + 1) & (i <= len(ts) - k - 2)
    i = np.clip(i, 1, len(ts) - 2)
    a, b, c = grad[rows, i - 1], grad[rows, i], grad[rows, i + 1]
    den = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ts[i] + np.where(den < 0, 0.25 * 0.5 * (a - c) / den, 0.0)
    out = points.copy()
    moved = np.flatnonzero(ok)[snapped]
    out[moved] = points[moved] + t[snapped, None] * d[snapped]
    return out


# --- body frame -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    u: FloatArray  # unit, towards the subject's left
    v: FloatArray  # unit, up the trunk
    trunk: bool  # oriented by the trunk axis (else the image vertical)


def along(q: FloatArray, axis: FloatArray) -> FloatArray:
    """Components of the vectors ``q (n, 2)`` along the unit vector ``axis`` (pixels)."""
    return q[:, 0] * axis[0] + q[:, 1] * axis[1]


def body_frame(lm: Landmarks, min_score: float) -> Frame:
    shoulder_mid = g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER])
    if lm.usable((L.LEFT_HIP, L.RIGHT_HIP), min_score):
        axis = shoulder_mid - g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
        v = axis / np.linalg.norm(axis)
        trunk = True
    else:
        v, trunk = np.array([0.0, -1.0]), False
    u = np.array([-v[1], v[0]])
    if float((lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]) @ u) < 0:
        u = -u
    return Frame(u=u, v=v, trunk=trunk)


# --- contour statistics ---------------------------------------------------------------------


def effective_count(residuals: FloatArray) -> float:
    """Number of independent residuals along a contour: ``n (1 - r) / (1 + r)`` for lag-1
    autocorrelation ``r`` (neighbouring scan lines see the same smooth outline error)."""
    e = residuals - residuals.mean()
    den = float(e @ e)
    r = float(e[1:] @ e[:-1]) / den if den > 0 else 0.0
    r = min(max(r, 0.0), 0.95)
    return max(2.0, len(e) * (1 - r) / (1 + r))
