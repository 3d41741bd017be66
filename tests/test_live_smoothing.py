"""The One Euro filter: steady at rest, converging after a step, less jitter than raw, NaN-safe."""

from __future__ import annotations

import numpy as np
import pytest

from posture.live.smoothing import OneEuroFilter, OneEuroParams, smoothing_factor


def run(f: OneEuroFilter, xs: np.ndarray, fps: float = 30.0) -> np.ndarray:
    return np.array([f(i / fps, x) for i, x in enumerate(xs)])


def test_constant_input_gives_constant_output() -> None:
    f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.5))
    out = run(f, np.full((50, 3, 2), 7.25))
    assert np.array_equal(out, np.full((50, 3, 2), 7.25))


def test_step_response_converges_and_stays_between_old_and_new() -> None:
    f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0))
    xs = np.r_[np.zeros(10), np.full(60, 10.0)]
    out = run(f, xs)
    assert np.all((out >= 0) & (out <= 10))
    assert np.all(np.diff(out[10:]) >= 0)  # monotone approach, no overshoot
    assert abs(out[-1] - 10.0) < 0.05


def test_speed_term_cuts_lag_on_a_ramp() -> None:
    ramp = np.arange(90) * 2.0  # 60 units/s at 30 fps
    slow = run(OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.0)), ramp)
    fast = run(OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.1)), ramp)
    assert abs(ramp[-1] - fast[-1]) < 0.5 * abs(ramp[-1] - slow[-1])


def test_less_jitter_than_raw_on_noisy_input() -> None:
    rng = np.random.default_rng(0)
    truth = np.full(300, 2.0)
    noisy = truth + rng.normal(0, 0.5, 300)
    out = run(OneEuroFilter(OneEuroParams(min_cutoff=0.5, beta=0.3)), noisy)
    assert np.std(out[30:]) < 0.5 * np.std(noisy[30:])
    assert abs(np.mean(out[30:]) - 2.0) < 0.1


def test_filters_each_element_independently() -> None:
    xs = np.stack([np.zeros(20), np.r_[np.zeros(5), np.full(15, 4.0)]], axis=1)
    out = run(OneEuroFilter(), xs)
    assert np.all(out[:, 0] == 0)
    assert out[-1, 1] > 3.0


def test_nan_gives_nan_and_restarts_that_element() -> None:
    f = OneEuroFilter(OneEuroParams(min_cutoff=0.5))
    f(0.0, [1.0, 1.0])
    mid = f(0.1, [np.nan, 1.0])
    assert np.isnan(mid[0]) and mid[1] == 1.0
    after = f(0.2, [50.0, 1.0])
    assert after[0] == 50.0  # taken as it is, not pulled towards the stale 1.0


def test_equal_time_repeats_and_decreasing_time_fails() -> None:
    f = OneEuroFilter()
    f(1.0, 3.0)
    assert f(1.0, 100.0) == 3.0
    with pytest.raises(ValueError, match="must not decrease"):
        f(0.5, 3.0)


def test_shape_change_fails() -> None:
    f = OneEuroFilter()
    f(0.0, np.zeros(3))
    with pytest.raises(ValueError, match="expected shape"):
        f(0.1, np.zeros(4))


@pytest.mark.parametrize(("min_cutoff", "beta"), [(1.0, 0.0), (1.0, 0.1), (0.5, 0.3), (2.0, 0.02)])
def test_the_lag_on_a_ramp_is_the_speed_over_two_pi_times_the_cutoff(min_cutoff: float, beta: float) -> None:
    # A first-order low-pass lags a ramp of speed v by L = v / (2 pi f_c) once settled. The one-euro
    # cutoff is f_c = min_cutoff + beta |dx|, dx the speed from the last output to the new sample:
    # v + L / dt once settled.
    v, dt = 60.0, 1 / 30  # units per second, 30 frames per second
    ramp = np.arange(300) * v * dt
    out = run(OneEuroFilter(OneEuroParams(min_cutoff=min_cutoff, beta=beta)), ramp)
    lag = ramp[-1] - out[-1]
    assert lag == pytest.approx(v / (2 * np.pi * (min_cutoff + beta * (v + lag / dt))), rel=1e-3)
    if beta == 0:
        assert lag == pytest.approx(v / (2 * np.pi * min_cutoff), rel=1e-3)


def test_an_element_restarted_after_nan_is_filtered_as_a_new_one() -> None:
    params = OneEuroParams(min_cutoff=0.5, beta=0.3)
    f, new = OneEuroFilter(params), OneEuroFilter(params)
    f(0.0, [1.0, 1.0])
    f(0.1, [np.nan, 2.0])
    xs = [5.0, 9.0, 8.0, 12.0]
    for i, x in enumerate(xs):
        t = 0.2 + 0.1 * i
        assert f(t, [x, 2.0])[0] == pytest.approx(float(new(t, x)), abs=1e-12)


@pytest.mark.parametrize("params", [dict(min_cutoff=0), dict(d_cutoff=-1), dict(d_cutoff=0), dict(beta=-0.1)])
def test_bad_params_fail(params: dict) -> None:
    with pytest.raises(ValueError):
        OneEuroParams(**params)


def test_smoothing_factor_in_unit_interval() -> None:
    a = smoothing_factor(np.array([0.1, 1.0, 100.0]), 1 / 30)
    assert np.all((a > 0) & (a <= 1)) and np.all(np.diff(a) > 0)
    # alpha = 1 / (1 + tau / dt) with tau = 1 / (2 pi f): a half when tau is dt, all of the sample for a fast cutoff.
    assert smoothing_factor(1 / (2 * np.pi), 1.0) == pytest.approx(0.5)
    assert smoothing_factor(1e9, 1 / 30) == pytest.approx(1.0)
