"""From one person's landmarks to named metrics (no I/O, no drawing).

Metrics (conventions in :mod:`posture.geometry`: degrees, the subject's
sides, tilts positive when the subject's LEFT side is higher, lateral
quantities positive towards the subject's LEFT):

``shoulder_tilt_deg``
    Tilt of the line through the two shoulder landmarks.
``pelvic_tilt_deg``
    Tilt of the line through the two hip landmarks. MediaPipe's hip
    landmarks estimate the hip *joint* centres, not the iliac crests or ASIS
    a clinician palpates: this is a hip-line tilt, a proxy for pelvic
    obliquity.
``shoulder_pelvis_tilt_deg``
    ``shoulder_tilt_deg - pelvic_tilt_deg``; camera roll cancels out.
``head_tilt_deg``
    Tilt of the line through the two ear landmarks (positive: left ear
    higher, i.e. the head leans towards the right shoulder).
``head_shift_pct``
    Horizontal offset of the ears' midpoint from the shoulders' midpoint,
    in percent of shoulder width.
``trunk_lean_deg``
    Angle of the line from the hips' midpoint to the shoulders' midpoint
    against the vertical (positive: upper body towards the left).
``pelvis_shift_pct``
    Horizontal offset of the hips' midpoint from the ankles' midpoint, in
    percent of shoulder width.
``knee_tilt_deg``
    Tilt of the line through the two knee landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import numpy as np

from posture import geometry as g
from posture import view as turn_rule
from posture.landmarks import MIN_SCORE, Landmarks, PoseLandmark
from posture.metrics import METRIC_NAMES, METRICS, MetricSpec, metric_unit
from posture.result import Metric, View
from posture.stance import Stance, compare_legs

L = PoseLandmark

TILT_METRICS = tuple(n for n, m in METRICS.items() if m.kind == "tilt")

LEVEL_DEG = 0.5
"""Tilts smaller than this (degrees) are reported as ``level``."""

CENTRED_PCT = 2.0
"""Lateral shifts smaller than this (percent of shoulder width) are ``centre``."""

EYE_HEIGHT_FRACTION = 0.936
"""Eye height as a fraction of stature (Drillis and Contini 1966), for ``--height-cm``."""

SCALE_REL_ERROR = 0.05
"""Relative error assumed for the centimetre scale (body proportions, pose, lens)."""

BODY_LINES_TILT_DEG = 5.0
"""The eye, shoulder, hip, knee and ankle lines all tilting the same way by at least this much
(three or more of them; see :func:`posture.geometry.common_tilt`) suggest a camera roll."""

BODY_LINES = {
    "eye": (L.LEFT_EYE, L.RIGHT_EYE),
    "shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "hip": (L.LEFT_HIP, L.RIGHT_HIP),
    "knee": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "ankle": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
}
"""The bilateral lines whose common tilt :data:`BODY_LINES_TILT_DEG` is about."""

BODY_LINES_SPREAD = 1.0
"""Their tilts may spread by up to this times their mean: in one photo each line keeps the body's own
asymmetry and the stance (feet apart unevenly), which a change between two photos cancels."""


@dataclass(frozen=True)
class MeasureOptions:
    """What to assume when measuring.

    ``roll_deg`` is the camera roll to correct (see :mod:`posture.geometry`),
    ``min_score`` the lowest visibility and presence a landmark may have.
    """

    mirrored: bool = False
    roll_deg: float = 0.0
    height_cm: float | None = None
    min_score: float = MIN_SCORE


@dataclass(frozen=True)
class BodyMeasurement:
    """Metrics of one person plus how they stand and what went wrong."""

    view: View
    turn_deg: float | None
    metrics: dict[str, Metric]
    warnings: tuple[str, ...]
    refusal: str | None
    landmarks: Landmarks
    """The landmarks with anatomical sides (swapped when mirrored), unlevelled."""
    widths_px: dict[str, float] = field(default_factory=dict)
    """Per tilt metric, the horizontal distance (levelled pixels) between its two points."""
    cm_per_px: float | None = None
    """The centimetre scale from ``height_cm``, when it could be set."""
    stance: Stance | None = None
    """The legs compared (:func:`posture.stance.compare_legs`; None when they are not visible)."""


def _missing_reason(lm: Landmarks, needed: Iterable[PoseLandmark], min_score: float) -> str | None:
    """Why the landmarks can't be used, or None when all are usable."""
    problems = [r for r in (lm.unusable(p, min_score) for p in needed) if r is not None]
    return "; ".join(problems) if problems else None


