"""Scale benchmark: the Ray engine against the local batch, and the cost of a large run.

Measured in one run on the real photos in ../shared/photos/images (not part of
the project; the sample images when absent), repeated to ``--photos`` paths:

(a) fast mode, photos per second of ``posture.engines.ray.ray_records``
    (one local Ray, started once, with workers + 1 CPUs) against
    ``posture.engines.local_records`` (the local batch) with the same number of
    workers, 1 and 2; runs alternate (local 1, Ray 1, local 2, Ray 2, ...),
    medians over ``--rounds``. Each run is timed end to end (workers' start-up
    and model loading included; Ray's own start-up is not) and once started
    (from the row at 20% to the last: Ray returns rows a block at a time), and
    by the CPU time of the whole process tree (Ray's own processes included),
    which other work on a shared machine disturbs less. Target: Ray's throughput at least 0.85
    times the local batch's (overhead at most 15%). Also the scaling from 1 to 2
    workers of each engine.
(b) the cost: photos per core-hour of one local worker, in the default and fast
    modes, and the core-hours a million photos take: from its wall time (after
    the first fifth) and from its CPU time (model loading included), which
    other processes on a shared machine disturb less.

The machine may be shared: the load average is printed before and after; quote
the ratios, and re-run on a quiet machine for absolute figures.

Usage: python benchmarks/scale.py [--rounds N] [--photos N] [--default-photos N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PHOTOS = ROOT.parent / "shared" / "photos" / "images"

from posture import __version__  # noqa: E402
from posture.batch.discovery import find_images  # noqa: E402
from posture.settings import Settings  # noqa: E402


def _tree_cpu() -> dict[int, float]:
    """CPU seconds used so far by this process and by each of its descendants (the local workers;
    Ray's processes and actors), each with its ended children."""
    import psutil

    me = psutil.Process()
    cpu = {}
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        cpu[p.pid] = t.user + t.system + t.children_user + t.children_system
    return cpu


def _timed(rows) -> tuple[float, float, int, float]:
    """(end-to-end seconds, seconds from the row at 20% to the last, rows after it, CPU seconds of
    this process tree during the run: what each process that is there at the end used meanwhile;
    the processes of an earlier run that end meanwhile are not counted)."""
    cpu0, t0 = _tree_cpu(), time.perf_counter()
    times = [time.perf_counter() for _ in rows]
    cpu = sum(max(0.0, c - cpu0.get(pid, 0.0)) for pid, c in _tree_cpu().items())
    k = len(times) // 5
    return times[-1] - t0, times[-1] - times[k], len(times) - 1 - k, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--photos", type=int, default=600, help="paths per run in fast mode")
    ap.add_argument("--default-photos", type=int, default=24, help="paths for the default mode's cost")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scale.json"))
    args = ap.parse_args()

    found = find_images([PHOTOS if PHOTOS.is_dir() else ROOT / "sample_images"]).paths
    paths = [found[i % len(found)] for i in range(args.photos)]
    os.environ["PYTHONPATH"] = str(ROOT)  # the Ray workers import this checkout
    from posture.engines import local_records
    from posture.engines.ray import import_ray, ray_records

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    ray = import_ray()
    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    fast = Settings(fast=True)
    runs: dict[str, list[tuple[float, float, int, float]]] = {}
    try:
        list(ray_records(paths[:4], fast, workers=2))  # warm: Ray's workers and their imports
        for r in range(args.rounds):
            for workers in (1, 2):
                for engine in ("local", "ray") if r % 2 == 0 else ("ray", "local"):
                    rows = (
                        local_records(paths, fast, jobs=workers)
                        if engine == "local"
                        else ray_records(paths, fast, workers=workers)
                    )
                    result = _timed(rows)
                    runs.setdefault(f"{engine} {workers}", []).append(result)
                    print(
                        f"round {r}: {engine} {workers} worker(s): {result[0]:.1f} s end to end, {result[1]:.1f} s after the first fifth, {result[3]:.1f} CPU s",
                        file=sys.stderr,
                    )
    finally:
        ray.shutdown()

    def rate(key: str, steady: bool) -> float:
        return statistics.median(n / s if steady else args.photos / e for e, s, n, _ in runs[key])

    a: dict[str, object] = {"photos": args.photos, "rounds": args.rounds, "mode": "fast"}
    for steady, label in ((False, "end_to_end"), (True, "after_the_first_fifth")):
        rates = {k: round(rate(k, steady), 2) for k in runs}
        a[f"photos_per_s_{label}"] = rates
        a[f"ray_over_local_{label}"] = {w: round(rates[f"ray {w}"] / rates[f"local {w}"], 3) for w in (1, 2)}
        a[f"scaling_2_over_1_{label}"] = {e: round(rates[f"{e} 2"] / rates[f"{e} 1"], 3) for e in ("local", "ray")}
    cpu = {k: round(statistics.median(c for *_, c in v) / args.photos, 4) for k, v in runs.items()}
    a["cpu_s_per_photo"] = cpu
    a["ray_over_local_cpu_per_photo"] = {w: round(cpu[f"ray {w}"] / cpu[f"local {w}"], 3) for w in (1, 2)}
    a["seconds"] = {k: [[round(e, 2), round(s, 2), round(c, 2)] for e, s, _, c in v] for k, v in runs.items()}

    cost: dict[str, object] = {}
    for mode, settings, n in (("default", Settings(), args.default_photos), ("fast", fast, args.photos)):
        _, steady, rows, cpu_s = _timed(local_records(paths[:n], settings, jobs=1))
        cpu_per_photo = cpu_s / n  # the worker's, model loading included, and this process's
        per_hour = rows / steady * 3600
        cost[mode] = {
            "photos": n,
            "photos_per_core_hour_wall": round(per_hour),
            "core_hours_per_million_wall": round(1e6 / per_hour, 1),
            "worker_cpu_s_per_photo": round(cpu_per_photo, 4),
            "photos_per_cpu_hour": round(3600 / cpu_per_photo),
            "cpu_hours_per_million": round(1e6 * cpu_per_photo / 3600, 1),
        }
    result = {
        "posture_version": __version__,
        "ray_version": ray.__version__,
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "a_ray_vs_local": a,
        "b_cost": cost,
        "load_average_after": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
