"""Validation benchmark: how trustworthy are posture's numbers?

Runs on the real photos and videos in ../shared/photos and the rendered
people with known tilts in ../shared/synthetic (neither is part of the
project), prints tables and writes JSON (default
benchmarks/results/validate.json):

1. rotation recovery: each usable photo (one person, standing, facing the
   camera or facing away, shoulders and hips measured) rotated by +-2, +-5
   and +-10 degrees: |measured change - true rotation|;
2. mirror symmetry: |tilt(photo) + tilt(mirrored photo)|;
3. agreement with human-annotated shoulders and hips where
   ../shared/photos/annotations has them;
4. ground truth on rendered people: mean absolute error, bias and slope of
   measured against true tilt;
5. repeatability on video: the within-window standard deviation of each
   metric over windows of 5 consecutive frames in which the body is still
   (its shoulders' and hips' centre moves less than 3% of shoulder width),
   pooled; SEM and MDC95 = 1.96 x sqrt(2) x SEM;
6. time per photo, augmented and single pass (ratio in the same run).

Each with test-time augmentation (default) and a single pass (--fast).

Usage: python benchmarks/validate.py [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture import geometry as g  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.images import load_image  # noqa: E402
from posture.pose import PoseDetector  # noqa: E402
from posture.result import PostureMeasurement  # noqa: E402
from posture.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared"
PHOTOS = SHARED / "photos" / "images"
ANNOTATIONS = SHARED / "photos" / "annotations"
VIDEOS = SHARED / "photos" / "videos"
SYNTHETIC = SHARED / "synthetic"
TILTS = ("shoulder_tilt_deg", "pelvic_tilt_deg")
from posture.measure import METRIC_NAMES  # noqa: E402

REPEAT_METRICS = METRIC_NAMES
ALL_SECTIONS = {"rotation", "annotations", "synthetic", "repeatability", "timing"}


def rotate(img: np.ndarray, deg: float) -> np.ndarray:
    """Rotate counter-clockwise by ``deg`` on an enlarged canvas (nothing cropped)."""
    h, w = img.shape[:2]
    t = math.radians(deg)
    nw = int(math.ceil(abs(w * math.cos(t)) + abs(h * math.sin(t))))
    nh = int(math.ceil(abs(w * math.sin(t)) + abs(h * math.cos(t))))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def value(m: PostureMeasurement, name: str) -> float:
    v = m.metrics[name].value
    return float("nan") if v is None else float(v)


def stats(errors: list[float]) -> dict[str, Any]:
    e = np.array([x for x in errors if np.isfinite(x)])
    if len(e) == 0:
        return {"n": 0}
    return {
        "n": int(len(e)),
        "median": round(float(np.median(e)), 2),
        "p95": round(float(np.percentile(e, 95)), 2),
        "max": round(float(np.max(e)), 2),
    }


def usable_photos(
    a: Analyzer, limit: int | None, folder: Path = PHOTOS
) -> list[tuple[str, np.ndarray, PostureMeasurement]]:
    """The photos in ``folder`` where ``a`` measures one person facing the camera or away, with both tilts."""
    out = []
    for p in sorted(folder.glob("*")):
        if not shown_usable(p.name):
            continue
        img = load_image(p).rgb
        m = a.analyze(img)
        if usable(m):
            out.append((p.name, img, m))
    return out[:limit]


def shown_usable(name: str) -> bool:
    """Whether a photo's name (its prefix says what it shows) leaves it in the usable set."""
    return not name.startswith(("none_", "side_", "multi_", "seated_", "hard_lying"))


def usable(m: PostureMeasurement) -> bool:
    """One person measured, facing the camera or away, with both tilts."""
    return (
        m.status == "measured"
        and m.subject is not None
        and m.subject.people_detected == 1
        and m.subject.view in ("front", "back")
        and all(m.metrics[t].value is not None for t in TILTS)
    )


