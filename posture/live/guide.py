"""Guiding a person into a measurable stance, one instruction at a time (pure; no I/O).

:func:`stance_problems` lists what keeps one frame from being measured like a
photo, most important first; :func:`instruction` words the first of them.
The facing and visibility problems come from :func:`posture.measure.measure`
(its view, turn and missing-landmark reasons, as ``posture analyze`` uses
them) and the arms from the refinement's own test
(:func:`posture.refine.pelvis.arms_against_hips`).

Problems, in order:

``no_person``, ``multiple_people``
    Nobody, or more than one person, in view.
``turned``, ``facing_away``
    The body is turned further than :data:`posture.view.MAX_TURN_DEG` (the
    rule by which ``analyze`` refuses), or faces away (the person must see
    the screen).
``shoulders_not_visible``, ``hips_not_visible``, ``body_not_in_frame``
    The shoulders, the hips, or the rest of the body (head, knees, ankles)
    are out of the picture or not visible enough.
``uneven_stance``
    One leg is bent, lifted or stepping (:attr:`posture.stance.Stance.uneven`,
    as ``analyze`` warns): the pelvis tilts with the stance.
``arms_against_hips``
    An arm hides a hip's outline, so the pelvis can only be read from the
    hip joint landmarks.
``moving``
    The body moves faster than :data:`STILL_SPEED` shoulder widths a second.

``UNUSABLE`` are the problems that make a frame unmeasurable (alerts skip it,
a capture does not keep it); the others only make it a worse frame, and are
said only while a capture waits or collects frames.
"""

from __future__ import annotations

import math

import numpy as np

from posture import view as turn_rule
from posture.landmarks import MIN_SCORE, Landmarks, PoseLandmark
from posture.measure import BodyMeasurement

L = PoseLandmark

NO_PERSON = "no_person"
MULTIPLE_PEOPLE = "multiple_people"
TURNED = "turned"
FACING_AWAY = "facing_away"
NO_SHOULDERS = "shoulders_not_visible"
NO_HIPS = "hips_not_visible"
NOT_WHOLE_BODY = "body_not_in_frame"
UNEVEN = "uneven_stance"
ARMS = "arms_against_hips"
MOVING = "moving"

INSTRUCTIONS: dict[str, str] = {
    NO_PERSON: "step into the camera's view",
    MULTIPLE_PEOPLE: "only one person, please",
    TURNED: "face the camera",
    FACING_AWAY: "turn around to face the camera",
    NO_SHOULDERS: "move so your shoulders are in view",
    NO_HIPS: "step back so your hips are visible",
    NOT_WHOLE_BODY: "step back so your whole body is in view, head to feet",
    UNEVEN: "stand evenly on both feet",
    ARMS: "hold your arms slightly away from your hips",
    MOVING: "stand still",
}
"""What to tell the person for each problem, in order of importance (the first present is said)."""

UNUSABLE = frozenset({NO_PERSON, MULTIPLE_PEOPLE, TURNED, NO_SHOULDERS})
"""Problems that make a frame unmeasurable."""

ESSENTIAL = UNUSABLE | {NO_HIPS}
"""Problems said even when no capture is under way (the others matter only for a capture)."""

RECORDING_BLOCKS = UNUSABLE | {MOVING}
"""Problems that keep a recording's frames out of a capture: a recording cannot follow an
instruction, so the rest (a back view, an uneven stance, arms against the hips, hips or feet out
of view) only cost what the analysis of its frames says they cost."""

STILL_SPEED = 0.15
"""Fastest body motion (shoulder widths per second, smoothed landmarks) that counts as standing still."""

WHOLE_BODY = (L.NOSE, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)
"""Landmarks besides the shoulders and hips that a whole-body frame shows."""

_CORE = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]


def stance_problems(
    people: int, body: BodyMeasurement | None, speed: float, min_score: float = MIN_SCORE
) -> tuple[str, ...]:
    """Every problem of one frame, most important first (empty: a measurable stance).

    Parameters
    ----------
    people : int
        People detected.
    body : BodyMeasurement or None
        :func:`posture.measure.measure` of the most prominent person (None when nobody).
    speed : float
        Body motion, shoulder widths per second (NaN: unknown, not counted as moving).
    min_score : float
        Lowest landmark visibility and presence used.
    """
    from posture.refine.pelvis import arms_against_hips

    if people == 0 or body is None:
        return (NO_PERSON,)
    out = [MULTIPLE_PEOPLE] if people > 1 else []
    if body.view == "side" or turn_rule.turn_refusal(body.turn_deg) is not None:
        return tuple(out + [TURNED])
    if body.view == "back":
        out.append(FACING_AWAY)
    if body.metrics["shoulder_tilt_deg"].value is None:
        out.append(NO_SHOULDERS)
    if body.metrics["pelvic_tilt_deg"].value is None:
        out.append(NO_HIPS)
    lm = body.landmarks
    if not all(_seen(lm, p, min_score) for p in WHOLE_BODY):
        out.append(NOT_WHOLE_BODY)
    if body.stance is not None and body.stance.uneven is not None:
        out.append(UNEVEN)
    if NO_SHOULDERS not in out and NO_HIPS not in out and arms_against_hips(lm, min_score):
        out.append(ARMS)
    if math.isfinite(speed) and speed > STILL_SPEED:
        out.append(MOVING)
    return tuple(out)


def instruction(problems: tuple[str, ...]) -> str | None:
    """The one thing to say: the most important problem's instruction (None when there is none)."""
    return next((INSTRUCTIONS[p] for p in INSTRUCTIONS if p in problems), None)


def usable(problems: tuple[str, ...]) -> bool:
    """Whether a frame with these problems can be measured at all."""
    return not UNUSABLE.intersection(problems)


def body_speed(previous: Landmarks | None, current: Landmarks, dt: float, min_score: float = MIN_SCORE) -> float:
    """Median speed of the shoulders and hips between two frames, in shoulder widths per second.

    NaN when there is no previous frame, ``dt`` is not positive or a point is not visible.
    """
    if previous is None or not dt > 0:
        return math.nan
    if min(min(previous.score(p), current.score(p)) for p in _CORE) < min_score:
        return math.nan
    width = float(np.linalg.norm(current[L.LEFT_SHOULDER] - current[L.RIGHT_SHOULDER]))
    if not width > 0:
        return math.nan
    moved = np.linalg.norm(current.xy[_CORE] - previous.xy[_CORE], axis=1)
    return float(np.median(moved)) / width / dt


def _seen(lm: Landmarks, p: PoseLandmark, min_score: float) -> bool:
    return bool(np.isfinite(lm[p]).all() and lm.in_frame(p) and lm.score(p) >= min_score)
