"""Before/after comparison of two or more measurements (pure logic, no I/O).

:func:`compare` takes measurements in the order the user gave them (the
first is "before", the last "after") and returns a :class:`Comparison`:
per metric each photo's value and, for every visit (each photo against the
one before it) and, with three or more photos, for the first against the
last, a :class:`PairComparison` with its change, noise threshold and
verdict; plus warnings about capture conditions that differ between the
photos. A pair's verdict depends on its two photos only.

Verdict rule (one pair of photos)
---------------------------------
Values are signed (tilts: + = the person's left side higher; lateral shifts
and leans: + = towards the person's left, see :mod:`posture.geometry`). The
*change* is the second value minus the first; it is *significant* only if
its size exceeds the noise threshold, the larger of

* the minimal detectable change (MDC95) of the metric, when known, and
* ``1.96 * sqrt(u_first**2 + u_second**2)``, when both uncertainties are known.

When neither is known the verdict is ``uncertainty_unknown``: nothing is
called better or worse. A change within the threshold is ``within_noise``,
whatever the sizes. A significant change is ``reversed`` when each photo
shows a side and the sides differ (the asymmetry crossed to the other side;
over-correction); else ``improved`` when the asymmetry's size (the absolute
value; 0 is level or centred) became smaller, ``worse`` otherwise. A photo
shows a side when its value is further from 0 than its own noise: the
larger of the wording's level band (:data:`posture.measure.LEVEL_DEG`,
:data:`posture.measure.CENTRED_PCT`), ``MDC95 / sqrt(2)`` (1.96 times the
standard error of one measurement) and ``1.96 * u``; a value within it is
``level``, so a large asymmetry that became level within noise is improved,
not reversed. A metric missing in either photo is ``not_comparable`` with
the reason.

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

import itertools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from posture import wording
from posture.landmarks import Landmarks, PoseLandmark
from posture.measure import CENTRED_PCT, LEVEL_DEG
from posture.metrics import METRIC_NAMES, METRICS, method_parts
from posture.noise import LANDMARK_ERROR_DEG
from posture.result import PostureMeasurement
from posture.terminal import printable

L = PoseLandmark

SCHEMA = "posture.comparison"
SCHEMA_VERSION = 2
"""2: a verdict per pair of photos (``pairs``), ``reversed``; 1 had one verdict per metric."""

Verdict = Literal["improved", "worse", "reversed", "within_noise", "uncertainty_unknown", "not_comparable"]
Side = Literal["left", "right", "level"]
Method = Literal["markers", "silhouette", "landmarks"]

Z95 = 1.96
"""Two-sided 95% factor applied to the combined uncertainty."""

SCALE_WARN = 0.15
"""Body scales (relative to the photo) differing by more than this fraction trigger a warning."""

TURN_WARN_DEG = 10.0
"""Body turns differing by more than this many degrees trigger a warning."""

ROLL_WARN_DEG = 1.0
"""Corrected camera rolls differing by more than this many degrees trigger a warning."""

COMMON_ROTATION_DEG = 2.0
"""Shoulder, hip and knee lines all turning the same way by at least this much suggest a camera roll."""

VERDICT_TEXT: Mapping[str, str] = {
    "improved": "Improved",
    "worse": "Worse",
    "reversed": "Reversed",
    "within_noise": "Within measurement noise",
    "uncertainty_unknown": "Uncertainty unknown",
    "not_comparable": "Not comparable",
}
"""Plain-language name of each verdict."""


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


def _usable(lm: Landmarks, points: Sequence[PoseLandmark], min_score: float) -> bool:
    return all(np.isfinite(lm.xy[p]).all() and lm.score(p) >= min_score for p in points)


def body_anchor(lm: Landmarks, kind: str, min_score: float = 0.5) -> Anchor | None:
    """The ``hips`` or ``shoulders`` anchor of one body, or None when its landmarks are not usable."""
    sh_l, sh_r = lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]
    if kind == "hips":
        if not _usable(lm, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP), min_score):
            return None
        hip = (lm[L.LEFT_HIP] + lm[L.RIGHT_HIP]) / 2
        length = float(np.linalg.norm((sh_l + sh_r) / 2 - hip))
        center = hip
    elif kind == "shoulders":
        if not _usable(lm, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), min_score):
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
    return None if m.landmarks is None else Landmarks.from_dict(dict(m.landmarks))


def _min_score(m: PostureMeasurement) -> float:
    return float(m.method.get("min_score", 0.5))


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
    the landmark-only ones) when there is one.
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
            "note": self.note,
        }


def _r(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(v, 2)


@dataclass(frozen=True)
class MetricComparison:
    """One metric across the photos.

    ``values``/``uncertainties`` are each photo's own (None when not measured or
    not estimated). ``pairs`` holds one :class:`PairComparison` per visit (photo
    1 against 2, 2 against 3, ...) and, with three or more photos, the first
    against the last at the end.
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


