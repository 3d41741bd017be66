"""Write the tables of measured results into the docs from ``benchmarks/results/*.json``.

Each table stands in a Markdown file between ``<!-- table: NAME -->`` and
``<!-- /table -->``; this script replaces what is between them, so the docs
cannot drift from the measurements. ``--check`` changes nothing and exits 1
when a table differs from what the results give (the test suite runs it).

    python docs/make_tables.py            # rewrite the tables
    python docs/make_tables.py --check    # are they up to date?
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = [ROOT / "docs" / "accuracy.md", ROOT / "docs" / "development.md", ROOT / "docs" / "markers.md"]

sys.path.insert(0, str(ROOT))

from posture.metrics import METRICS  # noqa: E402
from posture.noise import BASIS_TEXT, MDC95, MDC95_SINGLE_PASS, MDC_BASIS  # noqa: E402

SETS = {"base": "base", "frontlight": "frontlight", "small_480x640": "small 480×640", "sport_g0": "sport (clothed)"}
TILTS = {"shoulder_tilt_deg": "shoulder", "pelvic_tilt_deg": "pelvis"}


def _load(name: str) -> dict[str, Any]:
    return json.loads((RESULTS / name).read_text())


def _num(x: float | None, signed: bool = False, digits: int = 2) -> str:
    """A number as the tables print it: fixed digits, a true minus sign for negatives."""
    if x is None:
        return "–"
    text = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    if signed and float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "−")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def rotation_mirror() -> str:
    """Rotation recovery and mirror symmetry on real photos (validate.json)."""
    d = _load("validate.json")["rotation_mirror"]
    rows = []
    for mode, label in (("augmented", "default"), ("single", "single")):
        for name, what in (("shoulder_tilt_deg", "shoulder tilt"), ("pelvic_tilt_deg", "pelvic tilt")):
            r, m = d[mode]["rotation"][name], d[mode]["mirror"][name]
            rows.append(
                [label, what, _num(r["median"]), _num(r["p95"]), _num(r["max"]), _num(m["median"]), _num(m["max"])]
            )
    return _table(["mode", "metric", "rotation median", "p95", "max", "mirror median", "max"], rows)


def synthetic() -> str:
    """Error against the true tilt on the rendered people (validate.json)."""
    d = _load("validate.json")["synthetic"]
    rows = []
    for key, label in SETS.items():
        for name, what in TILTS.items():
            cells = [label, what]
            for mode in ("augmented", "single"):
                s = d[f"{key}:{mode}"][name]
                cells += [
                    _num(s["mae"]),
                    _num(s["bias"], True),
                    _num(s["slope"]),
                    _num(s["symmetric_pose_reads"], True),
                ]
            rows.append(cells)
    header = [
        "set",
        "metric",
        "default MAE",
        "bias",
        "slope",
        "level reads",
        "single MAE",
        "bias",
        "slope",
        "level reads",
    ]
    return _table(header, rows)


def refine_synthetic() -> str:
    """Landmark-only against refined tilts on the renders, per mode (refine_validate.json)."""
    d = _load("refine_validate.json")["synthetic"]
    rows = []
    for key, label in SETS.items():
        for mode in ("single", "augmented"):
            s = d[f"{key}:{mode}"]
            cells = [label, mode]
            for pair in ("shoulder", "pelvis"):
                for which in ("landmark", "refined"):
                    x = s[pair][which]
                    cells.append(
                        " / ".join(
                            (
                                _num(x["mae"]),
                                _num(x["bias"], True),
                                _num(x["slope"]),
                                _num(x["symmetric_pose_reads"], True),
                            )
                        )
                    )
            rows.append(cells)
    header = [
        "set",
        "mode",
        "shoulder: landmark MAE / bias / slope / level",
        "shoulder: refined",
        "pelvis: landmark",
        "pelvis: refined",
    ]
    return _table(header, rows)


def refine_rotation_mirror() -> str:
    """Landmark-only against refined tilts on rotated and mirrored real photos (refine_validate.json)."""
    d = _load("refine_validate.json")["rotation_mirror"]
    rows = []
    for mode in ("single", "augmented"):
        r = d[mode]
        for pair in ("shoulder", "pelvis"):
            refined = r["refined_at_0_deg"][pair]
            n = refined if isinstance(refined, int) else len(refined)
            cells = [mode, pair, f"{n} of {r['photos']}"]
            for kind in ("rotation", "mirror"):
                for which in ("landmark", "refined"):
                    x = r[kind][f"{pair}:{which}"]
                    keys = ("median", "p95", "max") if kind == "rotation" else ("median", "max")
                    cells.append(" / ".join(_num(x[k]) for k in keys))
            rows.append(cells)
    header = [
        "mode",
        "pair",
        "refined at 0°",
        "rotation: landmark",
        "rotation: refined",
        "mirror: landmark",
        "mirror: refined",
    ]
    return _table(header, rows)


def mdc() -> str:
    """The minimal detectable change of each metric (posture.noise)."""
    rows = []
    for name, spec in METRICS.items():
        unit = "°" if spec.unit == "deg" else "% of shoulder width"
        rows.append([spec.label, f"{MDC95[name]:.1f}{unit}", BASIS_TEXT[MDC_BASIS[name]]])
    return _table(["metric", "MDC95", "rests on"], rows)


def mdc_single_pass() -> str:
    """A single pass's minimal detectable change and its two bases (still_video.json's ``fast``,
    invariance_fast.json), beside the default analysis's."""
    video = _load("still_video.json")["fast"]["metrics"]
    files = _load("invariance_fast.json")["mdc95"]
    rows = []
    for name, spec in METRICS.items():
        unit = "°" if spec.unit == "deg" else "%"
        rows.append(
            [
                spec.label,
                f"**{MDC95_SINGLE_PASS[name]:.1f}{unit}**",
                f"{1.96 * 2**0.5 * video[name]['sd']:.2f}{unit}",
                f"{files[name]['p95']:.2f}{unit}",
                f"{MDC95[name]:.1f}{unit}",
            ]
        )
    header = ["metric", "MDC95, single pass", "still video (1.96 √2 SD)", "another file (95th percentile)", "default"]
    return _table(header, rows)


