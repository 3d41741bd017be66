"""Repeatability of the full analysis on a person standing still, and what a live capture costs.

Runs ``posture analyze``'s analysis (:class:`posture.analyze.Analyzer`, default
settings) on every ``--step``-th frame of
../shared/photos/protocol/videos/front_arms_down__infonioknight_g-m1-front.mp4
(one person standing still, facing the camera, about 12 s) and writes
benchmarks/results/still_video.json:

* ``frames``: per analysed frame, each metric's value, uncertainty, method
  and landmark-only value;
* ``metrics``: per metric the frame-to-frame standard deviation (SD), the
  median reported uncertainty, whether that uncertainty covers the SD, the
  methods used and, for the shoulder and pelvic tilts, how far a reading
  moves when the method changes (median reading per method);
* ``mdc95``: SEM = the SD over the frames, MDC95 = 1.96 x sqrt(2) x SEM;
* ``capture``: a live capture (:mod:`posture.live.capture`) on the video's
  first seconds, its result against the per-frame analyses, and how long it
  took to compute;
* ``live_speed``: the live loop's frame rate while a capture is analysed in
  the background, against the same loop without one (``--rounds`` each,
  alternating; median ratio);
* ``fast`` (``--fast``): ``metrics`` and ``mdc95`` again for a single pass (``posture analyze
  --fast``) over the same still frames, the other sections left as they are: a basis of
  :data:`posture.noise.MDC95_SINGLE_PASS`.

Usage: python benchmarks/still_video.py [--step 3] [--rounds 2] [--skip-frames] [--skip-live] [--fast]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture.measure import METRIC_NAMES  # noqa: E402

VIDEO = ROOT.parent / "shared" / "photos" / "protocol" / "videos" / "front_arms_down__infonioknight_g-m1-front.mp4"
OUT = ROOT / "benchmarks" / "results" / "still_video.json"
TILTS = ("shoulder_tilt_deg", "pelvic_tilt_deg")


def read_frames(path: Path, step: int) -> tuple[list[np.ndarray], float]:
    """Every ``step``-th frame as RGB, and the video's frame rate."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames, i = [], 0
    while True:
        ok, f = cap.read()
        if not ok:
            break
        if i % step == 0:
            frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return frames, fps


def analyse_frames(frames: list[np.ndarray], fps: float, step: int, fast: bool = False) -> list[dict[str, Any]]:
    """``posture analyze`` (``--fast`` with ``fast``) on each frame: the JSON metrics plus the frame's time."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    out = []
    with Analyzer(Settings(fast=fast)) as a:
        for k, rgb in enumerate(frames):
            t0 = time.perf_counter()
            m = a.analyze(rgb)
            out.append(
                {
                    "frame": k * step,
                    "t_s": round(k * step / fps, 3),
                    "status": m.status,
                    "view": m.subject.view if m.subject else None,
                    "seconds": round(time.perf_counter() - t0, 3),
                    "metrics": {n: _compact(m.metrics[n].to_dict()) for n in METRIC_NAMES},
                    "pelvis_reason": None if m.refinement is None else m.refinement.pelvis.reason,
                    "body": _body(m),
                }
            )
            print(f"frame {k * step}: {m.metrics['pelvic_tilt_deg'].to_dict()}", flush=True)
    return out


def _compact(metric: dict[str, Any]) -> dict[str, Any]:
    """What the summary reads of a metric: value, uncertainty, method, landmark-only value."""
    return {k: metric.get(k) for k in ("value", "uncertainty", "method", "landmark_value")}


def _dump(result: dict[str, Any]) -> str:
    """The results as indented JSON, one line per analysed frame."""
    rest = json.dumps({k: v for k, v in result.items() if k != "frames"}, indent=1)
    frames = ",\n".join("  " + json.dumps(f, separators=(",", ":")) for f in result["frames"])
    return rest[:-2] + ',\n "frames": [\n' + frames + "\n ]\n}\n"


def _body(m: Any) -> dict[str, float] | None:
    """The shoulders' and hips' centre and the shoulder width (pixels) of an analysis, to find still frames."""
    if m.landmarks is None:
        return None
    from posture.landmarks import Landmarks
    from posture.landmarks import PoseLandmark as L

    lm = Landmarks.from_points(m.landmarks)
    core = lm.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]]
    c = core.mean(axis=0)
    return {
        "x": round(float(c[0]), 1),
        "y": round(float(c[1]), 1),
        "shoulder_px": round(float(np.linalg.norm(core[0] - core[1])), 1),
    }


def still_run(frames: list[dict[str, Any]]) -> tuple[int, int]:
    """The longest of :func:`still_runs` (``(0, 0)`` when there is none)."""
    return max(still_runs(frames), key=lambda r: r[1] - r[0], default=(0, 0))


def still_runs(frames: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """The runs of analysed frames (indices into ``frames``, end exclusive) in which the
    shoulders' and hips' centre moves slower than the live guide's ``STILL_SPEED``."""
    from posture.live.guide import STILL_SPEED

    runs, start = [], None
    for i in range(1, len(frames) + 1):
        a, b = frames[i - 1]["body"], frames[i]["body"] if i < len(frames) else None
        still = (
            a is not None
            and b is not None
            and (
                math.hypot(b["x"] - a["x"], b["y"] - a["y"])
                / b["shoulder_px"]
                / (frames[i]["t_s"] - frames[i - 1]["t_s"])
                <= STILL_SPEED
            )
        )
        if still and start is None:
            start = i - 1
        if not still and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _reading(f: dict[str, Any], name: str) -> dict[str, Any] | None:
    m = f["metrics"][name]
    return m if m["value"] is not None else None


