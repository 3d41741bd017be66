r"""Silhouette refinement of shoulder and pelvic tilt (image evidence, no MediaPipe types).

MediaPipe's shoulder and hip landmarks estimate joint centres and are drawn
towards symmetry: on rendered people with known tilts one pass sees 60-90% of
the shoulder tilt and about a third of the pelvic tilt. A clinician levels the
tops of the shoulders and the pelvic rim, which a frontal photo shows as the
body's outline. This module reads that outline from a person's segmentation
mask (``(H, W)`` float in [0, 1], 1 on the person; MediaPipe's, see
:meth:`posture.pose.PoseDetector.detect_segmented`) and uses the landmarks only
to place the search. Given the photo, each outline point found on the mask is
moved along its scan line to the photo's strongest colour edge within
``max(2 px, 0.03 H)``: the mask is upsampled from a small network output and
is smooth, the photo's edge is sharp (on the rendered people this takes the
pelvic tilt's mean error from about 0.5 to 0.1-0.2 degrees).

Body frame
    Every search runs in a frame that turns with the body, so a camera roll
    turns the refined points with it: ``v`` along the trunk axis (the hips'
    midpoint to the shoulders' midpoint, pointing up), ``u`` perpendicular to
    it towards the subject's left. Without usable hip landmarks ``v`` is the
    image's up direction (flagged ``frame: image vertical``). Lengths are in
    units of ``H`` (half the distance between the shoulder landmarks) and
    ``T`` (trunk length, hips' midpoint to shoulders' midpoint).

Shoulders: mirror registration of the shoulder caps
    1. Midline from the neck. The neck is the body's midline at shoulder
       level and its sides are nearly vertical: rows along ``u`` from 0.3 to
       0.9 ``H`` above the shoulder landmarks are scanned from the trunk axis
       outwards to the first background pixel on each side; the neck is where
       the outline is narrowest (the jaw above and the trapezius below are
       wider): the midline is the median midpoint of the rows within 10% of the
       narrowest width. It only orients the two sides; the result does not
       depend on where exactly it lies.
    2. Each side's outline is traced by rays fanning out from inside the
       chest, and its cap kept: the outer corner of the shoulder, from its
       highest point 0.6 ``H`` down and 0.35 ``H`` in from the outer edge. This
       is the outline lateral of the shoulder joint's centre: the acromion and
       the deltoid wrapped over the humeral head, which move with the joint
       (and with the arm). The outline between the neck and the acromion does
       not: a shrug stretches the trapezius, so its top rises less than the
       joint (on rendered people directly above the joint by 80-90% of the
       joint's rise); a height read there under-reads the tilt.
    3. The caps are mirror images, one shifted by as much as its joint is
       higher (and a little sideways: a turned body, a wider shoulder). The
       shift is found by registering the left cap on the mirrored right one
       and the right on the mirrored left (point-to-line ICP, free in both
       directions) and averaging, so the estimate changes sign exactly under a
       mirror. Because the cap's selection follows its own outline, a shifted
       cap selects the same part of itself.
    4. The tilt is the upward shift over the distance between the joints
       (``2 H``, the landmarks'): the tilt of the line through the joints the
       caps ride on. The refined points drawn are above the joints, at the
       caps' mean height, one higher by the shift.
    Upper arms held more than ``MAX_ARM_ASYMMETRY_DEG`` differently change the
    two caps unequally, and an arm raised more than ``MAX_ARM_RAISE_DEG`` from
    the side (a T-pose) leaves no cap: the outline runs from the neck straight
    onto the arm, so a shift along it is barely fixed, and the shoulder blades
    rotate upwards with the arm (beyond about 30 degrees of arm elevation), so
    the caps are no longer where the shoulders sit at rest. Neither pair is
    refined. On the rendered people the upper arms hang 22-32 degrees from the
    sides; a clinician's standing assessment has them relaxed.

Pelvis: mirror registration of the hip outline
    1. Rows along ``u`` from 0.05 ``T`` below to 0.30 ``T`` above the hip
       landmarks' midpoint give each side's lateral outline. This band runs
       from the greater trochanter (at the hip joints' level) to the iliac
       crest (ANSUR II adults: iliocristale minus trochanterion height is
       about 0.085 of stature, the trunk about 0.28, so 0.3 ``T``): the
       outline of the pelvis and the tissue on it. Above it the waist follows
       the lumbar spine; below it the thigh follows the femur; neither moves
       with the pelvis, so neither the waist's narrowest point nor the widest
       point of the hips is used (both are also flat extremes whose height is
       poorly defined).
    2. The pelvis is bilaterally symmetric: its left outline is the mirror
       image of its right. If the pelvis is rotated by ``theta`` in the image,
       the left outline equals the mirrored right outline rotated by
       ``2 * theta`` and shifted (the shift absorbs a lateral shift of the body
       and any error in the landmarks' midline, so no midline is needed). The
       rotation is found by a grid search minimising the lateral residuals,
       registering left on mirrored right and right on mirrored left and
       averaging, which makes the estimate change sign exactly under a mirror.
       Its standard error is the least-squares one from the cost's curvature,
       the residuals counted as independent only beyond their correlation.
    3. Points: the left outline at mid-band, and the point where the line
       through it at ``theta`` meets the right outline. Their tilt, computed
       with :func:`~posture.geometry.tilt_deg`, is ``theta`` in the image.
    Only the outline's direction constrains ``theta`` (a nearly straight
    outline cannot say how far along itself it moved), so where soft tissue
    does not turn with the pelvis the refined value under-reads; see the
    README's table.

Fallback
    A side is unusable when the evidence is: something above the shoulder
    (hair, a raised arm, a background the mask merged with), no neck found,
    arms held differently, an arm against the hip, an outline much wider than the hips (loose clothing,
    an object), a weak or ragged mask edge, outlines too different to
    register, or a refined tilt whose standard error exceeds
    ``MAX_UNCERTAINTY_DEG``. The pair is then not refined (``refined`` False) and ``reason``
    says why; the caller keeps the landmark value, widens its uncertainty and
    says so.
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

# Geometry of the searches, in body units (see the module docstring for the reasons).
NECK_SEARCH_H = (0.3, 0.9)
"""The neck is searched between these heights (``H``) above the shoulder landmarks."""
NECK_WIDTH_SLACK = 0.1
"""Rows at most this much wider than the narrowest one are the neck."""
NECK_MAX_HALF_WIDTH_H = 0.6
"""A neck (or what covers it) wider than this either side of the axis is not a neck."""
SHOULDER_CAP_DEPTH_H = 0.6
"""The shoulder cap's outline is read down to this far (``H``) under its highest point ..."""
SHOULDER_CAP_WIDTH_H = 0.35
"""... and from the outline's lateral edge at that depth this far (``H``) inwards: the acromion and the
deltoid over the humeral head, lateral of the shoulder joint's centre."""
SHOULDER_RAY_ORIGIN_H = (0.6, -0.3)
"""Rays to the cap's outline start this far out from the midline and up from the landmarks' level (``H``): inside the chest."""
SHOULDER_RAY_DEG = (20.0, 100.0, 1.0)
"""Ray directions: from this many degrees off upwards (towards outwards) to this, in these steps."""
SHOULDER_RAY_REACH_H = 1.5
"""A ray that stays in the silhouette this far (``H``) is blocked (hair, a raised arm, merged background)."""
MIN_CAP_POINTS = 10
"""Fewest outline points on a shoulder cap."""
MAX_ARM_RAISE_DEG = 60.0
"""An upper arm raised more than this from the side (angle from the trunk axis) takes the shoulder's corner with it:
the outline runs from the neck along the top of the arm, and the shoulder blades turn up with the arms."""
MAX_ARM_ASYMMETRY_DEG = 20.0
"""Upper arms held more than this differently (angle from the trunk axis) change the caps' outlines unequally."""
SHOULDER_TOP_RANGE_H = (-0.15, 0.6)
"""Plausible height of the shoulder top above its own landmark (``H``); outside it, something else was found."""
PELVIS_BAND_T = (-0.05, 0.30)
"""Hip outline band, in ``T`` above the hip landmarks' midpoint: greater trochanter to iliac crest."""
ARM_CLEARANCE_T = 0.06
"""An arm landmark closer than this (``T``) outside the hip outline, or inside it, hides the outline."""
MAX_OUTLINE_OVER_HIP = 2.2
"""Hip outline farther from the midline than this times the hip landmarks' half-distance: not the body."""
EDGE_MAX_WIDTH = 0.12
"""The mask may take at most this fraction of ``H`` (or of ``T`` at the hips) to rise from 0.2 to 0.8."""
MAX_FIT_RMS = 0.03
"""Largest RMS residual (fraction of ``H`` or ``T``) of a contour fit before it counts as ragged."""
MIN_COVERAGE = 0.7
"""Fewest fraction of scan lines that must find the outline on a side."""
MAX_UNCERTAINTY_DEG = 1.0
"""A refined tilt whose standard error exceeds this is not used: the landmark-only tilt's own mean
error on the rendered people is 0.8-1.3 degrees (shoulders) and 1.6-2.1 (pelvis)."""
MAX_ROTATION_DEG = 40.0
"""Registration searches rotations (twice the pelvic tilt relative to the trunk frame) within +-this."""


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


