"""Plain-language wording of a measurement, with no more precision than measured.

Precision rule: a value with an uncertainty below 1 is shown to 0.1, one
with an uncertainty of 1 or more to whole units; a value without an
uncertainty estimate (a single pass) to whole units. A tilt within twice its
uncertainty of zero is said to be indistinguishable from level.
"""

from __future__ import annotations

from posture.measure import CENTRED_PCT, LEVEL_DEG
from posture.result import Metric, PostureMeasurement

LABELS: dict[str, str] = {
    "shoulder_tilt_deg": "Shoulders",
    "pelvic_tilt_deg": "Hip line (pelvic tilt proxy)",
    "shoulder_pelvis_tilt_deg": "Shoulders vs hip line",
    "head_tilt_deg": "Head tilt",
    "head_shift_pct": "Head over shoulders",
    "trunk_lean_deg": "Trunk lean",
    "pelvis_shift_pct": "Pelvis over feet",
    "knee_tilt_deg": "Knees",
}

_UNIT_TEXT = {"deg": "°", "%": "% of shoulder width"}


def decimals(uncertainty: float | None) -> int:
    """Decimal places that a value with this uncertainty deserves."""
    return 1 if uncertainty is not None and uncertainty < 1.0 else 0


def number(value: float, uncertainty: float | None, unit: str) -> str:
    """``2.3° ± 0.4°`` or ``2°``: magnitude with the precision rule, unit attached."""
    d = decimals(uncertainty)
    u = _UNIT_TEXT.get(unit, unit)
    text = f"{abs(value):.{d}f}{u}"
    if uncertainty is not None:
        shown = max(uncertainty, 10.0**-d)
        text += f" ± {shown:.{d}f}{u}"
    return text


def _noise_note(m: Metric) -> str:
    if m.value is not None and m.uncertainty is not None and abs(m.value) < 2 * m.uncertainty:
        return " (within measurement noise)"
    return ""


METHOD_TEXT = {
    ("shoulder_tilt_deg", "silhouette"): "shoulder outlines from the silhouette",
    ("shoulder_tilt_deg", "landmarks"): "shoulder joint landmarks",
    ("pelvic_tilt_deg", "silhouette"): "pelvic outline from the silhouette",
    ("pelvic_tilt_deg", "landmarks"): "hip joint landmarks",
    ("shoulder_tilt_deg", "markers"): "stickers on the acromions",
    ("pelvic_tilt_deg", "markers"): "stickers on the ASIS or PSIS",
}
"""How a tilt's headline value was measured, in words (see :mod:`posture.analyze`)."""


def describe(name: str, m: Metric) -> str:
    """One sentence for one metric, e.g. ``Right shoulder higher by 2.3° ± 0.4° (shoulder
    tops from the silhouette)``."""
    text = _describe(name, m)
    how = METHOD_TEXT.get((name, m.method or ""))
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


def _describe(name: str, m: Metric) -> str:
    label = LABELS.get(name, name)
    if m.value is None:
        return f"{label}: not measured: {m.reason}"
    n = number(m.value, m.uncertainty, m.unit)
    side = "left" if m.value > 0 else "right"
    note = _noise_note(m)
    if name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "knee_tilt_deg"):
        part = {"shoulder_tilt_deg": "shoulder", "pelvic_tilt_deg": "hip", "knee_tilt_deg": "knee"}[name]
        if m.higher_side == "level":
            return f"{label}: {_within('level', m)}"
        cm = ""
        if m.height_diff_cm is not None:
            cm = f" ({number(m.height_diff_cm, m.height_diff_cm_uncertainty, 'cm').replace('cm', ' cm')})"
        return f"{label}: {side.capitalize()} {part} higher by {n}{cm}{note}"
    if name == "head_tilt_deg":
        if m.higher_side == "level":
            return f"{label}: {_within('level', m)}"
        towards = "right" if m.value > 0 else "left"
        return f"{label}: head tilted towards the {towards} shoulder by {n}{note}"
    if name == "shoulder_pelvis_tilt_deg":
        why = "within measurement noise; " if note else ""
        return f"{label}: the two lines differ by {n} ({why}independent of camera tilt)"
    if name == "trunk_lean_deg":
        if m.towards == "centre":
            return f"{label}: {_within('upright', m)}"
        return f"{label}: upper body leans towards the {side} by {n}{note}"
    what = {"head_shift_pct": "head", "pelvis_shift_pct": "pelvis"}.get(name, name)
    if m.towards == "centre":
        return f"{label}: {_within('centred', m)}"
    return f"{label}: {what} shifted towards the {side} by {n}{note}"


def assumption_lines(m: PostureMeasurement) -> list[str]:
    """What the numbers assume, one phrase each."""
    a = m.assumptions
    lines = []
    if a.mirrored:
        lines.append("mirror image (mirror selfie): sides swapped so left/right are yours")
    else:
        lines.append("not a mirror image (add --mirror for a mirror selfie)")
    if a.level_mode == "none":
        lines.append("angles relative to the photo's edges (camera tilt not corrected; see --level)")
    else:
        lines.append(f"angles relative to true horizontal (camera roll {a.roll_deg:+.1f}° corrected, {a.level_mode})")
    if m.subject is not None:
        view = {"front": "facing the camera", "back": "facing away from the camera", "side": "side-on"}
        lines.append(view.get(m.subject.view, "view unknown"))
    if any(x.method == "markers" for x in m.metrics.values()):
        lines.append("sticker tilts are the lines through the stickers as placed (placing them by touch is not in the uncertainty)")
    passes = m.method.get("passes", 1)
    if passes == 1:
        lines.append("single pass: uncertainty not estimated")
    return lines


def summary(m: PostureMeasurement) -> str:
    """The default terminal output: a few plain lines."""
    out = []
    name = m.source.get("path") or "image"
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
    return "\n".join(out)
