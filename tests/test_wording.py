"""posture.wording: plain sentences with no more precision than measured."""

from __future__ import annotations

from dataclasses import replace

import pytest
from history_support import sample_measurement

from posture import wording
from posture.measure import LEVEL_DEG
from posture.metrics import METRICS
from posture.result import Metric, Subject
from posture.wording import (
    APP_HINTS,
    CLI_HINTS,
    describe,
    entry,
    number,
    people_count,
    people_note,
    person_not_found,
    reading,
)


@pytest.mark.parametrize(
    "value, uncertainty, text",
    [
        (2.345, 0.4, "2.3° ± 0.4°"),
        (-2.345, 1.2, "2.3° ± 1.2°"),
        (-2.345, 2.4, "2° ± 2°"),
        (2.345, None, "2°"),
        (0.31, 0.04, "0.3° ± 0.1°"),
        (0.5, None, "1°"),
        (4.7, 1.9, "4.7° ± 1.9°"),
        (4.7, 2.0, "5° ± 2°"),  # from an uncertainty of 2, whole degrees
        (4.7, 1.96, "5° ± 2°"),  # as the JSON keeps it: 2.0
    ],
)
def test_precision_follows_the_uncertainty(value: float, uncertainty: float | None, text: str) -> None:
    assert number(value, uncertainty, "deg") == text


@pytest.mark.parametrize(
    ("value", "uncertainty"),
    [
        (4.7, 1.96),  # "4.7° ± 2.0°" in analyze's summary, "5° ± 2°" from its JSON (history, app)
        (4.65, 1.949),
        (2.45, 3.0),  # 2.45 rounds down, 2.5 (the JSON) up
        (-0.25, 1.0),
        (0.04, 0.5),
        (3.96, 1.98),  # within noise on one side of 2.0 and not the other
    ],
)
def test_a_metric_reads_the_same_from_its_json(value: float, uncertainty: float) -> None:
    _reads_the_same_from_its_json(value, uncertainty)


def test_metrics_on_a_grid_read_the_same_from_their_json() -> None:
    for v in range(-400, 401, 7):
        for u in range(1, 450, 13):
            _reads_the_same_from_its_json(v / 70, u / 110)


def _reads_the_same_from_its_json(value: float, uncertainty: float) -> None:
    level = abs(value) < LEVEL_DEG  # as measure.py sets the sides
    for name, side in (("shoulder_tilt_deg", "higher_side"), ("trunk_lean_deg", "towards")):
        words = ("level", "left", "right") if side == "higher_side" else ("centre", "left", "right")
        m = Metric(value, "deg", uncertainty, **{side: words[0] if level else words[1 + (value < 0)]})
        assert describe(name, m) == describe(name, Metric.from_dict(m.to_dict())), (value, uncertainty)


def test_a_tilt_says_which_side_is_higher_and_how_it_was_measured() -> None:
    m = Metric(value=-1.44, unit="deg", uncertainty=0.3, higher_side="right", method="silhouette")
    assert (
        describe("shoulder_tilt_deg", m)
        == "Shoulders: Right shoulder higher by 1.4° ± 0.3° (shoulder outlines from the silhouette)"
    )


@pytest.mark.parametrize("view", ["front", "back"])
@pytest.mark.parametrize(
    ("moves", "name", "words", "axis"),
    [
        # the person's left ear raised: the head leans over to their right shoulder
        ({"LEFT_EAR": (0, -12)}, "head_tilt_deg", "head tilted towards the right shoulder by", "+ left ear higher"),
        ({"RIGHT_EAR": (0, -12)}, "head_tilt_deg", "head tilted towards the left shoulder by", "− right ear higher"),
        # both ears 20 px towards the person's left
        (
            {"LEFT_EAR": (20, 0), "RIGHT_EAR": (20, 0)},
            "head_shift_pct",
            "head shifted towards the left by",
            "+ towards the left",
        ),
        # both shoulders 30 px towards the person's right, then left: the upper body leans that way
        (
            {"LEFT_SHOULDER": (-30, 0), "RIGHT_SHOULDER": (-30, 0)},
            "trunk_lean_deg",
            "upper body leans towards the right",
            "− leans right",
        ),
        (
            {"LEFT_SHOULDER": (30, 0), "RIGHT_SHOULDER": (30, 0)},
            "trunk_lean_deg",
            "upper body leans towards the left",
            "+ leans left",
        ),
        (
            {"LEFT_HIP": (20, 0), "RIGHT_HIP": (20, 0)},
            "pelvis_shift_pct",
            "pelvis shifted towards the left by",
            "+ towards the left",
        ),
        (
            {"LEFT_HIP": (-20, 0), "RIGHT_HIP": (-20, 0)},
            "pelvis_shift_pct",
            "pelvis shifted towards the right by",
            "− towards the right",
        ),
        # the left shoulder raised, the hips level: the shoulder line is more left-high
        (
            {"LEFT_SHOULDER": (0, -20)},
            "shoulder_pelvis_tilt_deg",
            "the two lines differ by",
            "+ shoulders more left-high",
        ),
    ],
)
def test_the_words_follow_the_persons_own_sides_from_the_geometry(view, moves, name, words, axis) -> None:
    """Landmarks moved towards the person's own left or right (in the image: the other way when they
    face away) read in words naming that side, in the sentence and on a chart's axis."""
    from test_measure import person

    from posture.landmarks import PoseLandmark
    from posture.measure import measure
    from posture.wording import sign_text

    sign = 1 if view == "front" else -1  # the image direction of the person's left
    body = measure(person(view, move={PoseLandmark[k]: (sign * dx, dy) for k, (dx, dy) in moves.items()}))
    assert body.view == view
    value = body.metrics[name].value
    text = reading(name, body.metrics[name])
    assert text.lower().startswith(words), text
    assert sign_text(name)[0 if value > 0 else 1].startswith(axis)
    if name == "shoulder_pelvis_tilt_deg":
        assert METRICS[name].reads(value) == "shoulder line tilted more towards left-high than the hip line"