@dataclass(frozen=True)
class Refinement:
    """Refined shoulder and pelvis points of one person.

    ``frame`` says how the body frame was oriented: ``trunk axis`` or
    ``image vertical`` (no usable hips).
    """

    shoulders: RefinedPair
    pelvis: RefinedPair
    frame: str

    def to_dict(self, contour_points: int = 12) -> dict[str, Any]:
        """JSON form (see :meth:`RefinedPair.to_dict`)."""
        return {
            "frame": self.frame,
            "shoulders": self.shoulders.to_dict(contour_points),
            "pelvis": self.pelvis.to_dict(contour_points),
        }


# --- image sampling -------------------------------------------------------------------------


def _sample(mask: NDArray[np.float32], pts: FloatArray) -> FloatArray:
    """Bilinear mask values at continuous pixel points ``(..., 2)`` (pixel i spans [i, i+1)); 0 outside."""
    p = np.asarray(pts, dtype=np.float32).reshape(-1, 1, 2) - 0.5
    out = cv2.remap(mask, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return out.reshape(np.shape(pts)[:-1]).astype(np.float64)


def _first_crossing(values: FloatArray, positions: FloatArray, level: float = 0.5) -> float:
    """Position where ``values`` first reaches ``level``, linearly interpolated; NaN if never or at once."""
    hit = np.nonzero(values >= level)[0]
    if len(hit) == 0 or hit[0] == 0:
        return float("nan")
    i = hit[0]
    a, b = values[i - 1], values[i]
    return float(positions[i - 1] + (level - a) / (b - a) * (positions[i] - positions[i - 1]))


def _edge_width(values: FloatArray, positions: FloatArray) -> float:
    """Distance over which the scan rises from 0.2 to 0.8 at its first edge (infinite if it never
    gets from below 0.2 to 0.8: a mask that does not separate the person from the background)."""
    lo = _first_crossing(values, positions, 0.2)
    hi = _first_crossing(values, positions, 0.8)
    return abs(hi - lo) if np.isfinite(lo) and np.isfinite(hi) else float("inf")


EDGE_SNAP_H = 0.03
"""The image's own edge is searched this far (fraction of ``H``; at least 2 pixels) either side of the mask's."""
EDGE_SNAP_MIN_CONTRAST = 4.0
"""Smallest colour step (0-255 levels per pixel, after smoothing) that counts as the body's edge."""


def _snap(image: FloatArray | None, point: FloatArray, direction: FloatArray, reach: float) -> tuple[FloatArray, bool]:
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
class _Frame:
    u: FloatArray  # unit, towards the subject's left
    v: FloatArray  # unit, up the trunk
    trunk: bool  # oriented by the trunk axis (else the image vertical)


def _usable(lm: Landmarks, points: tuple[PoseLandmark, ...], min_score: float) -> bool:
    return all(np.isfinite(lm.xy[p]).all() and lm.score(p) >= min_score for p in points)


def _frame(lm: Landmarks, min_score: float) -> _Frame:
    shoulder_mid = g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER])
    if _usable(lm, (L.LEFT_HIP, L.RIGHT_HIP), min_score):
        axis = shoulder_mid - g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
        v = axis / np.linalg.norm(axis)
        trunk = True
    else:
        v, trunk = np.array([0.0, -1.0]), False
    u = np.array([-v[1], v[0]])
    if float((lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]) @ u) < 0:
        u = -u
    return _Frame(u=u, v=v, trunk=trunk)


