"""The live loop with a fake detector: metrics, mirroring, guidance, captures, alerts, the log row."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import numpy as np
import pytest
from _live_fakes import FRAME, FakeDetector, as_seen_in_mirror, person

from posture.landmarks import Landmarks, PoseLandmark
from posture.live.session import (
    CSV_COLUMNS,
    AlertRule,
    LiveConfig,
    LiveSession,
    metric_name,
)
from posture.measure import METRIC_NAMES

L = PoseLandmark


def records(people: Callable[[int], list[Landmarks]], n: int, fps: float = 10.0, config: LiveConfig = LiveConfig(), session: list | None = None):
    s = LiveSession(FakeDetector(people), config)
    if session is not None:
        session.append(s)
    return [rec for _, rec in s.run([FRAME] * n, fps=fps)]


IDX = {n: i for i, n in enumerate(METRIC_NAMES)}


def test_raw_metrics_match_the_geometry() -> None:
    rec = records(lambda i: [person(2.0)], 1)[0]
    assert rec.raw[IDX["shoulder_tilt_deg"]] == pytest.approx(2.0, abs=1e-6)
    assert rec.raw[IDX["pelvic_tilt_deg"]] == pytest.approx(2.0, abs=1e-6)
    assert rec.metric("shoulder_tilt_deg").higher_side == "left"
    assert rec.usable and rec.guidance is None and rec.flags == ()


def test_mirrored_frames_keep_the_subjects_sides() -> None:
    plain = records(lambda i: [person(2.0)], 1)[0]
    mirrored = records(lambda i: [as_seen_in_mirror(person(2.0))], 1, config=LiveConfig(mirrored=True))[0]
    assert mirrored.raw[IDX["shoulder_tilt_deg"]] == pytest.approx(plain.raw[IDX["shoulder_tilt_deg"]], abs=1e-6)
    # The drawn landmarks carry anatomical labels: the left shoulder is on the screen's left in a mirror view.
    lm = mirrored.landmarks
    assert lm is not None and lm[L.LEFT_SHOULDER][0] < lm[L.RIGHT_SHOULDER][0]


@pytest.mark.parametrize(
    "people, flag, guidance, usable",
    [
        (lambda i: [], "no_person", "step into the camera's view", False),
        (lambda i: [person(), person(dx=5)], "multiple_people", "only one person, please", False),
        (lambda i: [person(hips=False)], "hips_not_visible", "step back so your hips are visible", True),
        (lambda i: [person(shoulders=False)], "shoulders_not_visible", "move so your shoulders are in view", False),
    ],
)
def test_unusable_frames_get_a_flag_and_guidance(people, flag: str, guidance: str, usable: bool) -> None:
    rec = records(people, 1)[0]
    assert flag in rec.flags
    assert rec.guidance == guidance
    assert rec.usable is usable


def test_smoothed_values_jitter_less_than_raw() -> None:
    rng = np.random.default_rng(1)
    tilts = 2.0 + rng.normal(0, 0.6, 100)
    recs = records(lambda i: [person(tilts[i])], 100, fps=30.0)
    raw = np.array([r.raw[IDX["shoulder_tilt_deg"]] for r in recs])
    smooth = np.array([r.smooth[IDX["shoulder_tilt_deg"]] for r in recs])
    assert np.std(smooth[15:]) < 0.5 * np.std(raw[15:])
    assert np.mean(smooth[15:]) == pytest.approx(2.0, abs=0.2)


def test_smoothed_values_follow_a_lean_without_trailing_far() -> None:
    # Leaning at 5 degrees per second for 2 s; the smoothed value may trail only a little.
    recs = records(lambda i: [person(i * 5.0 / 30)], 60, fps=30.0)
    lag = recs[-1].raw[IDX["shoulder_tilt_deg"]] - recs[-1].smooth[IDX["shoulder_tilt_deg"]]
    assert 0 <= lag < 1.5


def test_capture_reports_median_and_spread_in_plain_words() -> None:
    # 30 frames whose tilts are normal quantiles around -2.1 with SD 0.3 (median -2.1, robust spread 0.3).
    n = 30
    z = [statistics.NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)]
    tilts = [-2.1 + 0.3 * v for v in np.random.default_rng(2).permutation(z)]
    sessions: list = []
    s_recs = records(lambda i: [person(tilts[i % n])], n + 1, fps=10.0,
                     config=LiveConfig(capture_seconds=3.0, auto_capture=True), session=sessions)
    done = [r.captured for r in s_recs if r.captured is not None]
    assert len(done) == 1
    cap = done[0]
    m = cap.metrics["shoulder_tilt_deg"]
    assert m.value == pytest.approx(-2.1, abs=0.02)
    assert m.uncertainty == pytest.approx(0.3, abs=0.03)
    assert "Shoulders: Right shoulder higher by 2.1° ± 0.3°" in cap.lines()
    assert cap.usable_frames == 30 and cap.complete
    assert any("Right shoulder higher by 2.1° ± 0.3°" in e for r in s_recs for e in r.events)
    assert sessions[0].captures == [cap]


def test_capture_counts_only_usable_frames_and_requires_enough() -> None:
    def people(i: int) -> list[Landmarks]:
        return [person(1.0)] if i % 3 == 0 else [person(9.0), person(0.0, dx=3)]  # 2 of 3 frames: two people

    recs = records(people, 12, fps=10.0, config=LiveConfig(capture_seconds=1.0, auto_capture=True, min_capture_frames=3))
    cap = next(r.captured for r in recs if r.captured is not None)
    assert cap.frames == 10 and cap.usable_frames == 4  # t = 0.0 .. 0.9 has usable frames at 0, 3, 6, 9
    assert cap.metrics["shoulder_tilt_deg"].value == pytest.approx(1.0, abs=1e-6)

    recs = records(people, 12, fps=10.0, config=LiveConfig(capture_seconds=1.0, auto_capture=True, min_capture_frames=5))
    cap = next(r.captured for r in recs if r.captured is not None)
    assert not cap.metrics["shoulder_tilt_deg"].measured
    assert "fewer than the needed usable frames" in cap.lines()[-1]


def test_space_key_capture_and_partial_capture_at_stream_end() -> None:
    s = LiveSession(FakeDetector(lambda i: [person(1.5)]), LiveConfig(capture_seconds=10.0))
    assert s.request_capture() and not s.request_capture()  # one at a time
    recs = [rec for _, rec in s.run([FRAME] * 20, fps=10.0)]
    assert recs[0].capture is not None and recs[-1].capture is not None
    left = s.finish()
    assert left is not None and not left.complete and left.frames == 20
    assert "(ended early)" in left.lines()[0]
    assert s.finish() is None


def test_alert_raises_after_its_duration_and_clears() -> None:
    tilts = [4.0] * 70 + [0.0] * 30
    rule = AlertRule("shoulder_tilt_deg", 3.0, 5.0)
    recs = records(lambda i: [person(tilts[i])], 100, fps=10.0, config=LiveConfig(alerts=(rule,), alert_grace_s=0.5))
    active = [r.alerts[0].active for r in recs]
    assert not any(active[:50]) and all(active[50:70])
    raised = [e for r in recs for e in r.events if e.startswith("ALERT")]
    assert raised == ["ALERT at 5.0 s: Shoulders above 3° for 5 s (Shoulders: Left shoulder higher by 4°)"]
    assert not active[-1]
    assert any(e.startswith("alert cleared") for r in recs for e in r.events)


def test_a_short_dropout_does_not_restart_the_alert_clock() -> None:
    def people(i: int) -> list[Landmarks]:
        return [] if i == 30 else [person(4.0)]  # one lost frame at 3 s

    rule = AlertRule("shoulder_tilt_deg", 3.0, 5.0)
    recs = records(people, 60, fps=10.0, config=LiveConfig(alerts=(rule,)))
    assert recs[50].alerts[0].active


def test_duration_and_timestamps() -> None:
    det = FakeDetector(lambda i: [person()])
    s = LiveSession(det)
    recs = [rec for _, rec in s.run([FRAME] * 100, fps=25.0, duration=1.0)]
    assert len(recs) == 25 and s.stats.duration_reached
    assert det.timestamps == [i * 40 for i in range(25)]


def test_clock_timestamps_strictly_increase_even_when_the_clock_stalls() -> None:
    det = FakeDetector(lambda i: [person()])
    ticks = iter([5.0, 5.0, 5.0005, 5.5])
    list(LiveSession(det).run([FRAME] * 4, clock=lambda: next(ticks)))
    assert det.timestamps == [0, 1, 2, 500]


def test_log_row_has_every_column_and_metric() -> None:
    rec = records(lambda i: [person(hips=False)], 1)[0]
    row = rec.to_row()
    assert tuple(row) == CSV_COLUMNS
    for name in METRIC_NAMES:
        assert name in row and name + "_smooth" in row
    assert row["pelvic_tilt_deg"] == "" and row["shoulder_tilt_deg"] != ""
    assert row["flags"] == "hips_not_visible"


def test_session_keeps_no_per_frame_history() -> None:
    s = LiveSession(FakeDetector(lambda i: [person(1.0)]))
    before = {k: len(v) for k, v in vars(s).items() if isinstance(v, list)}
    for _ in s.run([FRAME] * 300, fps=30.0):
        pass
    after = {k: len(v) for k, v in vars(s).items() if isinstance(v, list)}
    assert before == after


@pytest.mark.parametrize(
    "text, metric, limit, seconds",
    [("shoulder:3:5", "shoulder_tilt_deg", 3, 5), ("hip:2", "pelvic_tilt_deg", 2, 5), ("trunk_lean_deg:4:0", "trunk_lean_deg", 4, 0)],
)
def test_alert_rule_parse(text: str, metric: str, limit: float, seconds: float) -> None:
    assert AlertRule.parse(text) == AlertRule(metric, limit, seconds)


@pytest.mark.parametrize("text", ["shoulder", "elbow:3", "shoulder:x", "shoulder:-1", "shoulder:3:5:7"])
def test_alert_rule_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        AlertRule.parse(text)


def test_metric_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="shoulder"):
        metric_name("elbow")


def test_drawn_landmarks_keep_up_with_a_moving_body() -> None:
    # Walking sideways at 300 px/s (10 px a frame at 30 fps): the overlay trails by less than a frame's movement.
    recs = records(lambda i: [person(0.0, dx=-150 + 10.0 * i)], 30, fps=30.0)
    raw_x = -150 + 10.0 * 29 + 380  # left shoulder's x in the last frame
    lag = raw_x - recs[-1].landmarks[L.LEFT_SHOULDER][0]
    assert 0 <= lag < 10


def test_drawn_landmarks_are_steadier_than_raw_at_rest() -> None:
    rng = np.random.default_rng(3)
    jitter = rng.normal(0, 1.5, 90)
    recs = records(lambda i: [person(0.0, dx=jitter[i])], 90, fps=30.0)
    xs = np.array([r.landmarks[L.LEFT_SHOULDER][0] for r in recs])
    assert np.std(xs[30:]) < 0.6 * np.std(jitter[30:])
