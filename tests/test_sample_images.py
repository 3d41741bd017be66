"""The bundled samples show what the README says they show."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from posture.measure import METRIC_NAMES

STANDING_TRUE_SHOULDER_DEG = 2.17
"""The shoulder joints' tilt in standing.png, printed by make_standing_sample.py (left higher)."""


@pytest.mark.slow
def test_the_standing_sample_measures_every_metric_from_the_outline(augmented_analyzer):
    result = augmented_analyzer.analyze_file(SAMPLES / "standing.png")
    assert result.status == "measured" and result.subject.view == "front"
    missing = {n: m.reason for n, m in result.metrics.items() if m.value is None}
    assert not missing and set(result.metrics) == set(METRIC_NAMES)
    shoulders, pelvis = result.metrics["shoulder_tilt_deg"], result.metrics["pelvic_tilt_deg"]
    assert (shoulders.method, pelvis.method) == ("silhouette", "silhouette")
    assert abs(shoulders.value - STANDING_TRUE_SHOULDER_DEG) < 0.5 and shoulders.higher_side == "left"
    assert abs(pelvis.value) < 0.5  # the hip joints' line is level in the render


def test_the_standing_sample_is_small_and_portrait():
    from PIL import Image

    path = SAMPLES / "standing.png"
    assert path.stat().st_size < 300_000
    with Image.open(path) as im:
        assert im.size == (600, 1000)