# --- shoulders ------------------------------------------------------------------------------


def _neck_midline(
    mask: NDArray[np.float32], image: FloatArray | None, mid: FloatArray, half: float, f: _Frame
) -> tuple[float, str | None]:
    """Lateral offset (pixels along ``u``) of the neck's midline from ``mid``, or NaN and why.

    Rows across the body from ``NECK_SEARCH_H[0]`` to ``[1]`` above the shoulder landmarks; the neck
    is where the outline is narrowest (the jaw above and the trapezius below are wider), so the rows
    within ``NECK_WIDTH_SLACK`` of the narrowest width give the midline.
    """
    reach = np.linspace(0.0, NECK_MAX_HALF_WIDTH_H * half, int(NECK_MAX_HALF_WIDTH_H * half * 4) + 2)
    heights = np.arange(NECK_SEARCH_H[0], NECK_SEARCH_H[1] + 1e-9, 0.05) * half
    rows = []
    for h in heights:
        c = mid + h * f.v
        ends = []
        for sign in (1.0, -1.0):
            outside = 1.0 - _sample(mask, c + sign * reach[:, None] * f.u)
            x = _first_crossing(outside, reach)
            if np.isfinite(x):
                snapped, _ = _snap(image, c + sign * x * f.u, f.u, max(2.0, EDGE_SNAP_H * half))
                x = float(sign * ((snapped - c) @ f.u))
            ends.append(sign * x)
        if np.isfinite(ends).all():
            rows.append((ends[0] - ends[1], (ends[0] + ends[1]) / 2.0))
    nan = float("nan")
    if len(rows) < 3:
        return nan, "neck not found in the silhouette (hair, a hood or collar, or the mask)"
    widths, centres = np.array(rows).T
    neck = widths <= widths.min() * (1.0 + NECK_WIDTH_SLACK)
    c = centres[neck]
    if len(c) < 2:
        return nan, "neck not found in the silhouette (hair, a hood or collar, or the mask)"
    if c.max() - c.min() > 0.1 * half:
        return nan, "the neck's outline is uneven (hair or clothing over the neck?)"
    return float(np.median(c)), None