def still_video() -> str:
    """Spread over the frames of a person standing still against the reported uncertainty (still_video.json)."""
    d = _load("still_video.json")
    rows = []
    for name, spec in METRICS.items():
        r = d["metrics"][name]
        unit = "°" if spec.unit == "deg" else "%"
        methods = ", ".join(f"{k} {v}" for k, v in r.get("methods", {}).items()) or "–"
        rows.append(
            [
                spec.label,
                f"{r['sd']:.2f}{unit}",
                f"{r['median_uncertainty']:.1f}{unit}",
                "yes" if r["uncertainty_covers_sd"] else "**no**",
                methods,
            ]
        )
    return _table(["metric", "SD over frames", "median uncertainty", "covers the SD", "frames by method"], rows)


def live_capture() -> str:
    """A live capture against the still frames, and the preview's frame rate while it computes (still_video.json)."""
    d = _load("still_video.json")
    c, v = d["capture"], d["live_speed"]
    agree = sum(m["within_uncertainty"] for m in c["metrics"].values())
    ratios = ", ".join(f"{r['with'] / r['without']:.2f}" for r in v["rounds"])
    rows = [
        [
            "preview frames a second during a capture's analysis, against without one (median of the rounds' ratios)",
            f"{v['fps_during_capture_analysis_median']:.1f} against {v['fps_without_capture_median']:.1f}: **{v['ratio_median']:.2f}×** "
            f"(rounds: {ratios})",
            "≥ 0.80×",
        ],
        [
            f"a 3 s capture's {c['frames_analysed']} frames analysed, preview not running",
            f"{c['compute_s']:.1f} s, {c['compute_over_one_photo']:.1f}× one photo's analysis in the same run",
            "",
        ],
        [
            "the same while the preview runs at full speed (median of the rounds)",
            f"{v['capture_compute_s_median']:.0f} s",
            "",
        ],
        [
            "capture's metrics within their uncertainty of the still frames' median",
            f"{agree} of {len(c['metrics'])}",
            "",
        ],
        [
            "machine load (1-minute load average on 2 cores) during the capture / the speed rounds",
            f"{c['load_average_1min']:.0f} / {v['load_average_1min']:.0f}",
            "",
        ],
    ]
    return _table(["", "measured", "target"], rows)