def rotation_and_mirror(
    a: Analyzer, photos: list[tuple[str, np.ndarray, PostureMeasurement]], angles: list[float]
) -> dict[str, Any]:
    rot: dict[str, list[float]] = {t: [] for t in TILTS}
    mir: dict[str, list[float]] = {t: [] for t in TILTS}
    per_photo = {}
    for name, img, _ in photos:
        base = a.analyze(img)
        sign = 1.0 if base.subject and base.subject.view == "front" else -1.0
        mirrored = a.analyze(np.ascontiguousarray(img[:, ::-1]))
        row = {}
        for t in TILTS:
            mir[t].append(abs(value(base, t) + value(mirrored, t)))
        for deg in angles:
            r = a.analyze(rotate(img, deg))
            for t in TILTS:
                err = abs(value(r, t) - value(base, t) - sign * deg)
                rot[t].append(err)
                row[f"{t}@{deg:+g}"] = round(err, 2)
        per_photo[name] = row
    return {
        "rotation": {t: stats(rot[t]) for t in TILTS},
        "mirror": {t: stats(mir[t]) for t in TILTS},
        "per_photo_rotation_error": per_photo,
    }


def _annotated() -> list[tuple[str, dict[str, np.ndarray]]]:
    """(photo name, {left_shoulder, right_shoulder, left_hip, right_hip: (2,) px}) pairs."""
    out = []

    def pts(kp: list[float], idx: dict[str, int], stride: int) -> dict[str, np.ndarray] | None:
        res = {}
        for k, i in idx.items():
            x, y = kp[i * stride], kp[i * stride + 1]
            if stride == 3 and kp[i * stride + 2] == 0:
                return None
            res[k] = np.array([x, y], float)
        return res

    coco = {"left_shoulder": 5, "right_shoulder": 6, "left_hip": 11, "right_hip": 12}
    for fname, photo_prefix in (
        ("mmpose_test_coco.json", "front_full__coco_"),
        ("mmpose_test_ochuman.json", "multi_front_full__ochuman_"),
    ):
        f = ANNOTATIONS / fname
        if not f.is_file():
            continue
        d = json.loads(f.read_text())
        names = {im["id"]: im["file_name"] for im in d["images"]}
        for ann in d["annotations"]:
            photo = photo_prefix + names[ann["image_id"]]
            if (PHOTOS / photo).is_file():
                p = pts(ann["keypoints"], coco, 3)
                if p:
                    out.append((photo, p))
    f = ANNOTATIONS / "mmpose_h36m_coco.json"
    if f.is_file():
        d = json.loads(f.read_text())
        h36 = {"left_shoulder": 11, "right_shoulder": 14, "left_hip": 1, "right_hip": 4}
        for im in d["images"]:
            stem = im["file_name"].split(".")[0].replace("_1", "")
            subject, action = stem.split("_")[0], stem.split("_")[1]
            frame = im["file_name"].rsplit("_", 1)[1].split(".")[0]
            for photo in PHOTOS.glob(f"*h36m_{subject}_{action}_{frame}.jpg"):
                ann = next(a for a in d["annotations"] if a["image_id"] == im["id"])
                p = pts(ann["keypoints"], h36, 3)
                if p:
                    out.append((photo.name, p))
    f = ANNOTATIONS / "mmpose_test_mpii.json"
    if f.is_file():
        mpii = {"left_shoulder": 13, "right_shoulder": 12, "left_hip": 3, "right_hip": 2}
        for e in json.loads(f.read_text()):
            for photo in PHOTOS.glob(f"*mpii_{e['image']}"):
                if all(e["joints_vis"][i] for i in mpii.values()):
                    out.append((photo.name, {k: np.array(e["joints"][i], float) for k, i in mpii.items()}))
    f = ANNOTATIONS / "mmpose_test_aic.json"
    if f.is_file():
        d = json.loads(f.read_text())
        aic = {"left_shoulder": 3, "right_shoulder": 0, "left_hip": 9, "right_hip": 6}
        names = {im["id"]: im["file_name"] for im in d["images"]}
        for ann in d["annotations"]:
            for photo in PHOTOS.glob(f"*aic_{names[ann['image_id']][:8]}.jpg"):
                p = pts(ann["keypoints"], aic, 3)
                if p:
                    out.append((photo.name, p))
    f = ANNOTATIONS / "tfex_pose_landmark_truth.csv"
    if f.is_file():
        rows = list(csv.DictReader(f.open()))
        for row, photo in zip(
            rows, ("cgi_front_full__tfex_image1.png", "front_full__tfex_businessman.jpeg"), strict=True
        ):
            out.append((photo, {k: np.array([float(row[f"{k}_x"]), float(row[f"{k}_y"])]) for k in coco}))
    return out


