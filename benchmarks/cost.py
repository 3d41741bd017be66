"""Accuracy against cost of the augmentation variants, and the default mode's time against ``--fast``.

Needs ../shared (rendered people, real photos; not part of the project). Writes
benchmarks/results/cost.json and prints the tables.

1. Time, in process, on the A-pose photos of ../shared/photos/protocol/images: the
   ``--fast`` and default analyses and an analysis with each candidate set below of the
   same decoded photo, one after the other, the order rotating from photo to photo, for
   --rounds rounds; per mode the median time a photo, and per photo the ratio to
   ``--fast`` (median over photos). The machine may be shared: the load average is
   printed before and after.
2. Accuracy per candidate variant set. Each photo is read once with all 20 variants of
   ``posture.augment.VARIANTS`` measured and refined (:meth:`posture.analyze.Analyzer.read`);
   each candidate set is then the analysis of those of its variants
   (:meth:`~posture.analyze.Analyzer.combine`), exactly what an analyser using that set
   computes. Figures, for the headline shoulder and pelvic tilts (refined, or the landmark
   value where the refinement fell back):

   - rendered people (../shared/synthetic, 4 sets of 35): mean absolute error and slope of
     measured against true tilt, per set;
   - real photos (the usable photos of ../shared/photos/images as in
     benchmarks/validate.py, and the protocol photos facing the camera or away): rotation
     recovery |change - rotation| over rotations of +-2, +-5 and +-10 degrees (median,
     p95, max) and mirror symmetry |tilt + tilt(mirrored)| (median, max).

   The cost of a set is its landmark passes and refinements, and its time in (1). A set "keeps" today's accuracy when every figure is within
   10% of the ``today`` set's (or better), with 0.02 (degrees, or slope) allowed for the
   figures' rounding: MAE, rotation and mirror at most 1.1 x today's + 0.02; |slope - 1|
   at most 1.1 x today's + 0.02.

Sections may run in separate processes (``--sections rendered`` and ``--sections real`` at
the same time); each merges its results into the file.

Usage: python benchmarks/cost.py [--rounds N] [--quick] [--renders N] [--sections time,rendered,real]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from validate import rotate, stats, usable_photos  # noqa: E402

from posture import augment  # noqa: E402
from posture import geometry as g  # noqa: E402
from posture.analyze import Analyzer, Readings  # noqa: E402
from posture.augment import Variant  # noqa: E402
from posture.images import load_image  # noqa: E402
from posture.result import PostureMeasurement  # noqa: E402
from posture.settings import Settings  # noqa: E402

SHARED = Path(os.environ.get("POSTURE_SHARED", ROOT.parent / "shared"))
SYNTHETIC = SHARED / "synthetic"
PHOTOS = SHARED / "photos" / "images"
PROTOCOL = SHARED / "photos" / "protocol" / "images"
TILTS = {"shoulder": "shoulder_tilt_deg", "pelvis": "pelvic_tilt_deg"}
ANGLES = (-10.0, -5.0, -2.0, 2.0, 5.0, 10.0)


def _mirrored(vs: tuple[Variant, ...]) -> tuple[Variant, ...]:
    """``vs`` and each one's flipped twin (the photo itself first)."""
    return tuple(vs) + tuple(Variant(True, v.rotate_deg, v.crop) for v in vs)


def _rot(*degs: float, crop: bool = False) -> tuple[Variant, ...]:
    return tuple(Variant(False, d, crop) for d in degs)


