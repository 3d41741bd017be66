"""Stance guidance: one frame's landmarks and flags to one instruction (pure; no model)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from _live_fakes import person

from posture.landmarks import Landmarks, PoseLandmark
from posture.live import guide
from posture.measure import measure
from posture.view import MAX_TURN_DEG

L = PoseLandmark


def moved(lm: Landmarks, **points: tuple[float, float]) -> Landmarks:
    xy = lm.xy.copy()
    for name, p in points.items():
        xy[L[name]] = p
    return Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=lm.width, height=lm.height)


def arms_down(lm: Landmarks) -> Landmarks:
    """Wrists and hands hanging against the hips."""
    out = {}
    for side in ("LEFT", "RIGHT"):
        hip = lm[L[f"{side}_HIP"]]
        for part in ("WRIST", "PINKY", "INDEX", "THUMB"):
            out[f"{side}_{part}"] = (float(hip[0]), float(hip[1]))
    return moved(lm, **out)


STANDING = measure(person(1.0))

CASES = [
    # (people, body, speed, expected problems (in order), instruction)
    (1, STANDING, 0.02, (), None),
    (0, None, math.nan, ("no_person",), "step into the camera's view"),
    (2, STANDING, 0.02, ("multiple_people",), "only one person, please"),
    (1, replace(STANDING, view="side", turn_deg=70.0), 0.0, ("turned",), "face the camera"),
    (1, replace(STANDING, turn_deg=MAX_TURN_DEG + 5), 0.0, ("turned",), "face the camera"),  # analyze's limit
    (1, replace(STANDING, turn_deg=MAX_TURN_DEG - 5), 0.0, (), None),
    (1, replace(STANDING, view="back"), 0.0, ("facing_away",), "turn around to face the camera"),
    (1, measure(person(1.0, hips=False)), 0.0, ("hips_not_visible",), "step back so your hips are visible"),
    (
        1,
        measure(moved(person(1.0), LEFT_ANKLE=(355, 530), RIGHT_ANKLE=(285, 530))),
        0.0,
        ("body_not_in_frame",),
        "step back so your whole body is in view, head to feet",
    ),
    (1, measure(arms_down(person(1.0))), 0.0, ("arms_against_hips",), "hold your arms slightly away from your hips"),
    (1, measure(moved(person(1.0), LEFT_ANKLE=(425, 370))), 0.0, ("uneven_stance",), "stand evenly on both feet"),
    (1, STANDING, 0.5, ("moving",), "stand still"),
    (1, STANDING, 0.15, (), None),  # at the still limit: still
    (1, STANDING, 0.16, ("moving",), "stand still"),
    (1, STANDING, math.nan, (), None),  # no previous frame: not counted as moving
    # Several at once: the most important is said.
    (
        2,
        replace(measure(arms_down(person(1.0))), turn_deg=40.0),
        0.5,
        ("multiple_people", "turned"),
        "only one person, please",
    ),
    (
        1,
        replace(measure(arms_down(person(1.0))), view="back"),
        0.5,
        ("facing_away", "arms_against_hips", "moving"),
        "turn around to face the camera",
    ),
    (
        1,
        measure(arms_down(person(1.0))),
        0.5,
        ("arms_against_hips", "moving"),
        "hold your arms slightly away from your hips",
    ),
    (
        1,
        measure(arms_down(moved(person(1.0), RIGHT_ANKLE=(215, 370)))),
        0.5,
        ("uneven_stance", "arms_against_hips", "moving"),
        "stand evenly on both feet",
    ),
]


@pytest.mark.parametrize(("people", "body", "speed", "problems", "said"), CASES)
def test_one_instruction_for_the_most_important_problem(people, body, speed, problems, said) -> None:
    got = guide.stance_problems(people, body, speed)
    assert got == problems
    assert guide.instruction(got) == said
    assert guide.usable(got) == (
        not set(problems) & {"no_person", "multiple_people", "turned", "shoulders_not_visible"}
    )


def test_every_problem_has_an_instruction_and_the_order_is_importance() -> None:
    assert list(guide.INSTRUCTIONS)[:2] == ["no_person", "multiple_people"]
    assert list(guide.INSTRUCTIONS)[-1] == "moving"
    assert guide.UNUSABLE <= set(guide.INSTRUCTIONS) and guide.ESSENTIAL <= set(guide.INSTRUCTIONS)


def test_arms_are_judged_in_the_subjects_own_sides() -> None:
    from posture.refine.pelvis import arms_against_hips

    lm = person(0.0)
    left_down = moved(
        lm,
        LEFT_WRIST=tuple(lm[L.LEFT_HIP]),
        LEFT_PINKY=tuple(lm[L.LEFT_HIP]),
        LEFT_INDEX=tuple(lm[L.LEFT_HIP]),
        LEFT_THUMB=tuple(lm[L.LEFT_HIP]),
    )
    assert arms_against_hips(lm) == ()
    assert arms_against_hips(left_down) == ("left",)
    assert arms_against_hips(left_down.swap_sides()) == ("right",)


@pytest.mark.parametrize("dx", [0.0, 3.0, -12.0])
def test_body_speed_is_shoulder_widths_per_second(dx: float) -> None:
    a = person(0.0)
    b = moved(
        a, **{n: tuple(a[L[n]] + [dx, 0.0]) for n in ("LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_HIP", "RIGHT_HIP")}
    )
    width = float(np.linalg.norm(a[L.LEFT_SHOULDER] - a[L.RIGHT_SHOULDER]))
    assert guide.body_speed(a, b, 0.1) == pytest.approx(abs(dx) / width / 0.1)
    # Translation and scale of the whole picture change nothing but the units they cancel.
    big = Landmarks(xy=a.xy * 2, visibility=a.visibility, presence=a.presence, width=a.width * 2, height=a.height * 2)
    big_b = Landmarks(xy=b.xy * 2, visibility=b.visibility, presence=b.presence, width=b.width * 2, height=b.height * 2)
    assert guide.body_speed(big, big_b, 0.1) == pytest.approx(guide.body_speed(a, b, 0.1))


def test_one_jumping_point_is_not_the_body_moving() -> None:
    # The median of the four torso points: one landmark jittering 40 px is not a moving body;
    # two of four moved count half.
    a = person(0.0)
    width = float(np.linalg.norm(a[L.LEFT_SHOULDER] - a[L.RIGHT_SHOULDER]))
    one = moved(a, LEFT_HIP=tuple(a[L.LEFT_HIP] + [40.0, 0.0]))
    assert guide.body_speed(a, one, 0.1) == 0.0
    two = moved(one, RIGHT_HIP=tuple(a[L.RIGHT_HIP] + [40.0, 0.0]))
    assert guide.body_speed(a, two, 0.1) == pytest.approx(20.0 / width / 0.1)


def test_body_speed_unknown_without_a_previous_frame_or_visible_points() -> None:
    a = person(0.0)
    assert math.isnan(guide.body_speed(None, a, 0.1))
    assert math.isnan(guide.body_speed(a, a, 0.0))
    assert math.isnan(guide.body_speed(person(0.0, hips=False), a, 0.1))
