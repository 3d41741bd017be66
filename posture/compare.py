"""Before/after comparison of two or more measurements (pure logic, no I/O).

:func:`compare` takes measurements in the order the user gave them (the
first is "before", the last "after") and returns a :class:`Comparison`:
per metric each photo's value and, for every visit (each photo against the
one before it) and, with three or more photos, for the first against the
last, a :class:`PairComparison` with its change, noise threshold and
verdict; plus warnings about capture conditions that differ between the
photos. A pair's verdict depends on its two photos only.

The verdict rule of one pair of photos is :mod:`posture.verdict`'s; the words
are :mod:`posture.compare_text`'s.

Like with like
--------------
A shoulder or pelvic tilt read from the body's outline in one photo and from
the joint landmarks in another (the silhouette refinement fell back in one of
them, see :mod:`posture.analyze`), or from stickers in one and not the other
(:mod:`posture.marker_metrics`), would mix two methods: the landmarks
under-read tilts, so part of the change would be the method. Each pair is
compared on the headline when both its photos measured it the same way, else
on both photos' landmark-only values, with the uncertainty of a landmark-only
tilt (at least :data:`posture.noise.LANDMARK_ERROR_DEG`), and its note says so;
the shoulders-vs-hip-line difference is built on the same choice. A trend over
all the photos (:func:`comparable_values`) makes the same choice over the
whole series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from posture import compare_text, wording
from posture.compare_text import METHOD_WORDS, VERDICT_TEXT, pair_note, side_words, the_photo, uneven_leg
from posture.landmarks import MIN_SCORE, Landmarks, PoseLandmark
from posture.metrics import METRIC_NAMES, method_parts
from posture.noise import LANDMARK_ERROR_DEG
from posture.result import PostureMeasurement
from posture.stance import STANCE_METRICS
from posture.verdict import Side, Verdict, level_band, side_of, verdict

L = PoseLandmark

SCHEMA = "posture.comparison"
SCHEMA_VERSION = 2
"""2: a verdict per pair of photos (``pairs``), ``reversed``; 1 had one verdict per metric."""

Method = Literal["markers", "silhouette", "landmarks", "manual"]


@dataclass(frozen=True)
class Anchor:
    """Where a body sits in its photo, for alignment and scale checks.

    ``center`` is the hips' midpoint (``kind == "hips"``) or the shoulders'
    midpoint (``kind == "shoulders"``), pixels; ``length`` the torso length
    (hips' midpoint to shoulders' midpoint) or the shoulder width, pixels.
    """

    kind: Literal["hips", "shoulders"]
    center: tuple[float, float]
    length: float


def body_anchor(lm: Landmarks, kind: str, min_score: float = MIN_SCORE) -> Anchor | None:
    """The ``hips`` or ``shoulders`` anchor of one body, or None when its landmarks are not usable."""
    sh_l, sh_r = lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]
    if kind == "hips":
        if not lm.usable((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP), min_score):
            return None
        hip = (lm[L.LEFT_HIP] + lm[L.RIGHT_HIP]) / 2
        length = float(np.linalg.norm((sh_l + sh_r) / 2 - hip))
        center = hip
    elif kind == "shoulders":
        if not lm.usable((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), min_score):
            return None
        center = (sh_l + sh_r) / 2
        length = float(np.linalg.norm(sh_l - sh_r))
    else:
        raise ValueError(f"anchor kind must be 'hips' or 'shoulders', got {kind!r}")
    if not length > 0:
        return None
    return Anchor(kind, (float(center[0]), float(center[1])), length)  # type: ignore[arg-type]


def landmarks_of(m: PostureMeasurement) -> Landmarks | None:
    """The measured person's pixel landmarks (anatomical sides), or None."""
    return None if m.landmarks is None else Landmarks.from_points(m.landmarks)


def _min_score(m: PostureMeasurement) -> float:
    return m.min_score


def common_anchor_kind(measurements: Sequence[PostureMeasurement]) -> str | None:
    """``hips`` when every body with landmarks has a usable torso, else ``shoulders`` when
    every one has usable shoulders, else None. Bodies without landmarks are skipped."""
    lms = [(landmarks_of(m), _min_score(m)) for m in measurements]
    present = [(lm, s) for lm, s in lms if lm is not None]
    if not present:
        return None
    for kind in ("hips", "shoulders"):
        if all(body_anchor(lm, kind, s) is not None for lm, s in present):
            return kind
    return None


