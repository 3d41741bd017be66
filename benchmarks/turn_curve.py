"""How each metric changes as the body turns away from the camera.

A person in an A-pose turns on the spot (``../shared/photos/protocol/videos/
turnaround_apose__...mp4``, 53 frames, a full turn): the body does not
change, only the view. Every frame (or every ``--step``-th) is analysed in
two modes, the default (``posture.analyze.Analyzer`` with default
``Settings``) and the single pass (``Settings(fast=True)``), with the turn
rule of :mod:`posture.view` switched off while measuring (no refusal, no
widening), so the curve shows what each metric would read at every turn.

For each frame: the estimated turn (``subject.turn_deg``: the angle from the
nearest frontal plane, so a back view near 180 degrees of rotation reads
near 0 and is measured as a back view), the view and every metric. The
frontal value of a metric is its median over the frames of the same view
(front or back) turned less than ``REF_TURN_DEG``; the deviation is the
value minus that. The frontal frames' own scatter (the largest |deviation|
among them, or the metric's MDC95 if larger: ``base``) is not the turn's
doing: the person steps round, shifting weight between the feet. Per metric
the coupling ``k`` is the smallest value for which
``|deviation| <= base + turn_uncertainty`` (the model of :mod:`posture.view`)
on every frame turned between ``REF_TURN_DEG`` and the threshold, over both
modes; it is listed for several thresholds, to show where the deviation
stops following the model.

Writes ``benchmarks/results/turn_curve.json`` and ``docs/turn_curve.png``.

Usage: python benchmarks/turn_curve.py [--step N] [--max-turn DEG] [--refit]
(``--refit``: reuse the frames measured in the existing JSON, fit and plot again.)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matplotlib.figure import Figure  # noqa: E402

from posture import view  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.charts import figure_png  # noqa: E402
from posture.measure import METRIC_NAMES  # noqa: E402
from posture.noise import MDC95  # noqa: E402
from posture.settings import Settings  # noqa: E402
from posture.wording import LABELS  # noqa: E402

VIDEO = (
    ROOT.parent
    / "shared"
    / "photos"
    / "protocol"
    / "videos"
    / "turnaround_apose__animnerf_iper_023_1_1_input_transcoded.mp4"
)
OUT_JSON = ROOT / "benchmarks" / "results" / "turn_curve.json"
OUT_PNG = ROOT / "docs" / "turn_curve.png"
REF_TURN_DEG = 10.0
"""Frames turned less than this give a metric's frontal value."""
MODES = {"default": Settings(), "fast": Settings(fast=True)}
THRESHOLDS = (20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0)


def read_frames(path: Path, step: int) -> list[tuple[int, np.ndarray]]:
    """Every ``step``-th frame as (index, RGB array)."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % step == 0:
            frames.append((i, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
        i += 1
    cap.release()
    return frames


def measure_frames(frames: list[tuple[int, np.ndarray]], settings: Settings) -> list[dict[str, Any]]:
    """One row per frame: turn, view, and each metric's value and uncertainty (None: not measured)."""
    rows = []
    # The rule under study is switched off: measure at every turn, uncertainties without the turn's share.
    with (
        mock.patch.object(view, "MAX_TURN_DEG", 90.0),
        mock.patch.object(view, "turn_uncertainty", lambda *a: 0.0),
        Analyzer(settings) as a,
    ):
        for i, rgb in frames:
            m = a.analyze(rgb)
            s = m.subject
            rows.append(
                {
                    "frame": i,
                    "turn_deg": None if s is None or s.turn_deg is None else round(s.turn_deg, 2),
                    "view": None if s is None else s.view,
                    "values": {n: m.metrics[n].value for n in METRIC_NAMES},
                    "uncertainties": {n: m.metrics[n].uncertainty for n in METRIC_NAMES},
                }
            )
    return rows


