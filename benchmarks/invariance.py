"""The same photo at another size, compression, orientation or framing: does it read the same?

Needs ../shared (real photos; not part of the project). Runs the default analysis
(:class:`posture.analyze.Analyzer`, default :class:`~posture.settings.Settings`, as ``posture
analyze`` runs it) on each usable photo (benchmarks/validate.py's rule: one person facing the
camera or away, both tilts measured; and each photo of one person refused, such as a body turned
too far, to see whether its other files are refused too) of ../shared/photos/protocol/images and the
``front_full``/``back_full`` photos of ../shared/photos/images, and on versions of it written
to a file and read back through :func:`posture.images.load_image_bytes`, as a user's file is
(the transforms are in tests/invariance_support.py):

- ``scale 0.5``, ``scale 2``: resized (``cv2.INTER_AREA`` down, ``cv2.INTER_CUBIC`` up), PNG;
- ``jpeg 70``: re-encoded as JPEG at quality 70 (what messengers do);
- ``exif``: the pixels stored turned a quarter turn, with the EXIF Orientation tag that turns
  them upright again (PNG; the decoded array is checked to equal the photo's);
- ``pad edge``, ``pad flat``: 20% of the photo's width (height) added on the left and right (top
  and bottom), the border pixels replicated or the median colour of the border;
- ``rgba``: the pixels with an opaque alpha channel, PNG.

For every metric measured on both: |value - original value| against the combined uncertainty
sqrt(u1^2 + u2^2), the share within 1x and 2x of it per transform; whether the status or view, the
number of people found, or the method (silhouette or landmarks) of the shoulder and pelvic tilts
changed; per metric, the 95th percentile over photos and transforms of |value - original value|
(``mdc95``): two readings of an unchanged body, so an estimate of the minimal detectable change.
Writes benchmarks/results/invariance.json and prints the tables. About 4 minutes.

``--fast`` analyses in a single pass (``posture analyze --fast``), on the transforms that change
the pixels (``FAST_TRANSFORMS``), and writes benchmarks/results/invariance_fast.json: the basis of
:data:`posture.noise.MDC95_SINGLE_PASS`. About a minute.

Usage: python benchmarks/invariance.py [--fast] [--limit N] [--transforms scale 0.5,jpeg 70] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from invariance_support import TRANSFORMS  # noqa: E402
from validate import usable  # noqa: E402

from posture.analyze import Analyzer  # noqa: E402
from posture.images import load_image, load_image_bytes  # noqa: E402
from posture.measure import METRIC_NAMES  # noqa: E402
from posture.metrics import REFINED  # noqa: E402
from posture.result import PostureMeasurement  # noqa: E402
from posture.settings import Settings  # noqa: E402

SHARED = Path(os.environ.get("POSTURE_SHARED", ROOT.parent / "shared"))
PROTOCOL = SHARED / "photos" / "protocol" / "images"
PHOTOS = SHARED / "photos" / "images"
HEADLINE = tuple(REFINED)
FAST_TRANSFORMS = ("scale 0.5", "scale 2", "jpeg 70", "pad edge", "pad flat")
"""The transforms of ``--fast``: the others (``exif``, ``rgba``) give the same pixels, so a single pass reads them alike."""


def photo_files() -> list[Path]:
    protocol = sorted(PROTOCOL.glob("*"))
    older = sorted(p for p in PHOTOS.glob("*") if p.name.startswith(("front_full", "back_full")))
    return protocol + older


def compared(m: PostureMeasurement) -> bool:
    """Photos compared: the usable ones, and those of one person refused (a body turned too far):
    whether another file of them is refused too."""
    refused = m.status == "not_measurable" and m.subject is not None and m.subject.people_detected == 1
    return usable(m) or refused


def compare(a: PostureMeasurement, b: PostureMeasurement) -> dict[str, Any]:
    """Per metric measured on both: the difference and the combined uncertainty; status and methods."""
    metrics = {}
    for name in METRIC_NAMES:
        m1, m2 = a.metrics[name], b.metrics[name]
        if m1.value is None or m2.value is None:
            continue
        diff = abs(m2.value - m1.value)
        u = math.hypot(m1.uncertainty, m2.uncertainty) if None not in (m1.uncertainty, m2.uncertainty) else None
        metrics[name] = {
            "original": round(m1.value, 3),
            "value": round(m2.value, 3),
            "diff": round(diff, 3),
            "combined_u": None if u is None else round(u, 3),
        }
        if name in REFINED:
            metrics[name]["method"] = [m1.method, m2.method]
    return {
        "status": [a.status, b.status],
        "view": [a.subject.view if a.subject else None, b.subject.view if b.subject else None],
        "people": [a.subject.people_detected if a.subject else 0, b.subject.people_detected if b.subject else 0],
        "metrics": metrics,
    }


def within(cases: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, Any]:
    """Share of the readings of ``names`` within 1x and 2x their combined uncertainty."""
    rows = [
        c["metrics"][n] for c in cases for n in names if n in c["metrics"] and c["metrics"][n]["combined_u"] is not None
    ]
    if not rows:
        return {"n": 0, "within_1": None, "within_2": None, "max_ratio": None}
    ratios = [r["diff"] / r["combined_u"] for r in rows]
    n1, n2 = sum(x <= 1 for x in ratios), sum(x <= 2 for x in ratios)
    return {
        "n": len(rows),
        "n_within_1": n1,
        "n_within_2": n2,
        "within_1": round(n1 / len(rows), 3),
        "within_2": round(n2 / len(rows), 3),
        "max_ratio": round(max(ratios), 2),
        "median_diff": round(float(np.median([r["diff"] for r in rows])), 3),
    }


def _methods(m: dict[str, Any]) -> str:
    return ", " + " -> ".join(m["method"]) if "method" in m else ""


def summarise(cases: list[dict[str, Any]]) -> dict[str, Any]:
    read = [c for c in cases if "refused" not in c]
    return {
        "photos": len(cases),
        "refused": [f"{c['photo']}: {c['refused']}" for c in cases if "refused" in c],
        "status_changed": [
            f"{c['photo']}: {c['status'][0]} ({c['view'][0]}) -> {c['status'][1]} ({c['view'][1]})"
            for c in read
            if (c["status"][0], c["view"][0]) != (c["status"][1], c["view"][1])
        ],
        "people_changed": [
            f"{c['photo']}: {c['people'][0]} -> {c['people'][1]}" for c in read if c["people"][0] != c["people"][1]
        ],
        "method_changed": [
            f"{c['photo']} {REFINED[n]}: {' -> '.join(c['metrics'][n]['method'])}"
            for c in read
            for n in HEADLINE
            if n in c["metrics"] and c["metrics"][n]["method"][0] != c["metrics"][n]["method"][1]
        ],
        "shoulders": within(read, ("shoulder_tilt_deg",)),
        "pelvis": within(read, ("pelvic_tilt_deg",)),
        "all": within(read, METRIC_NAMES),
        "outside": [
            f"{c['photo']} {n}: {m['original']:+.2f} -> {m['value']:+.2f} (u {m['combined_u']:.2f}{_methods(m)})"
            for c in read
            for n, m in c["metrics"].items()
            if m["combined_u"] is not None and m["diff"] > m["combined_u"]
        ],
    }


def mdc95(per: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per metric: the 95th percentile over photos and transforms of |value - original value|, and how many;
    of the cases whose status and view did not change (a back view read as a front one is another reading)."""
    same = [c for cs in per.values() for c in cs if "refused" not in c and c["status"][0] == c["status"][1]]
    same = [c for c in same if c["view"][0] == c["view"][1]]
    out = {}
    for name in METRIC_NAMES:
        diffs = [c["metrics"][name]["diff"] for c in same if name in c["metrics"]]
        if diffs:
            out[name] = {"p95": round(float(np.percentile(diffs, 95)), 2), "n": len(diffs)}
    return out


