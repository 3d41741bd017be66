"""Benchmark of the silhouette refinement (posture.refine): landmark-only vs refined tilts.

Runs on the rendered people in ../shared/synthetic and the real photos in
../shared/photos (neither is part of the project), prints tables and writes
JSON (default benchmarks/results/refine_validate.json):

1. rendered people with known tilt, per folder: mean absolute error, bias,
   slope of measured against true tilt (true = the tilt of the joint centres
   in the render's JSON, as in benchmarks/validate.py) and the reading of the
   symmetric pose (true |tilt| < 0.25 degrees), for the landmark-only and the
   refined shoulder and pelvic tilt;
2. real photos (the usable set of benchmarks/validate.py): rotation recovery
   |measured change - rotation| for rotations of +-2, +-5, +-10 degrees, and
   mirror symmetry |tilt(photo) + tilt(mirrored photo)|;
3. agreement |measured - annotated tilt| with human-annotated shoulders and
   hips where ../shared/photos/annotations has them.

Each in two modes: ``single`` (one landmark pass and its mask, refined once)
and ``augmented`` (the default analysis as ``posture analyze`` runs it:
posture.analyze.Analyzer, its landmark-only value and its headline). "refined"
is the headline a user would get: the refined tilt where the refinement
succeeded, the landmark tilt where it fell back; the fallback counts are
printed beside it.

Usage: python benchmarks/refine_validate.py [--quick] [--modes single,augmented] [--sections ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from posture import geometry as g  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.images import load_image  # noqa: E402
from posture.landmarks import Landmarks, PoseLandmark  # noqa: E402
from posture.pose import PoseDetector, rank_people  # noqa: E402
from posture.refine import refine  # noqa: E402
from posture.result import PostureMeasurement  # noqa: E402
from posture.settings import Settings  # noqa: E402

L = PoseLandmark
SHARED = ROOT.parent / "shared"
SYNTHETIC = SHARED / "synthetic"
PHOTOS = SHARED / "photos" / "images"
PAIRS = {"shoulder": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), "pelvis": (L.LEFT_HIP, L.RIGHT_HIP)}
ALL_SECTIONS = {"synthetic", "rotation", "annotations"}


@dataclass
class Reading:
    """Landmark-only and headline (refined, or landmark on fallback) tilt of one pair."""

    landmark: float
    headline: float
    refined: bool
    reason: str | None


def _tilt(lm: Landmarks, pair: str) -> float:
    a, b = PAIRS[pair]
    return float(g.tilt_deg(lm[a], lm[b]))


def read_single(det: PoseDetector, rgb: np.ndarray, person: int = 0) -> dict[str, Reading] | None:
    """One landmark pass and its mask."""
    people = det.detect_segmented(rgb)
    if len(people) <= person or people[person][1] is None:
        return None
    lm, mask = people[person]
    r = refine(mask, lm, rgb)
    out = {}
    for pair, res in (("shoulder", r.shoulders), ("pelvis", r.pelvis)):
        lt = _tilt(lm, pair)
        out[pair] = Reading(lt, res.tilt_deg if res.refined else lt, res.refined, res.reason)
    return out


_ANALYZERS: dict[int, Analyzer] = {}


def read_augmented(det: PoseDetector, rgb: np.ndarray, person: int = 0) -> dict[str, Reading] | None:
    """The default analysis, exactly as ``posture analyze`` runs it (posture.analyze.Analyzer):
    the landmark-only tilt (``landmark_value``) and the headline of each pair. ``person`` is the
    analysis's own index (0 = most prominent); ``det`` is not used."""
    if person not in _ANALYZERS:
        _ANALYZERS[person] = Analyzer(Settings(person=person)).__enter__()
    return readings_of(_ANALYZERS[person].analyze(rgb))


def readings_of(m: PostureMeasurement) -> dict[str, Reading] | None:
    """The landmark-only tilt and the headline of each pair of an analysis; None when not measured."""
    if m.status != "measured":
        return None
    out = {}
    for k, name in (("shoulder", "shoulder_tilt_deg"), ("pelvis", "pelvic_tilt_deg")):
        t = m.metrics[name]
        if t.value is None or t.landmark_value is None:
            out[k] = Reading(np.nan, np.nan, False, t.reason)
        else:
            out[k] = Reading(t.landmark_value, t.value, t.method == "silhouette", t.method_reason)
    return out


def close_analyzers() -> None:
    for a in _ANALYZERS.values():
        a.close()
    _ANALYZERS.clear()


READERS = {"single": read_single, "augmented": read_augmented}


def _fit(true: list[float], meas: list[float]) -> dict[str, Any]:
    x, y = np.array(true), np.array(meas)
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 3:
        return {"n": int(len(x))}
    err = y - x
    level = np.abs(x) < 0.25
    return {
        "n": int(len(x)),
        "mae": round(float(np.mean(np.abs(err))), 2),
        "bias": round(float(np.mean(err)), 2),
        # A slope needs true tilts that differ (--quick may pick renders with one shoulder tilt).
        "slope": round(float(np.polyfit(x, y, 1)[0]), 2) if np.ptp(x) > 0.5 else None,
        "symmetric_pose_reads": round(float(np.mean(y[level])), 2) if level.any() else None,
    }


