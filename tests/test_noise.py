"""Minimal detectable changes: one per metric, and the figures the benchmark measured."""

from __future__ import annotations

import json
import math

import pytest
from conftest import ROOT

from posture.measure import METRIC_NAMES
from posture.noise import BASIS_TEXT, MDC95, MDC95_SINGLE_PASS, MDC_BASIS, mdc95


def test_every_metric_has_a_positive_mdc_and_a_basis() -> None:
    assert set(MDC95) == set(METRIC_NAMES) == set(MDC_BASIS)
    assert all(mdc95(n) > 0 for n in METRIC_NAMES)
    assert set(MDC_BASIS.values()) <= set(BASIS_TEXT)
    assert mdc95("no_such_metric") is None


def test_a_single_pass_is_never_judged_finer_than_the_default_analysis() -> None:
    assert set(MDC95_SINGLE_PASS) == set(MDC95)
    assert all(MDC95_SINGLE_PASS[n] >= MDC95[n] for n in METRIC_NAMES)


def test_single_pass_mdc_is_the_larger_recorded_basis_rounded_up() -> None:
    still = ROOT / "benchmarks" / "results" / "still_video.json"
    invariance = ROOT / "benchmarks" / "results" / "invariance_fast.json"
    if not (still.is_file() and invariance.is_file()):
        pytest.skip("no benchmark results recorded")
    video = json.loads(still.read_text())["fast"]
    files = json.loads(invariance.read_text())
    assert video["analysed"] == 75 and files["fast"] and files["photos"] == 30
    for name in METRIC_NAMES:
        bases = (1.96 * math.sqrt(2) * video["metrics"][name]["sd"], files["mdc95"][name]["p95"], MDC95[name])
        assert MDC95_SINGLE_PASS[name] == math.ceil(round(max(bases) * 10, 6)) / 10, name


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