def annotation_agreement(analyzers: dict[str, Analyzer]) -> dict[str, Any]:
    rows = []
    with contextlib.ExitStack() as stack:
        detector = stack.enter_context(PoseDetector())
        by_person: dict[tuple[str, int], Analyzer] = {}

        def analyzer(mode: str, person: int) -> Analyzer:
            """The mode's analyser, measuring the ``person``-th most prominent person."""
            if person == 0:
                return analyzers[mode]
            if (mode, person) not in by_person:
                settings = replace(analyzers[mode].settings, person=person)
                by_person[mode, person] = stack.enter_context(Analyzer(settings))
            return by_person[mode, person]

        for photo, truth in _annotated():
            img = load_image(PHOTOS / photo).rgb
            true = {
                "shoulder_tilt_deg": float(g.tilt_deg(truth["left_shoulder"], truth["right_shoulder"])),
                "pelvic_tilt_deg": float(g.tilt_deg(truth["left_hip"], truth["right_hip"])),
            }
            row: dict[str, Any] = {"photo": photo, "annotated": {k: round(v, 1) for k, v in true.items()}}
            # Measure the annotated person: the detected person nearest the annotated shoulders.
            mid = (truth["left_shoulder"] + truth["right_shoulder"]) / 2
            people = detector.detect(img)
            dists = [float(np.linalg.norm((p.xy[11] + p.xy[12]) / 2 - mid)) for p in people]
            near = 0.5 * float(np.linalg.norm(truth["left_shoulder"] - truth["right_shoulder"])) + 20
            for mode in analyzers:
                if not people or min(dists) > near:
                    row[mode] = None
                    continue
                res = analyzer(mode, int(np.argmin(dists))).analyze(img)
                row[mode] = {
                    t: (None if res.metrics[t].value is None else round(res.metrics[t].value, 1)) for t in TILTS
                }
                row[mode]["view"] = res.subject.view if res.subject else None
            rows.append(row)
    summary = {}
    for mode in analyzers:
        for t in TILTS:
            diffs = [abs(r[mode][t] - r["annotated"][t]) for r in r_ok(rows, mode, t)]
            summary[f"{mode}:{t}"] = stats(diffs)
    return {"rows": rows, "abs_difference": summary}


def r_ok(rows: list[dict[str, Any]], mode: str, t: str) -> list[dict[str, Any]]:
    return [r for r in rows if r.get(mode) and r[mode].get(t) is not None and r[mode].get("view") in ("front", "back")]


