"""Plain-language wording of a measurement, with no more precision than measured.

Precision rule: a value with an uncertainty below 2 is shown to 0.1 (so
that 1.4 is not shown as 1), one with an uncertainty of 2 or more to whole
units; a value without an uncertainty estimate (a single pass) to whole
units. Halves round away from zero. A value within twice its uncertainty of
zero is said to be within measurement noise, decided on the numbers as
shown, so the words never contradict the figures beside them.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from posture.measure import CENTRED_PCT, LEVEL_DEG
from posture.metrics import METRICS, REFINED
from posture.noise import LANDMARK_ERROR_DEG
from posture.result import Correction, Metric, PostureMeasurement, Subject
from posture.terminal import printable
from posture.view import turn_assumption

LABELS: dict[str, str] = {name: spec.label for name, spec in METRICS.items()}
"""Each metric's label for people, from :data:`posture.metrics.METRICS`."""

_UNIT_TEXT = {"deg": "°", "%": "% of shoulder width"}

UNIT_AXIS = {"deg": "degrees", "%": "% of shoulder width"}
"""A unit as a chart's axis names it."""


def sign_text(name: str) -> tuple[str, str] | None:
    """What a positive and a negative value of metric ``name`` mean, in a chart's few words
    (the person's own sides), e.g. ``("+ left shoulder higher", "− right shoulder higher")``;
    None outside :data:`posture.metrics.METRICS`."""
    spec = METRICS.get(name)
    if spec is None:
        return None
    if spec.kind == "tilt":
        return f"+ left {spec.part} higher", f"− right {spec.part} higher"
    if spec.kind == "difference":
        return f"+ {LABELS[spec.of[0]].lower()} more left-high", "− more right-high"
    if spec.kind == "lean":
        return "+ leans left", "− leans right"
    return "+ towards the left", "− towards the right"


def axis_label(name: str, unit: str) -> str:
    """A chart's value axis: the unit, then one line for what each sign means."""
    return "\n".join((UNIT_AXIS.get(unit, unit), *(sign_text(name) or ())))


def decimals(uncertainty: float | None) -> int:
    """Decimal places that a value with this uncertainty deserves (the uncertainty as the JSON keeps
    it, to 0.1: a measurement and its JSON, read back by the history or the app, read the same)."""
    return 1 if uncertainty is not None and round(uncertainty, 1) < 2.0 else 0


def shown(value: float, uncertainty: float | None) -> tuple[float, float | None, int]:
    """The magnitude and uncertainty as printed (from the values as the JSON keeps them, to 0.1;
    rounded half away from zero; the uncertainty never below one unit of the last digit), and the
    decimal places."""
    d = decimals(uncertainty)
    q = 10.0**d
    v = math.floor(abs(round(value, 1)) * q + 0.5) / q
    u = None if uncertainty is None else max(math.floor(round(uncertainty, 1) * q + 0.5), 1) / q
    return v, u, d


def magnitude(value: float, uncertainty: float | None, unit: str) -> str:
    """``2.3°``: the size of ``value`` as :func:`shown`, unit attached."""
    v, _, d = shown(value, uncertainty)
    return f"{v:.{d}f}{_UNIT_TEXT.get(unit, unit)}"


def number(value: float, uncertainty: float | None, unit: str) -> str:
    """``2.3° ± 0.4°`` or ``2°``: :func:`magnitude` with the uncertainty when there is one."""
    _, u, d = shown(value, uncertainty)
    text = magnitude(value, uncertainty, unit)
    if u is not None:
        text += f" ± {u:.{d}f}{_UNIT_TEXT.get(unit, unit)}"
    return text


def within_noise(value: float, uncertainty: float | None) -> bool:
    """Whether the value, as shown, is within twice its uncertainty, as shown, of zero."""
    v, u, _ = shown(value, uncertainty)
    return u is not None and v < 2 * u


METHOD_TEXT = {
    ("shoulder_tilt_deg", "silhouette"): "shoulder outlines from the silhouette",
    ("shoulder_tilt_deg", "landmarks"): "shoulder joint landmarks",
    ("pelvic_tilt_deg", "silhouette"): "pelvic outline from the silhouette",
    ("pelvic_tilt_deg", "landmarks"): "hip joint landmarks",
    ("shoulder_tilt_deg", "markers"): "stickers on the acromions",
    ("pelvic_tilt_deg", "markers"): "stickers on the ASIS or PSIS",
}
"""How a tilt's headline value was measured, in words (see :mod:`posture.analyze`)."""

