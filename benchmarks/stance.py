"""The stance measures (:mod:`posture.stance`) on people standing evenly and on uneven stances.

Runs ``posture analyze``'s default analysis on every photo of ../shared/photos (images/ and
protocol/images/), every ``--step``-th frame of the still person's video (0 to 9.5 s; the person
then walks towards the camera), of the squats video, and on the rendered people of
../shared/synthetic, and compares the legs as :func:`posture.measure.measure` does. Writes
benchmarks/results/stance.json: per photo or frame the shortfall, the lift and the warning; per
group which were warned and, for the groups of people standing evenly (:data:`EVEN`, but for
:data:`NOT_STANDING`), the largest and 95th-percentile values. Photos and frames not measured (turned past the
limit, legs not visible) have no stance.

Usage: python benchmarks/stance.py [--step 10]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posture.stance import MAX_LIFT, MAX_SHORTFALL  # noqa: E402

SHARED = ROOT.parent / "shared"
OUT = ROOT / "benchmarks" / "results" / "stance.json"
STILL = "photos/protocol/videos/front_arms_down__infonioknight_g-m1-front.mp4"
SQUATS = "photos/videos/front_full_squats__tfjs_pose_squats.mp4"
STILL_UNTIL_S = 9.5
NOT_STANDING = {
    f"{STILL}#0": "still stepping into place (the right foot forward, blurred)",
    "photos/protocol/images/back_arms_down__pixie_IMG_1331_frame18120.jpg": "mid-step, the left foot lifted",
}
"""Photos and frames of the still video and the protocol set that do not show a person standing evenly."""
EVEN = ("still_video", "protocol", "synthetic")
"""The groups of people standing evenly (the synthetic pelvis tilted by a lift under one foot)."""


def frames(video: str, step: int, until_s: float = float("inf")) -> Iterator[tuple[str, np.ndarray]]:
    """Every ``step``-th frame up to ``until_s`` seconds, as (name, RGB)."""
    import cv2

    cap = cv2.VideoCapture(str(SHARED / video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    i = 0
    while True:
        ok, bgr = cap.read()
        if not ok or i / fps > until_s:
            break
        if i % step == 0:
            yield f"{video}#{i}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        i += 1
    cap.release()


def groups(step: int) -> dict[str, Iterator[tuple[str, Any]]]:
    """Each group's (name, image or path) pairs."""

    def files(pattern: str) -> Iterator[tuple[str, Any]]:
        return ((str(p.relative_to(SHARED)), p) for p in sorted(SHARED.glob(pattern)))

    return {
        "still_video": frames(STILL, step, STILL_UNTIL_S),
        "protocol": files("photos/protocol/images/*"),
        "synthetic": files("synthetic/*/*.png"),
        "images": files("photos/images/*"),
        "squats": frames(SQUATS, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=10, help="every STEP-th frame of the still video")
    args = parser.parse_args()
    from posture.analyze import Analyzer
    from posture.landmarks import Landmarks
    from posture.measure import measure
    from posture.settings import Settings

    out: dict[str, Any] = {"max_shortfall": MAX_SHORTFALL, "max_lift": MAX_LIFT, "groups": {}}
    with Analyzer(Settings()) as a:
        for group, items in groups(args.step).items():
            rows = []
            for name, image in items:
                r = a.analyze_file(image) if isinstance(image, Path) else a.analyze(image)
                if r.landmarks is None or r.status != "measured":
                    rows.append({"name": name, "legs": False, "status": r.status})
                    continue
                options = Settings().measure_options(r.assumptions.roll_deg)
                s = measure(Landmarks.from_points(r.landmarks), options).stance
                row: dict[str, Any] = {"name": name, "legs": s is not None, "status": r.status}
                if s is not None:
                    row.update(shortfall=round(s.shortfall, 3), lift=round(s.lift, 3), warning=s.warning())
                rows.append(row)
                print(group, name, row.get("shortfall"), row.get("lift"), "WARNED" if row.get("warning") else "")
            seen = [r for r in rows if r["legs"]]
            even = [r for r in seen if r["name"] not in NOT_STANDING]
            summary: dict[str, Any] = {"items": len(rows), "legs_visible": len(seen)}
            for key in ("shortfall", "lift"):
                v = np.array([r[key] for r in even])
                if group in EVEN and len(v):
                    summary[key] = {"max": float(v.max()), "p95": round(float(np.percentile(v, 95)), 3)}
            summary["not_standing"] = {r["name"]: [r["shortfall"], r["lift"]] for r in seen if r not in even}
            summary["warned"] = [r["name"] for r in seen if r["warning"]]
            out["groups"][group] = {"summary": summary, "rows": rows}
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    for group, g in out["groups"].items():
        print(group, json.dumps(g["summary"]))


if __name__ == "__main__":
    main()
