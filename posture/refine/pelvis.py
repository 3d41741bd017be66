"""Refined pelvis points: mirror registration of the hip outline (see also :mod:`posture.refine`).

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
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from posture import geometry as g
from posture.landmarks import MIN_SCORE, Landmarks, PoseLandmark
from posture.refine.outline import (
    EDGE_MAX_WIDTH,
    EDGE_SNAP_H,
    MAX_FIT_RMS,
    Cause,
    EdgeImage,
    FloatArray,
    Frame,
    RefinedPair,
    along,
    body_frame,
    edge_width,
    effective_count,
    first_crossing,
    sample,
    snap_to_edge,
)

L = PoseLandmark

PELVIS_BAND_T = (-0.05, 0.30)
"""Hip outline band, in ``T`` above the hip landmarks' midpoint: greater trochanter to iliac crest."""
ARM_CLEARANCE_T = 0.06
"""An arm landmark closer than this (``T``) outside the hip outline, or inside it, hides the outline."""
MAX_OUTLINE_OVER_HIP = 2.2
"""Hip outline farther from the midline than this times the hip landmarks' half-distance: not the body."""
MIN_COVERAGE = 0.7
"""Fewest fraction of scan lines that must find the outline on a side."""
MAX_ROTATION_DEG = 40.0
"""Registration searches rotations (twice the pelvic tilt relative to the trunk frame) within +-this."""
PELVIS_MAX_UNCERTAINTY_DEG = 1.0
"""A refined pelvic tilt whose standard error exceeds this is not used: the hip outline is nearly
straight and only its gentle curvature fixes the rotation, so beyond this the registration's minimum is
too flat to trust (on a real photo a 2-degree limit lets through a reading 5.8 degrees off)."""


def _register(s_a: FloatArray, c_a: FloatArray, s_b: FloatArray, c_b: FloatArray) -> tuple[float, float, float]:
    """Rotation (degrees, counter-clockwise in the (lateral, up) = (c, s) plane) that carries curve b
    onto curve a after a free shift, the RMS lateral residual (pixels) and the rotation's standard error.

    Curve a is ``c_a(s_a)`` with ``s_a`` increasing; curve b is the points ``(c_b, s_b)``. Curve b
    turns about its own centroid, so rotation and shift stay separate; only its middle 70% is
    compared, so every shift searched keeps all compared points on curve a and the cost is smooth.
    The standard error is the least-squares one, ``sqrt(2 s^2 / S'')`` with the cost's curvature
    ``S''`` in the rotation (shift and offset profiled out) and the residual variance ``s^2``, the
    residuals counted as :func:`effective_count` independent ones.
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

    def fit(phis_deg: FloatArray, shifts: FloatArray) -> tuple[FloatArray, FloatArray]:
        """For each rotation, the mean squared residual at the best of ``shifts`` and the residuals
        there ``(P, n)``: curve b turned by every rotation and moved by every shift in one array
        ``(P, S, n)``, each row's mean removed (the free lateral offset)."""
        p = np.radians(phis_deg)[:, None]
        cos, sin = np.cos(p), np.sin(p)
        c = c0 + cos * (cb - c0) - sin * (sb - s0)
        s = s0 + sin * (cb - c0) + cos * (sb - s0)
        res = np.interp(s[:, None, :] + shifts[None, :, None], s_a, c_a) - c[:, None, :]
        res -= res.mean(axis=2, keepdims=True)
        j = np.argmin(np.mean(res**2, axis=2), axis=1)
        best = res[np.arange(len(j)), j]
        return np.mean(best**2, axis=1), best

    coarse = np.arange(-MAX_ROTATION_DEG, MAX_ROTATION_DEG + 0.5, 1.0)
    coarse_cost, _ = fit(coarse, fine_shifts[::4])  # the coarse search first
    best = float(coarse[int(np.argmin(coarse_cost))])
    fine = np.arange(best - 1.0, best + 1.0 + 1e-9, 0.05)
    fcost, _ = fit(fine, fine_shifts)
    i = int(np.argmin(fcost))
    phi = float(fine[i])
    if 0 < i < len(fine) - 1:  # parabolic refinement between grid points
        a, b, c = fcost[i - 1], fcost[i], fcost[i + 1]
        den = a - 2 * b + c
        if den > 0:
            phi += 0.05 * 0.5 * (a - c) / den
    step = 0.5
    (c_min, c_up, c_down), res = fit(np.array([phi, phi + step, phi - step]), fine_shifts)
    curvature = (c_up + c_down - 2 * c_min) / step**2  # per degree squared
    n_eff = effective_count(res[0])
    se = float(np.sqrt(2 * c_min / (n_eff * curvature))) if curvature > 0 else float("inf")
    return phi, float(np.sqrt(c_min)), se