def timing() -> str:
    """Seconds a photo, default against ``--fast``, side by side in one run (cost.json)."""
    t = _load("cost.json")["time"]
    s = t["seconds_a_photo"]
    return (
        f"Default analysis {s['default']:.2f} s a photo, `--fast` {s['fast']:.3f} s "
        f"({t['ratio_to_fast']['default']:.0f}× less; median over the {t['photos']} A-pose protocol photos of "
        "each photo's ratio), measured side by side in one run of `benchmarks/cost.py`."
    )


def cost() -> str:
    """Accuracy against cost of candidate variant sets (cost.json)."""
    d = _load("cost.json")
    ratio = d["time"]["ratio_to_fast"]
    rows = []
    for name, c in d["candidates"].items():
        rend, real = d["rendered"][name], d["real"][name]
        mae = "/".join(_num(max(v["mae"] for k, v in rend.items() if k.endswith(p))) for p in ("shoulder", "pelvis"))

        def three(key: str, stats: tuple[str, ...], real: dict[str, Any] = real) -> str:
            return " · ".join(
                "/".join(_num(real[f"{key}:{p}"].get(st)) for p in ("shoulder", "pelvis")) for st in stats
            )

        rows.append(
            [
                "**default** (today's set)" if name == d.get("chosen") else name,
                f"{c['passes']} / {c['refinements']}",
                f"{ratio[name]:.0f}×" if name in ratio else "–",
                mae,
                three("rotation", ("median", "p95", "max")),
                three("mirror", ("median", "max")),
                "yes" if not c["worse_than_today"] else f"no ({len(c['worse_than_today'])})",
            ]
        )
    return _table(
        [
            "variant set",
            "passes / refined",
            "time (× `--fast`)",
            "rendered MAE sh/pe (worst set)",
            "rotation sh/pe: median · p95 · max",
            "mirror sh/pe: median · max",
            "keeps today's",
        ],
        rows,
    )


def breakdown() -> str:
    """Where the default analysis's CPU time goes (breakdown.json)."""
    d = _load("breakdown.json")
    parts, calls, total = d["default_parts_cpu_ms"], d["default_calls_a_photo"], d["cpu_ms_a_photo"]["default"]
    label = {
        "model passes": "model passes (MediaPipe `detect`; masks read)",
        "refinement": "silhouette refinement",
        "variants": "making the variants (flips, rotations, crops)",
        "strips": "cutting the strips of the second look",
        "measuring and combining": "measuring and combining",
        "rest": "the rest",
    }
    rows = [
        [text, f"{calls[k]:g}" if k in calls else "", f"{parts[k]:.0f}", f"{parts[k] / total:.0%}"]
        for k, text in label.items()
    ]
    rows.append(["**default analysis**", "", f"**{total:.0f}**", f"{d['default_over_fast']:.0f}× `--fast` (means)"])
    return _table(["part", "calls a photo", "CPU ms a photo", "share"], rows)


def speed() -> str:
    """Start-up, overhead against a bare model call, workers, default mode (speed.json)."""
    d = _load("speed.json")
    st, a, b, c, dm = d["startup_s"], d["a_in_process"], d["b_cold_process"], d["c_workers"], d["d_default_mode"]
    one, two = c["seconds"]["1 worker"], c["seconds"]["2 workers"]
    rows = [
        [
            "start-up: cold `posture --help`, `--version`, a usage error (median of 7)",
            f"{st['posture --help']:.3f} s (`python -c pass`: {st['python -c pass']:.3f} s)",
            "≤ 0.3 s",
        ],
        [
            f"(a) `--fast` analysis in process against a bare `PoseLandmarker.detect` ({a['photos']} photos × {a['rounds']})",
            f"{a['posture_fast_s'] * 1000:.1f} against {a['bare_detect_s'] * 1000:.1f} ms a photo: **{a['ratio']:.2f}×**",
            "≤ 1.10×",
        ],
        [
            "(b) a cold `posture analyze PHOTO --json --fast` process against `benchmarks/minimal_tilts.py` (median of 7)",
            f"{b['posture_analyze_json_fast_s']:.2f} against {b['minimal_script_s']:.2f} s: **{b['ratio']:.2f}×**",
            "≤ 1.2×",
        ],
        [
            f"(c) {c['photos']} photos, default mode, 2 workers against 1, end to end",
            f"{two:.1f} against {one:.1f} s: **{c['ratio_2_over_1']:.2f}×**",
            "≥ 1.7×",
        ],
        [f"(d) default mode, in process, {dm['photos']} photos", f"{dm['median_s']:.2f} s a photo (median)", ""],
    ]
    return _table(["", "measured", "target"], rows)


