"""Re-measure a measurement from points corrected by hand (pure geometry, no I/O).

A person reviewing the annotated photo may move a point that the pose model
or the silhouette refinement placed badly. :func:`correct` takes the
measurement, replaces the moved points and measures again with the same
geometry as :func:`posture.measure.measure` and the same assumptions
(mirror, camera roll, stature). Points are in the photo's pixels with the
person's own sides, as in the JSON ``landmarks`` and ``refinement``.

Point names (:func:`correctable_points`): a landmark's name (``left_shoulder``),
a silhouette point of a refined pair (``shoulders.left``, ``pelvis.right``) or
a sticker of a pair that gave a tilt (``shoulders_sticker.left``,
``pelvis_sticker.right``; :mod:`posture.marker_metrics`).

Rules
-----
* A metric is *corrected* when a point its headline value uses was moved:
  its landmarks (:func:`posture.measure.needed_landmarks`), or for a shoulder
  or pelvic tilt read from the outline or from stickers, the pair's silhouette
  points or sticker centres (the tilt of the line through them, levelled as
  the analysis levels it). Its
  ``method`` becomes ``manual`` ("corrected by hand"); the difference
  ``shoulder_pelvis_tilt_deg`` is corrected when either tilt is. Other metrics
  keep their values, uncertainties and methods.
* A landmark placed by hand counts as visible (score 1): a point the model
  could not see can be placed by the person who can.
* Uncertainty of a corrected metric: every point it uses is taken as placed
  within ``placement_px`` (one sigma, each coordinate; default
  :data:`PLACEMENT_PX`), propagated through the metric's geometry (numerical
  derivative), never below :data:`posture.noise.UNCERTAINTY_FLOOR`. For a
  tilt of two points ``d`` pixels apart this is about
  ``degrees(sqrt(2) * placement_px / d)``. A corrected tilt's height difference
  is measured over its two points and carries that uncertainty
  (:func:`posture.measure.with_height_diff`), as an analysed tilt's does.
* The measurement keeps the original beside it: ``correction`` holds each
  moved point's original and corrected position and the original of every
  corrected metric. Correcting a corrected measurement starts again from that
  original, with the earlier moves kept unless moved again.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from posture import geometry as g
from posture.landmarks import Landmarks, PoseLandmark
from posture.marker_result import StickerPair
from posture.measure import (
    MeasureOptions,
    _scale_cm_per_px,
    higher_side,
    measure,
    needed_landmarks,
    with_height_diff,
)
from posture.metrics import METRICS, REFINED
from posture.noise import UNCERTAINTY_FLOOR
from posture.refinement_result import PairReading
from posture.result import Correction, Metric, PointMove, PostureMeasurement
from posture.wording import outline_fallback_note

PLACEMENT_PX = 2.0
"""One-sigma error of a point placed by hand, pixels, in each coordinate."""

_PAIR_SIDES = ("left", "right")

STICKER = "_sticker"
"""Suffix of a sticker pair's point names (``shoulders_sticker.left``)."""


def _pair_point(name: str) -> tuple[str, str] | None:
    """``("shoulders", "left")`` for ``shoulders.left`` and ``("shoulders_sticker", "left")`` for
    ``shoulders_sticker.left``; None for a landmark name."""
    pair, _, side = name.partition(".")
    return (pair, side) if side in _PAIR_SIDES and pair.removesuffix(STICKER) in REFINED.values() else None


def _refined_pairs(m: PostureMeasurement) -> dict[str, PairReading]:
    """The refinement pairs whose silhouette points give a headline tilt."""
    if m.refinement is None:
        return {}
    pairs = {key: m.refinement.pair(key) for key in REFINED.values()}
    return {
        key: pair
        for name, key in REFINED.items()
        if (pair := pairs[key]).refined and m.analysed_method(name) == "silhouette" and pair.points is not None
    }


def _sticker_pairs(m: PostureMeasurement) -> dict[str, StickerPair]:
    """The sticker pairs that give a headline tilt (``markers``), by refinement key (``shoulders``)."""
    pairs = {key: None if m.markers is None else m.markers.pair(key) for key in REFINED.values()}
    return {
        key: pair
        for name, key in REFINED.items()
        if (pair := pairs[key]) is not None and pair.found and m.analysed_method(name) == "markers"
    }