def _cap_outline(
    mask: NDArray[np.float32], image: FloatArray | None, centre: FloatArray, level: float, half: float, f: _Frame, sign: float
) -> tuple[FloatArray, int, int]:
    """One side's shoulder-cap outline in the body frame, ``(n, 2)`` as (outwards, up) pixels from
    ``centre``, with the number of rays that found no way out of the silhouette and of weak edges.

    Rays from inside the chest (``SHOULDER_RAY_ORIGIN_H``) fan from upwards to outwards and a
    little down; each outline point is the ray's first crossing of mask 0.5, snapped to the photo's
    edge. The cap is the part of that outline within ``SHOULDER_CAP_DEPTH_H`` under its highest
    point and within ``SHOULDER_CAP_WIDTH_H`` inwards of its outer edge at that depth: chosen from
    the outline's own extremes, so a cap shifted up or sideways selects the same part of itself.
    ``level`` is the side's shoulder landmark's height (pixels along ``v`` from ``centre``).
    """
    out_h, up_h = SHOULDER_RAY_ORIGIN_H
    origin = centre + sign * out_h * half * f.u + (level + up_h * half) * f.v
    reach = np.linspace(0.0, SHOULDER_RAY_REACH_H * half, int(SHOULDER_RAY_REACH_H * half * 4) + 2)
    snap = max(2.0, EDGE_SNAP_H * half)
    pts, trapped, wide = [], 0, 0
    for a in np.radians(np.arange(SHOULDER_RAY_DEG[0], SHOULDER_RAY_DEG[1] + 1e-9, SHOULDER_RAY_DEG[2])):
        d = np.cos(a) * f.v + np.sin(a) * sign * f.u
        outside = 1.0 - _sample(mask, origin + reach[:, None] * d)
        x = _first_crossing(outside, reach)
        if not np.isfinite(x):
            trapped += 1
            continue
        if _edge_width(outside, reach) > EDGE_MAX_WIDTH * half:
            wide += 1
            continue
        p, _ = _snap(image, origin + x * d, d, snap)
        q = p - centre
        pts.append((sign * float(q @ f.u), float(q @ f.v)))
    c = np.array(pts).reshape(-1, 2)
    if len(c) < 2:
        return c, trapped, wide
    # The cap is chosen from the outline's own extremes, so that a shifted cap selects the same part.
    bottom = c[:, 1].max() - SHOULDER_CAP_DEPTH_H * half
    below = c[:, 1] < bottom
    if below.any() and (~below).any():
        j = int(np.argmax(below))  # rays run from up to outwards: the first one under the bottom
        edge = float(np.interp(bottom, [c[j, 1], c[j - 1, 1]], [c[j, 0], c[j - 1, 0]])) if j > 0 else float(c[j, 0])
    else:
        edge = float(c[:, 0].max())
    keep = (c[:, 1] >= bottom) & (c[:, 0] >= edge - SHOULDER_CAP_WIDTH_H * half)
    return c[keep], trapped, wide


def _curve_normals(c: FloatArray) -> FloatArray:
    """Unit normals of an ordered point sequence, from the chord two points either side."""
    n = len(c)
    i = np.arange(n)
    t = c[np.minimum(i + 2, n - 1)] - c[np.maximum(i - 2, 0)]
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9)
    return np.stack([t[:, 1], -t[:, 0]], axis=1)


def _register_shift(a: FloatArray, b: FloatArray) -> tuple[FloatArray, float, float]:
    """Shift ``d`` (pixels, in the curves' (outwards, up) frame) carrying curve ``b`` onto curve ``a``,
    its RMS residual and the standard error of its upward component.

    Point-to-line ICP: each point of ``a`` is matched to the nearest point of the shifted ``b`` and
    the distance along ``b``'s normal there is minimised (points matched to ``b``'s ends are left
    out, so curves of different extents still register). Standard error from the least-squares
    covariance, the residuals counted as :func:`_effective_count` independent ones.
    """
    nb = _curve_normals(b)
    d = np.zeros(2)
    nan = float("nan")
    for _ in range(30):
        k = np.argmin(np.linalg.norm(a[:, None, :] - (b + d)[None, :, :], axis=2), axis=1)
        inner = (k > 0) & (k < len(b) - 1)
        if inner.sum() < 6:
            return np.full(2, np.nan), nan, nan
        n = nb[k[inner]]
        r = np.sum((a[inner] - (b[k[inner]] + d)) * n, axis=1)
        step, *_ = np.linalg.lstsq(n, r, rcond=None)
        d = d + step
        if float(np.linalg.norm(step)) < 1e-3:
            break
    res = r - n @ step
    rms = float(np.sqrt(np.mean(res**2)))
    ntn = n.T @ n
    if np.linalg.cond(ntn) > 1e8:
        return d, rms, float("inf")
    m = len(res)
    var = rms**2 * m / max(m - 2, 1) * m / _effective_count(res)  # per-point variance, correlation-inflated
    return d, rms, float(np.sqrt(var * np.linalg.inv(ntn)[1, 1]))


