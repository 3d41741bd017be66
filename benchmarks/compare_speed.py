"""How long ``posture compare`` takes for a two-photo HTML report.

Times, in fresh processes (as a user runs it), the whole command
``python -m posture compare BEFORE AFTER -o report.html`` and, separately,
the analysis alone (start-up, model load and analysing the same two photos),
then the report's phases in one process. Prints the median of ``--runs``
runs in seconds and the ratio of the report to the analysis alone.
The target is at most 5 s end to end.

    python benchmarks/compare_speed.py [BEFORE AFTER] [--runs 3] [--pdf]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT.parent / "shared" / "photos" / "images"
DEFAULT = (PHOTOS / "front_full__tfex_businessman.jpeg", PHOTOS / "front_full__h36m_S7_Greeting_000396.jpg")
TARGET_S = 5.0

ANALYSIS_ONLY = """
import sys
from posture.analyze import Analyzer
with Analyzer() as a:
    for p in sys.argv[1:]:
        a.analyze(a.load(p))
"""


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t


def _phases(before: Path, after: Path, fmt: str) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from posture.compare import compare
    from posture.inputs import Analyzers, photo_dates, resolve_input
    from posture.report import make_report
    from posture.settings import Settings

    t0 = time.perf_counter()
    with Analyzers(Settings()) as analyzers:  # opens the model at the first photo
        photos = [resolve_input(str(p), analyzers) for p in (before, after)]
    t2 = time.perf_counter()
    dates, sources = photo_dates(photos)
    c = compare([p.measurement for p in photos], dates=dates, date_sources=sources)
    t3 = time.perf_counter()
    make_report(photos, c, fmt)  # type: ignore[arg-type]
    t4 = time.perf_counter()
    return {"model load + analyse two photos": t2 - t0, "compare": t3 - t2, f"render {fmt}": t4 - t3}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", nargs="*", type=Path, help="two photos (default: two from ../shared/photos)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pdf", action="store_true", help="time a PDF report instead of HTML")
    args = ap.parse_args()
    before, after = args.photos if len(args.photos) == 2 else DEFAULT
    fmt = "pdf" if args.pdf else "html"
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / f"report.{fmt}"
        report_cmd = [sys.executable, "-m", "posture", "compare", str(before), str(after), "-o", str(out), "--force"]
        analysis_cmd = [sys.executable, "-c", ANALYSIS_ONLY, str(before), str(after)]
        _time(report_cmd)  # warm the file cache
        report, analysis = [], []
        for _ in range(args.runs):
            report.append(_time(report_cmd))
            analysis.append(_time(analysis_cmd))
        size = out.stat().st_size
    r, a = statistics.median(report), statistics.median(analysis)
    print(f"photos: {before.name}, {after.name}")
    print(f"two-photo {fmt.upper()} report, end to end: {r:.2f} s (median of {args.runs}; {size / 1024:.0f} KiB)")
    print(f"analysis only (start-up, model, two photos): {a:.2f} s")
    print(f"ratio report / analysis only: {r / a:.2f}")
    print("in one process: " + ", ".join(f"{k} {v:.2f} s" for k, v in _phases(before, after, fmt).items()))
    print(f"target <= {TARGET_S:.0f} s: {'met' if r <= TARGET_S else 'NOT met'}")
    return 0 if r <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
