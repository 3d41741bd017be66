"""Refined shoulder points: mirror registration of the shoulder caps (see also :mod:`posture.refine`).

Directions ``u`` (towards the subject's left) and ``v`` (up the trunk) and the
unit ``H`` (half the shoulder landmarks' distance) are the body frame's of
:mod:`posture.refine.outline`.

1. Midline from the neck. The neck is the body's midline at shoulder
   level and its sides are nearly vertical: rows along ``u`` from 0.3 to
   0.9 ``H`` above the shoulder landmarks are scanned from the trunk axis
   outwards to the first background pixel on each side; the neck is where
   the outline is narrowest (the jaw above and the trapezius below are
   wider): the midline is the median midpoint of the rows within 10% of the
   narrowest width. It orients the two sides and is the centre they are
   mirrored about, so where it lies matters: a midline ``e`` off (along
   ``u``) puts one cap ``e`` nearer it and the other ``e`` farther, and the
   mirrored caps then sit ``2 e`` apart sideways. Where the caps' curvature
   fixes the sideways shift, the registration (3.) takes that up and the
   tilt does not change; on a nearly straight cap sloping by ``k`` (height
   lost per unit outwards) the sideways prior holds back part of the
   ``2 e``, and that part reads as a rise: up to ``2 k e``, a tilt error of
   up to ``k e / H`` radians.

   Where the neck is not found (hair, a hood, a collar or a turned head
   over it, or its outline uneven), the shoulder landmarks' midpoint (on
   the trunk axis) stands in for it, with a standard error of
   ``MIDLINE_FALLBACK_SD_H`` (how far it lies from the neck's midline where
   both are seen). The caps are then registered again as if the midline lay
   one standard error either way (the sideways prior's mean moved by twice
   that, starting from the registration found), and half the difference of
   the two rises is added in quadrature to the rise's standard error (where
   either of them does not register, the tilt is not fixed: too uncertain,
   not a mismatch of the caps). Such a
   stand-in can be off by a tenth of ``H``, which starts the mirrored caps
   a fifth of ``H`` apart, over half the cap's width and beyond the
   registration's reach; the caps were cut from their own outline's
   extremes (the top, the outer edge), so the registration starts with
   those aligned instead. A pair that then fails names the missing neck
   too.
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
   cap selects the same part of itself. The sideways shift has a weak
   prior (0 +- 0.1 ``H``: a person facing the camera has the shoulders
   about equally far from the neck's midline). It changes nothing where
   the caps' shape fixes the shift; on sloping shoulders, whose caps are
   nearly straight, it stops the registration from reading a slide along
   the cap as a lift (without it, one variant of a backlit photo reads a
   tilt 5 degrees off the others).
4. The tilt is the upward shift over the distance between the joints
   (``2 H``, the landmarks'): the tilt of the line through the joints the
   caps ride on. The refined points drawn are above the joints, at the
   caps' mean height, one higher by the shift.

Upper arms held more than ``MAX_ARM_ASYMMETRY_DEG`` differently change the
two caps unequally, and an arm raised more than ``MAX_ARM_RAISE_DEG`` from
the side (a T-pose) leaves no cap: the outline runs from the neck straight
onto the arm, so a shift along it is barely fixed, and the shoulder blades
rotate upwards with the arm (beyond about 30 degrees of arm elevation), so
the caps are no longer where the shoulders sit at rest. The pair is then
not refined. On the rendered people the upper arms hang 22-32 degrees from the
sides; a clinician's standing assessment has them relaxed.
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
SHOULDER_LATERAL_SD_H = 0.1
"""Prior standard deviation (``H``) of the caps' sideways shift against each other: the shoulders of a
person facing the camera lie equally far from the neck's midline, give or take a tenth of a half-width."""
MIDLINE_FALLBACK_SD_H = 0.06
"""Where the neck is not read (hair, a hood or collar over it), the midline is the shoulder landmarks'
midpoint (on the trunk axis). Its standard error (``H``) as a stand-in for the neck's midline: on the real
photos where the neck is found the two lie 0.06 ``H`` apart (RMS of 47 readings, the photos and their mirror
images; 0.02-0.06 on the rendered people, where the landmarks sit 0.01-0.05 ``H`` off the joints' midpoint)."""
SHOULDER_MAX_UNCERTAINTY_DEG = 2.0
"""A refined shoulder tilt whose standard error exceeds this is not used: the landmark-only tilt's own
error on the rendered people reaches 2.3 degrees (95th percentile, one pass), mostly a bias towards level
that its stated uncertainty does not show, while the refined tilt's error is its standard error."""


