"""Benchmark of the marker mode (posture.markers): detection rate and angle error by sticker size.

Stickers are drawn (tests/marker_support.py: soft-edged, shaded, slightly
elliptical) at plausible acromion and ASIS/PSIS positions on real photos of
../shared/photos/protocol (not part of the project), each photo framed to
1000 px height; the photo is then blurred and JPEG-compressed, and analysed as a
PNG or JPEG file would be (a PNG's centres carry no compression terms). For every
sticker size (cm, converted with a 36 cm shoulder-landmark distance) and
degradation it reports

* the detection rate: drawn stickers found (named or not) within half a
  diameter of their centre, and pairs named (both found, unambiguous);
* the centre error (pixels) of the reported centre and of the estimators
  behind it: the coverage matte's centroid (colour), the luma centroid
  (where the sticker's luma stands out from a smooth background; its share
  of the stickers is given) and the fitted ellipse, and the tilt error the
  colour centroid, the ellipse and the reported centres give;
* the tilt error |measured - drawn| (degrees) per pair (shoulders, pelvis),
  median, 95th percentile, maximum and mean;
* how often the tilt error is within twice the stated uncertainty (with the
  tilt's floor, as reported) and within twice the uncertainty the two
  centres give (without it); how often a centre is within twice its
  uncertainty on each axis;
* false stickers: stickers found that match no drawn one;
* the luma centre's edge fit against the luma centroid alone (posture.marker_fit),
  paired: every photo is analysed both ways (the fit replaced by its fallback,
  the centroid, for the second), in alternating order, timed. Per row, for the
  fit minus the centroid: the difference of the mean absolute tilt error and of
  its 95th percentile (both pairs pooled, and per pair) with a 95% bootstrap
  confidence interval (the photos resampled with replacement, each with all its
  pairs, ``BOOTSTRAP`` times, fixed seed); both ways' centre error and coverage;
  and pooled over the compressed rows, the difference of the mean.

Usage: python benchmarks/markers.py [--quick] [--out benchmarks/results/markers.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from marker_support import DrawnSticker, degrade, draw_stickers, framed, palpated_points, sticker_px  # noqa: E402

from posture import geometry as g  # noqa: E402
from posture import markers  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.images import LoadedImage, load_image  # noqa: E402
from posture.marker_result import Markers  # noqa: E402
from posture.pose import rank_people  # noqa: E402
from posture.settings import Settings  # noqa: E402

PROTOCOL = ROOT.parent / "shared" / "photos" / "protocol" / "images"
SIZES_CM = (1.5, 2.0, 3.0)
DEGRADATIONS = (
    ("sharp PNG", 0.0, None, False),
    ("blur 0.7 px, JPEG 92", 0.7, 92, False),
    ("blur 1.0 px, JPEG 85", 1.0, 85, False),
    ("blur 1.0 px, JPEG 85 4:4:4", 1.0, 85, True),
    ("blur 1.5 px, JPEG 75", 1.5, 75, False),
)
"""Label, blur sigma (pixels), JPEG quality, colour at full resolution (4:4:4; a camera's JPEG
stores it at half resolution, 4:2:0): the 4:4:4 row shows what the half-resolution colour costs."""
ESTIMATORS = {"colour": "colour_xy_px", "luma": "luma_xy_px", "ellipse": "ellipse_xy_px", "reported": "xy_px"}
PAIRS = {"shoulders": ("left_shoulder", "right_shoulder"), "pelvis": ("left_pelvis", "right_pelvis")}
WAYS = ("fit", "centroid")
"""The luma centre as the library computes it (the edge fit), and the luma centroid alone."""
BOOTSTRAP = 2000
"""Resamples of the photos for a confidence interval."""


def _stats(x: list[float]) -> dict[str, Any]:
    if not x:
        return {"n": 0}
    a = np.abs(np.array(x))
    return {
        "n": len(a),
        "median": round(float(np.median(a)), 3),
        "p95": round(float(np.percentile(a, 95)), 3),
        "max": round(float(a.max()), 3),
        "mean": round(float(a.mean()), 3),
    }


def _rate(flags: list[bool]) -> float | None:
    return round(float(np.mean(flags)), 3) if flags else None


def _score(r: dict[str, Any], mk: Markers | None, drawn: dict[str, DrawnSticker], unit: tuple[int, int]) -> None:
    """Add one analysed photo's stickers to the row ``r`` (module docstring); ``unit`` (photo index,
    layout) keys its tilt errors for pairing."""
    pairs = {k: None if mk is None else mk.pair(k) for k in PAIRS}
    every = [
        x
        for pair in pairs.values()
        if pair is not None
        for x in [pair.left, pair.right, *(pair.ambiguous or ())]
        if x is not None
    ]
    every += [] if mk is None else list(mk.extra)
    near = [
        [float(np.hypot(*np.subtract(x.xy_px, (d.x, d.y)))) < d.diameter / 2 for d in drawn.values()] for x in every
    ]
    r["found"] += sum(any(row[j] for row in near) for j in range(len(drawn)))
    r["drawn"] += len(drawn)
    r["extra"] += sum(not any(row) for row in near)
    for key, (lk, rk) in PAIRS.items():
        pair = pairs[key]
        r["pairs"] += 1
        for s, k in () if pair is None else ((pair.left, lk), (pair.right, rk)):
            if s is None:
                continue
            truth = (drawn[k].x, drawn[k].y)
            for est, field in ESTIMATORS.items():
                if getattr(s, field) is not None:
                    r["centre_px"][est].append(float(np.hypot(*np.subtract(getattr(s, field), truth))))
            if s.luma_xy_px is not None:  # the colour centre on the same stickers as the luma's
                r["centre_px"]["colour where luma used"].append(float(np.hypot(*np.subtract(s.colour_xy_px, truth))))
            r["centre_covered"] += [abs(e) <= 2 * s.uncertainty_px for e in np.subtract(s.xy_px, truth)]
        if pair is None or not pair.found or pair.left is None or pair.right is None:
            continue
        assert pair.tilt_deg is not None and pair.uncertainty_deg is not None  # a pair found has its tilt
        r["pairs_named"] += 1
        left, right = pair.left, pair.right
        true = float(g.tilt_deg([drawn[lk].x, drawn[lk].y], [drawn[rk].x, drawn[rk].y]))
        err = pair.tilt_deg - true
        r["tilt"][key].append(err)
        r["tilt_by_unit"][(*unit, key)] = abs(err)
        r["covered"].append(abs(err) <= 2 * pair.uncertainty_deg)
        sep = float(np.hypot(*np.subtract(left.xy_px, right.xy_px)))
        sigma = float(np.degrees(np.hypot(left.uncertainty_px, right.uncertainty_px) / sep))
        r["covered_without_floor"].append(abs(err) <= 2 * sigma)
        for est in r["tilt_by_estimator"]:
            field = ESTIMATORS[est]
            r["tilt_by_estimator"][est].append(float(g.tilt_deg(getattr(left, field), getattr(right, field))) - true)


def _new_row() -> dict[str, Any]:
    return {
        "drawn": 0,
        "found": 0,
        "pairs": 0,
        "pairs_named": 0,
        "extra": 0,
        "centre_px": {k: [] for k in (*ESTIMATORS, "colour where luma used")},
        "centre_covered": [],
        "tilt": {k: [] for k in PAIRS},
        "tilt_by_unit": {},
        "tilt_by_estimator": {k: [] for k in ESTIMATORS if k != "luma"},
        "covered": [],
        "covered_without_floor": [],
        "fell_back": [],
    }


def _p95(x: NDArray[np.float64]) -> float:
    return float(np.percentile(x, 95))


def _paired_ci(
    photo: NDArray[np.int64], a: NDArray[np.float64], b: NDArray[np.float64], stat: Callable[..., float]
) -> dict[str, float | list[float]]:
    """``stat(b) - stat(a)`` over paired values (one per pair, ``photo`` saying whose) with its 95%
    bootstrap interval: the photos drawn with replacement, each with all its pairs (fixed seed)."""
    groups = [np.flatnonzero(photo == p) for p in np.unique(photo)]
    rng = np.random.default_rng(1)
    diffs = np.empty(BOOTSTRAP)
    for i in range(BOOTSTRAP):
        idx = np.concatenate([groups[k] for k in rng.integers(0, len(groups), len(groups))])
        diffs[i] = stat(b[idx]) - stat(a[idx])
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {"value": round(stat(b) - stat(a), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)]}


def _paired(
    fit: dict[tuple[Any, ...], float], cen: dict[tuple[Any, ...], float], keys: tuple[str, ...]
) -> dict[str, Any]:
    """The fit against the centroid (absolute tilt errors by unit: photo index first, pair last) on
    the pairs of ``keys`` named both ways: how many differ, the differences of the mean and of the p95."""
    units = sorted(u for u in fit.keys() & cen.keys() if u[-1] in keys)
    if not units:
        return {"pairs": 0}
    photo = np.array([u[0] for u in units])
    a, b = np.array([cen[u] for u in units]), np.array([fit[u] for u in units])
    return {
        "pairs": len(units),
        "changed": int(np.count_nonzero(a != b)),
        "photos": len(set(photo.tolist())),
        "mean_abs": _paired_ci(photo, a, b, np.mean),
        "p95": _paired_ci(photo, a, b, _p95),
    }


def _way_summary(r: dict[str, Any]) -> dict[str, Any]:
    """One way's centre error, coverage and tilt error in a row."""
    every = [e for k in PAIRS for e in r["tilt"][k]]
    return {
        "centre_error_px": _stats(r["centre_px"]["reported"]),
        "luma_centre_error_px": _stats(r["centre_px"]["luma"]),
        "centre_within_2_uncertainties": _rate(r["centre_covered"]),
        "within_2_uncertainties": _rate(r["covered"]),
        "pairs_named": r["pairs_named"],
        "tilt_error_deg": {"both pairs": _stats(every), **{k: _stats(r["tilt"][k]) for k in PAIRS}},
        "fits": {"tried": len(r["fell_back"]), "fell_back": sum(r["fell_back"])},
    }