CANDIDATES: dict[str, tuple[tuple[Variant, ...], tuple[Variant, ...]]] = {
    "single": ((Variant(),), (Variant(),)),
    "flip, crop": (_mirrored(_rot(0.0) + _rot(0.0, crop=True)),) * 2,
    "flip, rot 2": (_mirrored(_rot(0.0, -2.0, 2.0)),) * 2,
    "flip, rot 5": (_mirrored(_rot(0.0, -5.0, 5.0)),) * 2,
    "flip, rot 8": (_mirrored(_rot(0.0, -8.0, 8.0)),) * 2,
    "flip, rot 2, crop": (_mirrored(_rot(0.0, -2.0, 2.0) + _rot(0.0, crop=True)),) * 2,
    "flip, crop, crop rot 5": (_mirrored(_rot(0.0) + _rot(0.0, -5.0, 5.0, crop=True)),) * 2,
    "flip, rot 5, crop": (_mirrored(_rot(0.0, -5.0, 5.0) + _rot(0.0, crop=True)),) * 2,
    "flip, rot 2 5": (_mirrored(_rot(0.0, -2.0, 2.0, -5.0, 5.0)),) * 2,
    "flip, rot 5 8, crop": (_mirrored(_rot(0.0, -5.0, 5.0, -8.0, 8.0) + _rot(0.0, crop=True)),) * 2,
    "flip, rot 5, crop rot 5": (_mirrored(_rot(0.0, -5.0, 5.0) + _rot(0.0, -5.0, 5.0, crop=True)),) * 2,
    "rot 2 5 8, refined rot 5": (
        _mirrored(_rot(0.0, -2.0, 2.0, -5.0, 5.0, -8.0, 8.0)),
        _mirrored(_rot(0.0, -5.0, 5.0)),
    ),
    "rot 5 8, crop rot 5, refined rot 5 crop": (
        _mirrored(_rot(0.0, -5.0, 5.0, -8.0, 8.0) + _rot(0.0, -5.0, 5.0, crop=True)),
        _mirrored(_rot(0.0, -5.0, 5.0) + _rot(0.0, crop=True)),
    ),
    "rot 2 5 8, crop, refined rot 5 crop": (
        _mirrored(_rot(0.0, -2.0, 2.0, -5.0, 5.0, -8.0, 8.0) + _rot(0.0, crop=True)),
        _mirrored(_rot(0.0, -5.0, 5.0) + _rot(0.0, crop=True)),
    ),
    "20, refined rot 5": (augment.VARIANTS, _mirrored(_rot(0.0, -5.0, 5.0))),
    "20, refined rot 5 crop": (augment.VARIANTS, _mirrored(_rot(0.0, -5.0, 5.0) + _rot(0.0, crop=True))),
    "today": (augment.VARIANTS, tuple(v for v in augment.VARIANTS if v.rotate_deg in (0.0, -5.0, 5.0))),
    "all 20 refined": (augment.VARIANTS, augment.VARIANTS),
}
"""Candidate sets: (variants measured, variants refined); each closed under mirroring."""


def load_avg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# ------------------------------------------------------------------ 1. time


def timing(rounds: int) -> dict[str, Any]:
    files = sorted(PROTOCOL.glob("*apose*"))
    fast, default, seg = Analyzer(Settings(fast=True)), Analyzer(Settings()), Analyzer(Settings())
    for a in (fast, default, seg):
        a.__enter__()
    runs = {"fast": fast.analyze, "default": default.analyze}
    for name, (vs, rs) in CANDIDATES.items():
        runs[name] = lambda img, vs=vs, rs=rs: seg.combine(seg.read(img, vs, rs))
    try:
        images = [fast.load(f) for f in files]
        for run in runs.values():  # warm-up
            run(images[0])
        times: dict[str, dict[str, list[float]]] = {k: {f.name: [] for f in files} for k in runs}
        order = list(runs)
        for r in range(rounds):
            for i, (f, img) in enumerate(zip(files, images, strict=True)):
                k = (r * len(files) + i) % len(order)
                for name in order[k:] + order[:k]:
                    t0 = time.perf_counter()
                    runs[name](img)
                    times[name][f.name].append(time.perf_counter() - t0)
    finally:
        for a in (fast, default, seg):
            a.close()
    per_photo = {m: {n: statistics.median(v) for n, v in t.items()} for m, t in times.items()}
    out: dict[str, Any] = {"photos": len(files), "rounds": rounds, "seconds_a_photo": {}, "ratio_to_fast": {}}
    for name in runs:
        out["seconds_a_photo"][name] = round(statistics.median(per_photo[name].values()), 4)
        if name != "fast":
            ratios = [per_photo[name][n] / per_photo["fast"][n] for n in per_photo[name]]
            out["ratio_to_fast"][name] = round(statistics.median(ratios), 1)
    out["per_photo_s"] = {n: {m: round(per_photo[m][n], 4) for m in runs} for n in per_photo["fast"]}
    return out


# ------------------------------------------------------------------ 2. accuracy


def _tilt(m: PostureMeasurement, key: str) -> float:
    v = m.metrics[TILTS[key]].value if m.status == "measured" else None
    return float("nan") if v is None else float(v)


