"""posture.batch.pool: the worker pool, and the analysis in worker processes.

The pool tests spawn real worker processes; the analysis tests run the pose
model in two of them on a few real photos (fast mode).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from batch_support import touch
from conftest import SAMPLES, photo

from posture.batch.pool import analyze_many, run_pool
from posture.errors import ModelError
from posture.settings import Settings

# ------------------------------------------------------------ the pool


def test_pool_returns_every_result_and_runs_the_initializer_in_each_worker():
    import batch_support

    got = dict(
        run_pool(
            batch_support.double_or_crash,
            range(12),
            jobs=2,
            initializer=batch_support.init_marker,
            initargs=("ready",),
            on_crash=lambda t: "crashed",
            on_error=lambda t, e: "error",
        )
    )
    assert {t: r[:2] for t, r in got.items()} == {t: (2 * t, "ready") for t in range(12)}
    assert len({r[2] for r in got.values()} | {os.getpid()}) >= 2  # in other processes


def test_a_task_that_kills_its_worker_fails_alone():
    import batch_support

    tasks = [1, 2, -1, 3, 4, 5, 6, 7]
    got = dict(
        run_pool(
            batch_support.double_or_crash,
            tasks,
            jobs=2,
            on_crash=lambda t: "crashed",
            on_error=lambda t, e: "error",
        )
    )
    assert set(got) == set(tasks)
    assert got[-1] == "crashed"
    assert all(got[t][0] == 2 * t for t in tasks if t >= 0)


def test_a_task_that_raises_is_an_error_not_a_crash_before_and_after_a_crash():
    import batch_support

    # 1000 and 1001 raise: one before the crash (in the pool of two), one among the tasks retried
    # one at a time after it; -1 and -2 each kill the worker they run in.
    tasks = [1000, 2, -1, 3, 1001, -2, *range(10, 30)]
    got = dict(
        run_pool(
            batch_support.double_raise_or_crash,
            tasks,
            jobs=2,
            on_crash=lambda t: "crashed",
            on_error=lambda t, e: f"error: {e}",
        )
    )
    assert got == {
        1000: "error: task 1000 failed",
        1001: "error: task 1001 failed",
        -1: "crashed",
        -2: "crashed",
        **{t: 2 * t for t in tasks if 0 <= t < 1000},
    }


# ------------------------------------------------------------ analysis in workers


def test_analyze_many_in_two_workers_matches_the_analysis_in_process(tmp_path, analyzer):
    good = [photo("front_full__posenet_yoga.jpg"), photo("none__mediapipe_cat.jpg"), SAMPLES / "astronaut.png"]
    broken = touch(tmp_path / "broken.jpg", b"not a photo")
    paths = [str(good[0]), str(broken), str(tmp_path / "missing.png"), str(good[1]), str(good[2])]
    out = tmp_path / "out"
    annotated = [str(out / f"{i}.jpg") for i in range(len(paths))]
    seen: list[int] = []
    outcomes = list(
        analyze_many(
            paths,
            Settings(fast=True),
            jobs=2,
            annotated=annotated,
            thumbnails=True,
            on_done=lambda o: seen.append(o.index),
        )
    )
    assert [o.index for o in outcomes] == list(range(len(paths)))  # in input order
    assert sorted(seen) == list(range(len(paths)))
    assert [o.status for o in outcomes] == ["measured", "error", "error", "no_person", "measured"]
    assert [o.exit_code for o in outcomes] == [0, 3, 3, 4, 0]
    assert "not an image" in outcomes[1].error and str(broken) in outcomes[1].error
    assert "no such file" in outcomes[2].error
    for o in (outcomes[0], outcomes[3], outcomes[4]):
        expected = analyzer.analyze_file(o.path).to_dict()
        assert o.measurement.to_dict() == expected
        assert o.annotated == annotated[o.index] and Path(o.annotated).stat().st_size > 1000
    assert outcomes[0].thumbnail[:2] == b"\xff\xd8" and outcomes[3].thumbnail is None
    assert sorted(os.listdir(out)) == ["0.jpg", "3.jpg", "4.jpg"]
    # An annotated image that exists is an error for that photo alone, unless forced.
    again = list(
        analyze_many(
            paths[:1] + paths[3:4], Settings(fast=True), jobs=1, annotated=[annotated[0], str(out / "new.jpg")]
        )
    )
    assert [o.exit_code for o in again] == [6, 4]
    assert "already exists" in again[0].error


def test_a_model_no_worker_can_open_stops_the_batch(tmp_path, misnamed_model):
    bad = misnamed_model
    src = str(SAMPLES / "astronaut.png")
    with pytest.raises(ModelError, match="renamed.task") as e:
        list(analyze_many([src, src, src], Settings(fast=True, model=str(bad)), jobs=1))
    assert e.value.exit_code == 3
    with pytest.raises(ModelError):  # refused in this process, before any worker starts
        list(analyze_many([src], Settings(model=str(tmp_path / "none.task"))))


def test_importing_the_batch_modules_loads_nothing_heavy():
    import subprocess
    import sys

    code = (
        "import sys, posture.batch.discovery, posture.batch.outcome, posture.batch.pool, posture.batch.table; "
        "print(sorted(m for m in ('numpy', 'cv2', 'mediapipe', 'PIL', 'matplotlib', 'rich') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