def _neck_midline(
    mask: NDArray[np.float32], image: EdgeImage | None, mid: FloatArray, half: float, f: Frame
) -> tuple[float, str | None, Cause | None]:
    """Lateral offset (pixels along ``u``) of the neck's midline from ``mid``, or NaN, why and its cause.

    Rows across the body from ``NECK_SEARCH_H[0]`` to ``[1]`` above the shoulder landmarks; the neck
    is where the outline is narrowest (the jaw above and the trapezius below are wider), so the rows
    within ``NECK_WIDTH_SLACK`` of the narrowest width give the midline.
    """
    reach = np.linspace(0.0, NECK_MAX_HALF_WIDTH_H * half, int(NECK_MAX_HALF_WIDTH_H * half * 4) + 2)
    heights = np.arange(NECK_SEARCH_H[0], NECK_SEARCH_H[1] + 1e-9, 0.05) * half
    c = mid + heights[:, None] * f.v
    ends = []
    for sign in (1.0, -1.0):
        outside = 1.0 - sample(mask, c[:, None, :] + sign * reach[None, :, None] * f.u)
        x = first_crossing(outside, reach)
        snapped = snap_to_edge(image, c + sign * x[:, None] * f.u, f.u, max(2.0, EDGE_SNAP_H * half))
        ends.append(along(snapped - c, f.u))  # signed: positive towards the subject's left
    found = np.isfinite(ends[0]) & np.isfinite(ends[1])
    rows = np.stack([ends[0] - ends[1], (ends[0] + ends[1]) / 2.0], axis=1)[found]
    nan = float("nan")
    if len(rows) < 3:
        return nan, "neck not found in the silhouette (hair, a hood or collar, or the mask)", Cause("neck_not_found")
    widths, centres = np.array(rows).T
    neck = widths <= widths.min() * (1.0 + NECK_WIDTH_SLACK)
    c = centres[neck]
    if len(c) < 2:
        return nan, "neck not found in the silhouette (hair, a hood or collar, or the mask)", Cause("neck_not_found")
    if c.max() - c.min() > 0.1 * half:
        return nan, "the neck's outline is uneven (hair or clothing over the neck?)", Cause("neck_uneven")
    return float(np.median(c)), None, None


def _cap_outline(
    mask: NDArray[np.float32],
    image: EdgeImage | None,
    centre: FloatArray,
    level: float,
    half: float,
    f: Frame,
    sign: float,
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
    a = np.radians(np.arange(SHOULDER_RAY_DEG[0], SHOULDER_RAY_DEG[1] + 1e-9, SHOULDER_RAY_DEG[2]))
    d = np.cos(a)[:, None] * f.v + (np.sin(a) * sign)[:, None] * f.u
    outside = 1.0 - sample(mask, origin + reach[None, :, None] * d[:, None, :])
    x = first_crossing(outside, reach)
    found = np.isfinite(x)
    sharp = edge_width(outside, reach) <= EDGE_MAX_WIDTH * half
    trapped, wide = int((~found).sum()), int((found & ~sharp).sum())
    keep = found & sharp
    q = snap_to_edge(image, origin + x[keep, None] * d[keep], d[keep], max(2.0, EDGE_SNAP_H * half)) - centre
    c = np.stack([sign * along(q, f.u), along(q, f.v)], axis=1)
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


def _solve2(a: FloatArray, b: FloatArray) -> FloatArray:
    """The least-squares solution of the 2 x 2 system ``a x = b`` (Cramer's rule unless ``a`` is nearly singular)."""
    det = a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]
    if abs(det) <= 1e-12 * max(float(np.abs(a).max()) ** 2, 1e-300):
        return np.asarray(np.linalg.lstsq(a, b, rcond=None)[0], dtype=np.float64)
    return np.array([a[1, 1] * b[0] - a[0, 1] * b[1], a[0, 0] * b[1] - a[1, 0] * b[0]]) / det