def estimate_view(lm: Landmarks, min_score: float) -> tuple[View, float | None]:
    """Facing the camera, facing away or side-on, from the 3-D landmarks.

    The turn is the angle with the image plane of the trunk's left-right axis: the shoulder
    line's and the hip line's common direction, each weighted by its squared length
    (:func:`posture.geometry.trunk_deviation_deg`; the pairs that are visible); facing is the
    sign of the left-right axis along the image width, as the model labels sides by anatomy.
    Turned beyond :data:`posture.view.MAX_TURN_DEG` it is a side view.
    """
    lefts, rights, facing = [], [], []
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        if not lm.usable((left, right), min_score):
            continue
        wl, wr = lm.world[left], lm.world[right]
        if not (np.isfinite(wl).all() and np.isfinite(wr).all()):
            continue
        lefts.append(wl)
        rights.append(wr)
        facing.append(float(wl[0] - wr[0]))
    if not facing:
        # No 3-D estimate: fall back on the 2-D order of the shoulders.
        d = g.left_direction(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER])
        if not np.isfinite(d):
            return "unknown", None
        return ("front" if d > 0 else "back"), None
    turn = g.trunk_deviation_deg(lefts, rights)
    if turn > turn_rule.MAX_TURN_DEG:
        return "side", turn
    return ("front" if facing[0] > 0 else "back"), turn


def with_height_diff(m: Metric, width_px: float, cm_per_px: float | None) -> Metric:
    """A tilt ``m`` with the height difference its value and uncertainty imply over a
    horizontal distance of ``width_px``: ``height_diff_pct`` = 100 tan(tilt) and, with a
    scale, ``height_diff_cm`` = width x tan(tilt) x ``cm_per_px``.

    The centimetre uncertainty combines in quadrature the tilt's uncertainty
    (d cm / d tilt = width x ``cm_per_px`` / cos^2(tilt), per radian) and the
    scale's (``SCALE_REL_ERROR`` of the value); None when the tilt's
    uncertainty is not estimated (a single pass), as the tilt then has none.
    """
    if m.value is None or width_px <= 0:
        return replace(m, height_diff_pct=None, height_diff_cm=None, height_diff_cm_uncertainty=None)
    t = np.radians(m.value)
    pct = 100.0 * float(np.tan(t))
    if cm_per_px is None:
        return replace(m, height_diff_pct=pct, height_diff_cm=None, height_diff_cm_uncertainty=None)
    width_cm = float(width_px * cm_per_px)  # a plain float in the record, whatever the caller passed
    cm = width_cm * float(np.tan(t))
    unc = None
    if m.uncertainty is not None:
        from_tilt = width_cm / float(np.cos(t)) ** 2 * float(np.radians(m.uncertainty))
        unc = float(np.hypot(from_tilt, cm * SCALE_REL_ERROR))
    return replace(m, height_diff_pct=pct, height_diff_cm=cm, height_diff_cm_uncertainty=unc)


def retilt(
    m: Metric, tilt: float, uncertainty: float, width_px: float, cm_per_px: float | None, method: str, **extra: Any
) -> Metric:
    """Tilt metric ``m`` with its headline replaced by ``tilt`` (degrees, ± ``uncertainty``) measured
    by ``method`` on a pair ``width_px`` apart horizontally: the higher side and the height
    difference (:func:`with_height_diff`) follow, ``landmark_value`` keeps the landmark tilt,
    ``method_reason`` is cleared; ``extra`` sets more fields."""
    headline = replace(
        m,
        value=tilt,
        uncertainty=uncertainty,
        higher_side=higher_side(tilt),
        method=method,
        landmark_value=m.value if m.landmark_value is None else m.landmark_value,
        method_reason=None,
        **extra,
    )
    return with_height_diff(headline, width_px, cm_per_px)


def higher_side(tilt: float) -> str:
    """``left``, ``right`` or ``level`` (within ``LEVEL_DEG``) for a tilt in degrees."""
    return "level" if abs(tilt) < LEVEL_DEG else ("left" if tilt > 0 else "right")


def towards(value: float, unit: str) -> str:
    """``left``, ``right`` or ``centre`` for a lateral value (degrees or % of shoulder width)."""
    small = CENTRED_PCT if unit == "%" else LEVEL_DEG
    return "centre" if abs(value) < small else ("left" if value > 0 else "right")


def _lateral_metric(value: float, unit: str) -> Metric:
    return Metric(value=value, unit=unit, towards=towards(value, unit))


def _scale_cm_per_px(xy: np.ndarray, lm: Landmarks, height_cm: float, min_score: float) -> float | None:
    """Centimetres per pixel from the stated stature, or None if eyes or heels are not visible.

    Stature in pixels is estimated as (heel level - eye level) / 0.936, the
    eye height being 93.6% of stature in adults (Drillis and Contini 1966).
    Assumes an upright stance and a camera roughly at mid-body height.
    """
    needed = (L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_HEEL, L.RIGHT_HEEL)
    if _missing_reason(lm, needed, min_score) is not None:
        return None
    eye_y = (xy[L.LEFT_EYE][1] + xy[L.RIGHT_EYE][1]) / 2
    heel_y = (xy[L.LEFT_HEEL][1] + xy[L.RIGHT_HEEL][1]) / 2
    stature_px = (heel_y - eye_y) / EYE_HEIGHT_FRACTION
    if stature_px <= 0:
        return None
    return height_cm / stature_px


