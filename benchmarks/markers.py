"""Benchmark of the marker mode (posture.markers): detection rate and angle error by sticker size.

Stickers are drawn (tests/marker_support.py: soft-edged, shaded, slightly
elliptical) at plausible acromion and ASIS/PSIS positions on real photos of
../shared/photos/protocol (not part of the project), each photo framed to
1000 px height; the photo is then blurred and JPEG-compressed. For every
sticker size (cm, converted with a 36 cm shoulder-landmark distance) and
degradation it reports

* the detection rate: drawn stickers found (named or not) within half a
  diameter of their centre, and pairs named (both found, unambiguous);
* the centre error (pixels) of the two estimators, the soft-weighted
  centroid (reported) and the fitted ellipse, and the tilt error each (and
  their mean) would give;
* the tilt error |measured - drawn| (degrees) per pair (shoulders, pelvis),
  median, 95th percentile and maximum;
* how often the tilt error is within twice the stated uncertainty;
* false stickers: stickers found that match no drawn one.

Usage: python benchmarks/markers.py [--quick] [--out benchmarks/results/markers.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from marker_support import DrawnSticker, degrade, draw_stickers, framed, palpated_points, sticker_px  # noqa: E402

from posture import geometry as g  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.images import load_image  # noqa: E402
from posture.pose import rank_people  # noqa: E402
from posture.settings import Settings  # noqa: E402

PROTOCOL = ROOT.parent / "shared" / "photos" / "protocol" / "images"
SIZES_CM = (1.5, 2.0, 3.0)
DEGRADATIONS = (
    ("sharp PNG", 0.0, None),
    ("blur 0.7 px, JPEG 92", 0.7, 92),
    ("blur 1.0 px, JPEG 85", 1.0, 85),
    ("blur 1.5 px, JPEG 75", 1.5, 75),
)
PAIRS = {"shoulders": ("left_shoulder", "right_shoulder"), "pelvis": ("left_pelvis", "right_pelvis")}


def _stats(x: list[float]) -> dict[str, Any]:
    if not x:
        return {"n": 0}
    a = np.abs(np.array(x))
    return {
        "n": len(a),
        "median": round(float(np.median(a)), 3),
        "p95": round(float(np.percentile(a, 95)), 3),
        "max": round(float(a.max()), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="two photos, one trial")
    ap.add_argument("--trials", type=int, default=2, help="random sticker layouts per photo and condition")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "markers.json"))
    args = ap.parse_args()
    names = sorted(p.name for p in PROTOCOL.iterdir()) if PROTOCOL.is_dir() else []
    names = [n for n in names if "econ_6c0a5def" not in n and "pexels" not in n]  # side view; turned 30 degrees
    if args.quick:
        names, args.trials = names[:1] + names[-1:], 1
    if not names:
        print(f"no photos in {PROTOCOL}", file=sys.stderr)
        return 1
    rng = np.random.default_rng(0)
    rows: dict[tuple[float, str], dict[str, Any]] = {}
    t0 = time.time()
    with Analyzer(Settings(fast=True, markers=True)) as a:
        for name in names:
            im = load_image(PROTOCOL / name)
            found = rank_people(a._detector.detect(im.rgb))
            if not found:
                continue
            img, _, _ = framed(im.rgb, found[0], 1000)
            people = rank_people(a._detector.detect(img))
            if not people:
                continue
            lm = people[0]
            view = "back" if name.startswith("back") else "front"
            for cm in SIZES_CM:
                for label, blur, quality in DEGRADATIONS:
                    r = rows.setdefault(
                        (cm, label),
                        {
                            "drawn": 0,
                            "found": 0,
                            "pairs": 0,
                            "pairs_named": 0,
                            "extra": 0,
                            "centroid_px": [],
                            "ellipse_px": [],
                            "tilt": {k: [] for k in PAIRS},
                            "tilt_by_estimator": {"centroid": [], "ellipse": [], "mean of both": []},
                            "covered": [],
                        },
                    )
                    for _ in range(args.trials):
                        pts = palpated_points(lm, view, tuple(rng.uniform(-0.05, 0.05, 2)))
                        drawn = {
                            k: DrawnSticker(
                                p[0] + rng.uniform(-0.5, 0.5),
                                p[1] + rng.uniform(-0.5, 0.5),
                                sticker_px(cm, lm),
                                rng.uniform(0.75, 1.0),
                                rng.uniform(0, 180),
                                shade=rng.uniform(0, 0.4),
                                shade_angle=rng.uniform(0, 360),
                            )
                            for k, p in pts.items()
                        }
                        m = a.analyze(degrade(draw_stickers(img, list(drawn.values())), blur, quality))
                        mk = m.markers or {}
                        every = [
                            x
                            for k in PAIRS
                            for x in [
                                (mk.get(k) or {}).get("left"),
                                (mk.get(k) or {}).get("right"),
                                *(mk.get(k) or {}).get("ambiguous", []),
                            ]
                            if x is not None
                        ]
                        every += mk.get("extra", [])
                        near = [
                            [
                                float(np.hypot(*np.subtract(x["xy_px"], (d.x, d.y)))) < d.diameter / 2
                                for d in drawn.values()
                            ]
                            for x in every
                        ]
                        r["found"] += sum(any(row[j] for row in near) for j in range(len(drawn)))
                        r["drawn"] += len(drawn)
                        r["extra"] += sum(not any(row) for row in near)
                        for key, (lk, rk) in PAIRS.items():
                            pair = mk.get(key) or {}
                            r["pairs"] += 1
                            for side, k in (("left", lk), ("right", rk)):
                                s = pair.get(side)
                                if s is not None:
                                    r["centroid_px"].append(
                                        float(np.hypot(*np.subtract(s["xy_px"], (drawn[k].x, drawn[k].y))))
                                    )
                                    r["ellipse_px"].append(
                                        float(np.hypot(*np.subtract(s["ellipse_xy_px"], (drawn[k].x, drawn[k].y))))
                                    )
                            if pair.get("found"):
                                r["pairs_named"] += 1
                                true = float(g.tilt_deg([drawn[lk].x, drawn[lk].y], [drawn[rk].x, drawn[rk].y]))
                                r["tilt"][key].append(pair["tilt_deg"] - true)
                                r["covered"].append(abs(pair["tilt_deg"] - true) <= 2 * pair["uncertainty_deg"])
                                lc, rc = np.array(pair["left"]["xy_px"]), np.array(pair["right"]["xy_px"])
                                le, re_ = (
                                    np.array(pair["left"]["ellipse_xy_px"]),
                                    np.array(pair["right"]["ellipse_xy_px"]),
                                )
                                for est, (lp, rp) in (
                                    ("centroid", (lc, rc)),
                                    ("ellipse", (le, re_)),
                                    ("mean of both", ((lc + le) / 2, (rc + re_) / 2)),
                                ):
                                    r["tilt_by_estimator"][est].append(float(g.tilt_deg(lp, rp)) - true)
    out = []
    print(f"{len(names)} photos at 1000 px height, {args.trials} layouts each ({time.time() - t0:.0f} s)")
    print(
        f"{'size':>5} {'condition':22} {'found':>6} {'pairs':>6} {'centroid px p95':>15} {'ellipse px p95':>14} {'shoulder deg med/p95/max':>25} {'pelvis deg med/p95/max':>23} <2u extra"
    )
    for (cm, label), r in rows.items():
        c, e = _stats(r["centroid_px"]), _stats(r["ellipse_px"])
        ts, tp = _stats(r["tilt"]["shoulders"]), _stats(r["tilt"]["pelvis"])
        item = {
            "size_cm": cm,
            "condition": label,
            "stickers_drawn": r["drawn"],
            "stickers_found": r["found"],
            "detection_rate": round(r["found"] / r["drawn"], 3) if r["drawn"] else None,
            "pairs_named_rate": round(r["pairs_named"] / r["pairs"], 3) if r["pairs"] else None,
            "centre_error_px": {"centroid": c, "ellipse": e},
            "tilt_error_deg": {"shoulders": ts, "pelvis": tp},
            "extra_stickers": r["extra"],
            "tilt_error_deg_by_estimator": {k: _stats(v) for k, v in r["tilt_by_estimator"].items()},
            "within_2_uncertainties": round(float(np.mean(r["covered"])), 3) if r["covered"] else None,
        }
        out.append(item)

        def f(s: dict[str, Any]) -> str:
            return f"{s['median']:.2f}/{s['p95']:.2f}/{s['max']:.2f}" if s["n"] else "-"

        print(
            f"{cm:>5} {label:22} {item['detection_rate']:>6} {item['pairs_named_rate']:>6} {c.get('p95', float('nan')):>15} "
            f"{e.get('p95', float('nan')):>14} {f(ts):>25} {f(tp):>23} {item['within_2_uncertainties']} {r['extra']}"
        )
    print("tilt error p95 (degrees, both pairs) by centre estimator: centroid / ellipse / mean of both")
    for item in out:
        b = item["tilt_error_deg_by_estimator"]
        print(
            f"{item['size_cm']:>5} {item['condition']:22} "
            + " / ".join(f"{b[k].get('p95', float('nan')):.3f}" for k in b)
        )
    Path(args.out).write_text(
        json.dumps({"photos": names, "height_px": 1000, "trials": args.trials, "results": out}, indent=1) + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