def _register_shift(
    a: FloatArray, b: FloatArray, lateral_sd: float, lateral_mean: float = 0.0, start: FloatArray | None = None
) -> tuple[FloatArray, float, float]:
    """Shift ``d`` (pixels, in the curves' (outwards, up) frame) carrying curve ``b`` onto curve ``a``,
    its RMS residual and the standard error of its upward component.

    Point-to-line ICP: each point of ``a`` is matched to the nearest point of the shifted ``b`` and
    the distance along ``b``'s normal there is minimised (points matched to ``b``'s ends are left
    out, so curves of different extents still register). The sideways shift has a Gaussian prior,
    mean ``lateral_mean`` and standard deviation ``lateral_sd`` pixels: where the curves' shape fixes it the prior
    changes nothing; where it does not (a nearly straight, sloping cap) it keeps the registration
    from trading a sideways shift for an upward one. Standard error from the posterior covariance,
    the residuals counted as :func:`effective_count` independent ones. The search starts at
    ``start`` (default: no shift).
    """
    nb = _curve_normals(b)
    d = np.zeros(2) if start is None else np.array(start, dtype=np.float64)
    nan = float("nan")
    var = 0.25  # per-point residual variance (px^2), until the residuals give it
    for _ in range(30):
        k = np.argmin(np.sum((a[:, None, :] - (b + d)[None, :, :]) ** 2, axis=2), axis=1)
        inner = (k > 0) & (k < len(b) - 1)
        if inner.sum() < 6:
            return np.full(2, np.nan), nan, nan
        n = nb[k[inner]]
        r = np.sum((a[inner] - (b[k[inner]] + d)) * n, axis=1)
        prior = np.diag([var / lateral_sd**2, 0.0])
        step = _solve2(n.T @ n + prior, n.T @ r - prior @ (d - (lateral_mean, 0.0)))
        d = d + step
        res = r - n @ step
        m = len(res)
        var = max(float(np.mean(res**2)) * m / max(m - 2, 1) * m / effective_count(res), 1e-4)  # correlation-inflated
        if float(np.linalg.norm(step)) < 1e-3:
            break
    rms = float(np.sqrt(np.mean(res**2)))
    info = n.T @ n + np.diag([var / lateral_sd**2, 0.0])
    if np.linalg.cond(info) > 1e8:
        return d, rms, float("inf")
    return d, rms, float(np.sqrt(var * np.linalg.inv(info)[1, 1]))


def _mirror_rise(
    left: FloatArray, right: FloatArray, lateral_sd: float, lateral_mean: float = 0.0, start: FloatArray | None = None
) -> tuple[float, float, float, FloatArray]:
    """How much higher the left cap is than the right (pixels along ``v``), the registrations' RMS
    residual, the rise's standard error (pixels; NaN when the caps do not register) and the two
    shifts ``(2, 2)``: the left cap on the mirrored right one and the right on the mirrored left.

    Each cap is registered on the mirrored other (:func:`_register_shift`) and the two upward shifts
    averaged, so a mirror image flips the sign exactly; the two share their data, so their standard
    errors are averaged, not added in quadrature. ``lateral_mean`` is how much farther out the
    left cap is expected to be than the right (pixels; the sideways prior's mean); ``start`` holds
    the two shifts to start from (default: none).
    """
    s_lr, s_rl = (None, None) if start is None else start
    d_lr, rms_lr, se_lr = _register_shift(left, right, lateral_sd, lateral_mean, s_lr)
    d_rl, rms_rl, se_rl = _register_shift(right, left, lateral_sd, -lateral_mean, s_rl)
    shifts = np.stack([d_lr, d_rl])
    if not np.isfinite(shifts).all():
        return float("nan"), float("nan"), float("nan"), shifts
    rms = float(np.sqrt((rms_lr**2 + rms_rl**2) / 2))
    return float(d_lr[1] - d_rl[1]) / 2.0, rms, (se_lr + se_rl) / 2.0, shifts