def render_files(limit: int | None) -> dict[str, list[Path]]:
    """The renders of each folder of ../shared/synthetic; ``limit`` spread over the grid."""
    out = {}
    for folder in sorted(p for p in SYNTHETIC.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.png"))
        out[folder.name] = files[:: max(1, len(files) // limit)][:limit] if limit else files
    return out


def true_tilts(render: Path) -> dict[str, float]:
    """The true shoulder and pelvic tilt of a render: the tilt of the joint centres in its JSON."""
    j = json.loads(render.with_suffix(".json").read_text())["joints_2d_px"]
    return {
        "shoulder": float(g.tilt_deg(j["left_shoulder"], j["right_shoulder"])),
        "pelvis": float(g.tilt_deg(j["left_hip"], j["right_hip"])),
    }


def fit_renders(files: list[Path], readings: list[dict[str, Reading] | None]) -> dict[str, Any]:
    """Per pair, the landmark-only and the headline tilts of ``files`` against their true tilts,
    and the fallbacks counted (``readings`` in the order of ``files``; None: not measured)."""
    truth = [true_tilts(f) for f in files]
    out = {}
    for k in PAIRS:
        got = [rd[k] if rd else None for rd in readings]
        true = [t[k] for t in truth]
        fallbacks = Counter(r.reason or "?" for r in got if r and not r.refined)
        out[k] = {
            "landmark": _fit(true, [r.landmark if r else np.nan for r in got]),
            "refined": _fit(true, [r.headline if r else np.nan for r in got]),
            "fallbacks": sum(fallbacks.values()),
            "fallback_reasons": dict(fallbacks),
        }
    return out


def synthetic(det: PoseDetector, modes: list[str], limit: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder, files in render_files(limit).items():
        for mode in modes:
            readings = [READERS[mode](det, load_image(f).rgb) for f in files]
            out[f"{folder}:{mode}"] = fit_renders(files, readings)
            print(f"  synthetic {folder} {mode} done", file=sys.stderr)
    return out


def rotation_mirror(det: PoseDetector, modes: list[str], photos: list[str], angles: list[float]) -> dict[str, Any]:
    from validate import rotate, stats  # the same rotation and statistics as benchmarks/validate.py

    out: dict[str, Any] = {}
    for mode in modes:
        read = READERS[mode]
        rot = {(k, s): [] for k in PAIRS for s in ("landmark", "refined")}
        mir = {(k, s): [] for k in PAIRS for s in ("landmark", "refined")}
        refined_counts = Counter()
        per_photo: dict[str, Any] = {}
        for name in photos:
            img = load_image(PHOTOS / name).rgb
            base = read(det, img)
            if base is None:
                continue
            lm0 = det.detect(img)[0]
            sign = 1.0 if lm0[L.LEFT_SHOULDER][0] > lm0[L.RIGHT_SHOULDER][0] else -1.0  # front / back view
            mirrored = read(det, np.ascontiguousarray(img[:, ::-1]))
            row: dict[str, Any] = {k: {"refined": base[k].refined, "reason": base[k].reason} for k in PAIRS}

            def fmt(r: Reading) -> str:
                return f"{r.landmark:+.2f}/" + (f"{r.headline:+.2f}" if r.refined else "fallback")

            row["readings"] = {"0": {k: fmt(base[k]) for k in PAIRS}}
            if mirrored:
                row["readings"]["mirror"] = {k: fmt(mirrored[k]) for k in PAIRS}
            for k in PAIRS:
                refined_counts[k] += base[k].refined
                if mirrored:
                    mir[(k, "landmark")].append(abs(base[k].landmark + mirrored[k].landmark))
                    mir[(k, "refined")].append(abs(base[k].headline + mirrored[k].headline))
            for deg in angles:
                r = read(det, rotate(img, deg))
                if r is None:
                    continue
                row["readings"][f"{deg:+g}"] = {k: fmt(r[k]) for k in PAIRS}
                for k in PAIRS:
                    rot[(k, "landmark")].append(abs(r[k].landmark - base[k].landmark - sign * deg))
                    rot[(k, "refined")].append(abs(r[k].headline - base[k].headline - sign * deg))
            per_photo[name] = row
            print(f"  rotation {mode} {name} done", file=sys.stderr)
        out[mode] = {
            "photos": len(per_photo),
            "refined_at_0_deg": dict(refined_counts),
            "rotation": {f"{k}:{s}": stats(v) for (k, s), v in rot.items()},
            "mirror": {f"{k}:{s}": stats(v) for (k, s), v in mir.items()},
            "per_photo": per_photo,
        }
    return out


def annotations(det: PoseDetector, modes: list[str]) -> dict[str, Any]:
    from validate import _annotated, stats

    out: dict[str, Any] = {}
    for mode in modes:
        diffs = {(k, s): [] for k in PAIRS for s in ("landmark", "refined")}
        rows = []
        for photo, truth in _annotated():
            img = load_image(PHOTOS / photo).rgb
            people = det.detect(img)
            mid = (truth["left_shoulder"] + truth["right_shoulder"]) / 2
            if not people:
                continue
            d = [float(np.linalg.norm((p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2 - mid)) for p in people]
            width = float(np.linalg.norm(truth["left_shoulder"] - truth["right_shoulder"]))
            if min(d) > 0.5 * width + 20:
                continue
            idx = int(np.argmin(d))
            if mode == "augmented":  # the analysis counts people most prominent first
                ranked = [k for k, p in enumerate(rank_people(people)) if p is people[idx]]
                if not ranked:
                    continue
                idx = ranked[0]
            r = READERS[mode](det, img, idx)
            if r is None:
                continue
            ann = {
                "shoulder": float(g.tilt_deg(truth["left_shoulder"], truth["right_shoulder"])),
                "pelvis": float(g.tilt_deg(truth["left_hip"], truth["right_hip"])),
            }
            row = {"photo": photo}
            for k in PAIRS:
                diffs[(k, "landmark")].append(abs(r[k].landmark - ann[k]))
                diffs[(k, "refined")].append(abs(r[k].headline - ann[k]))
                row[k] = {
                    "annotated": round(ann[k], 1),
                    "landmark": round(r[k].landmark, 1),
                    "refined": round(r[k].headline, 1),
                    "refined_ok": r[k].refined,
                }
            rows.append(row)
        out[mode] = {"abs_difference": {f"{k}:{s}": stats(v) for (k, s), v in diffs.items()}, "rows": rows}
    return out


def usable_photos(limit: int | None) -> list[str]:
    """The photos benchmarks/validate.py uses for rotation and mirror checks."""
    from validate import usable_photos as pick

    with Analyzer(Settings(fast=True)) as a:
        return [p[0] for p in pick(a, limit)]


def print_tables(res: dict[str, Any]) -> None:
    if "synthetic" in res:
        print("\nRendered people: measured vs true tilt (deg); refined = headline (landmark value on fallback)")
        print(
            f"{'set:mode':26} {'pair':8} {'method':9} {'MAE':>5} {'bias':>6} {'slope':>6} {'level':>6} {'fallbacks':>9}"
        )
        for key, v in res["synthetic"].items():
            for k in PAIRS:
                for s in ("landmark", "refined"):
                    f = v[k][s]
                    if "mae" not in f:
                        continue
                    fb = v[k]["fallbacks"] if s == "refined" else ""
                    print(
                        f"{key:26} {k:8} {s:9} {f['mae']:>5} {f['bias']:>6} {f['slope']!s:>6} {str(f['symmetric_pose_reads']):>6} {fb!s:>9}"
                    )
    if "rotation_mirror" in res:
        print("\nReal photos: rotation recovery |change - rotation| and mirror symmetry |tilt + tilt(mirrored)| (deg)")
        for mode, v in res["rotation_mirror"].items():
            print(f"  {mode}: {v['photos']} photos, refined at 0 deg: {v['refined_at_0_deg']}")
            for key in v["rotation"]:
                ro, mi = v["rotation"][key], v["mirror"][key]
                print(
                    f"    {key:18} rotation median {ro.get('median')} p95 {ro.get('p95')} max {ro.get('max')} | mirror median {mi.get('median')} max {mi.get('max')}"
                )
    if "annotations" in res:
        print("\nAgreement with annotated keypoints |measured - annotated tilt| (deg)")
        for mode, v in res["annotations"].items():
            for key, s in v["abs_difference"].items():
                print(f"  {mode:10} {key:18} {s}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a few renders and photos")
    ap.add_argument("--modes", default="single,augmented")
    ap.add_argument("--sections", default=",".join(sorted(ALL_SECTIONS)))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "refine_validate.json"))
    args = ap.parse_args()
    modes = args.modes.split(",")
    sections = set(args.sections.split(","))
    out = Path(args.out)
    res: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    t0 = time.perf_counter()
    with PoseDetector(segmentation=True) as det:
        if "synthetic" in sections and SYNTHETIC.is_dir():
            res["synthetic"] = synthetic(det, modes, 6 if args.quick else None)
        if "rotation" in sections and PHOTOS.is_dir():
            photos = usable_photos(3 if args.quick else None)
            res["rotation_mirror"] = rotation_mirror(det, modes, photos, [-10.0, -5.0, -2.0, 2.0, 5.0, 10.0])
        if "annotations" in sections and PHOTOS.is_dir():
            res["annotations"] = annotations(det, modes)
    close_analyzers()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print_tables(res)
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
