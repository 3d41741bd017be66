"""The live loop with a fake detector: metrics, mirroring, guidance, captures, alerts, the log row."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from _live_fakes import FRAME, FakeAnalyzer, FakeDetector, as_seen_in_mirror, numbered_frames, person

from posture import wording
from posture.landmarks import Landmarks, PoseLandmark
from posture.live.capture import CaptureWorker
from posture.live.session import (
    CSV_COLUMNS,
    AlertRule,
    LiveConfig,
    LiveSession,
    metric_name,
)
from posture.measure import METRIC_NAMES, MeasureOptions

L = PoseLandmark


def records(
    people: Callable[[int], list[Landmarks]],
    n: int,
    fps: float = 10.0,
    config: LiveConfig = LiveConfig(),
    session: list | None = None,
):
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
    config = LiveConfig(MeasureOptions(mirrored=True))
    mirrored = records(lambda i: [as_seen_in_mirror(person(2.0))], 1, config=config)[0]
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


def capture_run(
    people: Callable[[int], list[Landmarks]],
    n: int,
    config: LiveConfig,
    *,
    background: bool = False,
    request_at: int | None = None,
    **fake: object,
) -> tuple[LiveSession, list, FakeAnalyzer]:
    """A session with a capture worker over :func:`numbered_frames`; finished (analyses awaited)."""
    analyzer = FakeAnalyzer(people, **fake)  # type: ignore[arg-type]
    worker = CaptureWorker(lambda: analyzer, mode="thread" if background else "inline")
    s = LiveSession(FakeDetector(people), config, worker)
    recs = []
    for i, (_, rec) in enumerate(s.run(numbered_frames(n), fps=10.0)):
        recs.append(rec)
        if i == request_at:
            assert s.request_capture() and not s.request_capture()  # one at a time
    s.finish()
    worker.close()
    assert analyzer.closed or not analyzer.seen
    return s, recs, analyzer


def hands_on_hips(p: Landmarks) -> Landmarks:
    """The same person with both hands on the hips (the arms hide the hip outlines)."""
    xy = p.xy.copy()
    for side in ("LEFT", "RIGHT"):
        for part in ("WRIST", "PINKY", "INDEX", "THUMB"):
            xy[L[f"{side}_{part}"]] = p.xy[L[f"{side}_HIP"]]
    return Landmarks(xy=xy, visibility=p.visibility, presence=p.presence, width=p.width, height=p.height)


def left_knee_bent(p: Landmarks) -> Landmarks:
    """The same person with the left knee bent a right angle outwards (the foot lifted)."""
    xy = p.xy.copy()
    knee = p.xy[L.LEFT_KNEE]
    xy[L.LEFT_ANKLE] = knee + (knee - p.xy[L.RIGHT_KNEE]) / np.linalg.norm(knee - p.xy[L.RIGHT_KNEE]) * 70
    return Landmarks(xy=xy, visibility=p.visibility, presence=p.presence, width=p.width, height=p.height)


def test_auto_capture_waits_for_the_stance_to_hold_then_measures_its_best_frames() -> None:
    # Frames 0-9 the arms hang against the hips; from frame 10 the stance is measurable.
    tilts = np.random.default_rng(2).normal(-2.1, 0.3, 80)

    def people(i: int) -> list[Landmarks]:
        p = person(float(tilts[i]))
        return [hands_on_hips(p) if i < 10 else p]

    config = LiveConfig(capture_seconds=3.0, auto_capture=True, capture_frames=6)
    s, recs, analyzer = capture_run(people, 80, config, background=True)
    assert recs[0].guidance == "hold your arms slightly away from your hips" and recs[0].capture.phase == "waiting"
    starts = [r.index for r in recs if r.capture is not None and r.capture.phase == "collecting"]
    assert starts[0] == 20  # the stance held from frame 10 (t = 1.0 s) for 1 s
    assert len(s.captures) == 1
    cap = s.captures[0]
    assert len(analyzer.seen) == 6 and all(20 <= i < 50 for i in analyzer.seen)
    m = cap.metrics["shoulder_tilt_deg"]
    chosen = tilts[analyzer.seen]
    assert m.value == pytest.approx(float(np.median(chosen)), abs=1e-6)
    assert m.uncertainty >= max(0.3, 1.4826 * float(np.median(np.abs(chosen - np.median(chosen))))) - 1e-9
    assert m.method == "silhouette" and cap.complete and cap.measurement.status == "measured"
    assert cap.measurement.method.kind == "live capture" and cap.measurement.method.capture.frames_analysed == 6
    assert any(
        line.startswith("Shoulders: Right shoulder higher by") and "shoulder outlines" in line for line in cap.lines()
    )


def test_capture_keeps_only_measurable_frames() -> None:
    def people(i: int) -> list[Landmarks]:
        return [person(1.0)] if i % 3 == 0 else [person(9.0), person(0.0, dx=3)]  # 2 of 3 frames: two people

    s, recs, analyzer = capture_run(people, 30, LiveConfig(capture_seconds=2.0, capture_frames=4), request_at=0)
    cap = s.captures[0]
    assert cap.frames == 20 and cap.usable_frames == 6  # t = 0.1 .. 2.0: usable at frames 3, 6, ..., 18
    assert all(i % 3 == 0 for i in analyzer.seen) and len(analyzer.seen) == 4
    assert cap.metrics["shoulder_tilt_deg"].value == pytest.approx(1.0, abs=1e-6)
    assert not any(r.alerts[0].active for r in recs)


def test_capture_with_too_few_measurable_frames_says_so() -> None:
    def people(i: int) -> list[Landmarks]:
        return [person(1.0)] if i == 3 else [person(9.0), person(0.0, dx=3)]

    s, recs, analyzer = capture_run(people, 30, LiveConfig(capture_seconds=2.0), request_at=0)
    cap = s.captures[0]
    assert not analyzer.seen and cap.measurement.status == "not_measurable"
    assert not any(r.capture is not None and r.capture.phase == "analysing" for r in recs)  # was "frame 0 of 0"
    assert "only 1 measurable frame in the capture, 3 needed" in cap.lines()[1]
    # nothing was analysed, and the headline does not say the frame was
    assert cap.frame_times == () and ": 0 of 1 measurable frames (" in cap.headline()


def test_capture_compares_methods_like_with_like() -> None:
    tilts = [2.0 + 0.1 * (i % 3) for i in range(40)]
    s, _, analyzer = capture_run(
        lambda i: [person(tilts[i])],
        40,
        LiveConfig(capture_seconds=3.0, capture_frames=6),
        request_at=0,
        method=lambda i: "landmarks" if i < 12 else "silhouette",
    )
    m = s.captures[0].metrics["pelvic_tilt_deg"]
    used = [i for i in analyzer.seen if i >= 12]
    assert m.method == "silhouette" and m.value == pytest.approx(float(np.median([tilts[i] for i in used])))
    assert any("from the joint landmarks" in w and "like with like" in w for w in s.captures[0].measurement.warnings)


def test_auto_capture_gives_up_and_says_why() -> None:
    two = [person(1.0), person(0.0, dx=3)]
    s, recs, analyzer = capture_run(lambda i: two, 60, LiveConfig(auto_capture=True, stance_timeout_s=4.0))
    assert not s.captures and not analyzer.seen
    assert s.capture_failures == [
        "Capture not started: no steady, measurable stance within 4 s; most often: only one person, please (100% of the frames)."
    ]
    assert any(s.capture_failures[0] in r.events for r in recs)


@pytest.mark.parametrize(
    ("pose", "said"),
    [(hands_on_hips, "hold your arms slightly away from your hips"), (left_knee_bent, "stand evenly on both feet")],
)
@pytest.mark.parametrize("guided", [True, False])
def test_a_recording_is_captured_as_it_stands_a_person_before_the_camera_is_guided(
    guided: bool, pose: Callable[[Landmarks], Landmarks], said: str
) -> None:
    # The arms hide the hips (or one knee is bent) throughout; frames 0-14 show two people, then one.
    def people(i: int) -> list[Landmarks]:
        one = pose(person(1.0))
        return [one, person(0.0, dx=3)] if i < 15 else [one]

    config = LiveConfig(auto_capture=True, stance_timeout_s=5.0, capture_seconds=1.0, capture_frames=3, guided=guided)
    s, recs, analyzer = capture_run(people, 60, config)
    if guided:  # a person can move the arms or stand evenly: the capture waits for that, then gives up and says why
        assert not s.captures and not analyzer.seen
        assert said in s.capture_failures[0]
    else:  # a recording cannot: it is captured once one still person can be measured, for 1 s
        assert not s.capture_failures and len(s.captures) == 1
        assert [r.index for r in recs if r.capture is not None and r.capture.phase == "collecting"][0] == 25
        assert analyzer.seen and min(analyzer.seen) >= 25


def test_space_key_capture_and_partial_capture_at_stream_end() -> None:
    s, recs, analyzer = capture_run(lambda i: [person(1.5)], 20, LiveConfig(capture_seconds=10.0), request_at=0)
    assert recs[1].capture is not None and recs[-1].capture is not None
    cap = s.captures[0]
    assert not cap.complete and cap.frames == 19
    assert "(ended early)" in cap.lines()[0] and "Warning: the capture ended early" in cap.lines()
    assert s.finish() == []


def test_no_capture_without_a_worker() -> None:
    s = LiveSession(FakeDetector(lambda i: [person(1.5)]), LiveConfig(auto_capture=True))
    assert not s.request_capture()
    assert all(r.capture is None for _, r in s.run([FRAME] * 5, fps=10.0))


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
    # A frame's reading is written to 0.1, as a photo's: one landmark pass is not more precise.
    assert all(len(row[c].split(".")[1]) == 1 for c in row if c.endswith("_deg") and row[c])


def test_session_keeps_no_per_frame_history() -> None:
    s = LiveSession(FakeDetector(lambda i: [person(1.0)]))
    before = {k: len(v) for k, v in vars(s).items() if isinstance(v, list)}
    for _ in s.run([FRAME] * 300, fps=30.0):
        pass
    after = {k: len(v) for k, v in vars(s).items() if isinstance(v, list)}
    assert before == after


@pytest.mark.parametrize(
    "text, metric, limit, seconds",
    [
        ("shoulder:3:5", "shoulder_tilt_deg", 3, 5),
        ("hip:2", "pelvic_tilt_deg", 2, 5),
        ("trunk_lean_deg:4:0", "trunk_lean_deg", 4, 0),
    ],
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


def test_finish_waits_for_the_analysis_and_says_how_far_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from posture.live import session as session_module

    monkeypatch.setattr(session_module, "PROGRESS_EVERY_S", 0.01)
    analyzer = FakeAnalyzer(lambda i: [person(1.5)])
    slow = analyzer.analyze
    analyzer.analyze = lambda rgb: (time.sleep(0.05), slow(rgb))[1]  # type: ignore[method-assign]
    worker = CaptureWorker(lambda: analyzer)
    s = LiveSession(FakeDetector(lambda i: [person(1.5)]), LiveConfig(capture_seconds=1.0, capture_frames=4), worker)
    s.request_capture()
    for _ in s.run(numbered_frames(12), fps=10.0):
        pass
    said: list[str] = []
    (cap,) = s.finish(said.append)
    worker.close()
    assert said[0] == "Computing the capture at 0.0 s: 4 frames analysed as photos..."
    progress = [line for line in said if line.endswith("frames analysed")]
    assert (
        progress
        and progress == sorted(progress)
        and all(line.strip().endswith("of 4 frames analysed") for line in progress)
    )
    assert said[len(progress) + 1 :] == cap.lines() and cap.metrics["shoulder_tilt_deg"].value == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("out", "start"),
    [
        (range(3, 5), 10),  # feet out of view for 0.2 s: forgiven, the stance held from frame 0
        (range(3, 9), 19),  # for 0.6 s: the clock restarts when they are back (frame 9)
    ],
)
def test_a_brief_glitch_does_not_restart_the_stance_clock_but_a_lasting_one_does(out: range, start: int) -> None:
    def people(i: int) -> list[Landmarks]:
        p = person(1.0)
        if i in out:
            xy = p.xy.copy()
            xy[[L.LEFT_ANKLE, L.RIGHT_ANKLE]] += [0.0, 100.0]
            p = Landmarks(xy=xy, visibility=p.visibility, presence=p.presence, width=p.width, height=p.height)
        return [p]

    s, recs, _ = capture_run(people, 40, LiveConfig(auto_capture=True, capture_seconds=1.0, capture_frames=3))
    assert next(r.index for r in recs if r.capture is not None and r.capture.phase == "collecting") == start
    assert len(s.captures) == 1 and s.captures[0].measurement.status == "measured"


def test_capture_progress_says_each_phase() -> None:
    from posture.live.session import CaptureProgress

    assert CaptureProgress("waiting", 0.0, 1.0, 0.4).text() == "Capture: waiting for a steady stance (0.4 / 1 s held)"
    assert (
        CaptureProgress("collecting", 2.0, 3.0, 1.25, usable_frames=30).text()
        == "Capturing 1.2 / 3 s (30 measurable frames)"
    )
    assert (
        CaptureProgress("analysing", 2.0, 3.0, 4.0, 30, done=2, total=6).text()
        == "Capture: analysing frame 3 of 6 as photos"
    )
    assert (
        CaptureProgress("analysing", 2.0, 3.0, 4.0, 30, done=6, total=6).text()
        == "Capture: analysing frame 6 of 6 as photos"
    )


def test_capture_lines_are_its_headline_metrics_and_warnings() -> None:
    s, _, _ = capture_run(lambda i: [person(2.0)], 30, LiveConfig(capture_seconds=2.0, capture_frames=4), request_at=0)
    cap = s.captures[0]
    m = cap.measurement
    assert cap.metric_lines(["shoulder_tilt_deg"]) == [
        wording.describe("shoulder_tilt_deg", m.metrics["shoulder_tilt_deg"])
    ]
    assert cap.lines() == [cap.headline()] + cap.metric_lines() + [f"Warning: {w}" for w in m.warnings]
    assert cap.headline().startswith("Capture at 0.1-2.0 s: 4 of 20 measurable frames (20 seen) analysed as photos")


@pytest.mark.parametrize(("tilt", "side"), [(4.0, "Left"), (-4.0, "Right")])
def test_an_alert_is_raised_whichever_side_is_higher(tilt: float, side: str) -> None:
    rule = AlertRule("shoulder_tilt_deg", 3.0, 2.0)
    recs = records(lambda i: [person(tilt)], 30, fps=10.0, config=LiveConfig(alerts=(rule,)))
    raised = [e for r in recs for e in r.events if e.startswith("ALERT")]
    assert raised == [f"ALERT at 2.0 s: Shoulders above 3° for 2 s (Shoulders: {side} shoulder higher by 4°)"]


def test_a_gap_in_the_frames_longer_than_the_grace_restarts_the_alert_clock() -> None:
    # No frame at all for 3 s (the camera stalled): the metric was not seen above the limit then.
    rule = AlertRule("shoulder_tilt_deg", 3.0, 2.0)
    s = LiveSession(FakeDetector(lambda i: [person(4.0)]), LiveConfig(alerts=(rule,), alert_grace_s=0.5))
    times = [0.1 * i for i in range(15)] + [4.5 + 0.1 * i for i in range(30)]
    active = {round(t, 1): s.process(FRAME, t).alerts[0].active for t in times}
    assert not active[1.4] and not active[4.5] and not active[6.4] and active[6.5]


def test_a_person_far_from_the_last_one_is_not_smoothed_into_them() -> None:
    # Another person (or the same one found anew) a third of the frame away: the landmarks jump there at once.
    recs = records(lambda i: [person(2.0, dx=0.0 if i < 10 else 250.0)], 12, fps=10.0)
    raw = person(2.0, dx=250.0).xy
    assert recs[10].landmarks is not None
    np.testing.assert_allclose(recs[10].landmarks.xy, raw, atol=1e-6)