def synthetic(analyzers: dict[str, Analyzer], limit: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for folder in sorted(p for p in SYNTHETIC.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.png"))[:limit]
        for mode, a in analyzers.items():
            true_v: dict[str, list[float]] = {t: [] for t in TILTS}
            meas_v: dict[str, list[float]] = {t: [] for t in TILTS}
            for f in files:
                j = json.loads(f.with_suffix(".json").read_text())["joints_2d_px"]
                truth = {
                    "shoulder_tilt_deg": float(g.tilt_deg(j["left_shoulder"], j["right_shoulder"])),
                    "pelvic_tilt_deg": float(g.tilt_deg(j["left_hip"], j["right_hip"])),
                }
                m = a.analyze(load_image(f).rgb)
                for t in TILTS:
                    true_v[t].append(truth[t])
                    meas_v[t].append(value(m, t))
            res = {}
            for t in TILTS:
                x, y = np.array(true_v[t]), np.array(meas_v[t])
                ok = np.isfinite(y)
                err = y[ok] - x[ok]
                level = np.abs(x[ok]) < 0.25
                res[t] = {
                    "n": int(ok.sum()),
                    "mae": round(float(np.mean(np.abs(err))), 2),
                    "bias": round(float(np.mean(err)), 2),
                    "slope": round(float(np.polyfit(x[ok], y[ok], 1)[0]), 2) if ok.sum() > 2 else None,
                    "symmetric_pose_reads": round(float(np.mean(y[ok][level])), 2) if level.any() else None,
                }
            out[f"{folder.name}:{mode}"] = res
    return out


def _body_centre(m: PostureMeasurement) -> tuple[np.ndarray, float]:
    """Mean of the shoulder (and hip) landmarks and the shoulder width, pixels; NaN if missing."""
    if m.landmarks is None:
        return np.full(2, np.nan), float("nan")
    xy = np.array([[np.nan if c is None else c for c in p] for p in m.landmarks.xy_px], float)
    pts = xy[[11, 12, 23, 24]] if m.metrics["pelvic_tilt_deg"].value is not None else xy[[11, 12]]
    return pts.mean(axis=0), float(np.linalg.norm(xy[11] - xy[12]))


def repeatability(
    analyzers: dict[str, Analyzer], limit: int | None, window: int = 5, still: float = 0.03
) -> dict[str, Any]:
    """Pooled within-window SD over windows of ``window`` frames in which the body is still:
    the shoulders' and hips' centre moves less than ``still`` x shoulder width from its mean."""
    out: dict[str, Any] = {}
    pooled: dict[str, dict[str, list[float]]] = {mode: {t: [] for t in REPEAT_METRICS} for mode in analyzers}
    for video in sorted(VIDEOS.glob("*")):
        cap = cv2.VideoCapture(str(video))
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        cap.release()
        frames = frames[:limit]
        for mode, a in analyzers.items():
            ms = [a.analyze(f) for f in frames]
            centres = [_body_centre(m) for m in ms]
            res: dict[str, Any] = {}
            for t in REPEAT_METRICS:
                v = np.array([value(m, t) for m in ms])
                variances, n_still = [], 0
                for i in range(0, len(v) - window + 1, window):
                    c = np.array([centres[j][0] for j in range(i, i + window)])
                    width = np.nanmedian([centres[j][1] for j in range(i, i + window)])
                    moving = np.nanmax(np.linalg.norm(c - np.nanmean(c, axis=0), axis=1)) > still * width
                    if np.isfinite(v[i : i + window]).all() and not moving:
                        variances.append(np.var(v[i : i + window], ddof=1))
                        n_still += 1
                pooled[mode][t] += variances
                if variances:
                    sem = math.sqrt(float(np.mean(variances)))
                    res[t] = {"windows": n_still, "sem": round(sem, 2), "mdc95": round(1.96 * math.sqrt(2) * sem, 2)}
            out[f"{video.name}:{mode}"] = res
    for mode, per_metric in pooled.items():
        out[f"pooled:{mode}"] = {
            t: {
                "windows": len(v),
                "sem": round(math.sqrt(float(np.mean(v))), 2),
                "mdc95": round(1.96 * math.sqrt(2 * float(np.mean(v))), 2),
            }
            for t, v in per_metric.items()
            if v
        }
    return out


def timing(analyzers: dict[str, Analyzer], photos: list[tuple[str, np.ndarray, PostureMeasurement]]) -> dict[str, Any]:
    res = {}
    for mode, a in analyzers.items():
        t0 = time.perf_counter()
        for _, img, _ in photos:
            a.analyze(img)
        res[mode] = (time.perf_counter() - t0) / max(1, len(photos))
    return {
        "seconds_per_photo": {k: round(v, 3) for k, v in res.items()},
        "augmented_over_single": round(res["augmented"] / res["single"], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer photos, frames and renders")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "validate.json"))
    ap.add_argument(
        "--sections", default=",".join(sorted(ALL_SECTIONS)), help="comma-separated; others are kept from --out"
    )
    args = ap.parse_args()
    if not PHOTOS.is_dir():
        sys.exit(f"validate: {PHOTOS} not found")
    limit = 4 if args.quick else None
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {"posture_version": __import__("posture").__version__}
    with Analyzer(Settings()) as aug, Analyzer(Settings(fast=True)) as single:
        analyzers = {"augmented": aug, "single": single}
        photos = usable_photos(single, limit)
        results["usable_photos"] = [p[0] for p in photos]
        if "rotation" in sections:
            angles = [-10.0, -5.0, -2.0, 2.0, 5.0, 10.0]
            results["rotation_mirror"] = {mode: rotation_and_mirror(a, photos, angles) for mode, a in analyzers.items()}
        if "annotations" in sections:
            results["annotations"] = annotation_agreement(analyzers)
        if "synthetic" in sections and SYNTHETIC.is_dir():
            results["synthetic"] = synthetic(analyzers, 8 if args.quick else None)
        if "repeatability" in sections:
            results["repeatability"] = repeatability(analyzers, 20 if args.quick else None)
        if "timing" in sections:
            results["timing"] = timing(analyzers, photos)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.is_file() and sections != ALL_SECTIONS:
        results = {**json.loads(out.read_text()), **results}
    out.write_text(json.dumps(results, indent=2))
    print_tables(results)
    print(f"\nwritten: {out}")


def print_tables(r: dict[str, Any]) -> None:
    print(f"usable photos: {len(r['usable_photos'])}")
    if "rotation_mirror" in r:
        print(
            "\nRotation recovery |measured change - rotation| (deg) and mirror symmetry |tilt + tilt(mirrored)| (deg)"
        )
        print(
            f"{'mode':10} {'metric':18} {'rot median':>10} {'rot p95':>8} {'rot max':>8} {'mir median':>10} {'mir max':>8}"
        )
        for mode, res in r["rotation_mirror"].items():
            for t in TILTS:
                ro, mi = res["rotation"][t], res["mirror"][t]
                print(
                    f"{mode:10} {t:18} {ro['median']:>10} {ro['p95']:>8} {ro['max']:>8} {mi['median']:>10} {mi['max']:>8}"
                )
    if "annotations" in r:
        print("\nAgreement with annotated shoulders/hips |measured - annotated tilt| (deg)")
        for k, v in r["annotations"]["abs_difference"].items():
            print(f"  {k:28} {v}")
    if "synthetic" in r:
        print("\nRendered people with known tilt: measured vs true (deg)")
        print(f"{'set:mode':26} {'metric':18} {'MAE':>5} {'bias':>6} {'slope':>6} {'level reads':>11}")
        for k, res in r["synthetic"].items():
            for t in TILTS:
                s = res[t]
                print(
                    f"{k:26} {t:18} {s['mae']:>5} {s['bias']:>6} {s['slope']:>6} {str(s['symmetric_pose_reads']):>11}"
                )
    if "repeatability" in r:
        print("\nRepeatability over still 5-frame windows of video: SEM and MDC95 (deg)")
        for k, res in r["repeatability"].items():
            print(
                f"  {k}: "
                + ", ".join(f"{t} SEM {v['sem']} MDC95 {v['mdc95']} ({v['windows']} windows)" for t, v in res.items())
            )
    if "timing" in r:
        print(
            f"\nTime per photo: {r['timing']['seconds_per_photo']} (augmented / single = {r['timing']['augmented_over_single']}x)"
        )


if __name__ == "__main__":
    main()