def _fmt_ci(d: dict[str, Any]) -> str:
    return f"{d['value']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"


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
    rows: dict[tuple[float, str], dict[str, dict[str, Any]]] = {}
    seconds = {w: 0.0 for w in WAYS}  # analysis time of the compressed photos
    analyses = 0
    t0 = time.time()
    with Analyzer(Settings(fast=True, markers=True)) as a:

        def analyse(photo: LoadedImage, way: str, fits: list[bool]) -> tuple[Markers | None, float]:
            """The photo's stickers and the analysis time (s); ``centroid``: the fit's fallback, always.
            ``fits`` gets, for each fit tried, whether it fell back."""
            fit_edge = markers.fit_edge

            def counted(*args: Any) -> tuple[float, float] | None:
                fitted = fit_edge(*args)
                fits.append(fitted is None)
                return fitted

            with mock.patch.object(markers, "fit_edge", counted if way == "fit" else lambda *_: None):
                t = time.perf_counter()
                mk = a.analyze(photo).markers
                return mk, time.perf_counter() - t

        for index, name in enumerate(names):
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
                for label, blur, quality, full_colour in DEGRADATIONS:
                    r = rows.setdefault((cm, label), {w: _new_row() for w in WAYS})
                    for trial in range(args.trials):
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
                        photo = degrade(draw_stickers(img, list(drawn.values())), blur, quality, full_colour)
                        as_file = LoadedImage(photo, path="", sha256="", format="PNG" if quality is None else "JPEG")
                        analyses += 1
                        for way in WAYS if analyses % 2 else WAYS[::-1]:  # alternating: neither goes first always
                            mk, dt = analyse(as_file, way, r[way]["fell_back"])
                            seconds[way] += dt if quality is not None else 0.0
                            _score(r[way], mk, drawn, (index, trial))
    out = []
    print(
        f"{len(names)} photos at 1000 px height, {args.trials} layouts each, analysed both ways ({time.time() - t0:.0f} s)"
    )
    print(
        f"{'size':>5} {'condition':27} {'found':>6} {'pairs':>6} {'luma':>5} {'reported px p95':>15} "
        f"{'colour px p95':>13} {'shoulder deg med/p95/max (mean)':>33} {'pelvis deg med/p95/max (mean)':>31} <2u <2s extra"
    )
    for (cm, label), ways in rows.items():
        r = ways["fit"]
        fit, cen = r["tilt_by_unit"], ways["centroid"]["tilt_by_unit"]
        c = {k: _stats(v) for k, v in r["centre_px"].items()}
        ts, tp = _stats(r["tilt"]["shoulders"]), _stats(r["tilt"]["pelvis"])
        item = {
            "size_cm": cm,
            "condition": label,
            "stickers_drawn": r["drawn"],
            "stickers_found": r["found"],
            "detection_rate": round(r["found"] / r["drawn"], 3) if r["drawn"] else None,
            "pairs_named_rate": round(r["pairs_named"] / r["pairs"], 3) if r["pairs"] else None,
            "luma_used_rate": round(c["luma"]["n"] / c["reported"]["n"], 3) if c["reported"]["n"] else None,
            "centre_error_px": c,
            "centre_within_2_uncertainties": _rate(r["centre_covered"]),
            "tilt_error_deg": {"shoulders": ts, "pelvis": tp},
            "extra_stickers": r["extra"],
            "tilt_error_deg_by_estimator": {k: _stats(v) for k, v in r["tilt_by_estimator"].items()},
            "within_2_uncertainties": _rate(r["covered"]),
            "within_2_uncertainties_without_floor": _rate(r["covered_without_floor"]),
            "luma_fit": {
                "ways": {w: _way_summary(ways[w]) for w in WAYS},
                "fit_minus_centroid": {
                    "both pairs": _paired(fit, cen, tuple(PAIRS)),
                    **{k: _paired(fit, cen, (k,)) for k in PAIRS},
                },
            },
        }
        out.append(item)

        def f(s: dict[str, Any]) -> str:
            return f"{s['median']:.2f}/{s['p95']:.2f}/{s['max']:.2f} ({s['mean']:.3f})" if s["n"] else "-"

        print(
            f"{cm:>5} {label:27} {item['detection_rate']:>6} {item['pairs_named_rate']:>6} "
            f"{item['luma_used_rate']:>5} {c['reported'].get('p95', float('nan')):>15} "
            f"{c['colour'].get('p95', float('nan')):>13} {f(ts):>33} {f(tp):>31} {item['within_2_uncertainties']} "
            f"{item['within_2_uncertainties_without_floor']} {r['extra']}"
        )
    print(
        "tilt error p95 (degrees, both pairs) by centre estimator: " + " / ".join(out[0]["tilt_error_deg_by_estimator"])
    )
    for item in out:
        b = item["tilt_error_deg_by_estimator"]
        print(
            f"{item['size_cm']:>5} {item['condition']:27} "
            + " / ".join(f"{b[k].get('p95', float('nan')):.3f}" for k in b)
        )
    print("luma edge fit minus luma centroid, both pairs: pairs changed, mean abs tilt error and p95 (deg, [95% CI]);")
    print("  centroid -> fit: centre p95 px, centres within 2u, tilts within 2u")
    for item in out:
        d, w = item["luma_fit"]["fit_minus_centroid"]["both pairs"], item["luma_fit"]["ways"]
        moved = [
            f"{w['centroid']['centre_error_px'].get('p95')}->{w['fit']['centre_error_px'].get('p95')}",
            *(
                f"{w['centroid'][k]}->{w['fit'][k]}"
                for k in ("centre_within_2_uncertainties", "within_2_uncertainties")
            ),
        ]
        differences = f"{d['changed']}/{d['pairs']} {_fmt_ci(d['mean_abs'])} {_fmt_ci(d['p95'])}" if d["pairs"] else "-"
        print(f"{item['size_cm']:>5} {item['condition']:27} {differences} " + " ".join(moved))
    sharp = DEGRADATIONS[0][0]
    pooled_units = {  # the compressed rows' pairs, the photo index first
        w: {
            (u[0], cm, label, *u[1:]): e
            for (cm, label), ways in rows.items()
            if label != sharp
            for u, e in ways[w]["tilt_by_unit"].items()
        }
        for w in WAYS
    }
    pooled = _paired(pooled_units["fit"], pooled_units["centroid"], tuple(PAIRS))
    timing = {
        "analyses": analyses,
        "compressed_seconds": {w: round(seconds[w], 2) for w in WAYS},
        "ratio": round(seconds["fit"] / seconds["centroid"], 3) if seconds["centroid"] else None,
    }
    print(f"compressed rows pooled: mean abs tilt error {_fmt_ci(pooled['mean_abs'])} deg over {pooled['pairs']} pairs")
    print(f"analysis time of the compressed photos, fit / centroid: {timing['ratio']} ({timing['compressed_seconds']})")
    Path(args.out).write_text(
        json.dumps(
            {
                "photos": names,
                "height_px": 1000,
                "trials": args.trials,
                "results": out,
                "luma_fit": {"bootstrap": BOOTSTRAP, "compressed_pooled": pooled, "timing": timing},
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