def photo_name(i: int, n: int) -> str:
    """``before`` / ``after`` for two photos, ``photo 1`` ... otherwise (1-based in words)."""
    if n == 2:
        return ("before", "after")[i]
    return f"photo {i + 1}"


def the_photo(i: int, n: int) -> str:
    """How a sentence names photo ``i`` of ``n``: ``the before photo`` or ``photo 3``."""
    return f"the {photo_name(i, n)} photo" if n == 2 else photo_name(i, n)


def _photos_phrase(idx: Sequence[int], n: int) -> str:
    """``the before photo``, ``photo 2``, ``photos 1, 2 and 4``."""
    if len(idx) == 1:
        return the_photo(idx[0], n)
    nums = [str(i + 1) for i in idx]
    return "photos " + ", ".join(nums[:-1]) + " and " + nums[-1]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def noise_threshold(
    u_first: float | None, u_second: float | None, mdc: float | None
) -> tuple[float | None, float | None]:
    """``(combined uncertainty, threshold)`` of a pair (module docstring); None where unknown."""
    combined = None if u_first is None or u_second is None else math.hypot(u_first, u_second)
    limits = [t for t in (mdc, None if combined is None else Z95 * combined) if t is not None]
    return combined, (max(limits) if limits else None)


def side_of(value: float, u: float | None, mdc: float | None, band: float = 0.0) -> Side:
    """The side one photo's ``value`` shows, or ``level`` when it is within its own noise: the
    larger of ``band``, ``mdc / sqrt(2)`` and ``1.96 * u``, of those known."""
    noise = max([band] + [t for t in (None if mdc is None else mdc / math.sqrt(2), None if u is None else Z95 * u) if t is not None])
    if abs(value) <= noise:
        return "level"
    return "left" if value > 0 else "right"


def verdict(
    before: float,
    after: float,
    u_before: float | None,
    u_after: float | None,
    mdc: float | None,
    band: float = 0.0,
) -> tuple[Verdict, float | None, float | None]:
    """Apply the module's verdict rule to one pair of signed values.

    ``band`` is the metric's level (or centred) band, below which a value is never said to
    show a side. Returns ``(verdict, combined_uncertainty, threshold)``; the last two are None
    when unknown.
    """
    combined, threshold = noise_threshold(u_before, u_after, mdc)
    if threshold is None:
        return "uncertainty_unknown", combined, None
    if abs(after - before) <= threshold:
        return "within_noise", combined, threshold
    sides = {side_of(before, u_before, mdc, band), side_of(after, u_after, mdc, band)}
    if sides == {"left", "right"}:
        return "reversed", combined, threshold
    return ("improved" if abs(after) < abs(before) else "worse"), combined, threshold


_SIDE_WORDS: Mapping[str, tuple[str, str]] = {
    "shoulder_tilt_deg": ("{} higher", "{} side up"),
    "pelvic_tilt_deg": ("{} higher", "{} side up"),
    "knee_tilt_deg": ("{} higher", "{} side up"),
    "head_tilt_deg": ("{} ear higher", "{} ear up"),
    "shoulder_pelvis_tilt_deg": ("{} higher relative to the hip line", "{} side up relative to the hip line"),
    "trunk_lean_deg": ("leaning {}", "towards the {}"),
}
"""Per metric, how a value on a side reads and which way a change towards that side went (``{}``:
``left`` or ``right``); lateral shifts read ``towards the left`` for both."""