OUTLINE_SETS = {
    "protocol": "protocol photos",
    "photos": "older real photos",
    **{f"renders:{k}": f"renders: {v}" for k, v in SETS.items()},
}
PARTS = ("shoulders", "pelvis")
METHODS = {"silhouette": "outline", "landmarks": "landmarks", None: "–"}


def _outline() -> dict[str, Any]:
    return _load("outline_validation.json")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "**FAIL**"


def _of(n: int, total: int) -> str:
    return f"{n} of {total} ({n / total:.0%})" if total else "–"


def outline_coverage() -> str:
    """Share of measured photos whose tilts come from the outline, per set (outline_validation.json)."""
    d = _outline()["coverage"]
    rows = []
    for key, label in OUTLINE_SETS.items():
        if key in d:
            s = d[key]
            cells = [_of(s[p]["outline"], s[p]["of"]) + _coverage_target(s[p]) for p in PARTS]
            rows.append([label, f"{s['measured']} of {s['photos']}", *cells])
    return _table(["set", "measured", "shoulders from the outline", "pelvis from the outline"], rows)


def _coverage_target(part: dict[str, Any]) -> str:
    """The target and its verdict (", target at least X%: PASS") where the set has a coverage target."""
    return f", target at least {part['target']:.0%}: {_verdict(part['pass'])}" if "target" in part else ""


def outline_fallbacks() -> str:
    """Why the tilts fell back to the landmarks: each fallback's cause code, counted
    (outline_validation.json)."""
    d = _outline()["coverage"]
    groups = {"protocol": ["protocol"], "older": ["photos"], "renders": [k for k in d if k.startswith("renders:")]}
    counts: dict[str, dict[str, int]] = {}
    for part in PARTS:
        for group, keys in groups.items():
            for name in keys:
                for code, n in d[name][part].get("fallback_causes", {}).items():
                    reason = "(no cause given)" if code == "None" else code
                    cell = counts.setdefault(reason, {})
                    cell[f"{part}:{group}"] = cell.get(f"{part}:{group}", 0) + n
    rows = [
        [reason, *(" / ".join(str(c.get(f"{p}:{g}", 0)) for g in groups) for p in PARTS)]
        for reason, c in sorted(counts.items(), key=lambda rc: (-sum(rc[1].values()), rc[0]))
    ]
    return _table(["cause", "shoulders: protocol / older / renders", "pelvis: protocol / older / renders"], rows)


def outline_rotation_mirror() -> str:
    """Rotation recovery and mirror symmetry of the outline readings on real photos (outline_validation.json)."""
    d = _outline()
    rows = []
    for part in PARTS:
        for kind in ("rotation", "mirror"):
            r, t = d["rotation_mirror"][part][kind], d["targets"][kind]
            rows.append(
                [
                    part,
                    kind,
                    str(r["photos"]),
                    str(r["n"]),
                    str(r["fell_back"]),
                    _num(r.get("median")),
                    _num(r.get("p95")),
                    _num(r.get("max")),
                    f"median ≤ {t['median']:.1f}°, p95 ≤ {t['p95']:.1f}°",
                    _verdict(r["pass"]),
                ]
            )
    header = ["tilt", "check", "photos", "readings", "fell back", "median", "p95", "max", "target", "result"]
    return _table(header, rows)