def _arm_abduction_deg(lm: Landmarks, f: _Frame, sign: float) -> float:
    """Angle (degrees) of one upper arm (shoulder to elbow) away from the trunk axis, outwards positive."""
    side = "LEFT_" if sign > 0 else "RIGHT_"
    arm = lm[L[side + "ELBOW"]] - lm[L[side + "SHOULDER"]]
    return float(np.degrees(np.arctan2(sign * (arm @ f.u), -(arm @ f.v))))


def refine_shoulders(
    mask: NDArray[np.float32], lm: Landmarks, image: FloatArray | None = None, min_score: float = 0.5
) -> RefinedPair:
    """Refined shoulder points from the mirror registration of the shoulder caps (see the module docstring).

    ``image`` is the smoothed float RGB photo from :func:`prepare_image`, or None to use the mask alone.
    """
    if not _usable(lm, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), min_score):
        return RefinedPair.failed("shoulder landmarks not visible enough to place the search")
    f = _frame(lm, min_score)
    left, right = lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]
    mid = g.midpoint(left, right)
    half = float(abs((left - right) @ f.u)) / 2.0
    if half < 8.0:
        return RefinedPair.failed("shoulders too small in the photo (under 16 pixels apart) to read the outline")
    offset, why = _neck_midline(mask, image, mid, half, f)
    if why:
        return RefinedPair.failed(why)
    centre = mid + offset * f.u
    if _usable(lm, (L.LEFT_ELBOW, L.RIGHT_ELBOW), min_score):
        arms = (_arm_abduction_deg(lm, f, 1.0), _arm_abduction_deg(lm, f, -1.0))
        if max(arms) > MAX_ARM_RAISE_DEG:
            return RefinedPair.failed(
                f"an arm is raised {max(arms):.0f} degrees from the side, so the shoulder's outline runs onto the arm"
            )
        spread = abs(arms[0] - arms[1])
        if spread > MAX_ARM_ASYMMETRY_DEG:
            return RefinedPair.failed(
                f"the arms are held differently ({spread:.0f} degrees apart), so the shoulder outlines are not mirror images"
            )
    caps: dict[float, FloatArray] = {}
    ok: dict[float, bool] = {}
    reasons: dict[float, str | None] = {}
    for sign in (1.0, -1.0):
        side = "left" if sign > 0 else "right"
        level = float((lm[L.LEFT_SHOULDER if sign > 0 else L.RIGHT_SHOULDER] - centre) @ f.v)
        cap, trapped, wide = _cap_outline(mask, image, centre, level, half, f, sign)
        caps[sign] = cap
        rays = int((SHOULDER_RAY_DEG[1] - SHOULDER_RAY_DEG[0]) / SHOULDER_RAY_DEG[2]) + 1
        if trapped > rays // 3:
            reasons[sign] = f"something covers the {side} shoulder (hair, a raised arm, or background merged into the silhouette)"
        elif wide > rays // 3:
            reasons[sign] = f"weak silhouette edge over the {side} shoulder (little contrast with the background)"
        elif len(cap) < MIN_CAP_POINTS:
            reasons[sign] = f"no clear outline of the {side} shoulder"
        elif not SHOULDER_TOP_RANGE_H[0] <= (cap[:, 1].max() - level) / half <= SHOULDER_TOP_RANGE_H[1]:
            above = (cap[:, 1].max() - level) / half
            reasons[sign] = f"the outline over the {side} shoulder is {above:+.2f} shoulder half-widths from its landmark: not the shoulder"
        else:
            reasons[sign] = None
        ok[sign] = reasons[sign] is None
    contour = {s: centre + np.outer(s * c[:, 0], f.u) + np.outer(c[:, 1], f.v) for s, c in caps.items()}
    reason = "; ".join(r for r in reasons.values() if r) or None
    nan = np.full(2, np.nan)
    if reason:
        return RefinedPair(nan, nan.copy(), ok[1.0], ok[-1.0], reason, contour[1.0], contour[-1.0])
    d_lr, rms_lr, se_lr = _register_shift(caps[1.0], caps[-1.0])  # left = mirrored right + d_lr
    d_rl, rms_rl, se_rl = _register_shift(caps[-1.0], caps[1.0])  # right = mirrored left + d_rl
    if not np.isfinite(np.concatenate([d_lr, d_rl])).all():
        return RefinedPair(nan, nan.copy(), True, True, "the two shoulder outlines do not match as mirror images", contour[1.0], contour[-1.0])
    rms = float(np.sqrt((rms_lr**2 + rms_rl**2) / 2))
    if rms > MAX_FIT_RMS * half:
        return RefinedPair(nan, nan.copy(), True, True, "ragged outline over the shoulders (hair or clothing?)", contour[1.0], contour[-1.0], rms)
    rise = (d_lr[1] - d_rl[1]) / 2.0  # how much higher the left cap is than the right, pixels along v
    se_deg = float(np.degrees((se_lr + se_rl) / 2.0 / (2.0 * half)))  # the two share data: not in quadrature
    if not se_deg <= MAX_UNCERTAINTY_DEG:
        why = f"the shoulder outlines are too uneven to fix the tilt (standard error {se_deg:.1f} degrees)"
        return RefinedPair(nan, nan.copy(), True, True, why, contour[1.0], contour[-1.0], rms, se_deg)
    # Points above the joints (the landmarks' half-width out), at the caps' mean top height, one
    # risen by `rise` relative to the other: their tilt is the joints' tilt the caps show.
    top = (caps[1.0][:, 1].max() + caps[-1.0][:, 1].max()) / 2.0
    p_left = centre + half * f.u + (top + rise / 2.0) * f.v
    p_right = centre - half * f.u + (top - rise / 2.0) * f.v
    return RefinedPair(p_left, p_right, True, True, None, contour[1.0], contour[-1.0], rms, se_deg)