def side_words(name: str, side: Side) -> str:
    """How a value on ``side`` reads for metric ``name``: ``left higher``, ``left ear higher``,
    ``leaning left``, ``towards the left``; the metric's neutral word (``level``, ``upright``...)."""
    if side == "level":
        return METRICS[name].neutral
    return _SIDE_WORDS.get(name, ("towards the {}", ""))[0].format(side)


def change_words(name: str, change: float) -> str:
    """Which way a signed ``change`` of metric ``name`` went: ``left side up``, ``towards the right``."""
    return _SIDE_WORDS.get(name, ("", "towards the {}"))[1].format("left" if change > 0 else "right")


def level_band(unit: str) -> float:
    """The level (or centred) band of a metric in ``unit`` (see :mod:`posture.measure`)."""
    return CENTRED_PCT if unit == "%" else LEVEL_DEG


def _flip_text(name: str, before: float, after: float, when: tuple[str, str]) -> str:
    """Which side each value shows, ``when`` naming the two photos: ``right higher in the before
    photo, left higher in the after photo``."""
    b, a = (side_words(name, "left" if v > 0 else "right") for v in (before, after))
    return f"{b} {when[0]}, {a} {when[1]}"


def _pair_note(
    name: str, unit: str, v: Verdict, values: tuple[float, float], combined: float | None,
    threshold: float | None, when: tuple[str, str],
) -> str:
    before, after = values
    if v == "uncertainty_unknown" or threshold is None:
        text = (
            "no uncertainty estimate and no known minimal detectable change, "
            "so the change cannot be told apart from measurement noise"
        )
        return text + (f"; {_flip_text(name, before, after, when)}" if before * after < 0 else "")
    change = f"the change of {wording.number(after - before, combined, unit)}"
    t = wording.magnitude(threshold, threshold / 2, unit)
    if v == "within_noise":
        return f"{change} is not larger than the noise threshold of {t}"
    if v == "reversed":
        return f"{change} is larger than the noise threshold of {t} and crossed level: {_flip_text(name, before, after, when)}"
    size = abs(after) - abs(before)
    return (
        f"{change} is larger than the noise threshold of {t}: the asymmetry is "
        f"{wording.number(size, combined, unit)} {'smaller' if size < 0 else 'larger'}"
    )


METHOD_WORDS: dict[str, str] = {"markers": "stickers", "silhouette": "the body's outline", "landmarks": "the joint landmarks"}
"""Where a tilt came from, in words, for the notes (in this order of preference)."""


def _value_on(m: PostureMeasurement, name: str, method: Method) -> tuple[float | None, float | None]:
    """A refinable tilt's value and uncertainty on ``method``: the headline, or the landmark-only
    value with at least a landmark-only tilt's uncertainty (see "Like with like")."""
    mt = m.metrics.get(name)
    if mt is None or mt.value is None:
        return None, None
    if method != "landmarks" or m.method_of(name) == "landmarks":
        return mt.value, mt.uncertainty
    u = None if mt.uncertainty is None else max(mt.uncertainty, LANDMARK_ERROR_DEG[name])
    return mt.landmark_value, u


def compared_on(ms: Sequence[PostureMeasurement], name: str) -> tuple[tuple[str, Method], ...]:
    """For a shoulder or pelvic tilt, or the shoulders-vs-hip-line difference, the method each
    tilt is compared on across ``ms``: ``markers`` or ``silhouette`` when every photo that measured
    it has it from the stickers or from the outline, else ``landmarks``. Empty for other metrics."""
    out: list[tuple[str, Method]] = []
    for part in method_parts(name):
        methods = {m.method_of(part) for m in ms} - {None}
        one = methods.pop() if len(methods) == 1 else None
        out.append((part, "markers" if one == "markers" else "silhouette" if one == "silhouette" else "landmarks"))
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
    switched = [p for p, method in on if method == "landmarks" and any(m.method_of(p) not in (None, "landmarks") for m in ms)]
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
    used = [w for k, w in METHOD_WORDS.items() if any(m.method_of(p) == k for m in ms for p in switched)]
    note = (
        f"compared on the joint landmarks in {where[0]}: the {which} came from {used[0]} in {where[1]} "
        f"and from {' or '.join(used[1:])} in {where[2]}, and the landmarks under-read tilts"
    )
    return values, uncs, note