def _median_known(values: list[float | None]) -> float | None:
    """The median of the values that are known (None when none is: a single pass has no uncertainty)."""
    known = [v for v in values if v is not None]
    return round(float(np.median(known)), 2) if known else None


def summarise(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric over ``frames``: SD, median uncertainty and coverage, methods, and what a method
    switch between consecutive frames does to the reading."""
    out: dict[str, Any] = {}
    for name in METRIC_NAMES:
        got = [m for f in frames if (m := _reading(f, name)) is not None]
        if len(got) < 2:
            out[name] = {"n": len(got)}
            continue
        values = np.array([m["value"] for m in got])
        sd = float(np.std(values, ddof=1))
        med_unc = _median_known([m["uncertainty"] for m in got])
        row: dict[str, Any] = {
            "n": len(got),
            "median": round(float(np.median(values)), 2),
            "sd": round(sd, 2),
            "median_uncertainty": med_unc,
            "uncertainty_covers_sd": None if med_unc is None else bool(med_unc >= sd),
        }
        methods = [m.get("method") for m in got]
        if any(methods):
            row["methods"] = {k: methods.count(k) for k in sorted({x for x in methods if x})}
            for k in row["methods"]:
                sub = [m for m in got if m.get("method") == k]
                row[k] = {
                    "median": round(float(np.median([m["value"] for m in sub])), 2),
                    "sd": round(float(np.std([m["value"] for m in sub], ddof=1)), 2) if len(sub) > 1 else None,
                    "median_uncertainty": _median_known([m["uncertainty"] for m in sub]),
                }
            pairs = [
                (a, b)
                for f, g in zip(frames, frames[1:], strict=False)
                if (a := _reading(f, name)) and (b := _reading(g, name))
            ]
            switch = [(a, b) for a, b in pairs if a.get("method") != b.get("method")]
            same = [abs(b["value"] - a["value"]) for a, b in pairs if a.get("method") == b.get("method")]
            row["method_switches"] = len(switch)
            if switch:
                jumps = [abs(b["value"] - a["value"]) for a, b in switch]
                row["median_jump_at_switch"] = round(float(np.median(jumps)), 2)
                row["median_jump_without_switch"] = round(float(np.median(same)), 2) if same else None
                row["switches_covered"] = sum(
                    j <= max(a["uncertainty"], b["uncertainty"]) for j, (a, b) in zip(jumps, switch, strict=True)
                )
        out[name] = row
    return out


def mdc(summary: dict[str, Any]) -> dict[str, Any]:
    """SEM = the SD over the still frames; MDC95 = 1.96 sqrt(2) SEM."""
    return {
        n: {"sem": s["sd"], "mdc95": round(1.96 * math.sqrt(2) * s["sd"], 1), "frames": s["n"], "people": 1}
        for n, s in summary.items()
        if "sd" in s
    }


def single_pass(result: dict[str, Any]) -> dict[str, Any]:
    """``metrics`` and ``mdc95`` of a single pass over the still frames of ``result`` (its ``still`` and ``step``)."""
    frames, fps = read_frames(VIDEO, result["step"])
    analysed = analyse_frames(frames, fps, result["step"], fast=True)
    still = [f for f in analysed if result["still"]["first_frame"] <= f["frame"] <= result["still"]["last_frame"]]
    metrics = summarise(still)
    return {"analysed": len(still), "metrics": metrics, "mdc95": mdc(metrics)}


def _frames_of(path: Path, start_s: float, stop_s: float | None = None, loop: bool = False) -> Any:
    """RGB frames of a video from ``start_s`` to ``stop_s`` seconds, again and again with ``loop``."""
    import cv2

    while True:
        cap = cv2.VideoCapture(str(path))
        cap.set(cv2.CAP_PROP_POS_MSEC, start_s * 1000)
        while True:
            ok, f = cap.read()
            if not ok or (stop_s is not None and cap.get(cv2.CAP_PROP_POS_MSEC) > stop_s * 1000):
                break
            yield cv2.cvtColor(f, cv2.COLOR_BGR2RGB)
        cap.release()
        if not loop:
            return


def _session(worker: Any) -> tuple[Any, Any]:
    from posture.live.session import LiveConfig, LiveSession
    from posture.pose import PoseDetector

    det = PoseDetector(num_poses=2, video=True).__enter__()
    return LiveSession(det, LiveConfig(alerts=()), worker), det


def _worker() -> Any:
    """The capture worker ``posture live`` uses on a video file."""
    import functools

    from posture.live.app import LiveOptions, capture_analyzer
    from posture.live.capture import CaptureWorker

    return CaptureWorker(functools.partial(capture_analyzer, LiveOptions(), False), mode="process")


def capture(still: tuple[float, float], reference: dict[str, Any]) -> dict[str, Any]:
    """A 3 s capture (space key at the still stretch's start) against the per-frame analyses."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    with Analyzer(Settings()) as a:  # one photo analysis in the same run, for scale
        rgb = next(_frames_of(VIDEO, still[0]))
        t0 = time.perf_counter()
        a.analyze(rgb)
        one = time.perf_counter() - t0
    worker = _worker()
    session, det = _session(worker)
    session.request_capture(3.0)
    for _ in session.run(_frames_of(VIDEO, still[0], still[0] + 3.5), fps=30.0):
        pass
    (cap,) = session.finish()
    worker.close()
    det.close()
    out: dict[str, Any] = {
        "frames_analysed": len(cap.frame_times),
        "compute_s": round(cap.compute_s, 2),
        "one_photo_analysis_s": round(one, 2),
        "compute_over_one_photo": round(cap.compute_s / one, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "metrics": {},
    }
    for name, m in cap.metrics.items():
        ref = reference.get(name, {})
        if m.value is None or "median" not in ref:
            continue
        out["metrics"][name] = {
            "value": round(m.value, 2),
            "uncertainty": round(m.uncertainty or math.nan, 2),
            "method": m.method,
            "still_frames_median": ref["median"],
            "within_uncertainty": bool(abs(m.value - ref["median"]) <= (m.uncertainty or 0.0)),
        }
    return out


def live_speed(still: tuple[float, float], rounds: int) -> dict[str, Any]:
    """The preview's frame rate (detection, measuring, overlay drawing) while a capture is analysed in
    the background, against the same frames without one; alternating rounds, median ratio."""
    from posture.live.overlay import draw_live

    rows = []
    for _ in range(rounds):
        rates = {}
        for mode in ("without", "with"):
            worker = _worker()
            session, det = _session(worker)
            if mode == "with":
                session.request_capture(0.5)
            t_first, n, job_done = None, 0, None
            for rgb, rec in session.run(_frames_of(VIDEO, still[0], loop=True), fps=None):
                draw_live(rgb, rec, mirrored=False)
                if rec.t < 1.0:  # the capture collects its frames and the analysis starts
                    continue
                t_first = t_first or time.perf_counter()
                n += 1
                if mode == "with" and rec.captured is not None:
                    job_done = n
                if (mode == "with" and job_done) or (mode == "without" and n >= rows_n(rows, rates)):
                    break
            rates[mode] = n / (time.perf_counter() - (t_first or time.perf_counter()))
            if mode == "with":
                rates["capture_s"] = session.captures[0].compute_s
                rates["frames"] = n
            session.finish()
            worker.close()
            det.close()
        rows.append(rates)
    ratio = statistics.median(r["with"] / r["without"] for r in rows)
    return {
        "load_average_1min": round(os.getloadavg()[0], 1),
        "rounds": [{k: round(v, 2) for k, v in r.items()} for r in rows],
        "fps_without_capture_median": round(statistics.median(r["without"] for r in rows), 1),
        "fps_during_capture_analysis_median": round(statistics.median(r["with"] for r in rows), 1),
        "ratio_median": round(ratio, 2),
        "capture_compute_s_median": round(statistics.median(r["capture_s"] for r in rows), 1),
    }


def rows_n(rows: list[dict[str, float]], rates: dict[str, float]) -> int:
    """Frames for a round without a capture: as many as the last round's capture analysis took (150 at first)."""
    return int(rows[-1]["frames"]) if rows else 150


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--step", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-frames", action="store_true", help="reuse the per-frame analyses in the JSON")
    p.add_argument("--skip-live", action="store_true", help="reuse the capture and speed sections in the JSON")
    p.add_argument("--fast", action="store_true", help="only the single-pass section, on the JSON's still frames")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    if not VIDEO.is_file():
        sys.exit(f"{VIDEO} not found")
    result: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if args.fast:
        if "still" not in result:
            sys.exit(f"{args.out} has no still frames: run without --fast first")
        result["fast"] = single_pass(result)
        args.out.write_text(_dump(result))
        for n, row in result["fast"]["mdc95"].items():
            print(n, row)
        return
    if not args.skip_frames:
        frames, fps = read_frames(VIDEO, args.step)
        result = {"video": VIDEO.name, "step": args.step, "frames": analyse_frames(frames, fps, args.step)}
        result["seconds_per_frame_median"] = round(statistics.median(f["seconds"] for f in result["frames"]), 2)
    i, j = still_run(result["frames"])
    still = result["frames"][i:j]
    result["still"] = {
        "first_frame": still[0]["frame"],
        "last_frame": still[-1]["frame"],
        "analysed": len(still),
        "seconds": round(still[-1]["t_s"] - still[0]["t_s"], 2),
    }
    result["metrics"] = summarise(still)
    result["mdc95"] = mdc(result["metrics"])
    span = (still[0]["t_s"], still[-1]["t_s"])
    if not args.skip_live:
        result["capture"] = capture(span, result["metrics"])
        result["live_speed"] = live_speed(span, args.rounds)
    result["frames"] = [{**f, "metrics": {n: _compact(x) for n, x in f["metrics"].items()}} for f in result["frames"]]
    args.out.write_text(_dump(result))
    print("still:", result["still"])
    for n, row in result["metrics"].items():
        print(n, {k: v for k, v in row.items() if k != "n"})
    print("capture:", result.get("capture"))
    print("live speed:", result.get("live_speed"))


if __name__ == "__main__":
    main()