# --- pelvis ---------------------------------------------------------------------------------


def _effective_count(residuals: FloatArray) -> float:
    """Number of independent residuals along a contour: ``n (1 - r) / (1 + r)`` for lag-1
    autocorrelation ``r`` (neighbouring scan lines see the same smooth outline error)."""
    e = residuals - residuals.mean()
    den = float(e @ e)
    r = float(e[1:] @ e[:-1]) / den if den > 0 else 0.0
    r = min(max(r, 0.0), 0.95)
    return max(2.0, len(e) * (1 - r) / (1 + r))


def _register(
    s_a: FloatArray, c_a: FloatArray, s_b: FloatArray, c_b: FloatArray
) -> tuple[float, float, float]:
    """Rotation (degrees, counter-clockwise in the (lateral, up) = (c, s) plane) that carries curve b
    onto curve a after a free shift, the RMS lateral residual (pixels) and the rotation's standard error.

    Curve a is ``c_a(s_a)`` with ``s_a`` increasing; curve b is the points ``(c_b, s_b)``. Curve b
    turns about its own centroid, so rotation and shift stay separate; only its middle 70% is
    compared, so every shift searched keeps all compared points on curve a and the cost is smooth.
    The standard error is the least-squares one, ``sqrt(2 s^2 / S'')`` with the cost's curvature
    ``S''`` in the rotation (shift and offset profiled out) and the residual variance ``s^2``, the
    residuals counted as :func:`_effective_count` independent ones.
    """
    span = float(s_a[-1] - s_a[0])
    margin = 0.15 * span
    keep = (s_b >= s_a[0] + margin) & (s_b <= s_a[-1] - margin)
    nan = float("nan")
    if keep.sum() < 8:
        return nan, float("inf"), nan
    cb, sb = c_b[keep], s_b[keep]
    c0, s0 = float(np.mean(cb)), float(np.mean(sb))
    fine_shifts = np.arange(-0.12 * span, 0.12 * span + 1e-9, 0.25)
    shifts = fine_shifts[::4]  # the coarse search first

    def residuals(phi_deg: float) -> FloatArray:
        p = np.radians(phi_deg)
        cos, sin = np.cos(p), np.sin(p)
        c = c0 + cos * (cb - c0) - sin * (sb - s0)
        s = s0 + sin * (cb - c0) + cos * (sb - s0)
        res = np.interp(s[None, :] + shifts[:, None], s_a, c_a) - c[None, :]
        res -= res.mean(axis=1, keepdims=True)
        return res[int(np.argmin(np.mean(res**2, axis=1)))]

    def cost(phi_deg: float) -> float:
        return float(np.mean(residuals(phi_deg) ** 2))

    coarse = np.arange(-MAX_ROTATION_DEG, MAX_ROTATION_DEG + 0.5, 1.0)
    best = float(coarse[int(np.argmin([cost(p) for p in coarse]))])
    shifts = fine_shifts
    fine = np.arange(best - 1.0, best + 1.0 + 1e-9, 0.05)
    fcost = [cost(p) for p in fine]
    i = int(np.argmin(fcost))
    phi = float(fine[i])
    if 0 < i < len(fine) - 1:  # parabolic refinement between grid points
        a, b, c = fcost[i - 1], fcost[i], fcost[i + 1]
        den = a - 2 * b + c
        if den > 0:
            phi += 0.05 * 0.5 * (a - c) / den
    res = residuals(phi)
    c_min = cost(phi)
    step = 0.5
    curvature = (cost(phi + step) + cost(phi - step) - 2 * c_min) / step**2  # per degree squared
    n_eff = _effective_count(res)
    se = float(np.sqrt(2 * c_min / (n_eff * curvature))) if curvature > 0 else float("inf")
    return phi, float(np.sqrt(c_min)), se