def pair_indices(n: int) -> list[tuple[int, int]]:
    """The pairs of photos compared: each visit (0, 1), (1, 2), ..., then (0, n - 1) when n > 2."""
    return [(i, i + 1) for i in range(n - 1)] + ([(0, n - 1)] if n > 2 else [])


def _compare_pair(name: str, unit: str, ms: Sequence[PostureMeasurement], i: int, j: int, mdc: float | None) -> PairComparison:
    """Metric ``name`` between photos ``i`` and ``j`` of ``ms``, from those two photos alone."""
    n = len(ms)
    pair = (ms[i], ms[j])
    (before, after), (ub, ua), method_note = comparable_values(pair, name)
    on = compared_on(pair, name)
    if before is None or after is None:
        reasons = []
        for k, value in ((i, before), (j, after)):
            if value is None:
                mt = ms[k].metrics.get(name)
                reasons.append(f"not measured in {the_photo(k, n)} ({(mt.reason if mt is not None else None) or 'not measured'})")
        return PairComparison(
            name, i, j, (before, after), (ub, ua), None, None, None, None, "not_comparable", None,
            "; ".join(reasons), on, method_note,
        )
    lvl = level_band(unit)
    v, combined, threshold = verdict(before, after, ub, ua, mdc, lvl)
    when = (f"in {the_photo(i, n)}", f"in {the_photo(j, n)}")
    note = _pair_note(name, unit, v, (before, after), combined, threshold, when)
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
        note="; ".join(x for x in (method_note, note) if x),
        compared_on=on,
        method_note=method_note,
    )


def _compare_metric(name: str, ms: Sequence[PostureMeasurement], mdc: float | None) -> MetricComparison:
    metrics = [m.metrics.get(name) for m in ms]
    unit = next((mt.unit for mt in metrics if mt is not None), "%" if name.endswith("_pct") else "deg")
    return MetricComparison(
        name=name,
        label=wording.LABELS.get(name, name),
        unit=unit,
        values=tuple(None if mt is None else mt.value for mt in metrics),
        uncertainties=tuple(None if mt is None else mt.uncertainty for mt in metrics),
        mdc=mdc,
        pairs=tuple(_compare_pair(name, unit, ms, i, j, mdc) for i, j in pair_indices(len(ms))),
    )


def _photo_info(m: PostureMeasurement, date: datetime | None, source: str | None, anchor: str | None) -> PhotoInfo:
    lm = landmarks_of(m)
    scale = None
    if lm is not None and anchor is not None:
        a = body_anchor(lm, anchor, _min_score(m))
        if a is not None:
            scale = a.length / math.hypot(lm.width, lm.height)
    return PhotoInfo(
        label=str(m.source.get("path") or "image"),
        date=date,
        date_source=source,
        status=m.status,
        view=None if m.subject is None else m.subject.view,
        turn_deg=None if m.subject is None else m.subject.turn_deg,
        mirrored=m.assumptions.mirrored,
        level_mode=m.assumptions.level_mode,
        roll_deg=m.assumptions.roll_deg,
        body_scale=scale,
        sha256=m.source.get("sha256"),
    )


def _common_rotation(metrics: Sequence[MetricComparison]) -> float | None:
    """The mean change of the shoulder, hip and knee tilts when they all changed alike
    (same direction, each at least :data:`COMMON_ROTATION_DEG`, spread at most half the mean),
    else None. Needs at least two of the three."""
    changes = [
        mc.overall.change for mc in metrics
        if mc.name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "knee_tilt_deg") and mc.overall.change is not None
    ]
    if len(changes) < 2:
        return None
    mean = sum(changes) / len(changes)
    same_way = all(c * mean > 0 and abs(c) >= COMMON_ROTATION_DEG for c in changes)
    if same_way and max(changes) - min(changes) <= 0.5 * abs(mean):
        return mean
    return None


