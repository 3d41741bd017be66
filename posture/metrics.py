"""The table of metrics: what each one measures, on which landmarks, and how it reads.

Every other module (measuring, wording, drawing, comparing, history, live)
reads this table instead of naming metrics itself, so adding a metric is one
row here plus its geometry in :mod:`posture.measure`.

Conventions (stated once, in :mod:`posture.geometry`): degrees; the person's
own sides; tilts positive when the person's LEFT side is higher; lateral
shifts and leans positive towards the person's LEFT.

Kinds:

``tilt``
    Angle between the line through a left/right landmark pair and the
    horizontal (``points`` = left, right).
``difference``
    One tilt minus another (``of``); camera roll cancels out.
``shift``
    Horizontal offset of one pair's midpoint from another pair's midpoint
    across the body, in percent of shoulder width (``points`` = the moving
    pair's left and right, then the reference pair's).
``lean``
    Angle of the line from one pair's midpoint to another's against the
    vertical (``points`` = the lower pair's left and right, then the upper
    pair's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from posture.landmarks import PoseLandmark

L = PoseLandmark

MetricKind = Literal["tilt", "difference", "shift", "lean"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One row of the table.

    ``label`` names the metric for people (terminal, reports, charts);
    ``definition`` says what is measured; ``positive`` and ``negative`` are
    how a value of that sign reads
    (``"Left shoulder higher"``); ``neutral`` the word for a value too small
    to have a side (``"level"``); ``part`` the body part a tilt's higher side
    names; ``aliases`` the short names accepted on the command line;
    ``refined`` the silhouette refinement's pair (``"shoulders"``,
    ``"pelvis"``) when the outline can measure it; ``cm`` whether the height
    difference is also given in centimetres (with a stated stature); ``of``
    the two tilts a difference subtracts.
    """

    name: str
    kind: MetricKind
    label: str
    definition: str
    points: tuple[PoseLandmark, ...]
    positive: str
    negative: str
    neutral: str
    part: str | None = None
    aliases: tuple[str, ...] = ()
    refined: str | None = None
    cm: bool = False
    of: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """``"%"`` (of shoulder width) for shifts, ``"deg"`` otherwise."""
        return "%" if self.kind == "shift" else "deg"

    @property
    def signed_side(self) -> bool:
        """Whether the sign names a side of the body (every kind but ``difference``)."""
        return self.kind != "difference"

    def reads(self, value: float) -> str:
        """How a value of this sign reads: ``positive`` above zero, ``negative`` below."""
        return self.positive if value > 0 else self.negative


def _height(
    name: str,
    label: str,
    definition: str,
    left: PoseLandmark,
    right: PoseLandmark,
    part: str,
    *aliases: str,
    refined: str | None = None,
) -> MetricSpec:
    """A tilt that reads as one side's part being higher."""
    return MetricSpec(
        name,
        "tilt",
        label,
        definition,
        (left, right),
        positive=f"Left {part} higher",
        negative=f"Right {part} higher",
        neutral="level",
        part=part,
        aliases=aliases,
        refined=refined,
        cm=True,
    )


METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        _height(
            "shoulder_tilt_deg",
            "Shoulders",
            "shoulder line vs horizontal",
            L.LEFT_SHOULDER,
            L.RIGHT_SHOULDER,
            "shoulder",
            "shoulder",
            "shoulders",
            refined="shoulders",
        ),
        _height(
            "pelvic_tilt_deg",
            "Hip line (pelvic tilt proxy)",
            "hip line vs horizontal (pelvic tilt proxy)",
            L.LEFT_HIP,
            L.RIGHT_HIP,
            "hip",
            "hip",
            "hips",
            "pelvis",
            "pelvic",
            refined="pelvis",
        ),
        MetricSpec(
            "shoulder_pelvis_tilt_deg",
            "difference",
            "Shoulders vs hip line",
            "shoulder tilt \u2212 hip-line tilt",
            (),
            positive="shoulder line tilted more towards left-high than the hip line",
            negative="shoulder line tilted more towards right-high than the hip line",
            neutral="parallel",
            aliases=("shoulders_vs_hips",),
            of=("shoulder_tilt_deg", "pelvic_tilt_deg"),
        ),
        MetricSpec(
            "head_tilt_deg",
            "tilt",
            "Head tilt",
            "ear line vs horizontal",
            (L.LEFT_EAR, L.RIGHT_EAR),
            positive="head tilted towards the right shoulder",
            negative="head tilted towards the left shoulder",
            neutral="level",
            part="ear",
            aliases=("head",),
        ),
        MetricSpec(
            "head_shift_pct",
            "shift",
            "Head over shoulders",
            "ears' midpoint vs shoulders' midpoint, % of shoulder width",
            (L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
            positive="head shifted towards the left",
            negative="head shifted towards the right",
            neutral="centred",
            aliases=("head_shift",),
        ),
        MetricSpec(
            "trunk_lean_deg",
            "lean",
            "Trunk lean",
            "hips' midpoint to shoulders' midpoint vs vertical",
            (L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
            positive="upper body leans towards the left",
            negative="upper body leans towards the right",
            neutral="upright",
            aliases=("trunk", "lean"),
        ),
        MetricSpec(
            "pelvis_shift_pct",
            "shift",
            "Pelvis over feet",
            "hips' midpoint vs ankles' midpoint, % of shoulder width",
            (L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_ANKLE, L.RIGHT_ANKLE),
            positive="pelvis shifted towards the left",
            negative="pelvis shifted towards the right",
            neutral="centred",
            aliases=("pelvis_shift",),
        ),
        _height(
            "knee_tilt_deg", "Knees", "knee line vs horizontal", L.LEFT_KNEE, L.RIGHT_KNEE, "knee", "knee", "knees"
        ),
    )
}
"""Every metric, in reporting order."""

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)
"""The metrics' names, in reporting order."""

REFINED: dict[str, str] = {m.name: m.refined for m in METRICS.values() if m.refined}
"""Metric name -> the silhouette refinement's pair that can measure it."""


def method_parts(name: str) -> tuple[str, ...]:
    """The tilts measured on the body's outline or on the joint landmarks (:data:`REFINED`) that
    metric ``name`` is made of: itself, or a difference's parts; empty for every other metric,
    which is always measured on the joint landmarks."""
    spec = METRICS.get(name)
    if spec is None:
        return ()
    return tuple(n for n in (spec.of or (name,)) if n in REFINED)


def metric_unit(name: str) -> str:
    """``"%"`` or ``"deg"``; names outside the table by their suffix."""
    spec = METRICS.get(name)
    if spec is not None:
        return spec.unit
    return "%" if name.endswith("_pct") else "deg"


def label(name: str) -> str:
    """The metric's label for people; the name itself outside the table."""
    spec = METRICS.get(name)
    return spec.label if spec is not None else name