def test_level_within_the_band_when_the_measurement_is_that_precise() -> None:
    m = Metric(value=-0.3, unit="deg", uncertainty=0.3, higher_side="level")
    assert describe("pelvic_tilt_deg", m) == "Hip line (pelvic tilt proxy): level (within 0.5°)"


def test_level_never_claims_more_precision_than_the_uncertainty() -> None:
    m = Metric(value=-0.32, unit="deg", uncertainty=0.9, higher_side="level", method="landmarks")
    text = describe("shoulder_tilt_deg", m)
    assert "within 0.5°" not in text
    assert text == "Shoulders: level within measurement noise (0.3° ± 0.9°; shoulder joint landmarks)"


@pytest.mark.parametrize(
    "name, m, text",
    [
        (
            "trunk_lean_deg",
            Metric(value=0.2, unit="deg", uncertainty=0.8, towards="centre"),
            "upright within measurement noise (0.2° ± 0.8°)",
        ),
        ("trunk_lean_deg", Metric(value=0.2, unit="deg", uncertainty=None, towards="centre"), "upright (within 0.5°)"),
        (
            "head_shift_pct",
            Metric(value=1.0, unit="%", uncertainty=1.5, towards="centre"),
            "centred (within 2% of shoulder width)",
        ),
        (
            "head_shift_pct",
            Metric(value=1.0, unit="%", uncertainty=3.0, towards="centre"),
            "centred within measurement noise",
        ),
    ],
)
def test_upright_and_centred_follow_the_same_rule(name: str, m: Metric, text: str) -> None:
    assert text in describe(name, m)


def test_the_words_never_contradict_the_numbers_shown() -> None:
    # "higher by 3° ± 1° (within measurement noise)" for 2.8 ± 1.4 said 3 < 2 x 1.
    import re

    import numpy as np

    rng = np.random.default_rng(1)
    names = (
        "shoulder_tilt_deg",
        "pelvic_tilt_deg",
        "head_tilt_deg",
        "trunk_lean_deg",
        "head_shift_pct",
        "shoulder_pelvis_tilt_deg",
    )
    checked = 0
    for _ in range(4000):
        value = float(rng.choice([-1, 1]) * rng.uniform(0.5, 12.0))
        unc = float(rng.uniform(0.05, 6.0)) if rng.random() < 0.9 else None
        for name in names:
            unit = "%" if name.endswith("_pct") else "deg"
            side = "left" if value > 0 else "right"
            m = Metric(value=value, unit=unit, uncertainty=unc, higher_side=side, towards=side)
            text = describe(name, m)
            nums = re.findall(r"(\d+(?:\.\d+)?)(?:°|%)", text)
            if "within" in text and "within measurement noise" not in text:
                continue  # "level (within 0.5°)" states a band, not a measurement
            shown_v = float(nums[0])
            assert shown_v > 0, text  # a side is named: the magnitude shown is not zero
            if unc is None:
                assert "±" not in text and "noise" not in text, text
                continue
            shown_u = float(nums[1])
            assert shown_u > 0, text
            decimals = [len(n.split(".")[1]) if "." in n else 0 for n in nums[:2]]
            assert decimals[0] == decimals[1], text
            assert ("within measurement noise" in text) == (shown_v < 2 * shown_u), text
            checked += 1
    assert checked > 10000