def _warnings(ms: Sequence[PostureMeasurement], photos: Sequence[PhotoInfo], metrics: Sequence[MetricComparison]) -> list[str]:
    n = len(ms)
    out: list[str] = []

    for i, p in enumerate(photos):
        if p.status != "measured":
            out.append(f"{_cap(the_photo(i, n))} could not be measured: {ms[i].message}.")

    seen: dict[str, int] = {}
    for i, p in enumerate(photos):
        if p.sha256:
            if p.sha256 in seen:
                out.append(f"{_cap(_photos_phrase([seen[p.sha256], i], n))} are the same file." if n > 2 else "The before and after photos are the same file.")
            else:
                seen[p.sha256] = i

    scales = [(i, p.body_scale) for i, p in enumerate(photos) if p.body_scale]
    if len(scales) >= 2:
        lo = min(scales, key=lambda t: t[1])
        hi = max(scales, key=lambda t: t[1])
        ratio = hi[1] / lo[1]
        if ratio > 1 + SCALE_WARN:
            how = f"{ratio:.1f} times as large" if ratio >= 2 else f"{100 * (ratio - 1):.0f}% larger"
            out.append(
                f"Camera distance or zoom differs: the body appears {how} "
                f"in {the_photo(hi[0], n)} {'as' if ratio >= 2 else 'than'} in {the_photo(lo[0], n)}. "
                "The photos are shown at the same body scale, but perspective and lens distortion "
                "differ; stand at the same distance next time."
            )

    views = {p.view for p in photos if p.view is not None}
    if len(views) > 1:
        one = {"front": "faces the camera", "back": "faces away", "side": "is side-on", "unknown": "has an unknown view"}
        many = {"front": "face the camera", "back": "face away", "side": "are side-on", "unknown": "have an unknown view"}
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(photos):
            if p.view is not None:
                groups.setdefault(p.view, []).append(i)
        desc = "; ".join(
            f"{_photos_phrase(idx, n)} {(one if len(idx) == 1 else many).get(v, v)}" for v, idx in groups.items()
        )
        out.append(
            f"The view differs ({desc}): the body's landmarks look different from another side, "
            "so part of any change may come from the view."
        )
    turns = [(i, p.turn_deg) for i, p in enumerate(photos) if p.turn_deg is not None]
    if len(turns) >= 2:
        a = min(turns, key=lambda t: t[1])
        b = max(turns, key=lambda t: t[1])
        if b[1] - a[1] > TURN_WARN_DEG:
            out.append(
                f"The body is turned differently: about {a[1]:.0f}° from square in {the_photo(a[0], n)}, "
                f"{b[1]:.0f}° in {the_photo(b[0], n)}; turning changes the apparent tilts."
            )

    mirrored = [i for i, p in enumerate(photos) if p.mirrored]
    if mirrored and len(mirrored) < n:
        plain = [i for i in range(n) if i not in mirrored]
        out.append(
            f"{_cap(_photos_phrase(mirrored, n))} {'was' if len(mirrored) == 1 else 'were'} analysed as a mirror "
            f"image and {_photos_phrase(plain, n)} {'was' if len(plain) == 1 else 'were'} not: left and right are "
            "swapped in a mirror image, so check that this is right, or a left-higher shoulder will read as "
            "right-higher."
        )

    modes = {p.level_mode == "none" for p in photos}
    rolls = [p.roll_deg for p in photos]
    if len(modes) > 1:
        out.append(
            "Camera roll was corrected in some photos and not in others: their angles are relative to "
            "different references (true horizontal against the photo's edges)."
        )
    elif max(rolls) - min(rolls) > ROLL_WARN_DEG:
        out.append(
            "The camera was rolled differently ("
            + ", ".join(f"{r:+.1f}°" for r in rolls)
            + " corrected): check the level of each photo."
        )

    rotation = _common_rotation(metrics)
    if rotation is not None:
        out.append(
            f"The shoulder, hip and knee lines all turned the same way, by about {abs(rotation):.0f}°: "
            "this is what a camera held at a different tilt does. Level the camera (or use --level) for both photos; "
            "'Shoulders vs hip line' is not affected by camera tilt."
        )

    measured = [i for i, p in enumerate(photos) if p.status == "measured"]
    for i in measured:
        lost = [mc for mc in metrics if mc.values[i] is None and any(v is not None for v in mc.values)]
        if lost:
            reasons: list[str] = []
            for mc in lost:
                why = ms[i].metrics[mc.name].reason if mc.name in ms[i].metrics else None
                for part in str(why or "not measured").split("; "):
                    if part not in reasons:
                        reasons.append(part)
            out.append(
                f"Landmarks missing in {the_photo(i, n)}: "
                + ", ".join(mc.label.lower() for mc in lost)
                + f" not measured ({'; '.join(reasons)})."
            )

    dated = [p.date for p in photos]
    if all(d is not None for d in dated) and any(b < a for a, b in itertools.pairwise(dated)):  # type: ignore[operator]
        out.append(
            "The photo dates are not in the order given: the report treats the first photo named as "
            "'before' and the last as 'after'."
        )
    return out