@dataclass(frozen=True)
class PhotoInfo:
    """One compared photo as the report lists it.

    ``body_scale`` is the anchor length (torso length, or shoulder width
    when a torso is not visible in every photo) divided by the photo's
    diagonal; None when unknown.
    """

    label: str
    date: datetime | None
    date_source: str | None
    status: str
    view: str | None
    turn_deg: float | None
    mirrored: bool
    level_mode: str
    roll_deg: float
    body_scale: float | None
    sha256: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "label": self.label,
            "date": None if self.date is None else self.date.isoformat(),
            "date_source": self.date_source,
            "status": self.status,
            "view": self.view,
            "turn_deg": None if self.turn_deg is None else round(self.turn_deg, 1),
            "mirrored": self.mirrored,
            "level_mode": self.level_mode,
            "roll_deg": round(self.roll_deg, 2),
            "body_scale": None if self.body_scale is None else round(self.body_scale, 4),
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class PairComparison:
    """One metric between two of the photos: a visit (a photo against the one before it) or
    the first photo against the last.

    ``first``/``second`` are 0-based photo indices. ``values``/``uncertainties`` are the two
    values compared (None when not measured or not estimated): each photo's own value, or its
    landmark-only value when ``on_landmarks`` (module docstring, "Like with like").
    ``compared_on`` gives, for a shoulder or pelvic tilt and the shoulders-vs-hip-line
    difference, the method of each tilt the values rest on (empty for other metrics).
    ``change`` is the second value minus the first (signed); ``size_change`` the change of the
    absolute value (negative: more level or centred); ``combined_uncertainty`` is
    ``sqrt(u_first**2 + u_second**2)``; ``threshold`` the size a change must exceed to count.
    ``sides`` says which side each value shows beyond its own noise (``level`` within it).
    ``note`` explains the verdict in words, starting with ``method_note`` (why the values are
    the landmark-only ones) when there is one. ``by_hand`` says which of the two values rest on
    points placed by hand (the metric's ``method`` is ``manual``): those are compared as corrected,
    and the note says so.
    """

    name: str
    first: int
    second: int
    values: tuple[float | None, float | None]
    uncertainties: tuple[float | None, float | None]
    change: float | None
    size_change: float | None
    combined_uncertainty: float | None
    threshold: float | None
    verdict: Verdict
    sides: tuple[Side, Side] | None
    note: str
    compared_on: tuple[tuple[str, Method], ...] = ()
    method_note: str | None = None
    by_hand: tuple[bool, bool] = (False, False)

    @property
    def on_landmarks(self) -> bool:
        """Whether a photo's tilt from the outline was replaced by its landmark-only value."""
        return self.method_note is not None

    @property
    def verdict_text(self) -> str:
        """The verdict in plain words; a reversal names the side now: ``Reversed: left higher now``."""
        if self.verdict == "reversed" and self.sides is not None:
            return f"{VERDICT_TEXT['reversed']}: {side_words(self.name, self.sides[1])} now"
        return VERDICT_TEXT[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (numbers rounded to 0.01; ``photos`` indexes the comparison's photos)."""
        return {
            "photos": [self.first, self.second],
            "values": [_r(v) for v in self.values],
            "uncertainties": [_r(v) for v in self.uncertainties],
            "change": _r(self.change),
            "size_change": _r(self.size_change),
            "combined_uncertainty": _r(self.combined_uncertainty),
            "threshold": _r(self.threshold),
            "verdict": self.verdict,
            "sides": None if self.sides is None else list(self.sides),
            "compared_on": dict(self.compared_on),
            "by_hand": list(self.by_hand),
            "note": self.note,
        }


def _r(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(v, 2)


@dataclass(frozen=True)
class MetricComparison:
    """One metric across the photos.

    ``values``/``uncertainties`` are each photo's own (None when not measured or
    not estimated). ``mdc`` is the metric's minimal detectable change over the
    whole series (:func:`mdc_table`: a single pass's when any photo was measured
    in one), the band of its trend; each pair has its own ``threshold``.
    ``pairs`` holds one :class:`PairComparison` per visit (photo 1 against 2,
    2 against 3, ...) and, with three or more photos, the first against the last
    at the end.
    """

    name: str
    label: str
    unit: str
    values: tuple[float | None, ...]
    uncertainties: tuple[float | None, ...]
    mdc: float | None
    pairs: tuple[PairComparison, ...]

    @property
    def overall(self) -> PairComparison:
        """The first photo against the last."""
        return self.pairs[-1]

    @property
    def visits(self) -> tuple[PairComparison, ...]:
        """Each photo against the one before it."""
        return self.pairs[:-1] if len(self.pairs) > 1 else self.pairs

    def to_dict(self) -> dict[str, Any]:
        """JSON form (numbers rounded to 0.01)."""
        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "values": [_r(v) for v in self.values],
            "uncertainties": [_r(v) for v in self.uncertainties],
            "mdc": _r(self.mdc),
            "pairs": [p.to_dict() for p in self.pairs],
        }


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: photos, metrics (reporting order) and warnings."""

    photos: tuple[PhotoInfo, ...]
    metrics: tuple[MetricComparison, ...]
    warnings: tuple[str, ...]
    anchor: str | None

    def metric(self, name: str) -> MetricComparison:
        """One metric's comparison by name (KeyError if unknown)."""
        for mc in self.metrics:
            if mc.name == name:
                return mc
        raise KeyError(name)

    @property
    def comparable(self) -> bool:
        """Whether at least one metric could be compared between at least one pair of photos."""
        return any(p.verdict != "not_comparable" for mc in self.metrics for p in mc.pairs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``posture compare --json``."""
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "photos": [p.to_dict() for p in self.photos],
            "anchor": self.anchor,
            "metrics": {mc.name: mc.to_dict() for mc in self.metrics},
            "warnings": list(self.warnings),
        }


def _value_on(m: PostureMeasurement, name: str, method: Method) -> tuple[float | None, float | None]:
    """A refinable tilt's value and uncertainty on ``method``: the headline, or the landmark-only
    value with at least a landmark-only tilt's uncertainty (see "Like with like")."""
    mt = m.metrics.get(name)
    if mt is None or mt.value is None:
        return None, None
    if method != "landmarks" or m.method_of(name) in ("landmarks", "manual"):
        return mt.value, mt.uncertainty
    u = None if mt.uncertainty is None else max(mt.uncertainty, LANDMARK_ERROR_DEG[name])
    return mt.landmark_value, u


def compared_on(ms: Sequence[PostureMeasurement], name: str) -> tuple[tuple[str, Method], ...]:
    """For a shoulder or pelvic tilt, or the shoulders-vs-hip-line difference, the method each
    tilt is compared on across ``ms``: ``markers`` or ``silhouette`` when every photo that measured
    it has it from the stickers or from the outline, ``manual`` when every one has it from points
    placed by hand, else ``landmarks``. A photo whose tilt was corrected by hand keeps its corrected
    value whatever the others have (the practitioner's placement is its reading), so the choice is
    made among the other photos. Empty for other metrics."""
    out: list[tuple[str, Method]] = []
    for part in method_parts(name):
        methods = {m.method_of(part) for m in ms} - {None}
        auto = methods - {"manual"}
        one = auto.pop() if len(auto) == 1 else None
        on: Method = "markers" if one == "markers" else "silhouette" if one == "silhouette" else "landmarks"
        out.append((part, "manual" if methods == {"manual"} else on))
    return tuple(out)


def comparable_values(
    ms: Sequence[PostureMeasurement], name: str
) -> tuple[tuple[float | None, ...], tuple[float | None, ...], str | None]:
    """Each photo's value and uncertainty of ``name`` to compare over ``ms`` (a pair, or a whole
    series for a trend), and a note when they are not the headlines: a tilt from the outline in
    some photos and from the landmarks in others is taken from the landmarks in all of them
    (module docstring, "Like with like")."""
    metrics = [m.metrics.get(name) for m in ms]
    values = tuple(None if mt is None else mt.value for mt in metrics)
    uncs = tuple(None if mt is None else mt.uncertainty for mt in metrics)
    on = compared_on(ms, name)
    switched = [
        p
        for p, method in on
        if method == "landmarks" and any(m.method_of(p) not in (None, "landmarks", "manual") for m in ms)
    ]
    if not switched:
        return values, uncs, None
    per_photo = [[_value_on(m, p, method) for p, method in on] for m in ms]  # (value, uncertainty) of each part
    if len(on) == 1:
        values = tuple(x[0][0] for x in per_photo)
        uncs = tuple(x[0][1] for x in per_photo)
    else:
        values = tuple(None if a[0] is None or b[0] is None else a[0] - b[0] for a, b in per_photo)
        uncs = tuple(None if a[1] is None or b[1] is None else math.hypot(a[1], b[1]) for a, b in per_photo)
    which = " and ".join(wording.LABELS.get(p, p).lower() for p in switched)
    where = ("both photos", "one", "the other") if len(ms) == 2 else ("every photo", "some photos", "others")
    if any(m.method_of(p) == "manual" for m in ms for p in switched):  # only with three photos or more
        where = ("every photo not corrected by hand", *where[1:])
    used = [w for k, w in METHOD_WORDS.items() if any(m.method_of(p) == k for m in ms for p in switched)]
    note = (
        f"compared on the joint landmarks in {where[0]}: the {which} came from {used[0]} in {where[1]} "
        f"and from {' or '.join(used[1:])} in {where[2]}, and the landmarks under-read tilts"
    )
    return values, uncs, note


def pair_indices(n: int) -> list[tuple[int, int]]:
    """The pairs of photos compared: each visit (0, 1), (1, 2), ..., then (0, n - 1) when n > 2."""
    return [(i, i + 1) for i in range(n - 1)] + ([(0, n - 1)] if n > 2 else [])


def mdc_table(
    ms: Sequence[PostureMeasurement],
    mdc: Mapping[str, float] | None,
    mdc_single_pass: Mapping[str, float] | None = None,
) -> Mapping[str, float]:
    """The minimal detectable changes that judge photos ``ms`` (a pair, or a whole series for its
    trend's band): ``mdc_single_pass`` (:data:`posture.noise.MDC95_SINGLE_PASS`) when any of them
    was measured in a single pass and it is given, else ``mdc`` (empty when None)."""
    if mdc_single_pass is not None and any(m.single_pass for m in ms):
        return mdc_single_pass
    return mdc or {}


def _compare_pair(
    name: str,
    unit: str,
    ms: Sequence[PostureMeasurement],
    i: int,
    j: int,
    tables: tuple[Mapping[str, float] | None, Mapping[str, float] | None],
) -> PairComparison:
    """Metric ``name`` between photos ``i`` and ``j`` of ``ms``, from those two photos alone,
    against the MDC :func:`mdc_table` picks from ``tables`` (default, single pass) for them."""
    n = len(ms)
    pair = (ms[i], ms[j])
    mdc = mdc_table(pair, *tables).get(name)
    (before, after), (ub, ua), method_note = comparable_values(pair, name)
    on = compared_on(pair, name)
    by_hand = (_by_hand(ms[i], name), _by_hand(ms[j], name))
    hand_note = compare_text.by_hand_note(by_hand, (i, j), n)
    reasons = []
    for k, value in ((i, before), (j, after)):
        if value is None:
            mt = ms[k].metrics.get(name)
            reasons.append(
                f"not measured in {the_photo(k, n)} ({(mt.reason if mt is not None else None) or 'not measured'})"
            )
        elif name in STANCE_METRICS and (leg := uneven_leg(ms[k])) is not None:
            reasons.append(f"uneven stance in {the_photo(k, n)} ({leg[0]} leg)")
    if reasons:
        return PairComparison(
            name,
            i,
            j,
            (before, after),
            (ub, ua),
            None,
            None,
            None,
            None,
            "not_comparable",
            None,
            "; ".join(reasons),
            on,
            method_note,
            by_hand,
        )
    assert before is not None and after is not None  # a missing value gave a reason above
    lvl = level_band(unit)
    v, combined, threshold = verdict(before, after, ub, ua, mdc, lvl)
    when = (f"in {the_photo(i, n)}", f"in {the_photo(j, n)}")
    note = pair_note(name, unit, v, (before, after), combined, threshold, when)
    return PairComparison(
        name=name,
        first=i,
        second=j,
        values=(before, after),
        uncertainties=(ub, ua),
        change=after - before,
        size_change=abs(after) - abs(before),
        combined_uncertainty=combined,
        threshold=threshold,
        verdict=v,
        sides=(side_of(before, ub, mdc, lvl), side_of(after, ua, mdc, lvl)),
        note="; ".join(x for x in (method_note, hand_note, note) if x),
        compared_on=on,
        method_note=method_note,
        by_hand=by_hand,
    )


def _by_hand(m: PostureMeasurement, name: str) -> bool:
    """Whether ``m``'s value of ``name`` was measured again on points placed by hand."""
    mt = m.metrics.get(name)
    return mt is not None and mt.value is not None and mt.method == "manual"


def _compare_metric(
    name: str,
    ms: Sequence[PostureMeasurement],
    tables: tuple[Mapping[str, float] | None, Mapping[str, float] | None],
) -> MetricComparison:
    metrics = [m.metrics.get(name) for m in ms]
    unit = next((mt.unit for mt in metrics if mt is not None), "%" if name.endswith("_pct") else "deg")
    return MetricComparison(
        name=name,
        label=wording.LABELS.get(name, name),
        unit=unit,
        values=tuple(None if mt is None else mt.value for mt in metrics),
        uncertainties=tuple(None if mt is None else mt.uncertainty for mt in metrics),
        mdc=mdc_table(ms, *tables).get(name),
        pairs=tuple(_compare_pair(name, unit, ms, i, j, tables) for i, j in pair_indices(len(ms))),
    )


def _photo_info(m: PostureMeasurement, date: datetime | None, source: str | None, anchor: str | None) -> PhotoInfo:
    lm = landmarks_of(m)
    scale = None
    if lm is not None and anchor is not None:
        a = body_anchor(lm, anchor, _min_score(m))
        if a is not None:
            scale = a.length / math.hypot(lm.width, lm.height)
    return PhotoInfo(
        label=str(m.source.path or "image"),
        date=date,
        date_source=source,
        status=m.status,
        view=None if m.subject is None else m.subject.view,
        turn_deg=None if m.subject is None else m.subject.turn_deg,
        mirrored=m.assumptions.mirrored,
        level_mode=m.assumptions.level_mode,
        roll_deg=m.assumptions.roll_deg,
        body_scale=scale,
        sha256=m.source.sha256,
    )


def compare(
    measurements: Sequence[PostureMeasurement],
    *,
    dates: Sequence[datetime | None] | None = None,
    mdc: Mapping[str, float] | None = None,
    date_sources: Sequence[str | None] | None = None,
    mdc_single_pass: Mapping[str, float] | None = None,
) -> Comparison:
    """Compare two or more measurements of the same person.

    Parameters
    ----------
    measurements
        In the order to compare: the first is "before", the last "after".
    dates
        One per measurement (None where unknown), for listing and trends.
    mdc
        Minimal detectable change (95%) per metric name, in the metric's
        unit; metrics missing from the mapping (or None) have none.
    mdc_single_pass
        The same for a pair (and a series) with a photo measured in a
        single pass (:func:`mdc_table`); None: ``mdc`` for every pair.
    date_sources
        Where each date came from (``exif``, ``file``, ``given``), for the
        report.

    Raises
    ------
    ValueError
        Fewer than two measurements, or ``dates``/``date_sources`` of the
        wrong length.
    """
    ms = list(measurements)
    n = len(ms)
    if n < 2:
        raise ValueError(f"need at least two measurements to compare, got {n}")
    dates = list(dates) if dates is not None else [None] * n
    sources = list(date_sources) if date_sources is not None else [None] * n
    if len(dates) != n or len(sources) != n:
        raise ValueError(f"expected {n} dates and date sources, got {len(dates)} and {len(sources)}")
    anchor = common_anchor_kind(ms)
    photos = tuple(_photo_info(m, d, s, anchor) for m, d, s in zip(ms, dates, sources, strict=True))
    names = [k for k in METRIC_NAMES if any(k in m.metrics for m in ms)]
    names += sorted({k for m in ms for k in m.metrics} - set(names))
    metrics = tuple(_compare_metric(k, ms, (mdc, mdc_single_pass)) for k in names)
    return Comparison(photos, metrics, tuple(compare_text.warnings(ms, photos, metrics)), anchor)
