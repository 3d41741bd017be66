"""posture.wording: plain sentences with no more precision than measured."""

from __future__ import annotations

import pytest

from posture.result import Metric
from posture.wording import describe, number


@pytest.mark.parametrize(
    "value, uncertainty, text",
    [(2.345, 0.4, "2.3° ± 0.4°"), (-2.345, 1.2, "2° ± 1°"), (2.345, None, "2°"), (0.31, 0.04, "0.3° ± 0.1°")],
)
def test_precision_follows_the_uncertainty(value: float, uncertainty: float | None, text: str) -> None:
    assert number(value, uncertainty, "deg") == text


def test_a_tilt_says_which_side_is_higher_and_how_it_was_measured() -> None:
    m = Metric(value=-1.44, unit="deg", uncertainty=0.3, higher_side="right", method="silhouette")
    assert describe("shoulder_tilt_deg", m) == "Shoulders: Right shoulder higher by 1.4° ± 0.3° (shoulder outlines from the silhouette)"


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
        ("trunk_lean_deg", Metric(value=0.2, unit="deg", uncertainty=0.8, towards="centre"), "upright within measurement noise (0.2° ± 0.8°)"),
        ("trunk_lean_deg", Metric(value=0.2, unit="deg", uncertainty=None, towards="centre"), "upright (within 0.5°)"),
        ("head_shift_pct", Metric(value=1.0, unit="%", uncertainty=1.5, towards="centre"), "centred (within 2% of shoulder width)"),
        ("head_shift_pct", Metric(value=1.0, unit="%", uncertainty=3.0, towards="centre"), "centred within measurement noise"),
    ],
)
def test_upright_and_centred_follow_the_same_rule(name: str, m: Metric, text: str) -> None:
    assert text in describe(name, m)