def outline_pairs() -> str:
    """Each pair of readings of one person taken together against their combined uncertainty (outline_validation.json)."""
    rows = []
    for r in _outline()["pairs"]["rows"]:
        (a, b), (ua, ub) = r["values"], r["uncertainties"]
        rows.append(
            [
                f"`{r['source']}`" if r["source"] != "photos" else "photos",
                r["pair"],
                r["tilt"],
                f"{_num(a, True, 1)} ± {_num(ua, digits=1)} / {_num(b, True, 1)} ± {_num(ub, digits=1)}",
                " / ".join(METHODS[m] for m in r["methods"])
                + ("" if all(r.get("reads_sides", (True,))) else " (**sides swapped**)"),
                _num(r["difference"]),
                _num(r["combined_uncertainty"]),
                "yes" if r["within"] else "**no**",
            ]
        )
    header = ["source", "pair", "tilt", "readings (°)", "methods", "difference", "combined uncertainty", "within"]
    return _table(header, rows)


def outline_pairs_summary() -> str:
    """The share of pairs within their combined uncertainty, against the target (outline_validation.json)."""
    d = _outline()
    target = d["targets"]["pairs_within_share"]
    rows = []
    for part, s in d["pairs"]["summary"].items():
        rows.append(
            [
                "both" if part == "all" else part,
                f"{s['within']} of {s['pairs']}",
                _num(s["share"]),
                f"{s['both_outline_within']} of {s['both_outline']}",
                f"≥ {target:.2f}",
                _verdict(s["pass"]),
            ]
        )
    return _table(["tilt", "pairs within", "share", "both from the outline: within", "target", "result"], rows)


def outline_still() -> str:
    """Spread of the tilts over the still video against their median uncertainty (outline_validation.json)."""
    s = _outline()["still_video"]
    rows = [
        [
            part,
            _of(s[part]["outline_frames"], s[part]["n"]),
            f"{_num(s[part]['sd'])}°",
            f"{_num(s[part]['median_uncertainty'])}°",
            "SD ≤ median uncertainty",
            _verdict(s[part]["pass"]),
        ]
        for part in PARTS
    ]
    return _table(["tilt", "frames from the outline", "SD over frames", "median uncertainty", "target", "result"], rows)


def outline_renders() -> str:
    """The headline tilts on the renders against the targets (outline_validation.json)."""
    d = _outline()
    rows = []
    for key, label in SETS.items():
        for part in PARTS:
            r, t = d["renders"][key][part], d["targets"]["renders"][part]
            lo, hi = t["slope"]
            slope = f"{lo:.1f}-{hi:.1f}" if hi is not None else f"≥ {lo:.1f}"
            failed = [k for k, ok in r["pass"].items() if not ok]
            rows.append(
                [
                    label,
                    part,
                    _num(r["mae"]),
                    _num(r["bias"], True),
                    _num(r["slope"]),
                    _num(r["level"], True),
                    str(r["fallbacks"]),
                    f"MAE ≤ {t['mae']:.1f}°, slope {slope}, level within {t['level']:.1f}°",
                    "PASS" if not failed else f"**FAIL** ({', '.join(failed)})",
                ]
            )
    header = ["set", "tilt", "MAE", "bias", "slope", "level reads", "fell back", "target", "result"]
    return _table(header, rows)


def invariance() -> str:
    """The same photo as another file against the photo itself, per transform (invariance.json)."""
    d = _load("invariance.json")

    def share(w: dict[str, Any]) -> str:
        return f"{w['n_within_1']} · {w['n_within_2']} of {w['n']}" if w["n"] else "–"

    rows = []
    for name, s in d["summary"].items():
        changed = [str(len(s[k])) for k in ("status_changed", "people_changed", "method_changed")]
        read = s["photos"] - len(s["refused"])
        rows.append(
            [
                name,
                f"{read} of {s['photos']}",
                share(s["shoulders"]),
                share(s["pelvis"]),
                share(s["all"]),
                f"{_num(s['all']['max_ratio'], digits=1)}×",
                *changed,
            ]
        )
    header = [
        "file",
        "read",
        "shoulders within 1× · 2×",
        "pelvis",
        "all metrics",
        "largest difference / u",
        "status or view",
        "people",
        "method",
    ]
    return _table(header, rows)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _spread(s: dict[str, Any]) -> str:
    """Median / 95th percentile / maximum of a benchmark's error statistics."""
    return " / ".join(_num(s[k]) for k in ("median", "p95", "max")) if s["n"] else "–"