def _arm_near_flank(
    lm: Landmarks, origin: FloatArray, f: Frame, trunk: float, flank: FloatArray, ts: FloatArray, sign: float
) -> bool:
    """Whether that side's arm (elbow, wrist, hand landmarks) lies against or in front of the hip outline."""
    names = ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")
    side = "LEFT_" if sign > 0 else "RIGHT_"
    chain = [lm[PoseLandmark[side + "SHOULDER"]]] + [lm[PoseLandmark[side + n]] for n in names]
    pts = []
    for a, b in zip(chain[:-1], chain[1:], strict=True):
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
    mask: NDArray[np.float32], lm: Landmarks, image: EdgeImage | None = None, min_score: float = MIN_SCORE
) -> RefinedPair:
    """Refined pelvis points from the hip outline's mirror registration (see the module docstring).

    ``image`` is the smoothed float RGB photo from :func:`posture.refine.prepare_image`, or None to use the mask alone.
    """
    need = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
    if not lm.usable(need, min_score):
        return RefinedPair.failed(
            "shoulder and hip landmarks not visible enough to place the search", Cause("landmarks_not_visible")
        )
    f = body_frame(lm, min_score)
    hip_mid = g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
    trunk = float(g.distance(g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]), hip_mid))
    hip_half = float(abs((lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ f.u)) / 2.0
    if trunk < 40.0 or hip_half < 4.0:
        return RefinedPair.failed(
            "the trunk is too small in the photo (under 40 pixels) to read the hip outline", Cause("too_small")
        )
    step = max(0.5, trunk / 300.0)
    ts = np.arange(PELVIS_BAND_T[0] * trunk, PELVIS_BAND_T[1] * trunk + step / 2, step)
    snap = max(2.0, EDGE_SNAP_H * trunk / 2.5)  # H is about 0.4 T
    reach_max = MAX_OUTLINE_OVER_HIP * hip_half * 1.25
    reach = np.linspace(0.0, reach_max, int(reach_max * 2) + 2)
    centres = hip_mid + ts[:, None] * f.v
    flanks: dict[float, FloatArray] = {}
    wide: dict[float, int] = {}
    centre_outside = 0
    for sign in (1.0, -1.0):
        values = sample(mask, centres[:, None, :] + sign * reach[None, :, None] * f.u)
        inside = values[:, 0] >= 0.5
        centre_outside += int((~inside).sum())
        x = np.where(inside, first_crossing(1.0 - values, reach), np.nan)
        snapped = snap_to_edge(image, centres + sign * x[:, None] * f.u, f.u, snap) - centres
        flanks[sign] = x = sign * along(snapped, f.u)
        wide[sign] = int((np.isfinite(x) & (edge_width(1.0 - values, reach) > EDGE_MAX_WIDTH * trunk)).sum())
    reasons: dict[float, str | None] = {}
    codes: dict[float, str] = {}
    for sign, arr in flanks.items():
        side = "left" if sign > 0 else "right"
        ok = np.isfinite(arr)
        if centre_outside > len(ts):
            codes[sign] = "midline_outside"
            reasons[sign] = "the hips' midline is not inside the silhouette"
        elif ok.mean() < MIN_COVERAGE:
            codes[sign] = "no_outline"
            reasons[sign] = f"no clear {side} hip outline"
        elif wide[sign] > 0.5 * ok.sum():
            codes[sign] = "weak_edge"
            reasons[sign] = f"weak silhouette edge at the {side} hip (little contrast with the background)"
        elif _arm_near_flank(lm, hip_mid, f, trunk, arr, ts, sign):
            codes[sign] = "arm_against_hip"
            reasons[sign] = f"the {side} arm or hand is against the hip and hides its outline"
        elif np.nanmedian(arr) > MAX_OUTLINE_OVER_HIP * hip_half:
            codes[sign] = "loose_outline"
            reasons[sign] = (
                f"the {side} hip outline is far outside the hip (loose clothing or something beside the body)"
            )
        else:
            reasons[sign] = None
    contour = {sign: (centres + sign * arr[:, None] * f.u)[np.isfinite(arr)] for sign, arr in flanks.items()}
    reason = "; ".join(r for r in reasons.values() if r) or None
    nan = np.full(2, np.nan)
    if reason:
        causes = tuple(Cause(code, "left" if sign > 0 else "right") for sign, code in codes.items())
        if "midline_outside" in codes.values():
            causes = (Cause("midline_outside"),)
        return RefinedPair(
            nan,
            nan.copy(),
            reasons[1.0] is None,
            reasons[-1.0] is None,
            reason,
            contour[1.0],
            contour[-1.0],
            causes=causes,
        )
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
    if (
        not np.isfinite([phi_lr, phi_rl]).all()
        or abs(phi_lr + phi_rl) > 3.0
        or max(abs(phi_lr), abs(phi_rl)) >= MAX_ROTATION_DEG - 1
    ):
        return RefinedPair(
            nan,
            nan.copy(),
            True,
            True,
            "the two hip outlines do not match as mirror images",
            contour[1.0],
            contour[-1.0],
            rms,
            causes=(Cause("outlines_differ"),),
        )
    if rms > MAX_FIT_RMS * trunk:
        return RefinedPair(
            nan,
            nan.copy(),
            True,
            True,
            "the hip outlines are too ragged to register",
            contour[1.0],
            contour[-1.0],
            rms,
            causes=(Cause("ragged"),),
        )
    if not theta_se <= PELVIS_MAX_UNCERTAINTY_DEG:
        why = f"the hip outlines are too straight or uneven to fix the pelvis's angle (standard error {theta_se:.1f} degrees)"
        return RefinedPair(
            nan, nan.copy(), True, True, why, contour[1.0], contour[-1.0], rms, theta_se, (Cause("too_uncertain"),)
        )
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


GUIDE_OUTLINE_OVER_HIP = 2.2
"""Hip outline's distance from the midline, in hip landmarks' half-distances, assumed when no
silhouette is at hand (:func:`arms_against_hips`). Chosen on the 17 measurable front photos of
../shared/photos/protocol: at 2.2 every photo whose refinement blamed an arm (7) is flagged, and 8
of 9 photos with the arms hanging; none of the 8 A-poses is (the first is flagged from 2.45)."""


def arms_against_hips(lm: Landmarks, min_score: float = MIN_SCORE) -> tuple[str, ...]:
    """The sides (``left``, ``right``) whose arm would hide the hip outline, from the landmarks alone.

    The same test as the refinement's (:data:`ARM_CLEARANCE_T`), against an outline assumed at
    :data:`GUIDE_OUTLINE_OVER_HIP` hip half-distances from the midline. Empty when the shoulders
    or hips are not visible enough to place the test.
    """
    if not lm.usable((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP), min_score):
        return ()
    f = body_frame(lm, min_score)
    hip_mid = g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
    trunk = float(g.distance(g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]), hip_mid))
    hip_half = float(abs((lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ f.u)) / 2.0
    ts = np.array([PELVIS_BAND_T[0] * trunk, PELVIS_BAND_T[1] * trunk])
    flank = np.full(2, GUIDE_OUTLINE_OVER_HIP * hip_half)
    return tuple(
        side
        for side, sign in (("left", 1.0), ("right", -1.0))
        if _arm_near_flank(lm, hip_mid, f, trunk, flank, ts, sign)
    )