def _combine_all(a: Analyzer, readings: Readings) -> dict[str, dict[str, float]]:
    """Each candidate's headline tilts from one photo's readings."""
    return {name: {k: _tilt(a.combine(readings, vs, rs), k) for k in TILTS} for name, (vs, rs) in CANDIDATES.items()}


def rendered(a: Analyzer, full: tuple[tuple[Variant, ...], tuple[Variant, ...]], limit: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in SYNTHETIC.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.png"))
        if limit:
            files = files[:: max(1, len(files) // limit)][:limit]
        true: dict[str, list[float]] = {k: [] for k in TILTS}
        meas: dict[str, dict[str, list[float]]] = {name: {k: [] for k in TILTS} for name in CANDIDATES}
        for f in files:
            j = json.loads(f.with_suffix(".json").read_text())["joints_2d_px"]
            true["shoulder"].append(float(g.tilt_deg(j["left_shoulder"], j["right_shoulder"])))
            true["pelvis"].append(float(g.tilt_deg(j["left_hip"], j["right_hip"])))
            for name, tilts in _combine_all(a, a.read(load_image(f), *full)).items():
                for k in TILTS:
                    meas[name][k].append(tilts[k])
        for name in CANDIDATES:
            for k in TILTS:
                x, y = np.array(true[k]), np.array(meas[name][k])
                ok = np.isfinite(y)
                out.setdefault(name, {})[f"{folder.name}:{k}"] = {
                    "n": int(ok.sum()),
                    "mae": round(float(np.mean(np.abs(y[ok] - x[ok]))), 3),
                    "slope": round(float(np.polyfit(x[ok], y[ok], 1)[0]), 3) if np.ptp(x[ok]) > 0.5 else None,
                }
        print(f"  rendered {folder.name} done", file=sys.stderr)
    return out


def real_photos(
    a: Analyzer, full: tuple[tuple[Variant, ...], tuple[Variant, ...]], limit: int | None
) -> dict[str, Any]:
    rot: dict[str, dict[str, list[float]]] = {name: {k: [] for k in TILTS} for name in CANDIDATES}
    mir: dict[str, dict[str, list[float]]] = {name: {k: [] for k in TILTS} for name in CANDIDATES}
    with Analyzer(Settings(fast=True)) as fast:
        names = usable_photos(fast, None) + usable_photos(fast, None, PROTOCOL)
    for p, rgb, _ in names[:limit]:
        base = a.read(rgb, *full)
        b = _combine_all(a, base)
        sign = 1.0 if a.combine(base).subject.view == "front" else -1.0  # type: ignore[union-attr]
        mirrored = _combine_all(a, a.read(np.ascontiguousarray(rgb[:, ::-1]), *full))
        for name in CANDIDATES:
            for k in TILTS:
                mir[name][k].append(abs(b[name][k] + mirrored[name][k]))
        for deg in ANGLES:
            r = _combine_all(a, a.read(rotate(rgb, deg), *full))
            for name in CANDIDATES:
                for k in TILTS:
                    rot[name][k].append(abs(r[name][k] - b[name][k] - sign * deg))
        print(f"  rotation {p} done", file=sys.stderr)
    return {
        "photos": [p for p, _, _ in names[:limit]],
        **{
            name: {
                **{f"rotation:{k}": stats(rot[name][k]) for k in TILTS},
                **{f"mirror:{k}": stats(mir[name][k]) for k in TILTS},
            }
            for name in CANDIDATES
        },
    }


def figures(res: dict[str, Any], name: str) -> dict[str, float]:
    """One candidate's accuracy figures, flat: name -> value (for slopes |slope - 1|)."""
    out = {}
    for key, f in res["rendered"][name].items():
        out[f"rendered {key} MAE"] = f["mae"]
        if f["slope"] is not None:
            out[f"rendered {key} |slope-1|"] = abs(f["slope"] - 1.0)
    for key, s in res["real"][name].items():
        for stat in ("median", "p95", "max") if key.startswith("rotation") else ("median", "max"):
            if stat in s:
                out[f"real {key} {stat}"] = s[stat]
    return out


def keeps(res: dict[str, Any], name: str, ref: str = "today") -> list[str]:
    """The figures of ``name`` worse than ``ref``'s by more than 10% (+0.02)."""
    mine, theirs = figures(res, name), figures(res, ref)
    return [f"{k}: {mine[k]:.2f} vs {theirs[k]:.2f}" for k in theirs if k in mine and mine[k] > 1.1 * theirs[k] + 0.02]


def summary(acc: dict[str, Any]) -> dict[str, Any]:
    """Per candidate: its variants, cost and the figures worse than today's."""
    return {
        name: {
            "variants": [v.label for v in vs],
            "refined": [v.label for v in rs],
            "passes": len(vs),
            "refinements": len(rs),
            "worse_than_today": keeps(acc, name),
        }
        for name, (vs, rs) in CANDIDATES.items()
    }


def print_tables(res: dict[str, Any]) -> None:
    if "time" in res:
        t = res["time"]
        print(f"\nTime a photo ({t['photos']} A-pose protocol photos x {t['rounds']} rounds, medians):")
        for mode, s in t["seconds_a_photo"].items():
            ratio = t["ratio_to_fast"].get(mode)
            print(f"  {mode:9} {s * 1000:7.1f} ms" + (f"  {ratio}x fast" if ratio else ""))
    if "candidates" in res:
        acc = res
        print("\nAccuracy against cost (headline tilts; deg):")
        ratio = res.get("time", {}).get("ratio_to_fast", {})
        head = f"{'set':40} {'passes':>6} {'refined':>7} {'x fast':>6} | {'rendered MAE sh/pe (max over sets)':>34} | {'rot median sh/pe':>16} {'rot p95':>11} {'rot max':>11} | {'mirror med':>10} {'mirror max':>11}"
        print(head)
        for name, c in acc["candidates"].items():
            r = acc["rendered"][name]
            mae = [max(v["mae"] for k, v in r.items() if k.endswith(p)) for p in ("shoulder", "pelvis")]
            slope = [
                [v["slope"] for k, v in r.items() if k.endswith(p) and v["slope"] is not None]
                for p in ("shoulder", "pelvis")
            ]
            q = acc["real"][name]

            def two(key: str, stat: str, q: dict[str, Any] = q) -> str:
                return "/".join(f"{q[f'{key}:{k}'].get(stat, float('nan')):.2f}" for k in TILTS)

            sl = " ".join(f"{min(s):.2f}-{max(s):.2f}" for s in slope)
            print(
                f"{name:40} {c['passes']:>6} {c['refinements']:>7} {ratio.get(name, float('nan')):>6.1f} | {mae[0]:.2f}/{mae[1]:.2f} slope {sl:>17} | "
                f"{two('rotation', 'median'):>16} {two('rotation', 'p95'):>11} {two('rotation', 'max'):>11} | "
                f"{two('mirror', 'median'):>10} {two('mirror', 'max'):>11}  {'keeps' if not c['worse_than_today'] else 'worse: ' + '; '.join(c['worse_than_today'])}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="a few renders and photos")
    ap.add_argument("--sections", default="time,rendered,real")
    ap.add_argument("--renders", type=int, default=None, help="renders per set (default all 35)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "cost.json"))
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    out = Path(args.out)
    res: dict[str, Any] = {"load_before": load_avg()}
    t0 = time.perf_counter()
    full = (augment.VARIANTS, augment.VARIANTS)
    if "time" in sections:
        res["time"] = timing(args.rounds)
    if sections & {"rendered", "real"}:
        with Analyzer(Settings()) as a:
            if "rendered" in sections:
                res["rendered"] = rendered(a, full, 6 if args.quick else args.renders)
            if "real" in sections:
                real = real_photos(a, full, 3 if args.quick else None)
                res["real_photos"] = real.pop("photos")
                res["real"] = real
    res["load_after"] = load_avg()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    # Sections may run in separate processes: merge with what the file holds now.
    merged: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    for key in ("load_before", "load_after", "seconds"):
        res[f"{key}:{','.join(sorted(sections))}"] = res.pop(key)
    merged.update(res)
    if "rendered" in merged and "real" in merged:
        merged["candidates"] = summary(merged)
        merged["chosen"] = next(
            (
                n
                for n, (vs, rs) in CANDIDATES.items()
                if (set(vs), set(rs)) == tuple(map(set, augment.VARIANT_SETS["default"]))
            ),
            None,
        )
    res = merged
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print_tables(res)
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
