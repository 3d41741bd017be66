"""Speed benchmark: how much posture costs on top of the pose model, and how it scales.

Measured in one run, on the real photos in ../shared/photos/images (not part
of the project), each figure with the absolute numbers it comes from:

0. start-up: a cold ``posture --help``, ``--version`` and a usage error
   (target: 0.3 s or less);
(a) in process, fastest mode: ``Analyzer(Settings(fast=True)).analyze`` of a
    decoded photo against a bare ``PoseLandmarker.detect`` (same model, same
    options) on the same decoded photos, photo by photo, alternating which
    goes first; the sum over photos of each photo's median (target: at most
    1.10). Also the time posture's own code takes (all but MediaPipe's
    ``detect``), and the CPU time over wall time: whether MediaPipe's
    inference uses more than one core;
(b) cold processes: ``posture analyze PHOTO --json --fast`` against
    benchmarks/minimal_tilts.py (loads the same model, prints the two
    tilts), alternating, medians (target: at most 1.2);
(c) throughput of ``posture.batch.pool.analyze_many`` with 2 worker processes
    against 1, in the default mode, on 60 photos (at least 40; variants of
    the real ones, resized and cropped, written to a temporary folder and
    deleted afterwards), end to end (workers' start-up included) and once
    started; rounds alternate, medians of the runs during which other
    processes used less than a quarter of a core (of all runs if none did)
    (target: at least 1.7 on a 2-core machine). Also 2 workers with OpenCV's default threads
    (``cv2_threads=None``: 2 each) against the default (``auto``: 1 each),
    and the workers' CPU seconds per photo;
(d) the default mode's time per photo, in process.

The machine may be shared: the load average is printed before and after,
and the CPU other processes used during each run of (c); before each run of
(c) the script waits (up to --quiet-wait seconds) for the cores to be free.

Usage: python benchmarks/speed.py [--rounds N] [--photos N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("POSTURE_SHARED", ROOT.parent / "shared"))
PHOTOS = SHARED / "photos" / "images"
MINIMAL = ROOT / "benchmarks" / "minimal_tilts.py"
COLD_PHOTO = "front_full__posenet_yoga.jpg"


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(ROOT)}
    e.pop("PYTHONWARNINGS", None)
    return e


def cold(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


class OtherLoad:
    """CPU used by other processes during a block, in cores (Linux /proc/stat; None elsewhere).

    The machine may be shared: a process of someone else's that keeps one of
    two cores busy halves what 2 workers can gain, whatever the medians.
    """

    def __enter__(self) -> OtherLoad:
        import resource

        self._busy0 = _busy_seconds()
        self._t0 = time.perf_counter()
        self._own0 = _own_cpu(resource)
        self.cores: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        import resource

        busy1 = _busy_seconds()
        wall = time.perf_counter() - self._t0
        if self._busy0 is not None and busy1 is not None and wall > 0:
            own = _own_cpu(resource) - self._own0
            self.cores = max(0.0, (busy1 - self._busy0 - own) / wall)


def _busy_seconds() -> float | None:
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu(resource: Any) -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


QUIET_CORES = 0.25
"""A run of (c) counts when other processes used less than this many cores during it."""


def wait_for_quiet(limit_s: float, max_other: float = QUIET_CORES) -> float | None:
    """Wait (up to ``limit_s``) until other processes use less than ``max_other`` of a core
    over 3 s; returns the last reading."""
    deadline = time.monotonic() + limit_s
    while True:
        with OtherLoad() as o:
            time.sleep(3)
        if o.cores is None or o.cores < max_other or time.monotonic() > deadline:
            return o.cores
        print(f"  waiting: other processes use {o.cores:.2f} cores", file=sys.stderr)


# ------------------------------------------------------------------ 0. start-up


def startup(runs: int) -> dict[str, Any]:
    py = sys.executable
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "posture --help": [py, "-m", "posture", "--help"],
        "posture --version": [py, "-m", "posture", "--version"],
        "posture analyze (usage error)": [py, "-m", "posture", "analyze"],
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):
        for k, cmd in cases.items():
            times[k].append(cold(cmd))
    return {k: round(med(v), 3) for k, v in times.items()}


# ------------------------------------------------------------------ (a) in process


class _TimedLandmarker:
    """Stands in for the analyser's MediaPipe landmarker and adds up the time spent in ``detect``."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seconds = inner, 0.0

    def detect(self, image: Any) -> Any:
        t = time.perf_counter()
        try:
            return self.inner.detect(image)
        finally:
            self.seconds += time.perf_counter() - t

    def close(self) -> None:
        self.inner.close()


