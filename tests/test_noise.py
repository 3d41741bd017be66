"""Minimal detectable changes: one per metric, and the figures the benchmark measured."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from posture.measure import METRIC_NAMES
from posture.noise import MDC95, SEM_WINDOWS, mdc95


def test_every_metric_has_a_positive_mdc() -> None:
    assert set(MDC95) == set(METRIC_NAMES) == set(SEM_WINDOWS)
    assert all(mdc95(n) > 0 for n in METRIC_NAMES)
    assert mdc95("no_such_metric") is None


def test_mdc_matches_the_recorded_benchmark() -> None:
    results = ROOT / "benchmarks" / "results" / "validate.json"
    if not results.is_file():
        pytest.skip("no benchmark results recorded")
    pooled = json.loads(results.read_text())["repeatability"]["pooled:augmented"]
    for name in METRIC_NAMES:
        assert MDC95[name] == pytest.approx(pooled[name]["mdc95"], abs=0.051), name
        assert SEM_WINDOWS[name] == pooled[name]["windows"], name
