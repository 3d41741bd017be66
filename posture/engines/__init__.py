"""Engines that analyse many photos into rows of :mod:`posture.records`, and the run that writes them as Parquet.

* ``local``: the worker processes of :func:`posture.batch.pool.analyze_many` on this machine;
* ``ray``: an actor pool on a Ray cluster (:mod:`posture.engines.ray`, the ``ray`` extra).

Both analyse each photo with :func:`posture.batch.outcome.analyze_one` and build its
row with :func:`posture.records.flat_record`, so they give the same rows.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator, Literal, Sequence, TextIO

if TYPE_CHECKING:
    from posture.batch.outcome import Tally
    from posture.parquet import ParquetDataset
    from posture.settings import Settings

Engine = Literal["local", "ray"]
ENGINES: tuple[Engine, ...] = ("local", "ray")

Record = dict[str, Any]


def local_records(
    paths: Sequence[str], settings: Settings, *, jobs: int | None = None, log_level: int = logging.WARNING
) -> Generator[Record, None, None]:
    """One row per path, as the photos complete, from ``jobs`` local worker processes."""
    from posture.batch.pool import analyze_many
    from posture.records import flat_record

    outcomes = analyze_many(paths, settings, jobs=jobs, ordered=False, log_level=log_level)
    try:
        for outcome in outcomes:
            yield flat_record(outcome)
    finally:
        outcomes.close()


def engine_records(
    paths: Sequence[str],
    settings: Settings,
    *,
    engine: Engine = "local",
    jobs: int | None = None,
    ray_address: str | None = None,
    log_level: int = logging.WARNING,
) -> Generator[Record, None, None]:
    """One row per path from ``engine``, as the photos complete (in no particular order)."""
    if engine == "ray":
        from posture.engines.ray import ray_records

        return ray_records(paths, settings, workers=jobs, address=ray_address, log_level=log_level)
    return local_records(paths, settings, jobs=jobs, log_level=log_level)


@dataclass
class ProgressLines:
    """Prints ``posture: 300 of 1,000 photos done, 2.5 photos/s, about 4 min left`` every ``every`` photos."""

    total: int
    every: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def for_total(cls, total: int) -> ProgressLines:
        """About 20 lines for a run, and one every 1,000 photos at least."""
        return cls(total, max(1, min(1000, total // 20)))

    def __call__(self, _record: Record) -> None:
        self.done += 1
        if self.done % self.every and self.done != self.total:
            return
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        left = (self.total - self.done) / rate
        eta = (
            ""
            if self.done == self.total
            else f", about {left / 60:.0f} min left"
            if left >= 60
            else f", about {left:.0f} s left"
        )
        print(
            f"posture: {self.done:,} of {self.total:,} photos done, {rate:.2f} photos/s{eta}",
            file=self.stream,
            flush=True,
        )


def analyze_to_parquet(
    paths: Sequence[str],
    dataset: ParquetDataset,
    settings: Settings,
    *,
    engine: Engine = "local",
    jobs: int | None = None,
    ray_address: str | None = None,
    on_record: Callable[[Record], None] | None = None,
    log_level: int = logging.WARNING,
) -> Tally:
    """Analyse the ``paths`` not yet in ``dataset`` (see :meth:`ParquetDataset.open`) with ``engine``
    and add one row per photo to it; returns the counts of the photos analysed now.

    The rows done are written even when the run stops early (Ctrl-C)."""
    from posture.batch.outcome import Tally

    tally = Tally()
    todo = [p for p in paths if p not in dataset.done]
    if not todo:
        return tally
    rows = engine_records(todo, settings, engine=engine, jobs=jobs, ray_address=ray_address, log_level=log_level)
    with contextlib.closing(rows), dataset.writer() as writer:
        for row in rows:
            writer.add(row)
            tally.count(row["status"], row["exit_code"])
            if on_record is not None:
                on_record(row)
    return tally


__all__ = ["ENGINES", "Engine", "ProgressLines", "analyze_to_parquet", "engine_records", "local_records"]
