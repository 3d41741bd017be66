"""The result of analysing one image: one frozen type that serialises to JSON.

The JSON form (``PostureMeasurement.to_dict``) is the documented output of
``posture analyze --json``; ``SCHEMA_VERSION`` changes whenever a field's
meaning changes. ``from_dict`` reads it back, so stored results and reports
use the same type.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping

from posture.marker_result import Markers
from posture.provenance import Method, Model, Source
from posture.refinement_result import OutlineReading

if TYPE_CHECKING:
    from posture.stance import Stance

SCHEMA = "posture.measurement"
SCHEMA_VERSION = 4
"""2: tilt metrics gain ``method``, ``landmark_value`` and ``method_reason``; top-level
``refinement``. 3: ``method`` may be ``markers`` (stickers), with ``silhouette_value``;
top-level ``markers``. 4: top-level ``correction`` (points moved by hand, :mod:`posture.correct`)
and ``method`` ``manual`` on the metrics it changed. Older objects are still read (the new fields
are then None)."""

Status = Literal["measured", "not_measurable", "no_person"]
View = Literal["front", "back", "side", "unknown"]


def rounded(value: float | None, ndigits: int) -> float | None:
    """``value`` rounded to ``ndigits`` decimals; None when not finite; never ``-0.0`` (a value that
    rounds to zero has no sign to show)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), ndigits) + 0.0


