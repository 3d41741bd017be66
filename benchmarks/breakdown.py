"""Where the default analysis spends its time, against one ``--fast`` pass.

Needs ../shared (not part of the project). On the A-pose photos of
../shared/photos/protocol/images (the photos of benchmarks/cost.py's time), each photo is
analysed by the default mode and by ``--fast``, alternating, for --rounds rounds; the CPU
time of the whole process (MediaPipe's threads included: robust on a shared machine, unlike
wall time) is summed over the default mode's parts:

- model passes: MediaPipe's ``detect`` on each variant and on the three strips of the second
  look for people (:meth:`posture.pose.PoseDetector.others_in_strips`), masks read included;
- the strips themselves (cutting and shrinking the photo);
- making the variants (flips, rotations, crops: :func:`posture.augment.make_variant`);
- the silhouette refinement (:func:`posture.refine.refine`, per refined variant);
- measuring and combining the variants (:meth:`posture.analyze.Analyzer.combine`);
- the rest (the working copy, choosing the person, mapping landmarks back).

Also the CPU time of a ``detect`` on a grey image (the person detector alone, no landmark
model runs on an empty image), against a ``detect`` that finds the person. Writes
benchmarks/results/breakdown.json.

Usage: python benchmarks/breakdown.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import posture.analyze as analyze_module  # noqa: E402
from posture import augment  # noqa: E402
from posture.analyze import Analyzer  # noqa: E402
from posture.pose import PoseDetector  # noqa: E402
from posture.settings import Settings  # noqa: E402

PROTOCOL = Path(os.environ.get("POSTURE_SHARED", ROOT.parent / "shared")) / "photos" / "protocol" / "images"


class Clock:
    """CPU seconds spent in wrapped functions, by part (a part's time excludes the parts it calls)."""

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.active = False
        self._stack: list[str] = []

    def wrap(self, owner: Any, name: str, part: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.active:
                return inner(*args, **kwargs)
            if self._stack:
                self.spent[self._stack[-1]] += time.process_time()
            self._stack.append(part)
            self.spent[part] -= time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent[part] += time.process_time()
                self.calls[part] += 1
                self._stack.pop()
                if self._stack:
                    self.spent[self._stack[-1]] -= time.process_time()

        setattr(owner, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "breakdown.json"))
    args = ap.parse_args()
    files = sorted(PROTOCOL.glob("*apose*"))
    clock = Clock()
    clock.wrap(PoseDetector, "_run", "model passes")
    clock.wrap(PoseDetector, "others_in_strips", "strips")
    clock.wrap(augment, "make_variant", "variants")
    clock.wrap(analyze_module, "refine", "refinement")
    clock.wrap(Analyzer, "combine", "measuring and combining")
    load_before = os.getloadavg()[0]
    fast_s: list[float] = []
    default_s: list[float] = []
    with Analyzer(Settings(fast=True)) as fast, Analyzer(Settings()) as default:
        images = [fast.load(f) for f in files]
        fast.analyze(images[0])
        default.analyze(images[0])
        for r in range(args.rounds):
            for i, img in enumerate(images):
                fast_first = (r + i) % 2 == 0
                for mode in ("fast", "default") if fast_first else ("default", "fast"):
                    if mode == "fast":
                        t0 = time.process_time()
                        fast.analyze(img)
                        fast_s.append(time.process_time() - t0)
                    else:
                        clock.active = True
                        t0 = time.process_time()
                        default.analyze(img)
                        default_s.append(time.process_time() - t0)
                        clock.active = False
        with PoseDetector() as bare:
            grey = np.full((480, 640, 3), 128, np.uint8)
            person = images[0].rgb
            times: dict[str, list[float]] = {"detector alone": [], "detector and landmarks": []}
            for _ in range(10):
                for key, img in (("detector alone", grey), ("detector and landmarks", person)):
                    t0 = time.process_time()
                    bare.detect(img)
                    times[key].append(time.process_time() - t0)
    n = len(images) * args.rounds
    total = sum(default_s)
    parts = {k: round(v / n * 1000, 1) for k, v in clock.spent.items()}
    parts["rest"] = round((total - sum(clock.spent.values())) / n * 1000, 1)
    res = {
        "photos": len(images),
        "rounds": args.rounds,
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
        "cpu_ms_a_photo": {"default": round(total / n * 1000, 1), "fast": round(statistics.mean(fast_s) * 1000, 1)},
        "default_over_fast": round(total / sum(fast_s), 1),
        "default_parts_cpu_ms": parts,
        "default_calls_a_photo": {k: round(v / n, 1) for k, v in clock.calls.items()},
        "single_pass_cpu_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in times.items()},
    }
    out = Path(args.out)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
