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
  alternating; median ratio).

Usage: python benchmarks/still_video.py [--step 3] [--rounds 2] [--skip-frames]
"""

from __future__ import annotations

import argparse
import json
import math
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


def analyse_frames(frames: list[np.ndarray], fps: float, step: int) -> list[dict[str, Any]]:
    """``posture analyze`` on each frame: the JSON metrics plus the frame's time."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    out = []
    with Analyzer(Settings()) as a:
        for k, rgb in enumerate(frames):
            t0 = time.perf_counter()
            m = a.analyze(rgb)
            out.append(
                {
                    "frame": k * step,
                    "t_s": round(k * step / fps, 3),
                    "status": m.status,
                    "seconds": round(time.perf_counter() - t0, 3),
                    "metrics": {n: m.metrics[n].to_dict() for n in METRIC_NAMES},
                    "pelvis_reason": (m.refinement or {}).get("pelvis", {}).get("reason"),
                    "body": _body(m),
                }
            )
            print(f"frame {k * step}: {m.metrics['pelvic_tilt_deg'].to_dict()}", flush=True)
    return out


def _body(m: Any) -> dict[str, float] | None:
    """The shoulders' and hips' centre and the shoulder width (pixels) of an analysis, to find still frames."""
    if m.landmarks is None:
        return None
    from posture.landmarks import Landmarks, PoseLandmark as L

    lm = Landmarks.from_dict(m.landmarks)
    core = lm.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]]
    c = core.mean(axis=0)
    return {"x": round(float(c[0]), 1), "y": round(float(c[1]), 1), "shoulder_px": round(float(np.linalg.norm(core[0] - core[1])), 1)}


def _exact(frames: list[dict[str, Any]], name: str, key: str) -> list[Any]:
    return [f["metrics"][name].get(key) for f in frames if f["metrics"][name]["value"] is not None]


def summarise(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """Per metric: SD over frames, median uncertainty, coverage, methods, method switches."""
    out: dict[str, Any] = {}
    for name in METRIC_NAMES:
        values = np.array(_exact(frames, name, "value"), dtype=float)
        if len(values) < 2:
            out[name] = {"n": int(len(values))}
            continue
        unc = np.array([u for u in _exact(frames, name, "uncertainty") if u is not None], dtype=float)
        sd = float(np.std(values, ddof=1))
        med_unc = float(np.median(unc)) if len(unc) else math.nan
        row: dict[str, Any] = {
            "n": int(len(values)),
            "median": round(float(np.median(values)), 2),
            "sd": round(sd, 2),
            "median_uncertainty": round(med_unc, 2),
            "uncertainty_covers_sd": bool(med_unc >= sd),
        }
        methods = _exact(frames, name, "method")
        if any(methods):
            row["methods"] = {m: methods.count(m) for m in sorted(set(methods))}
            by = {m: values[[x == m for x in methods]] for m in row["methods"]}
            row["median_by_method"] = {m: round(float(np.median(v)), 2) for m, v in by.items()}
            row["sd_by_method"] = {m: round(float(np.std(v, ddof=1)), 2) if len(v) > 1 else None for m, v in by.items()}
            unc_by = {m: [u for u, x in zip(_exact(frames, name, "uncertainty"), methods) if x == m] for m in by}
            row["median_uncertainty_by_method"] = {m: round(float(np.median(u)), 2) for m, u in unc_by.items() if u}
            switches = [
                (a["frame"], b["frame"], b["metrics"][name]["value"] - a["metrics"][name]["value"])
                for a, b in zip(frames, frames[1:])
                if a["metrics"][name].get("method") != b["metrics"][name].get("method")
                and a["metrics"][name]["value"] is not None
                and b["metrics"][name]["value"] is not None
            ]
            row["method_switches"] = len(switches)
            if switches:
                row["median_jump_at_switch"] = round(float(np.median(np.abs([s[2] for s in switches]))), 2)
                row["median_jump_without_switch"] = round(
                    float(
                        np.median(
                            [
                                abs(b["metrics"][name]["value"] - a["metrics"][name]["value"])
                                for a, b in zip(frames, frames[1:])
                                if a["metrics"][name].get("method") == b["metrics"][name].get("method")
                                and a["metrics"][name]["value"] is not None
                                and b["metrics"][name]["value"] is not None
                            ]
                        )
                    ),
                    2,
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--step", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--skip-frames", action="store_true", help="reuse the per-frame analyses in the JSON")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    if not VIDEO.is_file():
        sys.exit(f"{VIDEO} not found")
    result: dict[str, Any] = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if not args.skip_frames:
        frames, fps = read_frames(VIDEO, args.step)
        result = {"video": VIDEO.name, "step": args.step, "frames": analyse_frames(frames, fps, args.step)}
        secs = [f["seconds"] for f in result["frames"]]
        result["seconds_per_frame_median"] = round(statistics.median(secs), 2)
    result["metrics"] = summarise(result["frames"])
    result["mdc95"] = mdc(result["metrics"])
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for n, s in result["metrics"].items():
        print(n, {k: v for k, v in s.items() if k != "n"})


if __name__ == "__main__":
    main()