def _arm_abduction_deg(lm: Landmarks, f: Frame, sign: float) -> float:
    """Angle (degrees) of one upper arm (shoulder to elbow) away from the trunk axis, outwards positive."""
    side = "LEFT_" if sign > 0 else "RIGHT_"
    arm = lm[PoseLandmark[side + "ELBOW"]] - lm[PoseLandmark[side + "SHOULDER"]]
    return float(np.degrees(np.arctan2(sign * (arm @ f.u), -(arm @ f.v))))


def refine_shoulders(
    mask: NDArray[np.float32], lm: Landmarks, image: EdgeImage | None = None, min_score: float = MIN_SCORE
) -> RefinedPair:
    """Refined shoulder points from the mirror registration of the shoulder caps (see the module docstring).

    ``image`` is the smoothed float RGB photo from :func:`posture.refine.prepare_image`, or None to use the mask alone.
    """
    if not lm.usable((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), min_score):
        return RefinedPair.failed(
            "shoulder landmarks not visible enough to place the search", Cause("landmarks_not_visible")
        )
    f = body_frame(lm, min_score)
    left, right = lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]
    mid = g.midpoint(left, right)
    half = float(abs((left - right) @ f.u)) / 2.0
    if half < 8.0:
        return RefinedPair.failed(
            "shoulders too small in the photo (under 16 pixels apart) to read the outline", Cause("too_small")
        )
    offset, neck_why, neck_cause = _neck_midline(mask, image, mid, half, f)
    # Without a neck the landmarks' midpoint stands in for the midline; its error widens the tilt's.
    centre_sd = MIDLINE_FALLBACK_SD_H if neck_why else 0.0
    centre = mid + (0.0 if neck_why else offset) * f.u
    if lm.usable((L.LEFT_ELBOW, L.RIGHT_ELBOW), min_score):
        arms = (_arm_abduction_deg(lm, f, 1.0), _arm_abduction_deg(lm, f, -1.0))
        if max(arms) > MAX_ARM_RAISE_DEG:
            return RefinedPair.failed(
                f"an arm is raised {max(arms):.0f} degrees from the side, so the shoulder's outline runs onto the arm",
                Cause("arm_raised", "left" if arms[0] >= arms[1] else "right"),
            )
        spread = abs(arms[0] - arms[1])
        if spread > MAX_ARM_ASYMMETRY_DEG:
            return RefinedPair.failed(
                f"the arms are held differently ({spread:.0f} degrees apart), so the shoulder outlines are not mirror images",
                Cause("arms_differ"),
            )
    caps: dict[float, FloatArray] = {}
    ok: dict[float, bool] = {}
    reasons: dict[float, str | None] = {}
    codes: dict[float, str] = {}
    for sign in (1.0, -1.0):
        side = "left" if sign > 0 else "right"
        level = float((lm[L.LEFT_SHOULDER if sign > 0 else L.RIGHT_SHOULDER] - centre) @ f.v)
        cap, trapped, wide = _cap_outline(mask, image, centre, level, half, f, sign)
        caps[sign] = cap
        rays = int((SHOULDER_RAY_DEG[1] - SHOULDER_RAY_DEG[0]) / SHOULDER_RAY_DEG[2]) + 1
        if trapped > rays // 3:
            codes[sign] = "covered"
            reasons[sign] = (
                f"something covers the {side} shoulder (hair, a raised arm, or background merged into the silhouette)"
            )
        elif wide > rays // 3:
            codes[sign] = "weak_edge"
            reasons[sign] = f"weak silhouette edge over the {side} shoulder (little contrast with the background)"
        elif len(cap) < MIN_CAP_POINTS:
            codes[sign] = "no_outline"
            reasons[sign] = f"no clear outline of the {side} shoulder"
        elif not SHOULDER_TOP_RANGE_H[0] <= (cap[:, 1].max() - level) / half <= SHOULDER_TOP_RANGE_H[1]:
            above = (cap[:, 1].max() - level) / half
            codes[sign] = "not_shoulder"
            reasons[sign] = (
                f"the outline over the {side} shoulder is {above:+.2f} shoulder half-widths from its landmark: not the shoulder"
            )
        else:
            reasons[sign] = None
        ok[sign] = reasons[sign] is None
    contour = {s: centre + np.outer(s * c[:, 0], f.u) + np.outer(c[:, 1], f.v) for s, c in caps.items()}
    reason = "; ".join(r for r in (*reasons.values(), neck_why) if r) if any(reasons.values()) else None
    nan = np.full(2, np.nan)
    if reason:
        # The caps' own failures come first: a hidden neck only made the registration less certain.
        causes = tuple(Cause(code, "left" if sign > 0 else "right") for sign, code in codes.items())
        return RefinedPair(nan, nan.copy(), ok[1.0], ok[-1.0], reason, contour[1.0], contour[-1.0], causes=causes)

    def failed(why: str, code: str, rms: float = float("nan"), se_deg: float = float("nan")) -> RefinedPair:
        """Both caps read but not registered (a missing neck named too: it made the tilt less certain)."""
        why = f"{why}; {neck_why}" if neck_why else why
        causes = (Cause(code),) + ((neck_cause,) if neck_cause else ())
        return RefinedPair(nan, nan.copy(), True, True, why, contour[1.0], contour[-1.0], rms, se_deg, causes)

    lateral_sd = SHOULDER_LATERAL_SD_H * half
    start = None
    if centre_sd:
        # Each cap was cut from its own outline's extremes, so the registrations start with those aligned.
        top_out = {k: np.array([c[:, 0].max(), c[:, 1].max()]) for k, c in caps.items()}
        start = np.stack([top_out[1.0] - top_out[-1.0], top_out[-1.0] - top_out[1.0]])
    rise, rms, se, shifts = _mirror_rise(caps[1.0], caps[-1.0], lateral_sd, 0.0, start)
    if centre_sd and np.isfinite(rise):
        # The registration with the midline one standard error either way (see the module docstring).
        e = 2.0 * centre_sd * half
        moved = [_mirror_rise(caps[1.0], caps[-1.0], lateral_sd, k * e, shifts)[0] for k in (1.0, -1.0)]
        if not np.isfinite(moved).all():
            # The caps matched about the stand-in; about a midline within its error they do not.
            why = "the shoulder outlines are too uneven to fix the tilt from a midline only estimated"
            return failed(why, "too_uncertain", rms)
        se = float(np.hypot(se, (moved[0] - moved[1]) / 2.0))
    if not np.isfinite(rise + se):
        return failed("the two shoulder outlines do not match as mirror images", "outlines_differ")
    if rms > MAX_FIT_RMS * half:
        return failed("ragged outline over the shoulders (hair or clothing?)", "ragged", rms)
    se_deg = float(np.degrees(se / (2.0 * half)))
    if not se_deg <= SHOULDER_MAX_UNCERTAINTY_DEG:
        why = f"the shoulder outlines are too uneven to fix the tilt within {SHOULDER_MAX_UNCERTAINTY_DEG:.0f} degrees"
        return failed(why, "too_uncertain", rms, se_deg)
    # Points above the joints (the landmarks' half-width out), at the caps' mean top height, one
    # risen by `rise` relative to the other: their tilt is the joints' tilt the caps show.
    top = (caps[1.0][:, 1].max() + caps[-1.0][:, 1].max()) / 2.0
    p_left = centre + half * f.u + (top + rise / 2.0) * f.v
    p_right = centre - half * f.u + (top - rise / 2.0) * f.v
    return RefinedPair(p_left, p_right, True, True, None, contour[1.0], contour[-1.0], rms, se_deg)