def in_process(rounds: int) -> dict[str, Any]:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from posture.analyze import Analyzer
    from posture.images import load_image
    from posture.pose import bundled_model_path
    from posture.settings import Settings

    settings = Settings(fast=True)
    images = [load_image(p) for p in sorted(PHOTOS.iterdir())]
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundled_model_path())),
        running_mode=vision.RunningMode.IMAGE,
        num_poses=settings.num_poses,
        min_pose_detection_confidence=0.5,
    )
    with vision.PoseLandmarker.create_from_options(options) as bare, Analyzer(settings) as analyzer:
        timed = _TimedLandmarker(analyzer._detector._landmarker)
        analyzer._detector._landmarker = timed

        def run_bare(im: Any) -> float:
            t = time.perf_counter()
            bare.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=im.rgb))
            return time.perf_counter() - t

        def run_posture(im: Any) -> float:
            t = time.perf_counter()
            analyzer.analyze(im)
            return time.perf_counter() - t

        for im in images:  # warm-up
            run_bare(im), run_posture(im)
        # Photo by photo, alternating which goes first: slow drifts in the machine's load hit both alike.
        b: list[list[float]] = [[] for _ in images]
        p: list[list[float]] = [[] for _ in images]
        t0, c0, inside0 = time.perf_counter(), time.process_time(), timed.seconds
        for r in range(rounds):
            for i, im in enumerate(images):
                if (r + i) % 2 == 0:
                    b[i].append(run_bare(im))
                    p[i].append(run_posture(im))
                else:
                    p[i].append(run_posture(im))
                    b[i].append(run_bare(im))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        inside = (timed.seconds - inside0) / (rounds * len(images))
        posture_mean = sum(p_i for v in p for p_i in v) / (rounds * len(images))
    bare_s = sum(med(v) for v in b) / len(images)
    posture_s = sum(med(v) for v in p) / len(images)
    return {
        "photos": len(images),
        "rounds": rounds,
        "bare_detect_s": round(bare_s, 4),
        "posture_fast_s": round(posture_s, 4),
        "ratio": round(posture_s / bare_s, 3),
        "posture_own_code_s": round(posture_mean - inside, 4),
        "cpu_per_wall": round(cpu / wall, 2),
    }


# ------------------------------------------------------------------ (b) cold process


def cold_process(runs: int) -> dict[str, Any]:
    photo = str(PHOTOS / COLD_PHOTO)
    py = sys.executable
    ours = [py, "-m", "posture", "analyze", photo, "--json", "--fast"]
    minimal = [py, str(MINIMAL), photo]
    cold(ours), cold(minimal)  # warm the file cache
    a, m = [], []
    for r in range(runs):
        if r % 2 == 0:
            a.append(cold(ours))
            m.append(cold(minimal))
        else:
            m.append(cold(minimal))
            a.append(cold(ours))
    return {
        "photo": COLD_PHOTO,
        "posture_analyze_json_fast_s": round(med(a), 3),
        "minimal_script_s": round(med(m), 3),
        "ratio": round(med(a) / med(m), 3),
    }


# ------------------------------------------------------------------ (c) workers


