"""How far the body may turn from the camera, and what a turn costs: the one rule.

Every command (``analyze``, ``batch``, ``compare``, ``live``) reads the turn
through this module; none has a threshold of its own.

Turn ``turn_deg``: the angle in [0, 90] degrees between the body's left-right
axis and the image plane, measured from the nearest frontal plane: 0 square
to the camera whether facing it or facing away, 90 side-on. The axis is the
shoulder line's and the hip line's common direction in MediaPipe's 3-D world
landmarks, each line weighted by its squared length
(:func:`posture.geometry.trunk_deviation_deg`): a depth error turns a line by
about the error over its length, and the hips, half as wide as the shoulders,
come out narrower still from behind (their 3-D width about half the frontal
one on the protocol's back views, their depth as uncertain), so the larger of
the two lines' angles read a person squarely from behind as turned 42 degrees.

Why a turn matters. A turned body is seen obliquely: a horizontal segment of
width ``w`` turned by ``θ`` keeps its vertical offsets but its image width
shrinks to ``w cos θ``, and the depth difference ``w sin θ`` it gains turns
into image offsets of its own (perspective: the nearer end sits farther from
the image centre; a head ahead of the shoulders shows as a sideways shift).
Both grow as ``tan θ`` against the shrinking width. The uncertainty a turn
adds to a metric is therefore modelled as

.. math:: u_\\theta = k \\tan\\theta + |v - \\arctan(\\tan v \\cos\\theta)|

for a tilt ``v`` (the second term: a tilt ``t`` reads
``atan(tan t / cos θ)``), and ``k tan θ + |v| (1 - cos θ)`` for a shift in
percent of shoulder width. ``k`` (:data:`TURN_COUPLING`) is the envelope of
the measured deviation from the frontal value divided by ``tan θ`` on a person
turning on the spot (``benchmarks/turn_curve.py``); the turn estimate's own
error is inside it, the curve being plotted against the estimated turn. It is
added in quadrature to the metric's other uncertainty.

Beyond :data:`MAX_TURN_DEG` nothing is measured. On that clip the shoulder
tilt moves by at most 2.0 degrees for turns below 20 degrees and 5.2 below
30, but by up to 6.6 between 30 and 50 (the hip line by up to 10): more
than the asymmetries being looked for (the subject's own frontal shoulder
tilt is 4 degrees), so the view alone can reverse which side reads higher,
and the turn's share of the shoulder uncertainty (``k tan θ``) passes 4
degrees at 30. An uncertainty wide enough to cover that no longer says
anything; beyond 50 degrees the landmarks themselves break down (head tilt
off by 22 degrees).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from posture.result import Metric

MAX_TURN_DEG = 30.0
"""Turned further than this from the nearest frontal plane, no frontal metric is measured."""

TURN_COUPLING: dict[str, float] = {
    "shoulder_tilt_deg": 6.8,
    "pelvic_tilt_deg": 7.9,
    "shoulder_pelvis_tilt_deg": 11.4,
    "head_tilt_deg": 7.6,
    "head_shift_pct": 26.3,
    "trunk_lean_deg": 2.8,
    "pelvis_shift_pct": 41.1,
    "knee_tilt_deg": 18.9,
}
"""``k`` per metric, in the metric's unit per unit of ``tan θ``: at least the deviation envelope
of ``benchmarks/results/turn_curve.json`` (section ``coupling``). Where the envelope fitted with
the trunk's turn is smaller than with the larger line's (the back views' frames, read less
turned, join the frontal reference and widen its scatter), the larger value is kept."""

_SHIFTS = ("head_shift_pct", "pelvis_shift_pct")


def turn_refusal(turn_deg: float | None) -> str | None:
    """Why a body turned ``turn_deg`` degrees cannot be measured, or None when it can.

    An unknown turn (no 3-D landmarks) is not refused.
    """
    if turn_deg is None or not math.isfinite(turn_deg) or turn_deg <= MAX_TURN_DEG:
        return None
    return (
        f"the body is turned about {turn_deg:.0f}° from the camera (at most {MAX_TURN_DEG:.0f}° is measured): "
        "a turn makes tilts and shifts read wrongly; face the camera squarely (or face away from it)"
    )


def turn_uncertainty(name: str, value: float, turn_deg: float | None) -> float:
    """The uncertainty a turn of ``turn_deg`` degrees adds to metric ``name`` read as ``value``.

    In the metric's unit; 0 for an unknown turn or an unknown metric; grows
    monotonically with the turn (see the module docstring).
    """
    if turn_deg is None or not math.isfinite(turn_deg):
        return 0.0
    t = math.radians(min(max(turn_deg, 0.0), 89.0))
    term = TURN_COUPLING.get(name, 0.0) * math.tan(t)
    if name in _SHIFTS:
        return term + abs(value) * (1.0 - math.cos(t))
    if name.endswith("_tilt_deg") and name != "shoulder_pelvis_tilt_deg":
        v = math.radians(value)
        return term + abs(math.degrees(v - math.atan(math.tan(v) * math.cos(t))))
    return term


def with_turn(uncertainty: float | None, name: str, value: float, turn_deg: float | None) -> float | None:
    """``uncertainty`` with the turn's share added in quadrature (None stays None: not estimated)."""
    if uncertainty is None:
        return None
    return math.hypot(uncertainty, turn_uncertainty(name, value, turn_deg))


def widen(metrics: Mapping[str, Metric], turn_deg: float | None) -> dict[str, Metric]:
    """``metrics`` with the turn's share added to each measured metric's uncertainty."""
    return {
        n: m if m.value is None else replace(m, uncertainty=with_turn(m.uncertainty, n, m.value, turn_deg))
        for n, m in metrics.items()
    }


def turn_assumption(view: str, turn_deg: float | None, widened: bool) -> str:
    """How the body faces the camera, for the ``Assumed:`` line; ``widened`` says whether
    the uncertainties include the turn's share (they are not estimated in a single pass)."""
    facing = {"front": "facing the camera", "back": "facing away from the camera"}.get(view)
    if view == "side" and turn_deg is not None:
        return f"turned {turn_deg:.0f}° from square: beyond the {MAX_TURN_DEG:.0f}° measured"
    if facing is None:
        return "side-on" if view == "side" else "view unknown"
    if turn_deg is None or round(turn_deg) < 1:
        return facing
    cost = "uncertainty widened for the turn" if widened else "the turn's error is not estimated in a single pass"
    return f"{facing}, turned {turn_deg:.0f}° from square: {cost}"
