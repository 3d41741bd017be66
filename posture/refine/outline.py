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
ImageArray = NDArray[np.float32]
"""The photo smoothed for edge snapping, ``(H, W, 3)`` float32 (:func:`posture.refine.prepare_image`)."""

EDGE_MAX_WIDTH = 0.12
"""The mask may take at most this fraction of ``H`` (or of ``T`` at the hips) to rise from 0.2 to 0.8."""

MAX_FIT_RMS = 0.03
"""Largest RMS residual (fraction of ``H`` or ``T``) of a contour fit before it counts as ragged."""


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
        Why the pair was not refined (None when it was).
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
            "uncertainty_deg": round(self.uncertainty_deg, 2) if self.refined and np.isfinite(self.uncertainty_deg) else None,
            "left_px": pt(self.left),
            "right_px": pt(self.right),
            "left_ok": self.left_ok,
            "right_ok": self.right_ok,
            "reason": self.reason,
            **contours,
        }

    @classmethod
    def failed(cls, reason: str, left_ok: bool = False, right_ok: bool = False) -> RefinedPair:
        """A pair that could not be refined."""
        nan = np.full(2, np.nan)
        return cls(nan, nan.copy(), left_ok, right_ok, reason)



# --- image sampling -------------------------------------------------------------------------


def sample(mask: NDArray[np.float32], pts: FloatArray) -> FloatArray:
    """Bilinear mask values at continuous pixel points ``(..., 2)`` (pixel i spans [i, i+1)); 0 outside."""
    p = np.asarray(pts, dtype=np.float32).reshape(-1, 1, 2) - 0.5
    out = cv2.remap(mask, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return out.reshape(np.shape(pts)[:-1]).astype(np.float64)


def first_crossing(values: FloatArray, positions: FloatArray, level: float = 0.5) -> float:
    """Position where ``values`` first reaches ``level``, linearly interpolated; NaN if never or at once."""
    hit = np.nonzero(values >= level)[0]
    if len(hit) == 0 or hit[0] == 0:
        return float("nan")
    i = hit[0]
    a, b = values[i - 1], values[i]
    return float(positions[i - 1] + (level - a) / (b - a) * (positions[i] - positions[i - 1]))


def edge_width(values: FloatArray, positions: FloatArray) -> float:
    """Distance over which the scan rises from 0.2 to 0.8 at its first edge (infinite if it never
    gets from below 0.2 to 0.8: a mask that does not separate the person from the background)."""
    lo = first_crossing(values, positions, 0.2)
    hi = first_crossing(values, positions, 0.8)
    return abs(hi - lo) if np.isfinite(lo) and np.isfinite(hi) else float("inf")


EDGE_SNAP_H = 0.03
"""The image's own edge is searched this far (fraction of ``H``; at least 2 pixels) either side of the mask's."""
EDGE_SNAP_MIN_CONTRAST = 4.0
"""Smallest colour step (0-255 levels per pixel, after smoothing) that counts as the body's edge."""


def snap_to_edge(image: ImageArray | None, point: FloatArray, direction: FloatArray, reach: float) -> tuple[FloatArray, bool]:
    """Move ``point`` along ``direction`` to the strongest colour edge within ``reach`` pixels.

    The mask is computed at a lower resolution than the photo and is smooth;
    the photo's own edge is sharper. Returns the point unchanged (and False)
    when there is no image or no clear edge nearby.
    """
    if image is None:
        return point, False
    ts = np.arange(-reach, reach + 1e-9, 0.25)
    pts = point + ts[:, None] * direction
    p = pts.astype(np.float32).reshape(-1, 1, 2) - 0.5
    prof = cv2.remap(image, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).reshape(len(ts), -1)
    grad = np.linalg.norm(np.gradient(prof.astype(np.float64), 0.25, axis=0), axis=1)
    # Bilinear sampling makes the gradient piecewise constant between pixel centres; a
    # one-pixel triangular smoothing gives it a single, sub-pixel peak.
    grad = np.convolve(grad, np.array([1, 2, 3, 4, 3, 2, 1], float) / 16.0, mode="same")
    i = int(np.argmax(grad))
    if grad[i] < EDGE_SNAP_MIN_CONTRAST or i < 4 or i > len(ts) - 5:
        return point, False
    a, b, c = grad[i - 1], grad[i], grad[i + 1]
    den = a - 2 * b + c
    t = ts[i] + (0.25 * 0.5 * (a - c) / den if den < 0 else 0.0)
    return point + t * direction, True



# --- body frame -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    u: FloatArray  # unit, towards the subject's left
    v: FloatArray  # unit, up the trunk
    trunk: bool  # oriented by the trunk axis (else the image vertical)


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
