"""Before/after comparison of two or more measurements (pure logic, no I/O).

:func:`compare` takes measurements in the order the user gave them (the
first is "before", the last "after") and returns a :class:`Comparison`:
per metric the values, the changes from the first photo, the combined
uncertainty and a verdict, plus warnings about capture conditions that
differ between the photos.

Verdict rule (first photo against the last)
-------------------------------------------
A change is *significant* only if its size exceeds both

* the minimal detectable change (MDC95) of the metric, when known, and
* ``1.96 * sqrt(u_before**2 + u_after**2)``, when both uncertainties are known.

When neither is known the verdict is ``uncertainty_unknown``: nothing is
called better or worse. A significant change is ``improved`` when the
asymmetry's size (the absolute value; 0 is level or centred) became smaller,
``worse`` when it became larger; anything else is ``within_noise``. When the
sign flipped (the other side is now higher) the sizes are compared and the
flip is mentioned. A metric missing in the first or last photo is
``not_comparable`` with the reason.

Like with like
--------------
A shoulder or pelvic tilt read from the body's outline in one photo and from
the joint landmarks in another (the silhouette refinement fell back in one of
them, see :mod:`posture.analyze`), or from stickers in one and not the other
(:mod:`posture.marker_metrics`), would mix two methods: the landmarks
under-read tilts, so part of the change would be the method. Such a tilt,
and the shoulders-vs-hip-line difference built on it, is then compared on
every photo's landmark-only value, with the uncertainty of a landmark-only
tilt (at least :data:`posture.noise.LANDMARK_ERROR_DEG`), and the note says so.
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
from posture.measure import METRIC_NAMES
from posture.noise import LANDMARK_ERROR_DEG
from posture.result import PostureMeasurement

L = PoseLandmark

SCHEMA = "posture.comparison"
SCHEMA_VERSION = 1

Verdict = Literal["improved", "worse", "within_noise", "uncertainty_unknown", "not_comparable"]

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
class MetricComparison:
    """One metric across the photos.

    ``values``/``uncertainties`` have one entry per photo (None when not
    measured or not estimated). ``changes`` has one entry per photo after
    the first: its value minus the first one. ``change`` is the last minus
    the first; ``size_change`` the change of the absolute value (negative:
    more level or centred); ``on_landmarks`` says the values are the landmark-only ones (the
    photos' tilts were measured by different methods). ``combined_uncertainty`` is
    ``sqrt(u_first**2 + u_last**2)``; ``threshold`` the size a change must
    exceed to count (the larger of ``mdc`` and 1.96 x the combined
    uncertainty, of those known). ``note`` explains the verdict in words.
    """

    name: str
    label: str
    unit: str
    values: tuple[float | None, ...]
    uncertainties: tuple[float | None, ...]
    changes: tuple[float | None, ...]
    change: float | None
    size_change: float | None
    combined_uncertainty: float | None
    mdc: float | None
    threshold: float | None
    verdict: Verdict
    sign_flipped: bool
    note: str
    flip_note: str | None = None
    on_landmarks: bool = False

    @property
    def verdict_text(self) -> str:
        """The verdict in plain words."""
        return VERDICT_TEXT[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (numbers rounded to 0.01)."""

        def r(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else round(v, 2)

        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "values": [r(v) for v in self.values],
            "uncertainties": [r(v) for v in self.uncertainties],
            "changes": [r(v) for v in self.changes],
            "change": r(self.change),
            "size_change": r(self.size_change),
            "combined_uncertainty": r(self.combined_uncertainty),
            "mdc": r(self.mdc),
            "threshold": r(self.threshold),
            "verdict": self.verdict,
            "sign_flipped": self.sign_flipped,
            "compared_on": "landmarks" if self.on_landmarks else "headline",
            "note": self.note,
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
        """Whether at least one metric could be compared."""
        return any(mc.verdict != "not_comparable" for mc in self.metrics)

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


def verdict(
    before: float,
    after: float,
    u_before: float | None,
    u_after: float | None,
    mdc: float | None,
) -> tuple[Verdict, float | None, float | None]:
    """Apply the module's verdict rule to one pair of values.

    Returns ``(verdict, combined_uncertainty, threshold)``; the last two are
    None when unknown.
    """
    combined = None
    if u_before is not None and u_after is not None:
        combined = math.hypot(u_before, u_after)
    limits = [t for t in (mdc, None if combined is None else Z95 * combined) if t is not None]
    if not limits:
        return "uncertainty_unknown", combined, None
    threshold = max(limits)
    size_change = abs(after) - abs(before)
    if abs(size_change) <= threshold:
        return "within_noise", combined, threshold
    return ("improved" if size_change < 0 else "worse"), combined, threshold


def magnitude(value: float, noise: float | None, unit: str) -> str:
    """``2.3°``: the size of ``value`` with the decimals the precision rule of
    :mod:`posture.wording` gives for an uncertainty of ``noise``, no ``±``."""
    return wording.number(value, noise, unit).split(" ± ")[0]


def _flip_text(name: str, before: float, after: float) -> str:
    b, a = ("left" if before > 0 else "right"), ("left" if after > 0 else "right")
    if name == "shoulder_pelvis_tilt_deg":
        return "the difference between the two lines reversed its direction"
    if name == "head_tilt_deg":
        return f"the head tilted towards the {'right' if before > 0 else 'left'} shoulder before, the {'right' if after > 0 else 'left'} one after"
    if name.endswith("tilt_deg"):
        return f"the {b} side was higher before, the {a} side after"
    return f"towards the {b} before, towards the {a} after"


def _note(name: str, unit: str, v: Verdict, before: float, after: float, threshold: float | None, flipped: bool) -> str:
    parts: list[str] = []
    if v == "uncertainty_unknown":
        parts.append(
            "no uncertainty estimate and no known minimal detectable change, "
            "so the change cannot be told apart from measurement noise"
        )
    elif threshold is not None:
        t = magnitude(threshold, threshold / 2, unit)
        if v == "within_noise":
            parts.append(f"the change in size is not larger than the noise threshold of {t}")
        else:
            parts.append(f"the change in size exceeds the noise threshold of {t}")
    if flipped:
        parts.append(f"sides switched ({_flip_text(name, before, after)}), so the sizes were compared")
    return "; ".join(parts)


_TILT_PARTS = {
    "shoulder_tilt_deg": ("shoulder_tilt_deg",),
    "pelvic_tilt_deg": ("pelvic_tilt_deg",),
    "shoulder_pelvis_tilt_deg": ("shoulder_tilt_deg", "pelvic_tilt_deg"),
}


_METHOD_WORDS = {"markers": "stickers", "silhouette": "the body's outline", "landmarks": "the joint landmarks"}


def _method(m: PostureMeasurement, name: str) -> str | None:
    mt = m.metrics.get(name)
    if mt is None or mt.value is None:
        return None
    return mt.method or "landmarks"  # before the silhouette refinement every tilt was the landmarks'


def _landmark_only(m: PostureMeasurement, name: str) -> tuple[float | None, float | None]:
    """A refinable tilt's landmark-only value and its uncertainty (see "Like with like")."""
    mt = m.metrics.get(name)
    if mt is None or mt.value is None:
        return None, None
    if _method(m, name) == "landmarks":
        return mt.value, mt.uncertainty
    u = None if mt.uncertainty is None else max(mt.uncertainty, LANDMARK_ERROR_DEG[name])
    return mt.landmark_value, u


def comparable_values(
    ms: Sequence[PostureMeasurement], name: str
) -> tuple[tuple[float | None, ...], tuple[float | None, ...], str | None]:
    """Each photo's value and uncertainty of ``name`` to compare, and a note when they are not the
    headlines: the landmark-only values when the photos' shoulder or pelvic tilts were measured by
    different methods (module docstring, "Like with like")."""
    metrics = [m.metrics.get(name) for m in ms]
    values = tuple(None if mt is None else mt.value for mt in metrics)
    uncs = tuple(None if mt is None else mt.uncertainty for mt in metrics)
    parts = _TILT_PARTS.get(name)
    if parts is None:
        return values, uncs, None
    mixed = [p for p in parts if len({_method(m, p) for m in ms} - {None}) > 1]
    if not mixed:
        return values, uncs, None
    per_photo = [[_landmark_only(m, p) for p in parts] for m in ms]  # (value, uncertainty) of each part
    if len(parts) == 1:
        values = tuple(x[0][0] for x in per_photo)
        uncs = tuple(x[0][1] for x in per_photo)
    else:
        values = tuple(None if a[0] is None or b[0] is None else a[0] - b[0] for a, b in per_photo)
        uncs = tuple(None if a[1] is None or b[1] is None else math.hypot(a[1], b[1]) for a, b in per_photo)
    which = " and ".join(wording.LABELS.get(p, p).lower() for p in mixed)
    how = sorted({_METHOD_WORDS.get(x or "", x or "") for m in ms for p in mixed for x in (_method(m, p),)} - {""})
    note = (
        f"compared on the joint landmarks in every photo: the {which} came from {' or '.join(how)} "
        "depending on the photo, and the landmarks under-read tilts"
    )
    return values, uncs, note


def _compare_metric(name: str, ms: Sequence[PostureMeasurement], mdc: float | None) -> MetricComparison:
    metrics = [m.metrics.get(name) for m in ms]
    unit = next((mt.unit for mt in metrics if mt is not None), "%" if name.endswith("_pct") else "deg")
    values, uncs, method_note = comparable_values(ms, name)
    first, last = values[0], values[-1]
    changes = tuple(None if v is None or first is None else v - first for v in values[1:])
    label = wording.LABELS.get(name, name)
    n = len(ms)
    if first is None or last is None:
        reasons = []
        for i in (0, n - 1):
            if values[i] is None:
                mt = metrics[i]
                why = (mt.reason if mt is not None else None) or "not measured"
                reasons.append(f"not measured in {the_photo(i, n)} ({why})")
        return MetricComparison(
            name, label, unit, values, uncs, changes, None, None, None, mdc, None,
            "not_comparable", False, "; ".join(reasons),
        )
    v, combined, threshold = verdict(first, last, uncs[0], uncs[-1], mdc)
    flipped = first * last < 0
    return MetricComparison(
        name=name,
        label=label,
        unit=unit,
        values=values,
        uncertainties=uncs,
        changes=changes,
        change=last - first,
        size_change=abs(last) - abs(first),
        combined_uncertainty=combined,
        mdc=mdc,
        threshold=threshold,
        verdict=v,
        sign_flipped=flipped,
        note="; ".join(x for x in (method_note, _note(name, unit, v, first, last, threshold, flipped)) if x),
        flip_note=f"sides switched: {_flip_text(name, first, last)}" if flipped else None,
        on_landmarks=method_note is not None,
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
        mc.change for mc in metrics
        if mc.name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "knee_tilt_deg") and mc.change is not None
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


def summary(c: Comparison) -> str:
    """Plain-text summary for the terminal: one line per metric, then the warnings."""
    n = len(c.photos)
    out = [f"{photo_name(i, n).capitalize()}: {p.label}" + (f" ({p.date:%Y-%m-%d})" if p.date else "") for i, p in enumerate(c.photos)]
    for mc in c.metrics:
        if mc.verdict == "not_comparable":
            out.append(f"  {mc.label}: not comparable: {mc.note}")
            continue
        u = mc.combined_uncertainty
        first, last = mc.values[0], mc.values[-1]
        assert first is not None and last is not None and mc.size_change is not None
        text = (
            f"  {mc.label}: {magnitude(first, mc.uncertainties[0], mc.unit)} -> "
            f"{magnitude(last, mc.uncertainties[-1], mc.unit)}"
        )
        if round(abs(mc.size_change), wording.decimals(u)) > 0:
            text += f" ({wording.number(mc.size_change, u, mc.unit)} {'smaller' if mc.size_change < 0 else 'larger'})"
        text += f": {mc.verdict_text.lower()}"
        if mc.on_landmarks:
            text += " (joint landmarks in every photo: the methods differ)"
        if mc.sign_flipped:
            text += " (sides switched)"
        out.append(text)
    out += ["Warning: " + w for w in c.warnings]
    return "\n".join(out)