def make_variants(folder: Path, n: int) -> list[str]:
    """``n`` photos made from the real ones: resized to 90% or 70%, or cropped to 85% or 70% around the centre."""
    from PIL import Image

    sources = sorted(PHOTOS.iterdir())
    out = []
    kinds = [("scale", 0.9), ("crop", 0.85), ("scale", 0.7), ("crop", 0.7)]
    i = 0
    while len(out) < n:
        src = sources[i % len(sources)]
        kind, f = kinds[(i // len(sources)) % len(kinds)]
        with Image.open(src) as im:
            im = im.convert("RGB")
            w, h = im.size
            if kind == "scale":
                im = im.resize((max(128, round(w * f)), max(128, round(h * f))), Image.Resampling.LANCZOS)
            else:
                cw, ch = round(w * f), round(h * f)
                x0, y0 = (w - cw) // 2, (h - ch) // 2
                im = im.crop((x0, y0, x0 + cw, y0 + ch))
            p = folder / f"{i:03d}_{kind}{f:g}_{src.stem}.jpg"
            im.save(p, quality=90)
        out.append(str(p))
        i += 1
    return out


def batch_time(paths: list[str], jobs: int, cv2_threads: int | str | None) -> tuple[float, float, float, float | None]:
    """Seconds end to end, seconds from the first photo done to the last, the workers' CPU
    seconds, and the cores other processes used meanwhile."""
    import resource

    from posture.batch.pool import analyze_many
    from posture.settings import Settings

    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = []
    with OtherLoad() as other:
        for _ in analyze_many(paths, Settings(), jobs=jobs, cv2_threads=cv2_threads, ordered=False):
            done.append(time.perf_counter())
    total = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers have been waited for
    assert len(done) == len(paths)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    return total, done[-1] - done[0], cpu, other.cores


def workers(rounds: int, n_photos: int, quiet_wait: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="posture-speed-") as tmp:
        paths = make_variants(Path(tmp), n_photos)
        configs: dict[str, Callable[[], tuple[float, float, float, float | None]]] = {
            "1 worker": lambda: batch_time(paths, 1, "auto"),
            "2 workers": lambda: batch_time(paths, 2, "auto"),
            "2 workers, OpenCV default threads": lambda: batch_time(paths, 2, None),
        }
        times: dict[str, list[tuple[float, float, float, float | None]]] = {k: [] for k in configs}
        names = list(configs)
        for r in range(rounds):
            for k in names if r % 2 == 0 else names[::-1]:
                if quiet_wait > 0:
                    wait_for_quiet(quiet_wait)
                times[k].append(configs[k]())
                t, span, cpu, other = times[k][-1]
                print(
                    f"  round {r + 1}: {k}: {t:.1f} s ({span:.1f} s first to last, {cpu:.1f} CPU s); "
                    f"other processes used {'?' if other is None else f'{other:.2f}'} cores",
                    file=sys.stderr,
                )
    n = len(paths)
    # Runs during which other processes kept less than a quarter of a core busy; all runs when none was.
    quiet = {k: [x for x in v if x[3] is None or x[3] < QUIET_CORES] or v for k, v in times.items()}
    total = {k: med([x[0] for x in v]) for k, v in quiet.items()}
    steady = {k: (n - 1) / med([x[1] for x in v]) for k, v in quiet.items()}
    cpu = {k: med([x[2] for x in v]) / n for k, v in quiet.items()}
    thr = {k: n / v for k, v in total.items()}
    one, two, other = "1 worker", "2 workers", "2 workers, OpenCV default threads"
    return {
        "photos": n,
        "mode": "default (test-time augmentation)",
        "seconds": {k: round(v, 2) for k, v in total.items()},
        "photos_per_s": {k: round(v, 3) for k, v in thr.items()},
        "ratio_2_over_1": round(thr[two] / thr[one], 3),
        "per_round_ratio_2_over_1": [round(a[0] / b[0], 3) for a, b in zip(times[one], times[two], strict=True)],
        "steady_photos_per_s": {k: round(v, 3) for k, v in steady.items()},
        "steady_ratio_2_over_1": round(steady[two] / steady[one], 3),
        "worker_cpu_s_per_photo": {k: round(v, 3) for k, v in cpu.items()},
        "ratio_opencv_default_threads_over_auto": round(thr[other] / thr[two], 3),
        "other_processes_cores": {k: [None if x[3] is None else round(x[3], 2) for x in v] for k, v in times.items()},
        "runs_used": {k: f"{len(quiet[k])} of {len(v)}" for k, v in times.items()},
        "all_runs_s": {k: [round(x[0], 2) for x in v] for k, v in times.items()},
    }


# ------------------------------------------------------------------ (d) default mode


def default_mode(limit: int | None) -> dict[str, Any]:
    from posture.analyze import Analyzer
    from posture.images import load_image
    from posture.settings import Settings

    images = [load_image(p) for p in sorted(PHOTOS.iterdir())][:limit]
    per: list[float] = []
    passes: list[int] = []
    with Analyzer(Settings()) as a:
        a.analyze(images[0])
        for im in images:
            t = time.perf_counter()
            m = a.analyze(im)
            per.append(time.perf_counter() - t)
            passes.append(int(m.method.passes or 1))
    with_person = [t for t, n in zip(per, passes, strict=True) if n > 1]
    return {
        "photos": len(images),
        "median_s": round(med(per), 3),
        "mean_s": round(sum(per) / len(per), 3),
        "median_s_with_a_person_found": round(med(with_person), 3) if with_person else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds for (a), (c) (default 3)")
    ap.add_argument("--cold-runs", type=int, default=7, help="cold processes per command for 0 and (b) (default 7)")
    ap.add_argument("--photos", type=int, default=60, help="photos for (c), at least 40 (default 60)")
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        metavar="S",
        help="before each (c) run, wait up to S seconds for other processes to leave the cores free (default 300)",
    )
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "speed.json"))
    args = ap.parse_args()
    if not PHOTOS.is_dir():
        sys.exit(f"speed: {PHOTOS} not found")
    if args.photos < 40:
        sys.exit("speed: --photos must be at least 40")
    res: dict[str, Any] = {"posture_version": __import__("posture").__version__, "cores": os.cpu_count()}
    res["load_average_before"] = load()
    print(f"load average before: {res['load_average_before']}", file=sys.stderr)

    print("0. start-up ...", file=sys.stderr)
    res["startup_s"] = s = startup(args.cold_runs)
    print("(b) cold process ...", file=sys.stderr)
    res["b_cold_process"] = b = cold_process(args.cold_runs)
    print("(a) in process ...", file=sys.stderr)
    res["a_in_process"] = a = in_process(max(args.rounds, 5))
    print("(d) default mode ...", file=sys.stderr)
    res["d_default_mode"] = d = default_mode(None)
    print("(c) workers ...", file=sys.stderr)
    res["c_workers"] = c = workers(args.rounds, args.photos, args.quiet_wait)
    res["load_average_after"] = load()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    worst_start = max(v for k, v in s.items() if k.startswith("posture"))
    print()
    print(
        f"load average (1, 5, 15 min) before: {res['load_average_before']}; after: {res['load_average_after']}; {res['cores']} cores"
    )
    print("0. start-up, cold, median of", args.cold_runs, "runs:")
    for k, v in s.items():
        print(f"     {k:32s} {v:.3f} s")
    print(f"   slowest posture start-up {worst_start:.3f} s (target <= 0.3 s): {verdict(worst_start <= 0.3)}")
    print(
        f"(a) in process, fastest mode, {a['photos']} photos: posture {a['posture_fast_s'] * 1000:.1f} ms/photo, "
        f"bare PoseLandmarker.detect {a['bare_detect_s'] * 1000:.1f} ms/photo: ratio {a['ratio']:.3f} "
        f"(target <= 1.10): {verdict(a['ratio'] <= 1.10)}"
    )
    print(
        f"    posture's own code (all but MediaPipe's detect) {a['posture_own_code_s'] * 1000:.1f} ms/photo; "
        f"CPU time / wall time of this process {a['cpu_per_wall']:.2f} (MediaPipe runs on one core)"
    )
    print(
        f"(b) cold process: posture analyze --json --fast {b['posture_analyze_json_fast_s']:.2f} s, minimal script "
        f"{b['minimal_script_s']:.2f} s: ratio {b['ratio']:.3f} (target <= 1.2): {verdict(b['ratio'] <= 1.2)}"
    )
    print(
        f"(c) {c['photos']} photos, {c['mode']}, end to end: 1 worker {c['seconds']['1 worker']:.1f} s "
        f"({c['photos_per_s']['1 worker']:.2f} photos/s), 2 workers {c['seconds']['2 workers']:.1f} s "
        f"({c['photos_per_s']['2 workers']:.2f} photos/s): ratio {c['ratio_2_over_1']:.3f} "
        f"(target >= 1.7): {verdict(c['ratio_2_over_1'] >= 1.7)}; per round {c['per_round_ratio_2_over_1']}"
    )
    print(
        f"    once started (first photo to last): {c['steady_photos_per_s']['1 worker']:.2f} against "
        f"{c['steady_photos_per_s']['2 workers']:.2f} photos/s: ratio {c['steady_ratio_2_over_1']:.3f}"
    )
    others = [x for v in c["other_processes_cores"].values() for x in v if x is not None]
    if others:
        print(
            f"    other processes used {min(others):.2f} to {max(others):.2f} cores during these runs; medians of the "
            f"runs under {QUIET_CORES} cores: " + ", ".join(f"{k} {v}" for k, v in c["runs_used"].items())
        )
    cpu = c["worker_cpu_s_per_photo"]
    print(
        f"    OpenCV threads: 2 workers with OpenCV's default threads (2 each) {c['seconds']['2 workers, OpenCV default threads']:.1f} s, "
        f"throughput x{c['ratio_opencv_default_threads_over_auto']:.3f} of one thread each; worker CPU s/photo: "
        + ", ".join(f"{k} {v:.3f}" for k, v in cpu.items())
    )
    print(
        f"(d) default mode, in process, {d['photos']} photos: median {d['median_s']:.3f} s/photo "
        f"(mean {d['mean_s']:.3f} s; median {d['median_s_with_a_person_found']} s where a person was found)"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
