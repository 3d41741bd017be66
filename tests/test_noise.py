"""Minimal detectable changes: one per metric, and the figures the benchmark measured."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from posture.measure import METRIC_NAMES
from posture.noise import BASIS_TEXT, MDC95, MDC_BASIS, mdc95


def test_every_metric_has_a_positive_mdc_and_a_basis() -> None:
    assert set(MDC95) == set(METRIC_NAMES) == set(MDC_BASIS)
    assert all(mdc95(n) > 0 for n in METRIC_NAMES)
    assert set(MDC_BASIS.values()) <= set(BASIS_TEXT)
    assert mdc95("no_such_metric") is None


def test_mdc_matches_the_recorded_benchmark() -> None:
    validate = ROOT / "benchmarks" / "results" / "validate.json"
    still = ROOT / "benchmarks" / "results" / "still_video.json"
    if not (validate.is_file() and still.is_file()):
        pytest.skip("no benchmark results recorded")
    pooled = json.loads(validate.read_text())["repeatability"]["pooled:augmented"]
    video = json.loads(still.read_text())["mdc95"]
    for name in METRIC_NAMES:
        if MDC_BASIS[name].startswith("validate"):
            assert MDC95[name] == pytest.approx(pooled[name]["mdc95"], abs=0.051), name
            windows = int(BASIS_TEXT[MDC_BASIS[name]].split()[0])
            assert pooled[name]["windows"] == windows, name
        else:
            assert MDC95[name] == pytest.approx(video[name]["mdc95"], abs=0.051), name
            assert (video[name]["frames"], video[name]["people"]) == (75, 1), name