def run(limit: int | None, transforms: list[str], fast: bool = False) -> dict[str, Any]:
    from posture.errors import InputError

    per: dict[str, list[dict[str, Any]]] = {t: [] for t in transforms}
    skipped = []
    t0 = time.perf_counter()
    with Analyzer(Settings(fast=fast)) as a:
        done = 0
        for path in photo_files():
            if limit is not None and done >= limit:
                break
            loaded = load_image(path)
            original = a.analyze(loaded)
            if not compared(original):
                skipped.append(f"{path.name}: {original.status}, {original.message}")
                continue
            done += 1
            print(f"{path.name}", file=sys.stderr, flush=True)
            for t in transforms:
                data = TRANSFORMS[t](loaded.rgb)
                try:
                    other = load_image_bytes(data, f"{path.stem} ({t})")
                except InputError as e:
                    per[t].append({"photo": path.name, "refused": str(e)})
                    continue
                if t == "exif" and not np.array_equal(other.rgb, loaded.rgb):
                    raise SystemExit(f"{path.name}: the EXIF-rotated file does not read as the upright pixels")
                per[t].append({"photo": path.name, **compare(original, a.analyze(other))})
    return {
        "fast": fast,
        "photos": done,
        "skipped": skipped,
        "seconds": round(time.perf_counter() - t0, 1),
        "mdc95": mdc95(per),
        "summary": {t: summarise(c) for t, c in per.items()},
        "cases": per,
    }