def correctable_points(m: PostureMeasurement) -> dict[str, tuple[float, float]]:
    """Every point a correction may move, by name, at its current position (pixels): the
    landmarks any metric uses that lie inside the photo, and the silhouette points of each pair
    whose tilt the outline gave."""
    if m.landmarks is None:
        return {}
    xy = m.landmarks.xy_px
    names = dict.fromkeys(p for spec in METRICS.values() for p in needed_landmarks(spec))
    out: dict[str, tuple[float, float]] = {}
    w, h = m.landmarks.width, m.landmarks.height
    for p in names:
        x, y = xy[int(p)]
        if x is not None and y is not None and 0 <= x < w and 0 <= y < h:
            out[p.name.lower()] = (float(x), float(y))
    for key, pair in _refined_pairs(m).items():
        assert pair.points is not None  # _refined_pairs keeps the pairs with both
        for side, (x, y) in zip(_PAIR_SIDES, pair.points, strict=True):
            out[f"{key}.{side}"] = (float(x), float(y))
    for key, stickers in _sticker_pairs(m).items():
        for side, sticker in zip(_PAIR_SIDES, (stickers.left, stickers.right), strict=True):
            assert sticker is not None  # a pair found has both
            out[f"{key}{STICKER}.{side}"] = (float(sticker.xy_px[0]), float(sticker.xy_px[1]))
    return out


def _original(m: PostureMeasurement) -> tuple[PostureMeasurement, dict[str, tuple[float, float]]]:
    """The measurement as analysed (before any correction) and the earlier moves."""
    c = m.correction
    if c is None:
        return m, {}
    points = {n: (float(p.from_px[0]), float(p.from_px[1])) for n, p in c.points.items()}
    moved = {n: (float(p.to_px[0]), float(p.to_px[1])) for n, p in c.points.items()}
    base = replace(m, metrics={**m.metrics, **c.original_metrics}, correction=None)
    base = base.with_warnings(*(w for w in _fallback_notes(base, c.corrected_metrics) if w not in base.warnings))
    return _with_points(base, points, visible=False, visibility=c.original_scores), moved


def _fallback_notes(m: PostureMeasurement, names: Sequence[str]) -> list[str]:
    """The warnings of ``m``'s tilts among ``names`` that the joint landmarks gave because the outline
    could not (:func:`posture.wording.outline_fallback_note`)."""
    return [
        outline_fallback_note(n, reason)
        for n in REFINED
        if n in names and (reason := m.metrics[n].method_reason) is not None
    ]


def _with_points(
    m: PostureMeasurement,
    points: Mapping[str, tuple[float, float]],
    *,
    visible: bool,
    visibility: Mapping[str, Sequence[float | None]] | None = None,
) -> PostureMeasurement:
    """``m`` with the named points at new positions (landmarks and silhouette points); moved
    landmarks count as visible when ``visible``, else take their scores from ``visibility``."""
    assert m.landmarks is not None
    xy = list(m.landmarks.xy_px)
    vis, pres = list(m.landmarks.visibility), list(m.landmarks.presence)
    ref = m.refinement
    markers = m.markers
    for name, (x, y) in points.items():
        pair = _pair_point(name)
        if pair is not None and pair[0].endswith(STICKER):
            assert markers is not None  # a sticker point is only known with stickers
            key, side = pair[0].removesuffix(STICKER), pair[1]
            stickers = markers.pair(key)
            assert stickers is not None
            sticker = stickers.left if side == "left" else stickers.right
            assert sticker is not None
            moved = replace(sticker, xy_px=(round(x, 2), round(y, 2)))
            stickers = replace(stickers, left=moved) if side == "left" else replace(stickers, right=moved)
            markers = markers.with_pair(key, stickers)
            continue
        if pair is not None:
            assert ref is not None  # an outline point is only known with the refinement
            ref = ref.with_pair(pair[0], ref.pair(pair[0]).with_point(pair[1], (round(x, 1), round(y, 1))))
            continue
        i = int(PoseLandmark[name.upper()])
        xy[i] = (round(x, 1), round(y, 1))
        if visible:
            vis[i], pres[i] = 1.0, 1.0
        elif visibility is not None and name in visibility:
            vis[i], pres[i] = visibility[name]
    lm = replace(m.landmarks, xy_px=tuple(xy), visibility=tuple(vis), presence=tuple(pres))
    return replace(m, landmarks=lm, refinement=ref, markers=markers)


