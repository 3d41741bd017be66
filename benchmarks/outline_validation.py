"""Validation of the outline (silhouette) method on real bodies: every figure, against its target.

Runs the default analysis (:class:`posture.analyze.Analyzer` with default
:class:`~posture.settings.Settings`, as ``posture analyze`` runs it) on the
real photos and videos in ../shared/photos and the rendered people in
../shared/synthetic (neither is part of the project) and writes
benchmarks/results/outline_validation.json, from which docs/make_tables.py
writes the tables of docs/accuracy.md:

1. ``coverage``: per set (protocol photos, the older real photos, each
   render folder) the share of measured photos whose shoulder and pelvic
   tilts come from the outline, and the fallback reasons counted
   (benchmarks/coverage.py);
2. ``rotation_mirror``: on the usable real photos (benchmarks/validate.py)
   whose tilt came from the outline, |change - rotation| for rotations of
   +-2, +-5, +-10 degrees and |tilt + tilt(mirrored)|, counting only the
   readings where the photo and its rotated or mirrored version were both
   read from the outline (those that fell back are counted apart);
3. ``pairs``: photos of one person taken together (the front and back
   frames of an iPER subject; frames 1 s apart in the still stretches of
   the videos): |difference| against the combined uncertainty
   sqrt(u1^2 + u2^2), and the share within;
4. ``still_video``: the frame-to-frame SD of the tilts over the still
   stretch of the protocol's still-standing video against their median
   uncertainty, and the frames read from the outline
   (benchmarks/still_video.py);
5. ``renders``: MAE, slope and the level pose's reading of the headline
   tilts on the renders (benchmarks/refine_validate.py).

Tilts are compared in the image's frame (positive: the line's image-right
end higher): a tilt is positive when the subject's left side is higher, and
which image side that is depends on how the landmarks label the sides
(``facing``). A view from behind has the subject's left on the image's left.

Usage: python benchmarks/outline_validation.py [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from coverage import FOLDERS, SUFFIXES, TILTS, row_of, summarise  # noqa: E402
from refine_validate import fit_renders, readings_of, render_files  # noqa: E402
from still_video import analyse_frames, read_frames, still_run, still_runs  # noqa: E402
from still_video import summarise as spread  # noqa: E402
from validate import rotate, shown_usable, stats, usable  # noqa: E402

from posture.analyze import Analyzer  # noqa: E402
from posture.settings import Settings  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "outline_validation.json"
SHARED = ROOT.parent / "shared" / "photos"
STILL_VIDEO = SHARED / "protocol" / "videos" / "front_arms_down__infonioknight_g-m1-front.mp4"
TURNAROUND = SHARED / "protocol" / "videos" / "turnaround_apose__animnerf_iper_023_1_1_input_transcoded.mp4"
# Videos of one person, and the frame step analysed (every frame of the 5 fps squats). Not here:
# the gesture clip (its shoulders are at the frame's edge: no tilt is measured).
VIDEOS = {
    STILL_VIDEO: 3,
    SHARED / "videos" / "front_full_squats__tfjs_pose_squats.mp4": 1,
    SHARED / "videos" / "front_upper_webcam__intel_headpose_male.gif": 2,
    TURNAROUND: 1,
}
# Photos of one person taken together: the front and back frames of one iPER sequence.
PHOTO_PAIRS = [("front_apose__animnerf_iper_023_1_1_f01.png", "back_apose__animnerf_iper_023_1_1_f27.png")]
ANGLES = [-10.0, -5.0, -2.0, 2.0, 5.0, 10.0]
GAP_S = 1.0
RENDER_PAIR = {"shoulders": "shoulder", "pelvis": "pelvis"}
TARGETS: dict[str, Any] = {
    # Share of the measured protocol photos whose tilt comes from the outline.
    "coverage": {"protocol": {"shoulders": 0.9, "pelvis": 0.7}},
    "rotation": {"median": 0.3, "p95": 1.0},
    "mirror": {"median": 0.3, "p95": 1.0},
    # A one-sigma uncertainty covers about 68% of the differences between two readings.
    "pairs_within_share": 0.68,
    "still_sd_within_median_uncertainty": True,
    "renders": {
        "shoulders": {"mae": 0.5, "slope": [0.9, 1.1], "level": 0.3},
        "pelvis": {"mae": 1.0, "slope": [0.8, None], "level": 0.3},
    },
}


def image_tilt(row: dict[str, Any], part: str) -> float:
    """A tilt in the image's frame (degrees, positive when the line's image-right end is higher):
    the reported tilt (positive when the subject's left is higher) times ``facing``."""
    return float(row[part]["value"]) * float(row["facing"])


def analyse(a: Analyzer, paths: list[Path]) -> list[tuple[dict[str, Any], Any]]:
    """Each photo's coverage row (with ``usable``: benchmarks/validate.py's rule) and its analysis."""
    out = []
    for path in paths:
        m = a.analyze_file(path)
        row = row_of(path.name, m)
        row["usable"] = shown_usable(path.name) and usable(m)
        out.append((row, m))
    return out


def rotation_mirror(a: Analyzer, photos: list[tuple[Path, dict[str, Any]]], angles: list[float]) -> dict[str, Any]:
    """Rotation recovery and mirror symmetry of the outline readings: each photo whose tilt was read
    from the outline, rotated and mirrored; a reading counts when both versions came from the outline."""
    errors: dict[tuple[str, str], list[float]] = {(p, k): [] for p in TILTS for k in ("rotation", "mirror")}
    photos_read: dict[tuple[str, str], set[str]] = {key: set() for key in errors}
    fell_back: Counter[tuple[str, str]] = Counter()
    per_photo: dict[str, Any] = {}
    for path, base in photos:
        parts = [p for p in TILTS if base[p]["method"] == "silhouette"]
        if not parts:
            continue
        rgb = a.load(path).rgb
        versions = {"mirror": np.ascontiguousarray(rgb[:, ::-1])} | {f"{d:+g}": rotate(rgb, d) for d in angles}
        row: dict[str, Any] = {p: {} for p in parts}
        for key, img in versions.items():
            r = row_of(f"{path.name} {key}", a.analyze(img))
            kind = "mirror" if key == "mirror" else "rotation"
            for p in parts:
                if r[p]["method"] != "silhouette":
                    fell_back[p, kind] += 1
                    row[p][key] = r[p]["method"] or "not measured"
                    continue
                t0, t1 = image_tilt(base, p), image_tilt(r, p)
                err = abs(t1 + t0) if kind == "mirror" else abs(t1 - t0 - float(key))
                errors[p, kind].append(err)
                photos_read[p, kind].add(path.name)
                row[p][key] = round(err, 2)
        per_photo[path.name] = row
    out: dict[str, Any] = {}
    for (p, kind), e in errors.items():
        s = stats(e)
        target = TARGETS[kind]
        out.setdefault(p, {})[kind] = {
            **s,
            "photos": len(photos_read[p, kind]),
            "fell_back": fell_back[p, kind],
            "pass": bool(s["n"]) and all(s[k] <= v for k, v in target.items()),
        }
    out["per_photo"] = per_photo
    return out


def agreement(label: str, a: dict[str, Any], b: dict[str, Any], tilts: dict[str, float]) -> dict[str, Any]:
    """Whether two readings of one tilt agree within their combined uncertainty (degrees)."""
    diff = abs(tilts["a"] - tilts["b"])
    combined = math.hypot(a["uncertainty"], b["uncertainty"])
    return {
        "pair": label,
        "values": [round(tilts["a"], 2), round(tilts["b"], 2)],
        "uncertainties": [round(a["uncertainty"], 2), round(b["uncertainty"], 2)],
        "methods": [a["method"], b["method"]],
        "difference": round(diff, 2),
        "combined_uncertainty": round(combined, 2),
        "within": bool(diff <= combined),
    }


def photo_pairs(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The photo pairs, compared in the subject's frame: the image-frame tilt times +1 for a photo
    facing the camera, -1 for one from behind (the view its name states); ``reads_sides`` says
    whether the analysis's own sides agree with that view (so its reported tilt has the same sign)."""
    out = []
    for names in PHOTO_PAIRS:
        a, b = (rows[n] for n in names)
        views = [1.0 if n.startswith("front") else -1.0 for n in names]
        for part in TILTS:
            if a[part]["value"] is None or b[part]["value"] is None:
                continue
            tilts = {"a": image_tilt(a, part) * views[0], "b": image_tilt(b, part) * views[1]}
            row = agreement(" / ".join(names), a[part], b[part], tilts)
            row["reads_sides"] = [r["facing"] == v for r, v in zip((a, b), views, strict=True)]
            out.append({"source": "photos", "tilt": part, **row})
    return out


def video_pairs(video: Path, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs of a video's frames (:func:`turn_pairs` in the turnaround, else :func:`still_pairs`)
    compared as the analysis reports them: in the subject's sides, a frame from behind not mirrored."""
    out = []
    for f, g in turn_pairs(frames) if video == TURNAROUND else still_pairs(frames):
        for part, name in TILTS.items():
            a, b = f["metrics"][name], g["metrics"][name]
            if a["value"] is not None and b["value"] is not None:
                label = f"{f['t_s']:.1f} s / {g['t_s']:.1f} s"
                tilts = {"a": a["value"], "b": b["value"]}
                out.append({"source": video.name, "tilt": part, **agreement(label, a, b, tilts)})
    return out


Frame = dict[str, Any]


def still_pairs(frames: list[Frame]) -> list[tuple[Frame, Frame]]:
    """Frames ``GAP_S`` apart, one after the other, within each still stretch, in the same view."""
    out = []
    for i, j in still_runs(frames):
        chain = [frames[i]]
        for f in frames[i:j]:
            if f["t_s"] >= chain[-1]["t_s"] + GAP_S - 1e-6:
                chain.append(f)
        out += [(f, g) for f, g in zip(chain, chain[1:], strict=False) if f["view"] == g["view"]]
    return out


def turn_pairs(frames: list[Frame]) -> list[tuple[Frame, Frame]]:
    """In a person turning on the spot, each measured frame and the next one measured facing the other way."""
    measured = [f for f in frames if f["view"] in ("front", "back")]
    return [(f, g) for f, g in zip(measured, measured[1:], strict=False) if f["view"] != g["view"]]


def pair_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per tilt and over both: pairs, pairs within, share within, and against the target."""
    out = {}
    for part in (*TILTS, "all"):
        sub = [r for r in rows if part in ("all", r["tilt"])]
        within = sum(r["within"] for r in sub)
        share = within / len(sub) if sub else None
        both_outline = [r for r in sub if r["methods"] == ["silhouette", "silhouette"]]
        out[part] = {
            "pairs": len(sub),
            "within": within,
            "share": None if share is None else round(share, 3),
            "both_outline": len(both_outline),
            "both_outline_within": sum(r["within"] for r in both_outline),
            "pass": share is not None and share >= TARGETS["pairs_within_share"],
        }
    return out


def still_video(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """The spread of the tilts over the still stretch against their median uncertainty."""
    i, j = still_run(frames)
    still = frames[i:j]
    summary = spread(still)
    out: dict[str, Any] = {"frames": len(still), "seconds": round(still[-1]["t_s"] - still[0]["t_s"], 2)}
    for part, name in TILTS.items():
        s = summary[name]
        out[part] = {
            "n": s["n"],
            "sd": s.get("sd"),
            "median_uncertainty": s.get("median_uncertainty"),
            "outline_frames": s.get("methods", {}).get("silhouette", 0),
            "pass": bool(s.get("uncertainty_covers_sd")),
        }
    return out


def render_checks(fits: dict[str, Any]) -> dict[str, Any]:
    """The headline tilts' fit on the renders per set, each figure against its target."""
    out: dict[str, Any] = {}
    for folder, fit in fits.items():
        for part, pair in RENDER_PAIR.items():
            f, t = fit[pair]["refined"], TARGETS["renders"][part]
            lo, hi = t["slope"]
            slope = f.get("slope")
            checks = {
                "mae": f.get("mae") is not None and f["mae"] <= t["mae"],
                "slope": slope is not None and slope >= lo and (hi is None or slope <= hi),
                "level": f.get("symmetric_pose_reads") is not None and abs(f["symmetric_pose_reads"]) <= t["level"],
            }
            out.setdefault(folder, {})[part] = {
                "n": f["n"],
                "mae": f.get("mae"),
                "bias": f.get("bias"),
                "slope": slope,
                "level": f.get("symmetric_pose_reads"),
                "fallbacks": fit[pair]["fallbacks"],
                "pass": checks,
            }
    return out


def _photos(folder: Path, every: int) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)[::every]


def _compact(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-photo rows for the JSON: values rounded, the variants' reasons left out."""
    out = []
    for r in rows:
        c = {k: v for k, v in r.items() if k not in TILTS}
        for p in TILTS:
            x = r[p]
            c[p] = {
                "method": x["method"],
                "value": None if x["value"] is None else round(x["value"], 2),
                "uncertainty": None if x["uncertainty"] is None else round(x["uncertainty"], 2),
                "reason": x["reason"],
            }
        out.append(c)
    return out


def with_coverage_verdicts(name: str, summary: dict[str, Any]) -> dict[str, Any]:
    """A set's coverage summary with, where the set has a coverage target, each tilt's ``pass``."""
    for part, share in TARGETS["coverage"].get(name, {}).items():
        s = summary[part]
        summary[part] = {**s, "target": share, "pass": bool(s["of"]) and s["outline"] >= share * s["of"]}
    return summary


def run(quick: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    res: dict[str, Any] = {"quick": quick, "targets": TARGETS, "coverage": {}, "photos": {}}
    rows: dict[str, dict[str, Any]] = {}
    usable_photos: list[tuple[Path, dict[str, Any]]] = []
    fits: dict[str, Any] = {}
    with Analyzer(Settings()) as a:
        for name, folder in FOLDERS.items():
            got = analyse(a, _photos(folder, 3 if quick and name == "photos" else 1))
            res["coverage"][name] = with_coverage_verdicts(name, summarise([r for r, _ in got]))
            res["photos"][name] = _compact([r for r, _ in got])
            rows |= {r["photo"]: r for r, _ in got}
            usable_photos += [(folder / r["photo"], r) for r, _ in got if r["usable"]]
        print(f"photos done: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        for render_set, files in render_files(8 if quick else None).items():
            got = analyse(a, files)
            res["coverage"][f"renders:{render_set}"] = summarise([r for r, _ in got])
            fits[render_set] = fit_renders(files, [readings_of(m) for _, m in got])
        res["renders"] = render_checks(fits)
        print(f"renders done: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        res["rotation_mirror"] = rotation_mirror(a, usable_photos, [-5.0, 5.0] if quick else ANGLES)
        print(f"rotation done: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    pairs = photo_pairs(rows)
    videos: dict[str, Any] = {}
    for video, step in VIDEOS.items():
        step *= 5 if quick else 1
        frames, fps = read_frames(video, step)
        analysed = analyse_frames(frames, fps, step)
        videos[video.name] = {"step": step, "frames": len(analysed), "still_runs": still_runs(analysed)}
        pairs += video_pairs(video, analysed)
        if video == STILL_VIDEO:
            res["still_video"] = {"video": video.name, "step": step, **still_video(analysed)}
    print(f"videos done: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    res["pairs"] = {"videos": videos, "rows": pairs, "summary": pair_summary(pairs)}
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["load_average_1min"] = round(os.getloadavg()[0], 1)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer photos, renders, rotations and frames (a few minutes)")
    ap.add_argument("--out", type=Path, help=f"default {OUT.relative_to(ROOT)}; with --quick, the temp folder")
    args = ap.parse_args()
    missing = [p for p in (*FOLDERS.values(), *VIDEOS) if not p.exists()]
    if missing:
        sys.exit(f"not found: {', '.join(map(str, missing))}")
    out = args.out or (Path(tempfile.gettempdir()) / "outline_validation_quick.json" if args.quick else OUT)
    res = run(args.quick)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: res[k] for k in ("coverage", "renders", "still_video")}, indent=1))
    print(json.dumps({k: v for k, v in res["rotation_mirror"].items() if k != "per_photo"}, indent=1))
    print(json.dumps(res["pairs"]["summary"], indent=1))
    print(f"written: {out} ({res['seconds']} s)")


if __name__ == "__main__":
    main()