def dump(res: dict[str, Any]) -> str:
    """The results as JSON, one line a photo's case (the cases are most of the file)."""
    head = json.dumps({k: v for k, v in res.items() if k != "cases"}, indent=1)
    cases = ",\n".join(
        f" {json.dumps(t)}: [\n" + ",\n".join("  " + json.dumps(c) for c in cs) + "\n ]"
        for t, cs in res["cases"].items()
    )
    return head[:-2] + ',\n "cases": {\n' + cases + "\n }\n}\n"


def _share(s: dict[str, Any]) -> str:
    if not s["n"]:
        return "–"
    return f"{s['n_within_1']} / {s['n_within_2']} of {s['n']} (max {s['max_ratio']:.1f}×)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="a single pass, on FAST_TRANSFORMS unless --transforms")
    ap.add_argument("--limit", type=int, default=None, help="at most this many photos compared")
    ap.add_argument("--transforms", default=None, help="comma-separated, of: " + ", ".join(TRANSFORMS))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    default = FAST_TRANSFORMS if args.fast else tuple(TRANSFORMS)
    out = args.out or ROOT / "benchmarks" / "results" / ("invariance_fast.json" if args.fast else "invariance.json")
    transforms = [t.strip() for t in (args.transforms or ",".join(default)).split(",") if t.strip()]
    unknown = [t for t in transforms if t not in TRANSFORMS]
    if unknown:
        ap.error(f"unknown transforms: {', '.join(unknown)}")
    res = run(args.limit, transforms, args.fast)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump(res))
    print(f"{res['photos']} photos, {res['seconds']} s")
    for name, row in res["mdc95"].items():
        print(f"{name:<26} 95th percentile of |change| {row['p95']:.2f} over {row['n']}")
    print(
        f"{'transform':<10} {'shoulders 1x / 2x':<32} {'pelvis 1x / 2x':<32} {'all metrics 1x / 2x':<32} status people method"
    )
    for t, s in res["summary"].items():
        print(
            f"{t:<10} {_share(s['shoulders']):<32} {_share(s['pelvis']):<32} {_share(s['all']):<32} "
            f"{len(s['status_changed']):>6} {len(s['people_changed']):>6} {len(s['method_changed']):>6}"
        )
    for t, s in res["summary"].items():
        for key in ("refused", "status_changed", "people_changed", "method_changed", "outside"):
            for line in s[key]:
                print(f"{t}: {key}: {line}")


if __name__ == "__main__":
    main()