def measure(lm: Landmarks, options: MeasureOptions = MeasureOptions()) -> BodyMeasurement:
    """Measure every metric on one person's landmarks.

    A metric whose landmarks are missing, outside the photo or below
    ``options.min_score`` is :meth:`Metric.missing` with the reason. A body
    turned too far (:func:`posture.view.turn_refusal`) has every frontal
    metric refused (``refusal`` says why).
    """
    view, turn = estimate_view(lm, options.min_score)
    if options.mirrored:
        lm = lm.swap_sides()
    warnings: list[str] = []

    refusal: str | None = turn_rule.turn_refusal(turn)
    if refusal is not None:
        missing = {n: Metric.missing(metric_unit(n), "turned from the camera") for n in METRIC_NAMES}
        return BodyMeasurement(view, turn, missing, (), refusal, lm)

    center = np.array([lm.width / 2.0, lm.height / 2.0])
    xy = g.level_points(lm.xy, options.roll_deg, center) if options.roll_deg else lm.xy

    cm_per_px = None
    if options.height_cm is not None:
        cm_per_px = _scale_cm_per_px(xy, lm, options.height_cm, options.min_score)
        if cm_per_px is None:
            warnings.append("no centimetres: --height-cm needs the whole body, eyes to heels, visible")

    def need(*points: PoseLandmark) -> str | None:
        return _missing_reason(lm, points, options.min_score)

    metrics: dict[str, Metric] = {}
    widths = {spec.name: _width(spec, xy) for spec in METRICS.values() if spec.kind == "tilt"}
    for spec in METRICS.values():
        if spec.kind == "difference":
            continue
        reason = need(*needed_landmarks(spec))
        metrics[spec.name] = Metric.missing(spec.unit, reason) if reason else _measure_one(spec, xy, cm_per_px)
    for spec in METRICS.values():
        if spec.kind == "difference":
            a, b = (metrics[n] for n in spec.of)
            if a.value is not None and b.value is not None:
                metrics[spec.name] = Metric(value=a.value - b.value, unit=spec.unit)
            else:
                metrics[spec.name] = Metric.missing(spec.unit, "; ".join(r for r in (a.reason, b.reason) if r))

    lines = {
        k: float(g.tilt_deg(xy[a], xy[b])) for k, (a, b) in BODY_LINES.items() if lm.usable((a, b), options.min_score)
    }
    common = g.common_tilt(list(lines.values()), BODY_LINES_TILT_DEG, BODY_LINES_SPREAD) if len(lines) >= 3 else None
    if common is not None:
        warnings.append(
            f"the {' and '.join([', '.join(list(lines)[:-1]), list(lines)[-1]])} lines all tilt the same way, by about {abs(common):.0f}°: "
            "this is what a camera held at a tilt does (or the whole body leaning); level the camera "
            "or use --level; 'Shoulders vs hip line' is not affected by camera tilt"
        )

    stance = compare_legs(lm, xy, options.min_score)
    uneven = stance.warning() if stance is not None else None
    if uneven is not None:
        warnings.append(uneven)

    metrics = {n: metrics[n] for n in METRIC_NAMES}
    refusal = None
    if not any(m.measured for m in metrics.values()):
        refusal = "nothing measurable: the shoulders, hips and ears are not visible enough"
    return BodyMeasurement(view, turn, metrics, tuple(warnings), refusal, lm, widths, cm_per_px, stance)


_SHOULDERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def needed_landmarks(spec: MetricSpec) -> tuple[PoseLandmark, ...]:
    """The landmarks a metric needs: its own points, and the shoulders that give a shift or a lean
    its across-the-body direction and a shift its scale."""
    if spec.kind == "tilt":
        return spec.points
    return tuple(dict.fromkeys((*spec.points, *_SHOULDERS)))


def _width(spec: MetricSpec, xy: np.ndarray) -> float:
    """Pixels: the horizontal distance between a tilt's two points."""
    return abs(float(xy[spec.points[0]][0] - xy[spec.points[1]][0]))


def _measure_one(spec: MetricSpec, xy: np.ndarray, cm_per_px: float | None) -> Metric:
    """One metric of the table on usable landmarks (pixels, roll already removed)."""
    if spec.kind == "tilt":
        tilt = float(g.tilt_deg(xy[spec.points[0]], xy[spec.points[1]]))
        return with_height_diff(
            Metric(value=tilt, unit="deg", higher_side=higher_side(tilt)), _width(spec, xy), cm_per_px
        )
    a = g.midpoint(xy[spec.points[0]], xy[spec.points[1]])
    b = g.midpoint(xy[spec.points[2]], xy[spec.points[3]])
    direction = g.left_direction(xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER])
    if spec.kind == "lean":
        return _lateral_metric(float(g.lean_deg(a, b, direction)), spec.unit)
    shoulder_w = float(g.distance(xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER]))
    return _lateral_metric(float(g.lateral_offset(a, b, direction)) / shoulder_w * 100, spec.unit)
