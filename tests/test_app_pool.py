"""The analysis pool of posture app: at most `workers` analyses at once, `queue` waiting, the rest refused;
one analyser per worker and mode, kept between requests (a fake analyser: no model)."""

from __future__ import annotations

import threading
import time

import pytest

from posture.app import pool as pool_module
from posture.app.pool import AnalysisPool, Busy
from posture.settings import Settings


class FakeAnalyzer:
    opened: list[FakeAnalyzer] = []

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.closed = False
        FakeAnalyzer.opened.append(self)

    def __enter__(self) -> FakeAnalyzer:
        return self

    def with_settings(self, settings: Settings) -> tuple[FakeAnalyzer, Settings]:
        return (self, settings)  # type: ignore[return-value]

    def close(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeAnalyzer.opened = []
    monkeypatch.setattr(pool_module, "Analyzer", FakeAnalyzer)


@pytest.mark.parametrize("workers, queue", [(1, 0), (1, 2), (2, 1), (3, 3)])
def test_a_burst_runs_workers_at_once_queues_some_and_refuses_the_rest(workers: int, queue: int) -> None:
    p = AnalysisPool(Settings(), workers=workers, queue=queue)
    release = threading.Event()
    running, peak, lock = [0], [0], threading.Lock()
    outcomes: list[str] = []

    def job(analyzer: object) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1
        return "done"

    def call() -> None:
        try:
            outcomes.append(p.run(Settings(), job))
        except Busy:
            outcomes.append("busy")

    burst = workers + queue + 3
    threads = [threading.Thread(target=call) for _ in range(burst)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while outcomes.count("busy") < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for t in threads:
        t.join(5)
    assert outcomes.count("busy") == 3 and outcomes.count("done") == workers + queue
    assert peak[0] == workers
    assert p.run(Settings(), lambda a: "after") == "after"  # the slots came back


def test_each_worker_keeps_one_analyser_per_mode_and_requests_bring_their_settings() -> None:
    p = AnalysisPool(Settings(model=None, max_pixels=1000), workers=1)
    got = [
        p.run(Settings(mirrored=True), lambda a: a),
        p.run(Settings(fast=True, height_cm=170), lambda a: a),
        p.run(Settings(), lambda a: a),
    ]
    assert len(FakeAnalyzer.opened) == 2 and {a.settings.fast for a in FakeAnalyzer.opened} == {False, True}
    assert got[0][1].mirrored and got[1][1].height_cm == 170 and got[0][0] is got[2][0]
    p.close()
    assert all(a.closed for a in FakeAnalyzer.opened)


def test_an_error_in_an_analysis_frees_its_slot() -> None:
    p = AnalysisPool(Settings(), workers=1, queue=0)

    def boom(a: object) -> None:
        raise ValueError("bad photo")

    with pytest.raises(ValueError):
        p.run(Settings(), boom)
    assert p.run(Settings(), lambda a: 1) == 1


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        AnalysisPool(Settings(), workers=0)