def markers() -> str:
    """Sticker detection and tilt error by size and photo quality (markers.json)."""
    rows = []
    for r in _load("markers.json")["results"]:
        c = r["centre_error_px"]
        rows.append(
            [
                f"{r['size_cm']:.1f}",
                r["condition"],
                _pct(r["detection_rate"]),
                _pct(r["pairs_named_rate"]),
                _pct(r["luma_used_rate"]),
                _num(c["reported"].get("p95")),
                _num(c["colour"].get("p95")),
                _spread(r["tilt_error_deg"]["shoulders"]),
                _spread(r["tilt_error_deg"]["pelvis"]),
                " / ".join(_num(r["tilt_error_deg"][k].get("mean"), digits=3) for k in ("shoulders", "pelvis")),
                _pct(r["within_2_uncertainties"]),
                _pct(r["within_2_uncertainties_without_floor"]),
            ]
        )
    header = ["size cm", "photo", "found", "pairs", "luma", "centre px", "colour px", "shoulders °", "pelvis °"]
    return _table(header + ["mean °", "≤2u", "≤2σ"], rows)


def markers_estimators() -> str:
    """Tilt error's 95th percentile by sticker centre estimator (markers.json)."""
    rows = []
    for r in _load("markers.json")["results"]:
        b = r["tilt_error_deg_by_estimator"]
        rows.append(
            [f"{r['size_cm']:.1f}", r["condition"], *(_num(b[k].get("p95")) for k in ("colour", "ellipse", "reported"))]
        )
    return _table(["size cm", "photo", "colour", "ellipse", "reported"], rows)


def _diff(d: dict[str, Any]) -> str:
    """A paired difference with its 95% interval, degrees."""
    lo, hi = d["ci95"]
    return f"{_num(d['value'], True, 3)} [{_num(lo, True, 3)}, {_num(hi, True, 3)}]"


def _ways(a: float | None, b: float | None, digits: int = 3) -> str:
    """The luma centroid's figure → the fit's."""
    return f"{_num(a, digits=digits)} → {_num(b, digits=digits)}"


def markers_luma_fit() -> str:
    """The luma edge fit against the luma centroid, both pairs, paired by drawn photo (markers.json)."""
    rows = []
    for r in _load("markers.json")["results"]:
        d, w = r["luma_fit"]["fit_minus_centroid"]["both pairs"], r["luma_fit"]["ways"]
        t = {k: w[k]["tilt_error_deg"]["both pairs"] for k in ("centroid", "fit")}
        rows.append(
            [
                f"{r['size_cm']:.1f}",
                r["condition"],
                f"{d['changed']} of {d['pairs']}",
                _ways(t["centroid"]["mean"], t["fit"]["mean"]),
                _diff(d["mean_abs"]),
                _ways(t["centroid"]["p95"], t["fit"]["p95"]),
                _diff(d["p95"]),
            ]
        )
    header = ["size cm", "photo", "pairs changed", "mean °", "fit − centroid", "p95 °", "fit − centroid"]
    return _table(header, rows)


def markers_luma_fit_pairs() -> str:
    """The same, each pair alone: differences of the mean and the p95 (markers.json)."""
    rows = []
    for r in _load("markers.json")["results"]:
        d = r["luma_fit"]["fit_minus_centroid"]
        cells = [_diff(d[k][s]) for k in ("shoulders", "pelvis") for s in ("mean_abs", "p95")]
        rows.append([f"{r['size_cm']:.1f}", r["condition"], *cells])
    header = ["size cm", "photo", "shoulders: mean", "shoulders: p95", "pelvis: mean", "pelvis: p95"]
    return _table(header, rows)


def markers_luma_fit_centres() -> str:
    """Both ways' centre error and coverage (markers.json)."""
    rows = []
    for r in _load("markers.json")["results"]:
        a, b = (r["luma_fit"]["ways"][k] for k in ("centroid", "fit"))
        rows.append(
            [
                f"{r['size_cm']:.1f}",
                r["condition"],
                _ways(a["centre_error_px"]["p95"], b["centre_error_px"]["p95"], 2),
                _ways(a["centre_error_px"]["mean"], b["centre_error_px"]["mean"]),
                f"{_pct(a['centre_within_2_uncertainties'])} → {_pct(b['centre_within_2_uncertainties'])}",
                f"{_pct(a['within_2_uncertainties'])} → {_pct(b['within_2_uncertainties'])}",
            ]
        )
    return _table(["size cm", "photo", "centre p95 px", "centre mean px", "centres ≤2u", "tilts ≤2u"], rows)


