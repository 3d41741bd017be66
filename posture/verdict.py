"""The verdict on one pair of measurements of the same metric: noise threshold, side and verdict.

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
"""

from __future__ import annotations

import math
from typing import Literal

from posture.measure import CENTRED_PCT, LEVEL_DEG

Verdict = Literal["improved", "worse", "reversed", "within_noise", "uncertainty_unknown", "not_comparable"]
Side = Literal["left", "right", "level"]

Z95 = 1.96
"""Two-sided 95% factor applied to the combined uncertainty."""


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
    noise = max(
        [band]
        + [t for t in (None if mdc is None else mdc / math.sqrt(2), None if u is None else Z95 * u) if t is not None]
    )
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


def level_band(unit: str) -> float:
    """The level (or centred) band of a metric in ``unit`` (see :mod:`posture.measure`)."""
    return CENTRED_PCT if unit == "%" else LEVEL_DEG