def _check(m: PostureMeasurement, moved: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    """The moves as float pairs; ValueError for an unknown point or a position outside the photo."""
    if m.status != "measured" or m.landmarks is None:
        raise ValueError("only a measured photo can be corrected")
    known = correctable_points(m)
    w, h = m.landmarks.width, m.landmarks.height
    out = {}
    for name, p in moved.items():
        if name not in known:
            raise ValueError(f"no point {name!r} to correct; choose from {', '.join(sorted(known))}")
        if len(p) != 2:
            raise ValueError(f"{name}: a position is [x, y] in pixels")
        x, y = float(p[0]), float(p[1])
        if not (math.isfinite(x) and math.isfinite(y) and 0 <= x < w and 0 <= y < h):
            raise ValueError(f"{name}: [{x:g}, {y:g}] is outside the photo ({w}x{h} pixels)")
        out[name] = (x, y)
    return out


def _uses(name: str, m: PostureMeasurement) -> list[str]:
    """The point names a metric's headline value uses in ``m``, without repeats: a tilt read
    from stickers (:mod:`posture.markers`) uses its pair's stickers (none when ``markers`` does
    not hold them)."""
    spec = METRICS[name]
    key = REFINED.get(name)
    if spec.kind == "difference":
        names = [p for n in spec.of for p in _uses(n, m)]
    elif m.analysed_method(name) == "markers":
        names = [f"{key}{STICKER}.{s}" for s in _PAIR_SIDES] if key in _sticker_pairs(m) else []
    elif key in _refined_pairs(m):
        names = [f"{key}.{s}" for s in _PAIR_SIDES]
    else:
        names = [p.name.lower() for p in needed_landmarks(spec)]
    return list(dict.fromkeys(names))


def point_uses(m: PostureMeasurement) -> dict[str, list[str]]:
    """For each metric, the names of the points its headline value uses (see the module's rules),
    among :func:`correctable_points`; a tilt's pair comes first, left then right."""
    known = correctable_points(m)
    return {name: [p for p in _uses(name, m) if p in known] for name in METRICS}


def _spread(
    f: Callable[[dict[str, NDArray[np.float64]]], float | None],
    points: dict[str, NDArray[np.float64]],
    names: set[str],
    sigma: float,
) -> float | None:
    """Propagated one-sigma error of ``f`` when each named point's coordinates have error ``sigma``."""
    total = 0.0
    for n in names:
        for axis in (0, 1):
            step = np.zeros(2)
            step[axis] = sigma
            hi = f({**points, n: points[n] + step})
            lo = f({**points, n: points[n] - step})
            if hi is None or lo is None:
                return None
            total += ((hi - lo) / 2.0) ** 2
    return math.sqrt(total)


class _Geometry:
    """Measures one measurement's metrics on moved points, with its assumptions."""

    def __init__(self, m: PostureMeasurement) -> None:
        a = m.assumptions
        assert m.landmarks is not None
        self.base = Landmarks.from_points(m.landmarks)
        self.options = MeasureOptions(roll_deg=a.roll_deg, height_cm=a.height_cm, min_score=m.min_score)
        self.center = np.array([self.base.width / 2.0, self.base.height / 2.0])

    def landmarks(self, points: Mapping[str, NDArray[np.float64]]) -> Landmarks:
        xy = self.base.xy.copy()
        for n, p in points.items():
            if _pair_point(n) is None:
                xy[int(PoseLandmark[n.upper()])] = p
        return replace(self.base, xy=xy)

    def metric(self, name: str, points: Mapping[str, NDArray[np.float64]]) -> Metric:
        """One metric on the points (see :meth:`reading`)."""
        return self.reading(name, points)[0]

    def reading(
        self, name: str, points: Mapping[str, NDArray[np.float64]]
    ) -> tuple[Metric, float | None, float | None]:
        """One metric on the points: a pair's tilt on its silhouette points or stickers when those
        are among ``points``, else as :func:`posture.measure.measure` gives it; with, for a tilt,
        the horizontal distance between its two points (levelled pixels) and the centimetre scale
        (None where there is none), which :func:`posture.measure.with_height_diff` takes."""
        key = REFINED.get(name)
        for pair in () if key is None else (key, key + STICKER):
            if f"{pair}.left" in points:
                return self._pair_tilt(points, pair)
        body = measure(self.landmarks(points), self.options)
        return body.metrics[name], body.widths_px.get(name), body.cm_per_px

    def _pair_tilt(self, points: Mapping[str, NDArray[np.float64]], pair: str) -> tuple[Metric, float, float | None]:
        left, right = points[f"{pair}.left"], points[f"{pair}.right"]
        if self.options.roll_deg:
            left, right = (g.level_points(p, self.options.roll_deg, self.center) for p in (left, right))
        value = float(g.tilt_deg(left, right))
        scale = None
        if self.options.height_cm is not None:
            lm = self.landmarks(points)
            xy = g.level_points(lm.xy, self.options.roll_deg, self.center) if self.options.roll_deg else lm.xy
            scale = _scale_cm_per_px(xy, lm, self.options.height_cm, self.options.min_score)
        width = abs(float(left[0] - right[0]))
        return (
            with_height_diff(Metric(value=value, unit="deg", higher_side=higher_side(value)), width, scale),
            width,
            scale,
        )


def correct(
    m: PostureMeasurement, moved: Mapping[str, Sequence[float]], *, placement_px: float = PLACEMENT_PX
) -> PostureMeasurement:
    """``m`` measured again with the named points moved (pixels, the person's own sides).

    Raises
    ------
    ValueError
        ``m`` is not a measured photo, a point is unknown (see :func:`correctable_points`), or a
        position lies outside the photo.
    """
    new = _check(m, moved)
    original, earlier = _original(m)
    moves = {**earlier, **new}
    silhouette = _refined_pairs(original)
    geo = _Geometry(replace(original, landmarks=_with_points(original, moves, visible=True).landmarks))
    current = {n: np.array(p, dtype=np.float64) for n, p in correctable_points(original).items()}
    current.update({n: np.array(p, dtype=np.float64) for n, p in moves.items()})
    landmark_points = {n: p for n, p in current.items() if _pair_point(n) is None}
    remeasured = measure(geo.landmarks(landmark_points), geo.options).metrics

    metrics = dict(original.metrics)
    corrected: list[str] = []
    for name, spec in METRICS.items():
        uses = _uses(name, original)
        if spec.kind == "difference" or not moves.keys() & set(uses):
            continue
        pts = {n: current[n] for n in uses if n in current}
        fresh, width, scale = geo.reading(name, pts)
        if fresh.value is None:
            metrics[name] = replace(fresh, method="manual")
            corrected.append(name)
            continue

        def value_of(p: dict[str, NDArray[np.float64]], name: str = name) -> float | None:
            return geo.metric(name, p).value

        spread = _spread(value_of, pts, set(pts), placement_px)
        floor = UNCERTAINTY_FLOOR.get(fresh.unit, 0.0)
        extra: dict[str, Any] = {}
        if name in REFINED:
            extra = {"landmark_value": remeasured[name].value, "method_reason": None}
        metrics[name] = replace(
            fresh, uncertainty=None if spread is None else max(spread, floor), method="manual", **extra
        )
        if width is not None:  # a tilt: its height difference carries the uncertainty just set
            metrics[name] = with_height_diff(metrics[name], width, scale)
        corrected.append(name)
    for name, spec in METRICS.items():
        if spec.kind == "difference" and any(n in corrected for n in spec.of):
            a, b = (metrics[n] for n in spec.of)
            if a.value is None or b.value is None:
                metrics[name] = Metric.missing(spec.unit, "; ".join(r for r in (a.reason, b.reason) if r))
            else:
                u = None if a.uncertainty is None or b.uncertainty is None else math.hypot(a.uncertainty, b.uncertainty)
                metrics[name] = Metric(value=a.value - b.value, unit=spec.unit, uncertainty=u, method="manual")
            corrected.append(name)
    for name in REFINED:
        if name not in corrected and REFINED[name] in silhouette and metrics[name].value is not None:
            metrics[name] = replace(metrics[name], landmark_value=remeasured[name].value)

    before = correctable_points(original)
    scores = _scores(original, moves)
    correction = Correction(
        placement_px=placement_px,
        points={n: PointMove(_round1(before[n]), _round1(p)) for n, p in moves.items()},
        original_scores=scores,
        corrected_metrics=tuple(n for n in METRICS if n in corrected),
        original_metrics={n: original.metrics[n] for n in METRICS if n in corrected},
    )
    out = _with_points(original, moves, visible=True)
    # A tilt now on points placed by hand no longer rests on the joint landmarks: its fallback's warning is moot.
    moot = set(_fallback_notes(original, corrected))
    return replace(
        out,
        metrics={n: metrics[n] for n in original.metrics},
        warnings=tuple(w for w in original.warnings if w not in moot),
        correction=correction,
    )


def _round1(p: Sequence[float]) -> tuple[float, float]:
    return (round(p[0], 1), round(p[1], 1))


def _scores(m: PostureMeasurement, moves: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    """The original visibility and presence of each moved landmark (placed by hand they become 1)."""
    assert m.landmarks is not None
    out = {}
    for n in moves:
        if _pair_point(n) is None:
            i = int(PoseLandmark[n.upper()])
            out[n] = (m.landmarks.visibility[i], m.landmarks.presence[i])
    return out


def is_corrected(m: PostureMeasurement) -> bool:
    """Whether any point of ``m`` was corrected by hand."""
    return m.correction is not None


__all__ = ["PLACEMENT_PX", "correct", "correctable_points", "is_corrected"]
