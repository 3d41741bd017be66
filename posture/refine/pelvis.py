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
   Arms hanging down often touch part of that band (a hand at the
   trochanter, a forearm or elbow at the waist). Each row whose outline
   an arm is over, touches, or comes too close to for a clear gap
   (:func:`_arm_cover`) is left out, and the two sides are compared over
   their longest common stretch of free rows, which must span at least
   :data:`MIN_FREE_BAND` of the band: the outline is read between the
   waist and the hand, or below the hands, wherever both sides are free
   at the same heights. The band is not extended above the crest when its
   lower part is hidden: the waist there turns with the lumbar spine,
   which bends to balance a tilted pelvis, not with the pelvis.
2. The pelvis is bilaterally symmetric: its left outline is the mirror
   image of its right. If the pelvis is rotated by ``theta`` in the image,
   the left outline equals the mirrored right outline rotated by
   ``2 * theta`` and shifted (the shift absorbs a lateral shift of the body
   and any error in the landmarks' midline, so no midline is needed). The
   rotation is found by a grid search minimising the lateral residuals,
   registering left on mirrored right and right on mirrored left and
   averaging the two, weighted by their inverse variances, which makes
   the estimate change sign exactly under a mirror. Each one's standard
   error is the least-squares one from the cost's curvature, the
   residuals counted as independent only beyond their correlation (a
   shorter free stretch turns less and has fewer residuals, so its error
   is larger); the result's adds the two directions' weighted spread in
   quadrature: outlines that are not exact mirror images move the
   minimum with the direction of registration.
3. Points: where the line at ``theta`` through the middle of the two outlines, at the middle
   of the rows used, meets each outline. Their tilt, computed
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
ARM_CLEARANCE_T = 0.1
"""An arm closer than this (``T``, from its landmarks' line) outside the hip outline, with no clear gap
between them, or inside it, hides the outline: an adult forearm's half-width is up to about 0.1 ``T``
(ANSUR II: forearm circumference about 300 mm, so about 95 mm across, against a trunk of about 490 mm)."""
FINGER_OVER_PALM = 0.8
"""The fingers beyond the knuckles (the pinky and index landmarks) as a fraction of the wrist-to-knuckle
length (ANSUR II: hand length about 190 mm, palm length about 108 mm, so fingers about 0.8 of the palm)."""
MAX_OUTLINE_OVER_HIP = 2.2
"""Hip outline farther from the midline than this times the hip landmarks' half-distance: not the body."""
MIN_COVERAGE = 0.7
"""Fewest fraction of the scan lines used that must find the outline on a side."""
MIN_FREE_BAND = 0.5
"""Shortest stretch of the band, as a fraction of it, that must be free of both arms at the same heights
(0.175 ``T``, about 9 cm on an adult): shorter, it is a local piece of tissue or clothing rather than
the pelvis's outline. The standard-error limit rejects most short stretches first: on the protocol
photos and the still video, no reading and no refined/fallback decision changes with this fraction
between 0.25 and 0.5 (one fallback's reason does)."""
MAX_ROTATION_DEG = 40.0
"""Registration searches rotations (twice the pelvic tilt relative to the trunk frame) within +-this."""
PELVIS_MAX_UNCERTAINTY_DEG = 1.0
"""A refined pelvic tilt whose standard error exceeds this is not used: the hip outline is nearly
straight and only its gentle curvature fixes the rotation, so beyond this the registration's minimum is
too flat to trust (on a real photo a 2-degree limit lets through a reading 5.8 degrees off)."""


MISMATCH = "the two hip outlines do not match as mirror images"


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


def _arm_points(
    lm: Landmarks, origin: FloatArray, f: Frame, trunk: float, sign: float
) -> tuple[FloatArray, FloatArray]:
    """That side's arm as points ``(lateral, up)`` in the body frame (pixels from ``origin``; lateral
    positive away from the midline), at most ``ARM_CLEARANCE_T / 2`` apart along the upper arm, the
    forearm and the hand: wrist to thumb, wrist to each knuckle (the pinky and index landmarks) and
    on by :data:`FINGER_OVER_PALM` of that to the fingertips, and across the knuckles."""
    side = "LEFT_" if sign > 0 else "RIGHT_"
    pt = {n: lm[PoseLandmark[side + n]] for n in ("SHOULDER", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")}
    for knuckle in ("PINKY", "INDEX"):
        pt[knuckle + "_TIP"] = pt[knuckle] + FINGER_OVER_PALM * (pt[knuckle] - pt["WRIST"])
    bones = [("SHOULDER", "ELBOW"), ("ELBOW", "WRIST"), ("WRIST", "THUMB"), ("PINKY", "INDEX")]
    bones += [("WRIST", "PINKY_TIP"), ("WRIST", "INDEX_TIP")]
    pts = [np.zeros((0, 2))]
    for a, b in bones:
        pa, pb = pt[a], pt[b]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            n = int(np.ceil(float(g.distance(pa, pb)) / (0.5 * ARM_CLEARANCE_T * trunk))) + 1
            pts.append(pa + np.linspace(0, 1, n)[:, None] * (pb - pa))
    p = np.concatenate(pts) - origin
    return sign * (p @ f.u), p @ f.v


def _arm_cover(
    arm: tuple[FloatArray, FloatArray],
    ts: FloatArray,
    flank: FloatArray,
    gap: FloatArray,
    min_gap: float,
    reach: float,
    trunk: float,
) -> NDArray[np.bool_]:
    """Which scan rows ``ts`` (heights, pixels) of one side's outline the arm hides.

    ``arm`` is that side's :func:`_arm_points`; ``flank`` the outline found on each row (lateral,
    pixels; NaN where none was found within ``reach``); ``gap`` how far beyond it the mask shows
    background before the person again (infinite where it does not within ``reach``; 0 where unknown).
    A row is hidden when an arm point within :data:`ARM_CLEARANCE_T` of its height lies inside
    the outline found (the arm is over the body, or merged with it so that the outline found is
    the arm's outer edge), or outside it by less than the clearance with a gap narrower than
    ``min_gap`` (the arm touches the outline, or so nearly that the edge snapped to may be the
    arm's). On a row with no outline, an arm point at its height within ``reach`` hides it (the
    arm merged with the body and carried the outline beyond the search).
    """
    lat, up = arm
    r = ARM_CLEARANCE_T * trunk
    near = np.abs(up[None, :] - ts[:, None]) <= r
    x = flank[:, None]
    with np.errstate(invalid="ignore"):
        over = lat[None, :] <= x
        touching = (lat[None, :] < x + r) & (gap[:, None] < min_gap)
    merged = ~np.isfinite(x) & (lat[None, :] < reach)
    return np.asarray((near & (over | touching | merged)).any(axis=1))


def _rows(lm: Landmarks, f: Frame) -> tuple[FloatArray, float, float, FloatArray, float]:
    """The hip landmarks' midpoint, the trunk length, the hip landmarks' half-distance across the
    frame, the scan rows' heights above the midpoint (the band every ``max(0.5 px, T / 300)``) and
    how far from the midline a row is scanned (pixels)."""
    hip_mid = g.midpoint(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])
    trunk = float(g.distance(g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]), hip_mid))
    hip_half = float(abs((lm[L.LEFT_HIP] - lm[L.RIGHT_HIP]) @ f.u)) / 2.0
    step = max(0.5, trunk / 300.0)
    ts = np.arange(PELVIS_BAND_T[0] * trunk, PELVIS_BAND_T[1] * trunk + step / 2, step)
    return hip_mid, trunk, hip_half, ts, MAX_OUTLINE_OVER_HIP * hip_half * 1.25


