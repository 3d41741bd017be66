"""Coverage of the silhouette method: on how many real photos do the tilts come from the outline?

Runs ``posture analyze``'s default analysis (:class:`posture.analyze.Analyzer`)
on the photos of ../shared/photos/protocol/images (people standing the way a
posture tool's users stand) and, with ``--all``, on ../shared/photos/images
too, and writes benchmarks/results/coverage.json:

* ``photos``: per photo its status, and for the shoulder and pelvic tilts the
  method (``silhouette`` or ``landmarks``), the value, the uncertainty and the
  reason the outline was not used (in words, and its cause as data with the hint it gives);
* ``summary``: per folder, the share of measured photos whose shoulder and
  pelvic tilts come from the outline, and the fallbacks' cause codes, counted.

Usage: python benchmarks/coverage.py [--all] [--only SUBSTRING] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "photos"
FOLDERS = {"protocol": SHARED / "protocol" / "images", "photos": SHARED / "images"}
OUT = ROOT / "benchmarks" / "results" / "coverage.json"
TILTS = {"shoulders": "shoulder_tilt_deg", "pelvis": "pelvic_tilt_deg"}
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}

if TYPE_CHECKING:
    from posture.result import PostureMeasurement


def measure(paths: list[Path]) -> list[dict[str, Any]]:
    """The default analysis of each photo, reduced to what coverage needs."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    with Analyzer(Settings()) as analyzer:
        return [row_of(path.name, analyzer.analyze_file(path)) for path in paths]


def row_of(label: str, m: PostureMeasurement) -> dict[str, Any]:
    """One analysis reduced to what coverage needs, printed as one line: its status, the view and
    ``facing`` (+1: the subject's left shoulder towards the image right, -1: towards the image left,
    None: no landmarks), and per tilt the method, value, uncertainty (degrees), fallback reasons and cause."""
    from posture import geometry as g
    from posture.landmarks import Landmarks
    from posture.landmarks import PoseLandmark as L

    facing = None
    if m.landmarks is not None:
        lm = Landmarks.from_points(m.landmarks)
        d = float(g.left_direction(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER]))
        facing = int(d) if math.isfinite(d) else None
    row: dict[str, Any] = {
        "photo": label,
        "status": m.status,
        "message": m.message,
        "view": m.subject.view if m.subject else None,
        "facing": facing,
    }
    for part, name in TILTS.items():
        metric = m.metrics.get(name)
        detail = None if m.refinement is None else m.refinement.pair(part)
        cause = None if detail is None else detail.cause
        row[part] = {
            "method": m.method_of(name),
            "value": None if metric is None else metric.value,
            "uncertainty": None if metric is None else metric.uncertainty,
            "reason": None if detail is None else detail.reason,
            "reasons": {} if detail is None else dict(detail.reasons or {}),
            "cause": None if cause is None else cause.to_dict(),
            "hint": None if detail is None else detail.hint,
        }
    cells = "  ".join(f"{p}: {row[p]['method']} {row[p]['value']}" for p in TILTS)
    print(f"{label[:58]:58s} {m.status:10s} {cells}", flush=True)
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of measured photos read from the outline, and the fallbacks counted by cause (data: the
    words differ by photo and side)."""
    measured = [r for r in rows if r["status"] == "measured"]
    out: dict[str, Any] = {"photos": len(rows), "measured": len(measured)}
    for part in TILTS:
        read = [r for r in measured if r[part]["method"] is not None]
        outline = [r for r in read if r[part]["method"] == "silhouette"]
        fell_back = [r for r in read if r[part]["method"] != "silhouette"]
        causes = Counter((r[part]["cause"] or {}).get("code") for r in fell_back)
        out[part] = {
            "outline": len(outline),
            "of": len(measured),
            "share": round(len(outline) / len(measured), 3) if measured else None,
            "fallback_causes": {str(c): n for c, n in causes.most_common()},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also the older real photos (../shared/photos/images)")
    parser.add_argument("--only", default="", help="only photos whose name contains this")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    folders = FOLDERS if args.all else {"protocol": FOLDERS["protocol"]}
    result: dict[str, Any] = {"photos": {}, "summary": {}}
    for name, folder in folders.items():
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and args.only in p.name)
        rows = measure(paths)
        result["photos"][name] = rows
        result["summary"][name] = summarise(rows)
        s = result["summary"][name]
        print(f"\n{name}: {s['measured']} of {s['photos']} measured")
        for part in TILTS:
            print(f"  {part}: outline on {s[part]['outline']} of {s[part]['of']} ({s[part]['share']})")
            for c, n in s[part]["fallback_causes"].items():
                print(f"    {n:3d}  {c}")
    if not args.only:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