@dataclass(frozen=True)
class Metric:
    """One measured quantity.

    ``value`` is None when it could not be measured, and ``reason`` then says
    why. ``uncertainty`` is a one-sigma-like spread in the same unit (None
    when not estimated). Tilts carry ``higher_side`` (``left``, ``right`` or
    ``level``, the subject's sides) and their height difference; lateral
    quantities carry ``towards`` (the subject's ``left``, ``right`` or
    ``centre``).

    The shoulder and pelvic tilts also say which ``method`` gave the value
    (``markers``: stickers on palpated points, :mod:`posture.marker_metrics`;
    ``silhouette``: the body's outline, :mod:`posture.refine`; ``landmarks``:
    the joint landmarks), the ``landmark_value`` (the landmark-only tilt),
    with stickers the ``silhouette_value`` when the outline was measured, and,
    when a preferred method was not used, ``method_reason`` (why not).
    ``method`` is ``manual`` for a metric measured again on points corrected by
    hand (:mod:`posture.correct`), on any metric.
    """

    value: float | None
    unit: str
    uncertainty: float | None = None
    reason: str | None = None
    higher_side: str | None = None
    towards: str | None = None
    height_diff_pct: float | None = None
    height_diff_cm: float | None = None
    height_diff_cm_uncertainty: float | None = None
    method: str | None = None
    landmark_value: float | None = None
    method_reason: str | None = None
    silhouette_value: float | None = None

    @property
    def measured(self) -> bool:
        """Whether a value is present."""
        return self.value is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``value``, ``unit``, ``uncertainty`` always; the rest when set."""
        out: dict[str, Any] = {
            "value": rounded(self.value, 1),
            "unit": self.unit,
            "uncertainty": rounded(self.uncertainty, 1),
        }
        for f in fields(self)[3:]:
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = rounded(v, 1) if isinstance(v, float) else v
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Metric:
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @classmethod
    def missing(cls, unit: str, reason: str) -> Metric:
        """A metric that could not be measured."""
        return cls(value=None, unit=unit, reason=reason)


@dataclass(frozen=True)
class LevelEstimate:
    """The automatic estimate of the camera roll (:func:`posture.level.estimate_roll`):
    ``roll_deg`` (None when no lines were found) from ``lines`` distinct lines whose directions
    spread by ``spread_deg`` (degrees, rounded to 0.01), whether it is ``confident`` and, when
    not, the ``reason``; ``segments_px`` are the segments used, ``(x0, y0, x1, y1)`` in pixels
    (rounded to 0.1). An estimate stored before the reason and segments were recorded has
    ``segments_px`` None (both are then left out of the JSON)."""

    roll_deg: float | None
    lines: int
    spread_deg: float | None
    confident: bool
    reason: str | None = None
    segments_px: tuple[tuple[float, float, float, float], ...] | None = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "roll_deg": self.roll_deg,
            "lines": self.lines,
            "spread_deg": self.spread_deg,
            "confident": self.confident,
        }
        if self.segments_px is not None:
            out.update(reason=self.reason, segments_px=[list(s) for s in self.segments_px])
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LevelEstimate:
        """Inverse of :meth:`to_dict`."""
        segments = d.get("segments_px")
        return cls(
            roll_deg=d["roll_deg"],
            lines=d["lines"],
            spread_deg=d["spread_deg"],
            confident=d["confident"],
            reason=d.get("reason"),
            segments_px=None if segments is None else tuple((s[0], s[1], s[2], s[3]) for s in segments),
        )


@dataclass(frozen=True)
class Assumptions:
    """What the numbers assume; printed on every output.

    ``roll_deg`` is the camera roll that was corrected (0 when none) and
    ``level_mode`` how it was obtained: ``none`` (angles relative to the
    image's edges), ``manual`` (``--level DEG``) or ``auto``.
    ``roll_estimate`` is the automatic estimate (see :mod:`posture.level`)
    when one was made, whether or not it was applied.
    """

    mirrored: bool = False
    level_mode: str = "none"
    roll_deg: float = 0.0
    height_cm: float | None = None
    roll_estimate: LevelEstimate | None = None

    @property
    def angles_relative_to(self) -> str:
        """``image`` or ``true horizontal``."""
        return "image" if self.level_mode == "none" else "true horizontal"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "mirrored": self.mirrored,
            "level_mode": self.level_mode,
            "roll_deg": rounded(self.roll_deg, 2),
            "angles_relative_to": self.angles_relative_to,
            "height_cm": self.height_cm,
            "roll_estimate": None if self.roll_estimate is None else self.roll_estimate.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Assumptions:
        """Inverse of :meth:`to_dict`."""
        return cls(
            mirrored=bool(d["mirrored"]),
            level_mode=str(d["level_mode"]),
            roll_deg=float(d["roll_deg"] or 0.0),
            height_cm=d.get("height_cm"),
            roll_estimate=None if d.get("roll_estimate") is None else LevelEstimate.from_dict(d["roll_estimate"]),
        )


def _stance(d: Mapping[str, Any]) -> Stance:
    """A stance record from JSON (:mod:`posture.stance` compares landmarks, which know this module)."""
    from posture.stance import Stance

    return Stance.from_dict(d)


@dataclass(frozen=True)
class Subject:
    """Which person was measured and how they stand towards the camera.

    ``turn_deg`` is the estimated angle between the body's left-right axis
    and the image plane (0 square to the camera, 90 side-on). ``index`` is the
    measured person's (``--person``; 0 the most prominent of ``people_detected``);
    ``people_at_least`` is true when the second look found people the whole-photo
    pass had missed, so that more may be in the photo. ``stance`` compares the legs
    (:mod:`posture.stance`; None when they are not visible).
    """

    view: View
    people_detected: int
    index: int = 0
    turn_deg: float | None = None
    bbox_px: tuple[float, float, float, float] | None = None
    people_at_least: bool = False
    stance: Stance | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        d = asdict(self)
        d["turn_deg"] = rounded(self.turn_deg, 1)
        d["stance"] = None if self.stance is None else self.stance.to_dict()
        box = self.bbox_px
        # A person with no landmark confident enough has a NaN box: JSON has no NaN.
        ok = box is not None and all(v is not None and math.isfinite(v) for v in box)
        d["bbox_px"] = [round(float(v), 1) for v in box] if ok else None  # type: ignore[union-attr]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Subject:
        """Inverse of :meth:`to_dict`."""
        bbox = d.get("bbox_px")
        return cls(
            view=d["view"],
            people_detected=int(d["people_detected"]),
            index=int(d.get("index", 0)),
            turn_deg=d.get("turn_deg"),
            bbox_px=None if bbox is None else tuple(bbox),
            people_at_least=bool(d.get("people_at_least", False)),
            stance=None if d.get("stance") is None else _stance(d["stance"]),
        )


@dataclass(frozen=True)
class LandmarkPoints:
    """The measured person's landmarks as stored: ``xy_px`` in the photo's pixels (x right, y
    down, rounded to 0.1 px), ``visibility`` and ``presence`` scores (0 to 1, rounded to 0.001),
    one entry per landmark of ``names`` (None where unknown); ``width`` and ``height`` are the
    photo's size. :meth:`posture.landmarks.Landmarks.to_points` makes it and
    :meth:`~posture.landmarks.Landmarks.from_points` reads it as arrays."""

    width: int
    height: int
    names: tuple[str, ...]
    xy_px: tuple[tuple[float | None, float | None], ...]
    visibility: tuple[float | None, ...]
    presence: tuple[float | None, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "width": self.width,
            "height": self.height,
            "names": list(self.names),
            "xy_px": [list(p) for p in self.xy_px],
            "visibility": list(self.visibility),
            "presence": list(self.presence),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LandmarkPoints:
        """Inverse of :meth:`to_dict`."""
        return cls(
            width=d["width"],
            height=d["height"],
            names=tuple(d["names"]),
            xy_px=tuple((x, y) for x, y in d["xy_px"]),
            visibility=tuple(d["visibility"]),
            presence=tuple(d["presence"]),
        )


@dataclass(frozen=True)
class PointMove:
    """One point moved by hand: ``from_px`` where the analysis put it, ``to_px`` where it was
    placed (pixels of the photo, rounded to 0.1)."""

    from_px: tuple[float, float]
    to_px: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``from`` and ``to``."""
        return {"from": list(self.from_px), "to": list(self.to_px)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PointMove:
        """Inverse of :meth:`to_dict`."""
        return cls(from_px=(d["from"][0], d["from"][1]), to_px=(d["to"][0], d["to"][1]))


@dataclass(frozen=True)
class Correction:
    """Points corrected by hand (:func:`posture.correct.correct`) and what they changed.

    ``method`` is ``manual``; each point was taken as placed within ``placement_px`` (one sigma,
    pixels). ``points`` maps each moved point's name to its move, ``original_scores`` each moved
    landmark to its original ``(visibility, presence)``; ``corrected_metrics`` names the metrics
    measured again and ``original_metrics`` keeps each one as analysed.
    """

    placement_px: float
    points: Mapping[str, PointMove]
    original_scores: Mapping[str, tuple[float | None, float | None]]
    corrected_metrics: tuple[str, ...]
    original_metrics: Mapping[str, Metric]
    method: str = "manual"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "method": self.method,
            "placement_px": self.placement_px,
            "points": {n: p.to_dict() for n, p in self.points.items()},
            "original_scores": {n: list(s) for n, s in self.original_scores.items()},
            "corrected_metrics": list(self.corrected_metrics),
            "original_metrics": {n: m.to_dict() for n, m in self.original_metrics.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Correction:
        """Inverse of :meth:`to_dict`."""
        return cls(
            method=d["method"],
            placement_px=d["placement_px"],
            points={n: PointMove.from_dict(p) for n, p in d["points"].items()},
            original_scores={n: (s[0], s[1]) for n, s in d["original_scores"].items()},
            corrected_metrics=tuple(d["corrected_metrics"]),
            original_metrics={n: Metric.from_dict(m) for n, m in d["original_metrics"].items()},
        )


@dataclass(frozen=True)
class PostureMeasurement:
    """Everything measured on one image.

    ``metrics`` maps the metric names of :mod:`posture.measure` to
    :class:`Metric`. ``status`` is ``measured`` when at least one metric has
    a value, ``not_measurable`` when a person was found but nothing could be
    measured (``message`` says why), ``no_person`` when nobody was found.
    """

    status: Status
    message: str
    source: Source
    model: Model
    assumptions: Assumptions
    subject: Subject | None
    metrics: Mapping[str, Metric]
    warnings: tuple[str, ...] = ()
    method: Method = field(default_factory=Method)
    landmarks: LandmarkPoints | None = None
    refinement: OutlineReading | None = None
    """The silhouette refinement over the variants; None in ``fast`` mode and before schema 2."""
    markers: Markers | None = None
    """The stickers looked for (``Settings.markers``, :mod:`posture.marker_metrics`); None when not."""
    correction: Correction | None = None
    """Points corrected by hand and the original of every metric they changed
    (:func:`posture.correct.correct`); None when nothing was corrected."""

    @property
    def min_score(self) -> float:
        """The landmark score the analysis relied on (:data:`posture.landmarks.MIN_SCORE` when not recorded)."""
        from posture.landmarks import MIN_SCORE

        return MIN_SCORE if self.method.min_score is None else float(self.method.min_score)

    @property
    def single_pass(self) -> bool:
        """Whether the landmarks were read in a single pass (``fast`` mode): no uncertainty, no outline."""
        return self.method.passes == 1

    def metric(self, name: str) -> Metric:
        """One metric by name (KeyError if unknown)."""
        return self.metrics[name]

    def method_of(self, name: str) -> str | None:
        """How metric ``name``'s value was measured: ``markers`` (stickers), ``silhouette`` (the
        body's outline), ``landmarks`` (the joint landmarks: every metric without
        :func:`~posture.metrics.method_parts`, and tilts measured before the outline was read) or
        ``mixed`` (``shoulder_pelvis_tilt_deg`` whose two tilts were measured differently); None
        when it has no value."""
        from posture.metrics import method_parts

        metric = self.metrics.get(name)
        if metric is None or metric.value is None:
            return None
        parts = method_parts(name)
        methods = {self.metrics[p].method or "landmarks" for p in parts if p in self.metrics}
        if not methods:
            return "landmarks"
        return methods.pop() if len(methods) == 1 else "mixed"

    def analysed_method(self, name: str) -> str | None:
        """How metric ``name`` was measured by the analysis, before any correction by hand: a
        correction moves the points that method used (outline points, stickers, landmarks), so
        they are still the ones to draw. The metric's ``method`` when nothing was corrected."""
        original = {} if self.correction is None else self.correction.original_metrics
        metric = original.get(name) or self.metrics.get(name)
        return None if metric is None else metric.method

    def metric_cells(self, names: Iterable[str]) -> dict[str, Any]:
        """The table cells of :func:`metric_columns`: each value and uncertainty as in the JSON
        (rounded to 0.1) and the method, None when unknown."""
        from posture.metrics import method_parts

        out: dict[str, Any] = {}
        for name in names:
            metric = self.metrics.get(name)
            d = None if metric is None else metric.to_dict()
            out[name] = None if d is None else d["value"]
            out[f"{name}_uncertainty"] = None if d is None else d["uncertainty"]
            if method_parts(name):
                out[f"{name}_method"] = self.method_of(name)
        return out

    def with_warnings(self, *extra: str) -> PostureMeasurement:
        """A copy with more warnings appended."""
        return replace(self, warnings=self.warnings + tuple(extra))

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON object (see the README, "JSON output")."""
        return {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "message": self.message,
            "source": self.source.to_dict(),
            "model": self.model.to_dict(),
            "assumptions": self.assumptions.to_dict(),
            "subject": None if self.subject is None else self.subject.to_dict(),
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
            "warnings": list(self.warnings),
            "method": self.method.to_dict(),
            "landmarks": None if self.landmarks is None else self.landmarks.to_dict(),
            "refinement": None if self.refinement is None else self.refinement.to_dict(),
            "markers": None if self.markers is None else self.markers.to_dict(),
            "correction": None if self.correction is None else self.correction.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PostureMeasurement:
        """Read the JSON object back; refuses other schemas and newer versions."""
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} object (schema={d.get('schema')!r})")
        version = d.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r} is newer than this posture supports ({SCHEMA_VERSION})")
        subject = d.get("subject")
        return cls(
            status=d["status"],
            message=d["message"],
            source=Source.from_dict(d["source"]),
            model=Model.from_dict(d["model"]),
            assumptions=Assumptions.from_dict(d["assumptions"]),
            subject=None if subject is None else Subject.from_dict(subject),
            metrics={k: Metric.from_dict(m) for k, m in d["metrics"].items()},
            warnings=tuple(d.get("warnings", ())),
            method=Method.from_dict(d.get("method", {})),
            landmarks=None if d.get("landmarks") is None else LandmarkPoints.from_dict(d["landmarks"]),
            refinement=None if d.get("refinement") is None else OutlineReading.from_dict(d["refinement"]),
            markers=None if d.get("markers") is None else Markers.from_dict(d["markers"]),
            correction=None if d.get("correction") is None else Correction.from_dict(d["correction"]),
        )


def metric_columns(names: Iterable[str]) -> list[str]:
    """Table columns of these metrics: ``<name>``, ``<name>_uncertainty`` and, for the metrics
    with :func:`~posture.metrics.method_parts`, ``<name>_method`` (see
    :meth:`PostureMeasurement.method_of`)."""
    from posture.metrics import method_parts

    cols: list[str] = []
    for name in names:
        cols += [name, f"{name}_uncertainty"] + ([f"{name}_method"] if method_parts(name) else [])
    return cols