def _arm_near_flank(lm: Landmarks, origin: FloatArray, f: _Frame, trunk: float, flank: FloatArray, ts: FloatArray, sign: float) -> bool:
    """Whether that side's arm (elbow, wrist, hand landmarks) lies against or in front of the hip outline."""
    names = ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")
    side = "LEFT_" if sign > 0 else "RIGHT_"
    chain = [lm[L[side + "SHOULDER"]]] + [lm[L[side + n]] for n in names]
    pts = []
    for a, b in zip(chain[:-1], chain[1:]):
        if np.isfinite(a).all() and np.isfinite(b).all():
            pts.append(a + np.linspace(0, 1, 12)[:, None] * (b - a))
    if not pts:
        return False
    p = np.concatenate(pts) - origin
    lat, up = sign * (p @ f.u), p @ f.v
    lo, hi = PELVIS_BAND_T[0] * trunk, PELVIS_BAND_T[1] * trunk
    band = (up >= lo - 0.05 * trunk) & (up <= hi + 0.05 * trunk)
    if not band.any():
        return False
    ok = np.isfinite(flank)
    if not ok.any():
        return True
    outline = np.interp(np.clip(up[band], ts[ok][0], ts[ok][-1]), ts[ok], flank[ok])
    return bool(np.any(lat[band] < outline + ARM_CLEARANCE_T * trunk))


def refine_pelvis(
    mask: NDArray[np.float32], lm: Landmarks, image: FloatArray | None = None, min_score: float = 0.5
) -> RefinedPair:
    """Refined pelvis points from the hip outline's mirror registration (see the module docstring).

    ``image`` is the smoothed float RGB photo from :func:`prepare_image`, or None to use the mask alone.
    """
    need = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
    if not _usable(lm, need, min_score):
        return RefinedPair.failed("shoulder and hip landmarks not visible enough to place the search")
    f = _frame(lm, min_score)
    hip_mid = g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
    trunk = float(g.distance(g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]), hip_mid))
    hip_half = float(abs((lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ f.u)) / 2.0
    if trunk < 40.0 or hip_half < 4.0:
        return RefinedPair.failed("the trunk is too small in the photo (under 40 pixels) to read the hip outline")
    step = max(0.5, trunk / 300.0)
    ts = np.arange(PELVIS_BAND_T[0] * trunk, PELVIS_BAND_T[1] * trunk + step / 2, step)
    snap = max(2.0, EDGE_SNAP_H * trunk / 2.5)  # H is about 0.4 T
    reach_max = MAX_OUTLINE_OVER_HIP * hip_half * 1.25
    reach = np.linspace(0.0, reach_max, int(reach_max * 2) + 2)
    flanks = {1.0: np.full(len(ts), np.nan), -1.0: np.full(len(ts), np.nan)}
    wide = {1.0: 0, -1.0: 0}
    centre_outside = 0
    for i, t in enumerate(ts):
        c = hip_mid + t * f.v
        for sign, arr in flanks.items():
            values = _sample(mask, c + sign * reach[:, None] * f.u)
            if values[0] < 0.5:
                centre_outside += 1
                continue
            x = _first_crossing(1.0 - values, reach)
            if np.isfinite(x):
                snapped, _ = _snap(image, c + sign * x * f.u, f.u, snap)
                x = float(sign * ((snapped - c) @ f.u))
            arr[i] = x
            if np.isfinite(x) and _edge_width(1.0 - values, reach) > EDGE_MAX_WIDTH * trunk:
                wide[sign] += 1
    reasons: dict[float, str | None] = {}
    for sign, arr in flanks.items():
        side = "left" if sign > 0 else "right"
        ok = np.isfinite(arr)
        if centre_outside > len(ts):
            reasons[sign] = "the hips' midline is not inside the silhouette"
        elif ok.mean() < MIN_COVERAGE:
            reasons[sign] = f"no clear {side} hip outline"
        elif wide[sign] > 0.5 * ok.sum():
            reasons[sign] = f"weak silhouette edge at the {side} hip (little contrast with the background)"
        elif _arm_near_flank(lm, hip_mid, f, trunk, arr, ts, sign):
            reasons[sign] = f"the {side} arm or hand is against the hip and hides its outline"
        elif np.nanmedian(arr) > MAX_OUTLINE_OVER_HIP * hip_half:
            reasons[sign] = f"the {side} hip outline is far outside the hip (loose clothing or something beside the body)"
        else:
            reasons[sign] = None
    contour = {
        sign: np.array([hip_mid + t * f.v + sign * x * f.u for t, x in zip(ts, arr) if np.isfinite(x)]).reshape(-1, 2)
        for sign, arr in flanks.items()
    }
    reason = "; ".join(r for r in reasons.values() if r) or None
    nan = np.full(2, np.nan)
    if reason:
        return RefinedPair(nan, nan.copy(), reasons[1.0] is None, reasons[-1.0] is None, reason, contour[1.0], contour[-1.0])
    okl, okr = np.isfinite(flanks[1.0]), np.isfinite(flanks[-1.0])
    sl, xl = ts[okl], flanks[1.0][okl]
    sr, xr = ts[okr], flanks[-1.0][okr]
    phi_lr, rms_lr, se_lr = _register(sl, xl, sr, xr)  # left = R(phi) mirrored right
    phi_rl, rms_rl, se_rl = _register(sr, xr, sl, xl)  # right = R(phi) mirrored left
    rms = float(np.sqrt((rms_lr**2 + rms_rl**2) / 2))
    # In (lateral, up) coordinates a rotation carrying mirrored-right onto left by phi means the
    # pelvis turned by phi / 2 towards the left side up; the reverse registration gives -phi.
    theta_deg = (phi_lr - phi_rl) / 4.0
    theta_se = (se_lr + se_rl) / 4.0  # the two registrations share data: errors added, not in quadrature
    if not np.isfinite([phi_lr, phi_rl]).all() or abs(phi_lr + phi_rl) > 3.0 or max(abs(phi_lr), abs(phi_rl)) >= MAX_ROTATION_DEG - 1:
        return RefinedPair(nan, nan.copy(), True, True, "the two hip outlines do not match as mirror images", contour[1.0], contour[-1.0], rms)
    if rms > MAX_FIT_RMS * trunk:
        return RefinedPair(nan, nan.copy(), True, True, "the hip outlines are too ragged to register", contour[1.0], contour[-1.0], rms)
    if not theta_se <= MAX_UNCERTAINTY_DEG:
        why = f"the hip outlines are too straight or uneven to fix the pelvis's angle (standard error {theta_se:.1f} degrees)"
        return RefinedPair(nan, nan.copy(), True, True, why, contour[1.0], contour[-1.0], rms, theta_se)
    # Points: the left outline at mid-band, and where the line through it at theta meets the right outline.
    t_mid = 0.5 * (PELVIS_BAND_T[0] + PELVIS_BAND_T[1]) * trunk
    x_left = float(np.interp(t_mid, sl, xl))
    tan = np.tan(np.radians(theta_deg))
    t = t_mid
    for _ in range(8):
        t = t_mid - (x_left + float(np.interp(t, sr, xr))) * tan
    x_right = float(np.interp(t, sr, xr))
    p_left = hip_mid + t_mid * f.v + x_left * f.u
    p_right = hip_mid + t * f.v - x_right * f.u
    return RefinedPair(p_left, p_right, True, True, None, contour[1.0], contour[-1.0], rms, theta_se)


# --- both -----------------------------------------------------------------------------------


def prepare_image(rgb: NDArray[np.uint8], box: tuple[float, float, float, float] | None = None) -> FloatArray:
    """The photo as smoothed float32 RGB (sigma 1 pixel), for snapping outlines to its edges.

    With ``box`` (x0, y0, x1, y1), only that region is smoothed (the rest is zero), which is all
    the snapping reads when the box holds the person with a margin.
    """
    img = np.asarray(rgb)
    if box is None or not np.isfinite(box).all():
        return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0)
    h, w = img.shape[:2]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    out = np.zeros(img.shape, np.float32)
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = cv2.GaussianBlur(img[y0:y1, x0:x1].astype(np.float32), (0, 0), 1.0)
    return out


