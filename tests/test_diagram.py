"""The labelled metrics diagram: its labels state what posture.geometry computes.

Every expected value here is computed directly with :mod:`posture.geometry`
on the diagram's synthetic landmarks, independently of :mod:`posture.measure`
(which the diagram uses to write its labels).
"""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from posture import geometry as g
from posture.charts import figure_png
from posture.diagram import CONVENTION_TEXT, diagram_landmarks, draw_metrics_diagram
from posture.landmarks import PoseLandmark
from posture.measure import METRIC_NAMES

L = PoseLandmark
ROOT = Path(__file__).resolve().parents[1]
PNG = ROOT / "docs" / "metrics_diagram.png"


@pytest.fixture(scope="module")
def figure() -> Figure:
    return draw_metrics_diagram()


@pytest.fixture(scope="module")
def texts(figure: Figure) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_text().strip()]


def expected_values() -> dict[str, float]:
    """Each metric on the diagram's landmarks, straight from posture.geometry."""
    xy = diagram_landmarks().xy
    ls, rs = xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER]
    direction = g.left_direction(ls, rs)
    width = g.distance(ls, rs)
    sh_mid, hip_mid = g.midpoint(ls, rs), g.midpoint(xy[L.LEFT_HIP], xy[L.RIGHT_HIP])
    ear_mid, ankle_mid = g.midpoint(xy[L.LEFT_EAR], xy[L.RIGHT_EAR]), g.midpoint(xy[L.LEFT_ANKLE], xy[L.RIGHT_ANKLE])
    v = {
        "shoulder_tilt_deg": g.tilt_deg(ls, rs),
        "pelvic_tilt_deg": g.tilt_deg(xy[L.LEFT_HIP], xy[L.RIGHT_HIP]),
        "head_tilt_deg": g.tilt_deg(xy[L.LEFT_EAR], xy[L.RIGHT_EAR]),
        "knee_tilt_deg": g.tilt_deg(xy[L.LEFT_KNEE], xy[L.RIGHT_KNEE]),
        "head_shift_pct": 100 * g.lateral_offset(ear_mid, sh_mid, direction) / width,
        "trunk_lean_deg": g.lean_deg(hip_mid, sh_mid, direction),
        "pelvis_shift_pct": 100 * g.lateral_offset(hip_mid, ankle_mid, direction) / width,
    }
    v["shoulder_pelvis_tilt_deg"] = v["shoulder_tilt_deg"] - v["pelvic_tilt_deg"]
    return {k: float(x) for k, x in v.items()}


def labelled(texts: list[Text], name: str) -> tuple[float, str, str]:
    """(value, unit, full text) of the one label that starts with ``name =``."""
    found = [t.get_text() for t in texts if t.get_text().startswith(f"{name} = ")]
    assert len(found) == 1, f"{name}: expected one label, found {found}"
    m = re.match(rf"{name} = ([+\u2212-])(\d+\.\d)(°|%)", found[0])
    assert m, f"unparsable label {found[0]!r}"
    sign = 1.0 if m.group(1) == "+" else -1.0
    return sign * float(m.group(2)), m.group(3), found[0]


def test_returns_a_matplotlib_figure_without_pyplot():
    code = (
        "import sys; from posture.diagram import draw_metrics_diagram; "
        "from matplotlib.figure import Figure; f = draw_metrics_diagram(); "
        "assert isinstance(f, Figure), type(f); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_every_metric_is_labelled_with_its_geometry_value(texts):
    expected = expected_values()
    assert set(expected) == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        value, unit, _ = labelled(texts, name)
        assert unit == ("%" if name.endswith("_pct") else "°"), name
        assert value == pytest.approx(expected[name], abs=0.051), name


def test_asymmetry_is_visible_and_exercises_both_signs():
    v = expected_values()
    for name, x in v.items():
        assert abs(x) >= (5.0 if name.endswith("_pct") else 3.0), f"{name} = {x}: too small to see"
    tilts = [v[n] for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "knee_tilt_deg")]
    assert min(tilts) < 0 < max(tilts)


@pytest.mark.parametrize(
    "name, part",
    [
        ("shoulder_tilt_deg", "shoulder"),
        ("pelvic_tilt_deg", "hip"),
        ("head_tilt_deg", "ear"),
        ("knee_tilt_deg", "knee"),
    ],
)
def test_tilt_labels_name_the_higher_side(texts, name, part):
    value, _, text = labelled(texts, name)
    side = "left" if value > 0 else "right"
    assert f"{side} {part} higher" in text


@pytest.mark.parametrize("name", ["head_shift_pct", "trunk_lean_deg", "pelvis_shift_pct"])
def test_lateral_labels_name_the_direction(texts, name):
    value, _, text = labelled(texts, name)
    assert f"towards the {'left' if value > 0 else 'right'}" in text


def test_head_tilt_label_says_which_shoulder_the_head_leans_to(texts):
    value, _, text = labelled(texts, "head_tilt_deg")
    # Positive: left ear higher, the head leaning towards the right shoulder.
    assert f"towards the {'right' if value > 0 else 'left'} shoulder" in text


def test_states_the_conventions(figure, texts):
    everything = "\n".join(t.get_text() for t in texts)
    for line in CONVENTION_TEXT:
        assert line in everything
    assert "positive = the person's LEFT side higher" in everything
    assert "L/R are the person's own sides" in everything
    assert "the person's left is on the image right" in everything


def test_drawn_as_seen_from_the_front(texts):
    """The person's left is on the image right: header, L/R markers and landmarks agree."""
    xy = diagram_landmarks().xy
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_EAR, L.RIGHT_EAR)):
        assert xy[left][0] > xy[right][0]
    header_left = [t for t in texts if "the person's LEFT" in t.get_text() and "\n" not in t.get_text()]
    header_right = [t for t in texts if "the person's RIGHT" in t.get_text() and "\n" not in t.get_text()]
    assert len(header_left) == 1 and len(header_right) == 1
    assert header_left[0].get_position()[0] > header_right[0].get_position()[0]
    lx = [t.get_position()[0] for t in texts if t.get_text() == "L"]
    rx = [t.get_position()[0] for t in texts if t.get_text() == "R"]
    assert len(lx) == len(rx) >= 2
    assert np.mean(lx) > np.mean(rx)


def test_renders_to_png(figure):
    assert figure_png(figure, dpi=40).startswith(b"\x89PNG")


def test_script_draws_the_committed_png(tmp_path):
    """docs/make_diagram.py writes a PNG the size of the committed docs/metrics_diagram.png."""
    from PIL import Image

    assert PNG.is_file(), "run: python docs/make_diagram.py"
    main = runpy.run_path(str(ROOT / "docs" / "make_diagram.py"), run_name="make_diagram")["main"]
    fresh = tmp_path / "fresh.png"
    assert main([str(fresh)]) == 0
    assert fresh.read_bytes().startswith(b"\x89PNG")
    with Image.open(PNG) as committed, Image.open(fresh) as new:
        assert committed.size == new.size, "docs/metrics_diagram.png is stale: run python docs/make_diagram.py"