MANUAL_TEXT = "corrected by hand"
"""How a metric measured again on points moved by hand reads (``method`` ``manual``, any metric)."""


def describe(name: str, m: Metric) -> str:
    """One sentence for one metric, e.g. ``Shoulders: Right shoulder higher by 2.3° ± 0.4°
    (shoulder outlines from the silhouette)``."""
    return f"{METRICS[name].label}: {reading(name, m)}"


def entry(name: str, m: Metric) -> dict[str, Any]:
    """A metric as the app's pages list it: ``name``, ``label``, ``text`` (:func:`reading`) and
    ``value`` (the metric's unit; None when not measured)."""
    return {"name": name, "label": LABELS.get(name, name), "text": reading(name, m), "value": m.value}


def reading(name: str, m: Metric) -> str:
    """:func:`describe` without the metric's label: ``Right shoulder higher by 2.3° ± 0.4° (...)``."""
    text = _reading(name, m)
    how = MANUAL_TEXT if m.method == "manual" else METHOD_TEXT.get((name, m.method or ""))
    if not how or m.value is None:
        return text
    return f"{text[:-1]}; {how})" if text.endswith(")") else f"{text} ({how})"


def _within(word: str, m: Metric) -> str:
    """``level (within 0.5°)``; when the uncertainty is wider than that band, the value with its
    uncertainty instead: ``level within measurement noise (0.3° ± 1.0°)``."""
    band = CENTRED_PCT if m.unit == "%" else LEVEL_DEG
    if m.value is None or m.uncertainty is None or m.uncertainty <= band:
        return f"{word} (within {band:g}{_UNIT_TEXT.get(m.unit, m.unit)})"
    return f"{word} within measurement noise ({number(m.value, m.uncertainty, m.unit)})"


def _reading(name: str, m: Metric) -> str:
    spec = METRICS[name]
    if m.value is None:
        return f"not measured: {m.reason}"
    n = number(m.value, m.uncertainty, m.unit)
    noisy = within_noise(m.value, m.uncertainty)
    if spec.kind == "difference":
        why = "within measurement noise; " if noisy else ""
        return f"the two lines differ by {n} ({why}independent of camera tilt)"
    if m.higher_side == "level" or m.towards == "centre":
        return _within(spec.neutral, m)
    notes = []
    if spec.cm and m.height_diff_cm is not None:
        notes.append(number(m.height_diff_cm, m.height_diff_cm_uncertainty, "cm").replace("cm", " cm"))
    if noisy:
        notes.append("within measurement noise")
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{spec.reads(m.value)} by {n}{extra}"


CLI_HINTS: Mapping[str, str] = {
    "mirror": "add --mirror for a mirror selfie",
    "level": "see --level",
    "person": "add --person N",
    "person_option": "--person",
    "fast_option": "--fast",
}
"""How the command line names the options an assumption (or the person measured) can be changed with."""

APP_HINTS: Mapping[str, str] = {
    "mirror": "switch on Mirror selfie for a mirror selfie",
    "level": "see Camera level",
    "person": "set Person above",
    "person_option": "Person",
    "fast_option": "Fast",
}
"""The same in the app's words."""


def people_count(subject: Subject) -> str:
    """How many people are in the photo, as the warning and the annotated image say it:
    ``1 person``, ``3 people``, or ``at least 3 people`` when the second look found people
    the whole-photo pass had missed."""
    return count_words(subject.people_detected, subject.people_at_least)


def people_note(subject: Subject, measured: bool, whom: str) -> str:
    """``at least 3 people in the photo: measured person 1``, or ``could not measure`` when ``whom``
    (the one chosen among several) was not measured: the warning and the annotated image's label."""
    return f"{people_count(subject)} in the photo: {'measured' if measured else 'could not measure'} {whom}"


def count_words(n: int, at_least: bool) -> str:
    """``1 person``, ``3 people`` or ``at least 3 people``: :func:`people_count` before there is a subject."""
    return f"{'at least ' if at_least else ''}{n} {'person' if n == 1 else 'people'}"


def person_not_found(
    requested: int, found: int, at_least: bool, fast: bool, hints: Mapping[str, str] = CLI_HINTS
) -> str:
    """``person 3 requested, but 3 people were found: choose --person 0 to 2 (0 is the most
    prominent)`` (:class:`posture.errors.PersonNotFound`'s fields), the options named as ``hints``
    name them."""
    option = hints["person_option"]
    choice = (
        f"only one person was found ({option} 0)"
        if found == 1
        else f"{count_words(found, at_least)} were found: choose {option} 0 {'or' if found == 2 else 'to'} "
        f"{found - 1} (0 is the most prominent)"
    )
    more = f"; without {hints['fast_option']} a second look may find people the one pass missed" if fast else ""
    return f"person {requested} requested, but {choice}{more}"