def frontal_values(rows: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Per view (front, back) and metric: the median over the frames turned less than REF_TURN_DEG."""
    out: dict[str, dict[str, float | None]] = {}
    for v in ("front", "back"):
        near = [r for r in rows if r["view"] == v and r["turn_deg"] is not None and r["turn_deg"] < REF_TURN_DEG]
        out[v] = {}
        for n in METRIC_NAMES:
            vals = [r["values"][n] for r in near if r["values"][n] is not None]
            out[v][n] = float(np.median(vals)) if vals else None
    return out


def deviations(rows: list[dict[str, Any]], ref: dict[str, dict[str, float | None]]) -> dict[str, list[dict[str, Any]]]:
    """Per metric: frame, view, turn, value and deviation (value - frontal value) of every
    frame measured with a known turn and view."""
    out: dict[str, list[dict[str, Any]]] = {n: [] for n in METRIC_NAMES}
    for r in rows:
        if r["turn_deg"] is None or r["view"] not in ref:
            continue
        for n in METRIC_NAMES:
            v, f = r["values"][n], ref[r["view"]][n]
            if v is not None and f is not None:
                out[n].append(
                    {
                        "frame": r["frame"],
                        "view": r["view"],
                        "turn_deg": r["turn_deg"],
                        "value": round(v, 2),
                        "deviation": round(v - f, 2),
                    }
                )
    return out


def frontal_scatter(points: list[dict[str, Any]], name: str) -> float:
    """``base``: the largest |deviation| of the frontal frames, at least the metric's MDC95."""
    return max([MDC95[name]] + [abs(p["deviation"]) for p in points if p["turn_deg"] < REF_TURN_DEG])


def fit_coupling(points: list[dict[str, Any]], name: str, max_turn: float) -> float:
    """The smallest k with |dev| <= base + turn_uncertainty(k) on every frame turned
    between REF_TURN_DEG and ``max_turn``."""
    base, k = frontal_scatter(points, name), 0.0
    for p in points:
        turn, value, dev = p["turn_deg"], p["value"], p["deviation"]
        if REF_TURN_DEG <= turn <= max_turn:
            excess = abs(dev) - envelope(name, 0.0, value, turn, base)
            k = max(k, excess / math.tan(math.radians(turn)))
    return k


def envelope(name: str, k: float, value: float, turn: float, base: float) -> float:
    """``base`` plus the turn's share with coupling ``k``."""
    with mock.patch.dict(view.TURN_COUPLING, {name: k}):
        return base + view.turn_uncertainty(name, value, turn)


def plot(results: dict[str, Any], max_turn: float) -> Figure:
    """Deviation from the frontal value against the turn, one panel per metric."""
    fig = Figure(figsize=(11.0, 12.0), layout="constrained")
    axes = fig.subplots(4, 2)
    turns = np.linspace(0.0, 85.0, 200)
    for ax, name in zip(axes.flat, METRIC_NAMES, strict=True):
        unit = "%" if name.endswith("_pct") else "°"
        ymax = 1.0
        for mode, marker in (("default", "o"), ("fast", "x")):
            pts = results["modes"][mode]["points"][name]
            for v, colour in (("front", "tab:blue"), ("back", "tab:orange")):
                sel = [p for p in pts if p["view"] == v]
                ax.scatter(
                    [p["turn_deg"] for p in sel],
                    [p["deviation"] for p in sel],
                    marker=marker,
                    s=18,
                    color=colour,
                    label=f"{mode}, {v} view",
                    alpha=0.8,
                )
            ymax = max([ymax] + [abs(p["deviation"]) for p in pts if p["turn_deg"] <= max_turn + 10])
        k, base = view.TURN_COUPLING[name], results["base"][name]
        env = [envelope(name, k, 0.0, t, base) for t in turns]
        ax.fill_between(
            turns,
            [-e for e in env],
            env,
            color="0.85",
            zorder=0,
            label="frontal scatter + k·tan(turn) (+ magnification)",
        )
        ax.axvline(max_turn, color="tab:red", lw=1.2, label=f"refused beyond {max_turn:g}°")
        ax.axhline(0.0, color="0.4", lw=0.8)
        ax.set_ylim(-1.3 * ymax, 1.3 * ymax)
        ax.set_xlim(0, 90)
        ax.set_title(f"{LABELS.get(name, name)}: k = {k:g}")
        ax.set_xlabel("estimated turn from the nearest frontal plane (°)")
        ax.set_ylabel(f"deviation from frontal ({unit})")
        ax.grid(True, alpha=0.3)
    axes.flat[0].legend(fontsize="x-small", loc="upper left")
    fig.suptitle("A person turning on the spot: each metric minus its frontal value")
    return fig


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=1, help="analyse every N-th frame")
    ap.add_argument("--max-turn", type=float, default=view.MAX_TURN_DEG, help="threshold the coupling is fitted up to")
    ap.add_argument("--refit", action="store_true", help="reuse the measured frames of the existing JSON")
    args = ap.parse_args(argv)
    old = json.loads(OUT_JSON.read_text()) if args.refit else None
    if old is None and not VIDEO.exists():
        print(f"missing {VIDEO}", file=sys.stderr)
        return 1
    frames = [] if old is not None else read_frames(VIDEO, args.step)
    results: dict[str, Any] = {
        "video": VIDEO.name,
        "frames": old["frames"] if old else len(frames),
        "step": args.step,
        "ref_turn_deg": REF_TURN_DEG,
        "max_turn_deg": args.max_turn,
        "modes": {},
    }
    all_points: dict[str, list[dict[str, Any]]] = {n: [] for n in METRIC_NAMES}
    for mode, settings in MODES.items():
        rows = old["modes"][mode]["rows"] if old else measure_frames(frames, settings)
        ref = frontal_values(rows)
        dev = deviations(rows, ref)
        results["modes"][mode] = {
            "frontal_values": ref,
            "rows": rows,
            "points": dev,
        }
        for n in METRIC_NAMES:
            all_points[n] += dev[n]
    results["base"] = {n: round(frontal_scatter(all_points[n], n), 2) for n in METRIC_NAMES}
    results["coupling_by_threshold"] = {
        f"{th:g}": {n: round(fit_coupling(all_points[n], n, th), 2) for n in METRIC_NAMES} for th in THRESHOLDS
    }
    results["coupling"] = {n: round(fit_coupling(all_points[n], n, args.max_turn), 2) for n in METRIC_NAMES}
    results["library_coupling"] = dict(view.TURN_COUPLING)
    results["coverage"] = {}
    for n in METRIC_NAMES:
        k, base = view.TURN_COUPLING[n], results["base"][n]
        results["coverage"][n] = {}
        for lo, hi in ((0.0, args.max_turn), (args.max_turn, args.max_turn + 10.0)):
            sel = [
                p for p in all_points[n] if lo <= p["turn_deg"] < hi or (hi == args.max_turn and p["turn_deg"] == hi)
            ]
            results["coverage"][n][f"{lo:g}-{hi:g}"] = {
                "frames": len(sel),
                "covered": int(
                    sum(abs(p["deviation"]) <= envelope(n, k, p["value"], p["turn_deg"], base) for p in sel)
                ),
            }
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(results, indent=1) + "\n")
    OUT_PNG.write_bytes(figure_png(plot(results, args.max_turn), dpi=90))
    print("frontal scatter (base):", results["base"])
    print("coupling k fitted up to each threshold:")
    for th, ks in results["coupling_by_threshold"].items():
        print(f"  <= {th:>2}°: " + "  ".join(f"{n} {k:.2f}" for n, k in ks.items()))
    print("coverage with the library's coupling:", results["coverage"])
    print(OUT_JSON, OUT_PNG)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
