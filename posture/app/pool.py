"""A bounded pool of analysers: the model stays loaded, and a burst of requests waits or is refused.

``workers`` slots each own one open :class:`~posture.analyze.Analyzer` per
mode (full, fast), created on first use and reused (each request's own
settings through :meth:`~posture.analyze.Analyzer.with_settings`). A request
holds one slot while it runs, so at most ``workers`` analyses run at once and
MediaPipe never sees one model from two threads. At most ``workers + queue``
requests are admitted; the next is refused at once with :class:`Busy` (the
server answers 503) instead of piling up memory.
"""

from __future__ import annotations

import queue as _queue
import threading
from dataclasses import replace
from typing import Callable, TypeVar

from posture.analyze import Analyzer
from posture.settings import Settings

T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class _Slot:
    """One worker's open analysers, by mode (``fast`` or not)."""

    def __init__(self, base: Settings) -> None:
        self.base = base
        self.analyzers: dict[bool, Analyzer] = {}

    def analyzer(self, settings: Settings) -> Analyzer:
        fast = settings.fast
        if fast not in self.analyzers:
            self.analyzers[fast] = Analyzer(replace(self.base, fast=fast)).__enter__()
        return self.analyzers[fast].with_settings(
            replace(settings, model=self.base.model, num_poses=self.base.num_poses)
        )

    def close(self) -> None:
        for a in self.analyzers.values():
            a.close()
        self.analyzers.clear()


class AnalysisPool:
    """Runs functions of an analyser on ``workers`` slots, admitting ``workers + queue`` at once.

    ``base`` gives the model and the image limits; the per-request settings
    (mirror, level, stature, fast, person) come with each call.
    """

    def __init__(self, base: Settings = Settings(), *, workers: int = 1, queue: int = 4) -> None:
        if workers < 1 or queue < 0:
            raise ValueError(f"need at least one worker and a queue of 0 or more, got {workers} and {queue}")
        self.base = base
        self.workers = workers
        self.queue = queue
        self._admitted = threading.BoundedSemaphore(workers + queue)
        self._free: _queue.Queue[_Slot] = _queue.Queue()
        self._slots = [_Slot(base) for _ in range(workers)]
        for s in self._slots:
            self._free.put(s)

    def warm(self) -> None:
        """Load the model of one slot now (full mode), so the first photo does not wait for it."""
        self.run(self.base, lambda a: None)

    def run(self, settings: Settings, fn: Callable[[Analyzer], T], *, wait: bool = False) -> T:
        """``fn(analyzer)`` on a free slot's analyser with ``settings``; blocks while every slot
        is busy. Raises :class:`Busy` when ``workers + queue`` calls are already admitted, unless
        ``wait`` (a capture's frames: they wait for admission instead)."""
        if not self._admitted.acquire(blocking=wait):
            raise Busy(f"busy: {self.workers} analyses running and {self.queue} waiting; try again shortly")
        try:
            slot = self._free.get()
            try:
                return fn(slot.analyzer(settings))
            finally:
                self._free.put(slot)
        finally:
            self._admitted.release()

    def close(self) -> None:
        """Release every model (call when no request runs)."""
        for s in self._slots:
            s.close()