def test_an_uncertainty_of_1_4_is_not_shown_as_1() -> None:
    m = Metric(value=2.8, unit="deg", uncertainty=1.4, higher_side="left")
    assert describe("shoulder_tilt_deg", m) == "Shoulders: Left shoulder higher by 2.8° ± 1.4°"
    # decided on the shown 2.8 and 1.4, not on the raw 2.77 < 2 x 1.41
    m = Metric(value=2.77, unit="deg", uncertainty=1.41, higher_side="left")
    assert describe("shoulder_tilt_deg", m) == "Shoulders: Left shoulder higher by 2.8° ± 1.4°"
    m = Metric(
        value=2.7, unit="deg", uncertainty=1.4, higher_side="left", height_diff_cm=1.1, height_diff_cm_uncertainty=0.6
    )
    assert (
        describe("shoulder_tilt_deg", m)
        == "Shoulders: Left shoulder higher by 2.7° ± 1.4° (1.1 cm ± 0.6 cm; within measurement noise)"
    )


@pytest.mark.parametrize(
    ("detected", "at_least", "words"),
    [(1, False, "1 person"), (2, False, "2 people"), (3, True, "at least 3 people"), (1, True, "at least 1 person")],
)
def test_people_count_says_at_least_when_the_second_look_found_more(detected, at_least, words):
    assert people_count(Subject(view="front", people_detected=detected, people_at_least=at_least)) == words


@pytest.mark.parametrize(
    ("at_least", "measured", "words"),
    [
        (False, True, "2 people in the photo: measured the outlined one"),
        (True, True, "at least 2 people in the photo: measured the outlined one"),
        # the chosen person refused (turned, or not found again): not "measured"
        (False, False, "2 people in the photo: could not measure the outlined one"),
        (True, False, "at least 2 people in the photo: could not measure the outlined one"),
    ],
)
def test_people_note_says_measured_only_when_the_person_was(at_least, measured, words):
    subject = Subject(view="front", people_detected=2, people_at_least=at_least)
    assert people_note(subject, measured, "the outlined one") == words


@pytest.mark.parametrize(
    ("people", "hints", "tip"),
    [
        (1, wording.CLI_HINTS, None),
        (2, wording.CLI_HINTS, "to measure another person, add --person N (0 or 1; 0 is the largest)"),
        (4, wording.CLI_HINTS, "to measure another person, add --person N (0 to 3; 0 is the largest)"),
        # the app has no --person: its own switch
        (3, wording.APP_HINTS, "to measure another person, set Person above (0 to 2; 0 is the largest)"),
    ],
)
def test_a_photo_of_several_people_tips_how_to_measure_another(people, hints, tip):
    m = replace(sample_measurement(), subject=Subject(view="front", people_detected=people))
    assert wording.tips(m, hints) == wording.photo_hints(m) + ([tip] if tip else [])


@pytest.mark.parametrize(
    "m",
    [Metric(2.34, "deg", 0.4, method="silhouette"), Metric.missing("deg", "right hip not visible")],
    ids=["measured", "missing"],
)
def test_the_pages_list_a_metric_with_its_label_words_and_value(m: Metric) -> None:
    e = entry("pelvic_tilt_deg", m)
    assert e == {
        "name": "pelvic_tilt_deg",
        "label": METRICS["pelvic_tilt_deg"].label,
        "text": reading("pelvic_tilt_deg", m),
        "value": m.value,
    }
    assert ("not visible" in e["text"]) == (m.value is None)


@pytest.mark.parametrize(
    ("requested", "found", "at_least", "fast", "hints", "text"),
    [
        (1, 1, False, False, "cli", "person 1 requested, but only one person was found (--person 0)"),
        (
            2,
            2,
            False,
            False,
            "cli",
            "person 2 requested, but 2 people were found: choose --person 0 or 1 (0 is the most prominent)",
        ),
        (
            3,
            3,
            True,
            False,
            "cli",
            "person 3 requested, but at least 3 people were found: choose --person 0 to 2 (0 is the most prominent)",
        ),
        (
            1,
            1,
            False,
            True,
            "cli",
            "person 1 requested, but only one person was found (--person 0); without --fast a second look may find people the one pass missed",
        ),
        (
            4,
            3,
            False,
            False,
            "app",
            "person 4 requested, but 3 people were found: choose Person 0 to 2 (0 is the most prominent)",
        ),
        (
            1,
            1,
            False,
            True,
            "app",
            "person 1 requested, but only one person was found (Person 0); without Fast a second look may find people the one pass missed",
        ),
    ],
)
def test_a_person_beyond_those_found_is_worded_for_where_it_is_read(requested, found, at_least, fast, hints, text):
    words = {"cli": CLI_HINTS, "app": APP_HINTS}[hints]
    assert person_not_found(requested, found, at_least, fast, words) == text
