"""Memory of a long live session: resident set size over thousands of frames.

Usage::

    python benchmarks/live_memory.py [--frames 3000] [--size 640x480]

Writes a test video of ``--frames`` frames (a photo leaning back and forth)
to a temporary folder and runs ``posture.live.run_live`` on it with
everything on: the terminal table (to /dev/null), an annotated recording, the
per-frame log, a 10 s capture and the default alerts. Samples the
process's resident memory every 100 frames and prints the samples, the growth
after warm-up (frame 300 on) and its slope per 1000 frames.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PHOTO = ROOT.parent / "shared" / "photos" / "images" / "front_full__posenet_yoga.jpg"


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_video(path: Path, n: int, size: tuple[int, int]) -> None:
    import cv2

    w, h = size
    img = cv2.imread(str(PHOTO)) if PHOTO.is_file() else np.full((h, h, 3), 200, np.uint8)
    img = cv2.resize(img, (h, h))
    base = np.full((h, w, 3), 128, np.uint8)
    base[:, (w - h) // 2 : (w - h) // 2 + h] = img
    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (w, h))
    for i in range(n):
        angle = 6.0 * np.sin(2 * np.pi * i / 300)  # lean 6 degrees each way every 10 s
        out.write(cv2.warpAffine(base, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1), (w, h)))
    out.release()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=3000)
    ap.add_argument("--size", default="640x480")
    args = ap.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))

    from posture.live import LiveOptions, run_live
    from posture.live.display import TerminalDisplay
    from posture.pose import native_logs_to_debug

    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "long.mp4"
        make_video(video, args.frames, size)  # type: ignore[arg-type]
        samples: list[tuple[int, float]] = []
        captures = [0]

        def observe(rec, annotated) -> None:  # type: ignore[no-untyped-def]
            if rec.index % 100 == 0:
                samples.append((rec.index, rss_mib()))
            captures[0] += rec.captured is not None

        options = LiveOptions(
            source=str(video),
            headless=True,
            capture=10.0,
            record=str(Path(tmp) / "out.mp4"),
            log=str(Path(tmp) / "log.csv"),
        )
        with open(os.devnull, "w") as null, TerminalDisplay(str(video), out=null) as table, native_logs_to_debug():
            summary = run_live(options, display=table, observer=observe)
    print(
        f"{summary.frames} frames {args.size}, {summary.wall_seconds:.0f} s, {summary.frames_per_second:.1f} frames/s, "
        f"{len(summary.captures)} capture(s), with record + log + terminal table"
    )
    print("frame  RSS MiB")
    for i, m in samples:
        print(f"{i:5d}  {m:7.1f}")
    late = [(i, m) for i, m in samples if i >= 300]
    x, y = np.array(late).T
    slope = np.polyfit(x, y, 1)[0] * 1000
    print(
        f"after warm-up: {late[0][1]:.1f} MiB at frame {late[0][0]}, {late[-1][1]:.1f} MiB at frame {late[-1][0]} "
        f"(change {late[-1][1] - late[0][1]:+.1f} MiB); peak {max(y):.1f} MiB; slope {slope:+.2f} MiB per 1000 frames"
    )


if __name__ == "__main__":
    main()