def compare(
    measurements: Sequence[PostureMeasurement],
    *,
    dates: Sequence[datetime | None] | None = None,
    mdc: Mapping[str, float] | None = None,
    date_sources: Sequence[str | None] | None = None,
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
    mdc = mdc or {}
    anchor = common_anchor_kind(ms)
    photos = tuple(_photo_info(m, d, s, anchor) for m, d, s in zip(ms, dates, sources, strict=True))
    names = [k for k in METRIC_NAMES if any(k in m.metrics for m in ms)]
    names += sorted({k for m in ms for k in m.metrics} - set(names))
    metrics = tuple(_compare_metric(k, ms, mdc.get(k)) for k in names)
    return Comparison(photos, metrics, tuple(_warnings(ms, photos, metrics)), anchor)


def value_text(name: str, value: float, uncertainty: float | None, unit: str, side: Side | None = None) -> str:
    """One photo's value with its side, briefly: ``right higher by 3.3°``, ``level (0.2°)``, or
    ``left higher by 3°, within noise of level`` when ``side`` (from :func:`side_of`) is level."""
    shown = side_of(value, None, None, level_band(unit))
    size = wording.magnitude(value, uncertainty, unit)
    if shown == "level":
        return f"{side_words(name, shown)} ({size})"
    return f"{side_words(name, shown)} by {size}" + (f", within noise of {side_words(name, 'level')}" if side == "level" else "")


def change_text(p: PairComparison, unit: str) -> str:
    """A pair's signed change in words: ``22° ± 1°, left side up``, or ``none``."""
    if p.change is None:
        return "—"
    u = p.combined_uncertainty
    if round(abs(p.change), wording.decimals(u)) == 0:
        return "none"
    return f"{wording.number(p.change, u, unit)}, {change_words(p.name, p.change)}"


def _pair_line(mc: MetricComparison, p: PairComparison) -> str:
    if p.verdict == "not_comparable":
        return f"not comparable: {p.note}"
    (before, after), (ub, ua) = p.values, p.uncertainties
    assert before is not None and after is not None and p.sides is not None
    text = (
        f"{value_text(mc.name, before, ub, mc.unit, p.sides[0])} -> {value_text(mc.name, after, ua, mc.unit, p.sides[1])}"
        f" (change: {change_text(p, mc.unit)}). {p.verdict_text}."
    )
    if p.on_landmarks:
        text += " Compared on the joint landmarks in both photos: the methods differ."
    return text


def summary(c: Comparison) -> str:
    """Plain-text summary for the terminal: per metric one line for two photos, else one line
    per visit and one for the first against the last; then the warnings."""
    n = len(c.photos)
    out = [f"{photo_name(i, n).capitalize()}: {printable(p.label)}" + (f" ({p.date:%Y-%m-%d})" if p.date else "") for i, p in enumerate(c.photos)]
    for mc in c.metrics:
        if n == 2:
            out.append(f"  {mc.label}: {_pair_line(mc, mc.overall)}")
            continue
        out.append(f"  {mc.label}:")
        for p in mc.pairs:
            which = f"photo {p.first + 1} -> {p.second + 1}" + (" (first to last)" if p is mc.overall else "")
            out.append(f"    {which}: {_pair_line(mc, p)}")
    out += ["Warning: " + w for w in c.warnings]
    return "\n".join(out)