def markers_luma_fit_rule() -> str:
    """The rule's five conditions, each with its figures and whether it is met (markers.json)."""
    d = _load("markers.json")
    sharp = [r["luma_fit"]["fit_minus_centroid"]["both pairs"] for r in d["results"] if r["condition"] == "sharp PNG"]
    jpeg = [r["luma_fit"]["fit_minus_centroid"]["both pairs"] for r in d["results"] if r["condition"] != "sharp PNG"]
    worst = max(max(b["mean_abs"]["ci95"][0], b["p95"]["ci95"][0]) for b in jpeg)
    pooled, timing = d["luma_fit"]["compressed_pooled"]["mean_abs"], d["luma_fit"]["timing"]
    fit = [r["luma_fit"]["ways"]["fit"] for r in d["results"]]
    centres = min(w["centre_within_2_uncertainties"] for w in fit)
    tilts = min(w["within_2_uncertainties"] for w in fit)
    changed = sum(b["changed"] for b in sharp)
    seconds = timing["compressed_seconds"]
    checks = [
        (
            "(a) no row significantly worse",
            f"highest lower bound of the {2 * len(jpeg)} intervals: {_num(worst, True, 3)}°",
            worst <= 0,
        ),
        ("(b) lower over the compressed rows", f"mean {_diff(pooled)}°", pooled["ci95"][1] < 0),
        (
            "(c) coverage ≥ 95% in every row",
            f"centres at least {_pct(centres)}, tilts at least {_pct(tilts)}",
            min(centres, tilts) >= 0.95,
        ),
        ("(d) sharp PNG rows unchanged", f"{changed} of {sum(b['pairs'] for b in sharp)} pairs changed", changed == 0),
        (
            "(e) at most 1.2 times the time",
            f"{_num(timing['ratio'])}× ({seconds['fit']:.1f} against {seconds['centroid']:.1f} s)",
            timing["ratio"] <= 1.2,
        ),
    ]
    return _table(["condition", "measured", "met"], [[c, m, "yes" if ok else "**no**"] for c, m, ok in checks])


TABLES: dict[str, Callable[[], str]] = {
    "speed": speed,
    "rotation-mirror": rotation_mirror,
    "synthetic": synthetic,
    "refine-synthetic": refine_synthetic,
    "refine-rotation-mirror": refine_rotation_mirror,
    "mdc": mdc,
    "mdc-single-pass": mdc_single_pass,
    "still-video": still_video,
    "live-capture": live_capture,
    "timing": timing,
    "cost": cost,
    "outline-coverage": outline_coverage,
    "outline-fallback-causes": outline_fallbacks,
    "outline-rotation-mirror": outline_rotation_mirror,
    "outline-pairs": outline_pairs,
    "outline-pairs-summary": outline_pairs_summary,
    "outline-still": outline_still,
    "outline-renders": outline_renders,
    "invariance": invariance,
    "breakdown": breakdown,
    "markers": markers,
    "markers-estimators": markers_estimators,
    "markers-luma-fit": markers_luma_fit,
    "markers-luma-fit-pairs": markers_luma_fit_pairs,
    "markers-luma-fit-centres": markers_luma_fit_centres,
    "markers-luma-fit-rule": markers_luma_fit_rule,
}

_BLOCK = re.compile(r"(<!-- table: ([\w-]+) -->\n)(.*?)(<!-- /table -->)", re.S)


def render(text: str) -> str:
    """``text`` with every table block filled from the results."""

    def fill(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in TABLES:
            raise SystemExit(f"make_tables: unknown table {name!r}")
        return f"{m.group(1)}{TABLES[name]()}\n{m.group(4)}"

    return _BLOCK.sub(fill, text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when a table is out of date")
    args = ap.parse_args(argv)
    stale = []
    for path in DOCS:
        old = path.read_text(encoding="utf-8")
        new = render(old)
        if new != old:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print(f"tables out of date in {', '.join(map(str, stale))}: run python docs/make_tables.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