def refine(
    mask: NDArray[np.floating[Any]],
    lm: Landmarks,
    rgb: NDArray[np.uint8] | None = None,
    min_score: float = 0.5,
) -> Refinement:
    """Refine one person's shoulder and pelvis points from their silhouette.

    Parameters
    ----------
    mask : (H, W) float
        The person's segmentation mask in [0, 1] (1 on the person), the same
        size as the image ``lm`` refers to.
    lm : Landmarks
        The person's landmarks in that image, with anatomical sides (swap
        them first for a mirrored selfie).
    rgb : (H, W, 3) uint8, optional
        The photo. When given, each outline point found on the mask is moved
        to the photo's strongest colour edge within a few pixels (the mask is
        computed at a lower resolution and is smooth).
    min_score : float
        Landmarks scoring below this do not place a search.

    Raises
    ------
    ValueError
        When the mask's shape does not match the landmarks' image.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.shape != (lm.height, lm.width):
        raise ValueError(f"mask must have shape ({lm.height}, {lm.width}) like the landmarks' image, got {m.shape}")
    image = None
    if rgb is not None:
        if np.shape(rgb) != (lm.height, lm.width, 3):
            raise ValueError(f"rgb must have shape ({lm.height}, {lm.width}, 3), got {np.shape(rgb)}")
        x0, y0, x1, y1 = lm.bbox(min_score=0.0)
        pad = 0.3 * max(x1 - x0, y1 - y0)  # the outline lies within this of the landmarks' box
        image = prepare_image(rgb, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    m = np.ascontiguousarray(np.clip(np.nan_to_num(m), 0.0, 1.0))
    f = _frame(lm, min_score)
    return Refinement(
        shoulders=refine_shoulders(m, lm, image, min_score),
        pelvis=refine_pelvis(m, lm, image, min_score),
        frame="trunk axis" if f.trunk else "image vertical",
    )
