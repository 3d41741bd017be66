"""Live captures as measurements: combining per-frame analyses, choosing frames, and on real video."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED, photo

from posture.live.capture import FrameSelector, combine, combine_metric, sharpness
from posture.provenance import CaptureMethod, Method, Model, Source
from posture.result import Assumptions, Metric, PostureMeasurement

PROTOCOL_VIDEOS = SHARED / "photos" / "protocol" / "videos"


def analysis(
    shoulder: float,
    pelvis: float,
    unc: float = 0.3,
    sh_method: str = "silhouette",
    pv_method: str = "silhouette",
    warnings: Sequence[str] = (),
) -> PostureMeasurement:
    """A per-frame analysis with the given tilts (the other metrics not measured)."""
    from posture.measure import METRIC_NAMES, higher_side, metric_unit

    metrics = {n: Metric.missing(metric_unit(n), "not in this test") for n in METRIC_NAMES}
    metrics["shoulder_tilt_deg"] = Metric(
        shoulder, "deg", unc, higher_side=higher_side(shoulder), method=sh_method, landmark_value=shoulder / 2
    )
    metrics["pelvic_tilt_deg"] = Metric(
        pelvis,
        "deg",
        1.7 if pv_method == "landmarks" else unc,
        higher_side=higher_side(pelvis),
        method=pv_method,
        landmark_value=pelvis / 3,
    )
    return PostureMeasurement(
        "measured",
        "measured",
        Source(path=None, width=640, height=480),
        Model(name="m"),
        Assumptions(),
        None,
        metrics,
        tuple(warnings),
        Method(passes=12),
    )


def test_value_is_the_median_and_the_uncertainty_covers_the_spread() -> None:
    tilts = [1.0, 1.5, 2.0, 5.0, 1.2]
    m = combine([analysis(t, 0.0) for t in tilts]).metrics["shoulder_tilt_deg"]
    assert m.value == pytest.approx(1.5)
    spread = 1.4826 * float(np.median(np.abs(np.array(tilts) - 1.5)))
    assert m.uncertainty == pytest.approx(max(0.3, spread)) and m.uncertainty > 0.3
    # When the frames agree better than each frame's own uncertainty, that uncertainty stays.
    m = combine([analysis(2.0 + 0.01 * i, 0.0, unc=0.5) for i in range(5)]).metrics["shoulder_tilt_deg"]
    assert m.uncertainty == pytest.approx(0.5)
    assert m.higher_side == "left" and m.landmark_value == pytest.approx(np.median([1.0, 1.005, 1.01, 1.015, 1.02]))
    # The side is the combined value's, whichever frame comes first.
    for first in (-3.0, 0.2):
        m = combine([analysis(t, 0.0) for t in (first, 2.0, 2.5, 1.8, 2.2)]).metrics["shoulder_tilt_deg"]
        assert m.value == pytest.approx(2.0) and m.higher_side == "left"
    m = combine([analysis(t, 0.0) for t in (3.0, -2.0, -2.5, -1.8, 1.0)]).metrics["shoulder_tilt_deg"]
    assert m.value == pytest.approx(-1.8) and m.higher_side == "right"


@pytest.mark.parametrize(
    ("methods", "expected"),
    [
        (["silhouette"] * 3 + ["landmarks"] * 2, "silhouette"),
        (["landmarks"] * 3 + ["silhouette"] * 2, "landmarks"),
        (["landmarks"] * 2 + ["silhouette"] * 2, "silhouette"),  # a tie: the outline
    ],
)
def test_a_tilt_is_compared_like_with_like(methods: list[str], expected: str) -> None:
    reading = {"silhouette": 3.0, "landmarks": 1.0}
    frames = [analysis(0.5, reading[m] + 0.05 * i, pv_method=m) for i, m in enumerate(methods)]
    out = combine(frames, min_frames=2)
    pv = out.metrics["pelvic_tilt_deg"]
    used = [reading[m] + 0.05 * i for i, m in enumerate(methods) if m == expected]
    other = [reading[m] + 0.05 * i for i, m in enumerate(methods) if m != expected]
    assert pv.method == expected and pv.value == pytest.approx(float(np.median(used)))
    assert pv.uncertainty >= abs(float(np.median(other)) - pv.value) - 1e-9  # covers the other method's reading
    assert out.method.capture.frame_methods["pelvic_tilt_deg"] == {m: methods.count(m) for m in set(methods)}
    assert any("like with like" in w for w in out.warnings)


def test_frames_that_agree_on_the_method_give_no_note() -> None:
    m, note = combine_metric(
        "pelvic_tilt_deg", [analysis(0.5, 1.0 + 0.1 * i).metrics["pelvic_tilt_deg"] for i in range(4)], 3
    )
    assert note is None and m.method == "silhouette" and m.value == pytest.approx(1.15)
    assert not any("like with like" in w for w in combine([analysis(0.5, 1.0)] * 4).warnings)


def test_shoulders_vs_hips_is_missing_when_the_hips_are() -> None:
    frames = [analysis(2.0, 0.5) for _ in range(4)]
    for f in frames[1:]:
        f.metrics["pelvic_tilt_deg"] = Metric.missing("deg", "hips hidden")
    out = combine(frames)  # the pelvis measured in 1 frame of 4, fewer than 3
    assert out.metrics["shoulder_tilt_deg"].value == pytest.approx(2.0)
    assert out.metrics["pelvic_tilt_deg"].value is None
    d = out.metrics["shoulder_pelvis_tilt_deg"]
    assert d.value is None and "fewer than 3" in (d.reason or "")


def test_shoulders_vs_hips_is_the_difference_of_the_headlines() -> None:
    out = combine([analysis(2.0 + 0.1 * i, 0.5 - 0.1 * i) for i in range(5)])
    sh, pv, d = (out.metrics[n] for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"))
    assert d.value == pytest.approx(sh.value - pv.value)
    assert d.uncertainty == pytest.approx(float(np.hypot(sh.uncertainty, pv.uncertainty)))


def test_too_few_frames_is_not_a_measurement() -> None:
    m, _ = combine_metric("shoulder_tilt_deg", [analysis(1.0, 0.0).metrics["shoulder_tilt_deg"]] * 2, 3)
    assert m.value is None and "fewer than 3" in (m.reason or "")
    out = combine([analysis(1.0, 0.0)] * 2, min_frames=3)
    assert out.status == "not_measurable" and "nothing measured" in out.message


def test_the_capture_round_trips_as_a_photo_measurement() -> None:
    out = combine(
        [analysis(1.0 + 0.1 * i, 0.5, warnings=("w",)) for i in range(4)],
        notes=("the capture ended early",),
        capture=CaptureMethod(span_s=3.0),
    )
    assert PostureMeasurement.from_dict(out.to_dict()).to_dict() == out.to_dict()
    assert out.method.kind == "live capture" and out.method.capture.span_s == 3.0 and out.method.passes == 12
    assert out.warnings[0] == "the capture ended early" and "w" in out.warnings


@pytest.mark.parametrize("seconds", [0.5, 3.0, 60.0])
def test_selector_keeps_sharp_frames_spread_over_the_capture(seconds: float) -> None:
    sel = FrameSelector(t_start=0.0, slots=3)
    rng = np.random.default_rng(0)
    sharp = {}
    for i in range(int(seconds * 30)):
        t = i / 30
        sharp[t] = float(rng.uniform(0, 100))
        sel.offer(np.full((4, 4, 3), i % 256, np.uint8), t, problems=0, sharp=sharp[t])
        assert len(sel._best) <= 7  # memory stays bounded however long the capture
    kept = sel.frames()
    times = [t for t, _ in kept]
    assert len(kept) == 3 and times == sorted(times) and sel.offered == len(sharp)
    assert max(sharp, key=sharp.get) in times  # the sharpest frame of all is kept
    assert times[0] < seconds / 2 < times[-1]  # and they spread over the span
    assert all(rgb[0, 0, 0] == round(t * 30) % 256 for t, rgb in kept)


def test_selector_prefers_fewer_stance_problems_to_sharpness() -> None:
    sel = FrameSelector(0.0, 1)
    sel.offer(np.zeros((4, 4, 3), np.uint8), 0.01, problems=1, sharp=100.0)
    sel.offer(np.ones((4, 4, 3), np.uint8), 0.02, problems=0, sharp=1.0)
    assert [t for t, _ in sel.frames()] == [0.02]


def test_sharpness_prefers_the_sharp_frame() -> None:
    import cv2

    rgb = cv2.cvtColor(cv2.imread(str(photo("front_full__posenet_yoga.jpg"))), cv2.COLOR_BGR2RGB)
    blurred = cv2.GaussianBlur(rgb, (0, 0), 3)
    assert sharpness(rgb) > 3 * sharpness(blurred)
    h, w = rgb.shape[:2]
    assert sharpness(rgb, (w * 0.25, h * 0.1, w * 0.75, h * 0.9)) > 0
    # Only the box is judged: the photo sharp on its left half, blurred on its right.
    half = rgb.copy()
    half[:, w // 2 :] = blurred[:, w // 2 :]
    left, right = sharpness(half, (0, 0, w // 2 - 8, h)), sharpness(half, (w // 2 + 8, 0, w, h))
    assert left > 3 * right
    assert sharpness(half, (float("nan"), 0, w, h)) == sharpness(half)  # a box not known: the whole frame


# --- real video ---------------------------------------------------------------------------------


def _video(path: Path, start: int = 0, stop: int | None = None) -> tuple[list[np.ndarray], float]:
    import cv2

    if not path.is_file():
        pytest.skip(f"{path.name} not available (../shared/photos/protocol)")
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    i = 0
    while stop is None or i < stop:
        ok, f = cap.read()
        if not ok:
            break
        if i >= start:
            frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return frames, fps


def _session(config):
    from posture.live.app import LiveOptions, capture_analyzer
    from posture.live.capture import CaptureWorker
    from posture.live.session import LiveSession
    from posture.pose import PoseDetector

    detector = PoseDetector(num_poses=2, video=True).__enter__()
    worker = CaptureWorker(functools.partial(capture_analyzer, LiveOptions(), False), mode="process")  # as posture live
    return LiveSession(detector, config, worker), detector, worker


def _run(config, frames, fps, request_at=()):
    session, detector, worker = _session(config)
    recs = []
    try:
        for i, (_, rec) in enumerate(session.run(frames, fps=fps)):
            recs.append(rec)
            if i in request_at:
                assert session.request_capture()
        session.finish()
    finally:
        worker.close()
        detector.close()
    return session, recs


@pytest.mark.slow
def test_capture_on_the_still_video_agrees_with_analyze_on_its_frames(augmented_analyzer) -> None:
    from posture.live.session import LiveConfig

    frames, fps = _video(PROTOCOL_VIDEOS / "front_arms_down__infonioknight_g-m1-front.mp4", 75, 165)  # standing still
    s, _ = _run(LiveConfig(capture_seconds=2.0, capture_frames=4), frames, fps, request_at=(0,))
    (cap,) = s.captures
    assert cap.complete and len(cap.frame_times) == 4 and cap.measurement.status == "measured"
    photos = [augmented_analyzer.analyze(frames[round(t * fps)]) for t in cap.frame_times]
    for name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "trunk_lean_deg"):
        m = cap.metrics[name]
        per = [
            p.metrics[name] for p in photos if p.metrics[name].value is not None and p.metrics[name].method == m.method
        ]
        assert m.value == pytest.approx(float(np.median([p.value for p in per])), abs=1e-6), name
        assert all(abs(p.value - m.value) <= 2 * m.uncertainty for p in per), (name, m, [p.value for p in per])
        assert m.uncertainty >= np.median([p.uncertainty for p in per]) - 1e-9
    # Frames the capture did not use, from the same still stretch, agree within its uncertainty.
    other = augmented_analyzer.analyze(frames[5]).metrics["shoulder_tilt_deg"]
    assert abs(other.value - cap.metrics["shoulder_tilt_deg"].value) <= 2 * cap.metrics["shoulder_tilt_deg"].uncertainty


@pytest.mark.slow
def test_captures_follow_a_lean(tmp_path: Path) -> None:
    from _live_media import rotation_frames, write_video

    from posture.live.session import LiveConfig
    from posture.live.sources import open_source

    fps, step = 10.0, 3.0
    base, _ = rotation_frames(photo("front_full__posenet_yoga.jpg"), 3, step)  # 0, 3 and 6 degrees
    path = write_video(tmp_path / "lean.mp4", [f for f in base for _ in range(10)], fps)  # 3 degrees more each second
    with open_source(str(path), mirror=False) as source:
        s, _ = _run(LiveConfig(capture_seconds=0.8, capture_frames=3), source, source.fps, request_at=(0, 20))
    first, last = s.captures
    for name in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
        a, b = first.metrics[name], last.metrics[name]
        assert a.method == b.method, name
        # Counter-clockwise: the subject's left (image right) rises by 6 degrees.
        assert abs((b.value - a.value) - 2 * step) <= 1.96 * float(np.hypot(a.uncertainty, b.uncertainty)) + 0.5, (
            name,
            a,
            b,
        )


@pytest.mark.slow
def test_a_person_turning_away_is_asked_to_face_the_camera() -> None:
    from posture.live.capture import CaptureWorker
    from posture.live.session import LiveConfig, LiveSession
    from posture.pose import PoseDetector

    frames, fps = _video(PROTOCOL_VIDEOS / "turnaround_apose__animnerf_iper_023_1_1_input_transcoded.mp4")
    never = CaptureWorker(lambda: pytest.fail("no capture should start"), mode="inline")  # type: ignore[arg-type,return-value]
    with PoseDetector(num_poses=2, video=True) as det:
        s = LiveSession(det, LiveConfig(auto_capture=True), never)
        recs = [r for _, r in s.run(frames, fps=fps)]
        s.finish()
    said = {r.guidance for r in recs}
    assert {"face the camera", "turn around to face the camera"} <= said
    for r in recs:
        if r.view == "side":
            assert r.guidance == "face the camera" and not r.usable
    assert not s.captures and "most often: face the camera" in s.capture_failures[0]