def assumption_lines(m: PostureMeasurement, hints: Mapping[str, str] = CLI_HINTS) -> list[str]:
    """What the numbers assume, one phrase each; ``hints`` name the options that change them."""
    a = m.assumptions
    lines = []
    if a.mirrored:
        lines.append("mirror image (mirror selfie): sides swapped so left/right are yours")
    else:
        lines.append(f"not a mirror image ({hints['mirror']})")
    if a.level_mode == "none":
        lines.append(f"angles relative to the photo's edges (camera tilt not corrected; {hints['level']})")
    else:
        lines.append(f"angles relative to true horizontal (camera roll {a.roll_deg:+.1f}° corrected, {a.level_mode})")
    if any(x.method == "markers" for x in m.metrics.values()):
        lines.append(
            "sticker tilts are the lines through the stickers as placed (placing them by touch is not in the uncertainty)"
        )
    passes = 1 if m.method.passes is None else m.method.passes
    if m.subject is not None:
        lines.append(turn_assumption(m.subject.view, m.subject.turn_deg, widened=passes > 1))
    if passes == 1:
        lines.append("single pass: uncertainty not estimated")
    if m.correction is not None:
        lines.append(correction_line(m.correction))
    return lines


def photo_hints(m: PostureMeasurement) -> list[str]:
    """What to change in the photo so that the outline can be read: the hint of each tilt that fell
    back to the joint landmarks (``refinement.<pair>.hint``, :mod:`posture.hints`), once each."""
    out: list[str] = []
    for name, pair in REFINED.items():
        text = None if m.refinement is None else m.refinement.pair(pair).hint
        if text and m.metrics[name].method == "landmarks" and text not in out:
            out.append(text)
    return out


def tips(m: PostureMeasurement, hints: Mapping[str, str] = CLI_HINTS) -> list[str]:
    """The ``Tip:`` lines: :func:`photo_hints`, then, with several people in the photo, how to
    measure another of them (``hints['person']``, the option that chooses them)."""
    out = photo_hints(m)
    n = 0 if m.subject is None else m.subject.people_detected
    if n > 1:
        choice = "0 or 1" if n == 2 else f"0 to {n - 1}"
        out.append(f"to measure another person, {hints['person']} ({choice}; 0 is the largest)")
    return out


def point_words(name: str) -> str:
    """A correctable point's name in words: ``right shoulder``, ``left shoulder outline point``."""
    pair, dot, side = name.partition(".")
    if dot:
        return f"{side} {'shoulder' if pair == 'shoulders' else 'pelvic'} outline point"
    return name.replace("_", " ")


def correction_line(correction: Correction) -> str:
    """``corrected by hand: right shoulder moved (...)`` for a measurement's ``correction``."""
    moved = ", ".join(point_words(n) for n in correction.points)
    return (
        f"{MANUAL_TEXT}: {moved} moved; metrics using them measured again, each point taken as placed "
        f"within {correction.placement_px:g} px (the original values are kept)"
    )


def summary(m: PostureMeasurement) -> str:
    """The default terminal output: a few plain lines."""
    out = []
    name = printable(m.source.path or "image")
    if m.status == "no_person":
        return f"{name}: no person found in the photo"
    if m.status == "not_measurable":
        out.append(f"{name}: not measured: {m.message}")
    else:
        out.append(f"{name}:")
        for key, metric in m.metrics.items():
            if key == "shoulder_pelvis_tilt_deg" and metric.value is None:
                continue
            out.append("  " + describe(key, metric))
    out.append("Assumed: " + "; ".join(assumption_lines(m)) + ".")
    for w in m.warnings:
        out.append("Warning: " + w)
    out += ["Tip: " + t for t in tips(m)]
    return "\n".join(out)


def outline_fallback_note(name: str, reason: str) -> str:
    """The warning of a shoulder or pelvic tilt (``name``) read from the joint landmarks because
    the body's outline could not give it, for ``reason``."""
    part = "shoulder" if name == "shoulder_tilt_deg" else "pelvic"
    return (
        f"{part} tilt from the joint landmarks, not the body's outline: {reason}; "
        f"landmarks under-read tilts, uncertainty at least {LANDMARK_ERROR_DEG[name]:.1f}°"
    )