def _run_length(ok: NDArray[np.bool_]) -> int:
    """Length of the longest stretch of consecutive True values."""
    run = _longest_run(ok)
    return run.stop - run.start


def _longest_run(ok: NDArray[np.bool_]) -> slice:
    """The longest stretch of consecutive True values (the first if several are as long; empty if none)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    if len(edges) == 0:
        return slice(0, 0)
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return slice(int(starts[k]), int(stops[k]))


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
    hip_mid, trunk, hip_half, ts, reach_max = _rows(lm, f)
    if trunk < 40.0 or hip_half < 4.0:
        return RefinedPair.failed(
            "the trunk is too small in the photo (under 40 pixels) to read the hip outline", Cause("too_small")
        )
    snap = max(2.0, EDGE_SNAP_H * trunk / 2.5)  # H is about 0.4 T
    reach = np.linspace(0.0, reach_max, int(reach_max * 2) + 2)
    centres = hip_mid + ts[:, None] * f.v
    flanks: dict[float, FloatArray] = {}
    wide: dict[float, NDArray[np.bool_]] = {}
    cover: dict[float, NDArray[np.bool_]] = {}
    centre_outside = 0
    for sign in (1.0, -1.0):
        values = sample(mask, centres[:, None, :] + sign * reach[None, :, None] * f.u)
        inside = values[:, 0] >= 0.5
        centre_outside += int((~inside).sum())
        x = np.where(inside, first_crossing(1.0 - values, reach), np.nan)
        with np.errstate(invalid="ignore"):
            beyond = (reach[None, :] > x[:, None]) & (values >= 0.5)  # the person again past the outline
        back = np.where(beyond.any(axis=1), reach[np.argmax(beyond, axis=1)], np.inf)
        snapped = snap_to_edge(image, centres + sign * x[:, None] * f.u, f.u, snap) - centres
        flanks[sign] = x = sign * along(snapped, f.u)
        wide[sign] = np.isfinite(x) & (edge_width(1.0 - values, reach) > EDGE_MAX_WIDTH * trunk)
        # A gap narrower than twice the snap's reach could let the body's and the arm's edges swap.
        arm = _arm_points(lm, hip_mid, f, trunk, sign)
        cover[sign] = _arm_cover(arm, ts, x, back - x, 2 * snap, reach_max, trunk)
    # The rows free of both arms, in one stretch: the two outlines are compared over the same heights.
    # Each side is judged on those rows, or on its own free stretch where they are too few.
    min_rows = MIN_FREE_BAND * len(ts)
    free = _longest_run(~cover[1.0] & ~cover[-1.0])
    common = free.stop - free.start >= min_rows
    reasons: dict[float, str | None] = {}
    codes: dict[float, str] = {}
    for sign, arr in flanks.items():
        side = "left" if sign > 0 else "right"
        own = _longest_run(~cover[sign])
        rows = free if common else own
        ok = np.isfinite(arr[rows])
        if centre_outside > len(ts):
            codes[sign] = "midline_outside"
            reasons[sign] = "the hips' midline is not inside the silhouette"
        elif own.stop - own.start < min_rows:
            codes[sign] = "arm_against_hip"
            reasons[sign] = f"the {side} arm or hand is against the hip and hides its outline"
        elif ok.mean() < MIN_COVERAGE:
            codes[sign] = "no_outline"
            reasons[sign] = f"no clear {side} hip outline"
        elif wide[sign][rows].sum() > 0.5 * ok.sum():
            codes[sign] = "weak_edge"
            reasons[sign] = f"weak silhouette edge at the {side} hip (little contrast with the background)"
        elif np.nanmedian(arr[rows]) > MAX_OUTLINE_OVER_HIP * hip_half:
            codes[sign] = "loose_outline"
            reasons[sign] = (
                f"the {side} hip outline is far outside the hip (loose clothing or something beside the body)"
            )
        else:
            reasons[sign] = None
    contour = {sign: (centres + sign * arr[:, None] * f.u)[np.isfinite(arr)] for sign, arr in flanks.items()}
    reason = "; ".join(dict.fromkeys(r for r in reasons.values() if r)) or None
    if reason is None and not common:
        reason = "the arms or hands hide the two hip outlines at different heights"
    nan = np.full(2, np.nan)
    if reason:
        causes = tuple(Cause(code, "left" if sign > 0 else "right") for sign, code in codes.items())
        if "midline_outside" in codes.values():
            causes = (Cause("midline_outside"),)
        causes = causes or (Cause("arm_against_hip"),)  # the arms hide the two sides at different heights
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
    ts = ts[free]
    flanks = {sign: arr[free] for sign, arr in flanks.items()}
    contour = {sign: (centres[free] + sign * arr[:, None] * f.u)[np.isfinite(arr)] for sign, arr in flanks.items()}
    okl, okr = np.isfinite(flanks[1.0]), np.isfinite(flanks[-1.0])
    sl, xl = ts[okl], flanks[1.0][okl]
    sr, xr = ts[okr], flanks[-1.0][okr]
    phi_lr, rms_lr, se_lr = _register(sl, xl, sr, xr)  # left = R(phi) mirrored right
    phi_rl, rms_rl, se_rl = _register(sr, xr, sl, xl)  # right = R(phi) mirrored left
    rms = float(np.sqrt((rms_lr**2 + rms_rl**2) / 2))
    # In (lateral, up) coordinates a rotation carrying mirrored-right onto left by phi means the
    # pelvis turned by phi / 2 towards the left side up; the reverse registration gives -phi.
    # The two estimates of theta, weighted by their inverse variances (a mirror swaps the two, so
    # the estimate still changes sign exactly). They share data: the standard error of the weighted
    # mean is the weighted mean of theirs (errors added, not taken in quadrature). Where the
    # outlines are not exact mirror images, which one is resampled moves the minimum: the two
    # estimates' weighted spread about their mean is added in quadrature.
    thetas, ses = np.array([phi_lr, -phi_rl]) / 2.0, np.array([se_lr, se_rl]) / 2.0
    w = 1.0 / np.maximum(ses, 1e-6) ** 2 if np.isfinite(ses).all() else np.ones(2)
    theta_deg = float(w @ thetas / w.sum())
    fit_se = float(w @ ses / w.sum())
    mismatch = float(np.sqrt(w @ (thetas - theta_deg) ** 2 / w.sum()))
    theta_se = float(np.hypot(fit_se, mismatch))
    if not np.isfinite([phi_lr, phi_rl]).all() or max(abs(phi_lr), abs(phi_rl)) >= MAX_ROTATION_DEG - 1:
        return RefinedPair(
            nan,
            nan.copy(),
            True,
            True,
            MISMATCH,
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
        why = (
            MISMATCH
            if mismatch > fit_se
            else "the hip outlines are too straight or uneven to fix the pelvis's angle within "
            f"{PELVIS_MAX_UNCERTAINTY_DEG:.0f} degree"
        )
        cause = Cause("outlines_differ" if mismatch > fit_se else "too_uncertain")
        return RefinedPair(nan, nan.copy(), True, True, why, contour[1.0], contour[-1.0], rms, theta_se, (cause,))
    # Points: where the line at theta through the middle of the two outlines, at the middle of the
    # rows used, meets each outline (placed the same way on both sides, so a mirror image of the
    # photo gets the mirrored points).
    t_mid = 0.5 * float(ts[0] + ts[-1])
    centre = 0.5 * (float(np.interp(t_mid, sl, xl)) - float(np.interp(t_mid, sr, xr)))
    tan = np.tan(np.radians(theta_deg))
    meet = {}
    for sign, s_, x_ in ((1.0, sl, xl), (-1.0, sr, xr)):
        t = t_mid
        for _ in range(8):
            t = t_mid + (sign * float(np.interp(t, s_, x_)) - centre) * tan
        meet[sign] = hip_mid + t * f.v + sign * float(np.interp(t, s_, x_)) * f.u
    p_left, p_right = meet[1.0], meet[-1.0]
    return RefinedPair(p_left, p_right, True, True, None, contour[1.0], contour[-1.0], rms, theta_se)


GUIDE_OUTLINE_OVER_HIP = 2.2
"""Hip outline's distance from the midline, in hip landmarks' half-distances, assumed when no
silhouette is at hand (:func:`arms_against_hips`). Chosen on the 17 measurable front photos of
../shared/photos/protocol when the test took the whole band (at 2.2 every photo whose refinement
blamed an arm was flagged, none of the 8 A-poses). With the free stretch read, on the 18 front
photos (one pass): every photo whose refinement blames an arm (8) is flagged, and so are the two
other photos with the arms hanging (one read from the outline, the arms a clear gap from the hips);
none of the A-poses is."""


def arms_against_hips(lm: Landmarks, min_score: float = MIN_SCORE) -> tuple[str, ...]:
    """The sides (``left``, ``right``) whose arm would hide the hip outline, from the landmarks alone.

    The same test as the refinement's (:func:`_arm_cover`, :data:`MIN_FREE_BAND`): the arm hides
    too much of an outline assumed at :data:`GUIDE_OUTLINE_OVER_HIP` hip half-distances from the
    midline to leave a stretch long enough to read. Empty when the shoulders or hips are not
    visible enough to place the test.
    """
    if not lm.usable((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP), min_score):
        return ()
    f = body_frame(lm, min_score)
    hip_mid, trunk, hip_half, ts, reach = _rows(lm, f)
    flank = np.full(len(ts), GUIDE_OUTLINE_OVER_HIP * hip_half)
    no_gap = np.zeros(len(ts))  # without a mask, no gap between arm and hip is seen
    min_rows = MIN_FREE_BAND * len(ts)
    return tuple(
        side
        for side, sign in (("left", 1.0), ("right", -1.0))
        if _run_length(~_arm_cover(_arm_points(lm, hip_mid, f, trunk, sign), ts, flank, no_gap, 1.0, reach, trunk))
        < min_rows
    )
