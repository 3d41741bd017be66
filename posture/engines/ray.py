"""The Ray engine: Ray Data streams the photos through a pool of actors that each hold one model.

``ray.data.from_items`` holds the photos' paths in small blocks;
``map_batches`` with a callable class and ``concurrency=workers`` runs an
actor pool, one CPU per actor, each actor opening one
:class:`~posture.analyze.Analyzer` when it starts; each photo is read (a
local path on a shared file system, or a URI of object storage) and analysed
by :func:`posture.batch.outcome.analyze_one`, as in the local engine, and becomes one
row of :mod:`posture.records`. The rows stream back to this process, which
writes them (:mod:`posture.parquet`).

The actors never take every CPU: one is left for Ray Data's own tasks and this
process (without it, the pipeline would stall). An actor that dies (a crash in
native code, the out-of-memory killer) is restarted and its block of photos
retried once; a block that fails again is dropped by Ray Data, and its photos
are retried one per block, so that the photo that kills its actor again alone
becomes a failed row (exit code 1), as in the local engine.

Usage statistics: Ray sends them by default; posture sets
``RAY_USAGE_STATS_ENABLED=0`` before importing Ray, for the driver and for a
local Ray it starts. A cluster started elsewhere keeps its own setting (start
it with ``ray start --head --disable-usage-stats``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import warnings
from typing import TYPE_CHECKING, Any, Generator, Iterator, Sequence

from posture.errors import STOP_SIGNALS, PostureError
from posture.extras import ExtraMissing, needs_extra

if TYPE_CHECKING:
    import pyarrow as pa

    from posture.settings import Settings

USAGE_STATS_ENV = {"RAY_USAGE_STATS_ENABLED": "0"}
"""Set in the environment before Ray is imported: no usage statistics are collected or sent."""

BLOCK_PHOTOS = 16
"""Photos per Ray Data block, at most: the unit of scheduling and of retry after a crash."""


class RayMissing(ExtraMissing):
    """``--engine ray`` without Ray installed."""


class PhotoActor:
    """One Ray actor: an open analyser for the class attribute ``settings`` (see :func:`actor_for`);
    called with a block of ``{"index", "path"}`` rows, returns their records."""

    settings: Settings

    def __init__(self) -> None:
        from posture.analyze import Analyzer

        self.analyzer = Analyzer(self.settings).__enter__()

    def __call__(self, batch: pa.Table) -> pa.Table:
        from posture.batch.outcome import Task, analyze_one
        from posture.records import arrow_table, flat_record

        tasks = [
            Task(int(i), str(p))
            for i, p in zip(batch.column("index").to_pylist(), batch.column("path").to_pylist(), strict=True)
        ]
        return arrow_table([flat_record(analyze_one(self.analyzer, t)) for t in tasks])


def actor_for(settings: Settings, base: type[PhotoActor] = PhotoActor) -> type[PhotoActor]:
    """A subclass of ``base`` that analyses with ``settings`` (sent with the class, not through
    the object store, so that a restarted actor always has them)."""
    return type(base.__name__, (base,), {"settings": settings, "__module__": base.__module__})


def _retry_once() -> dict[str, Any]:
    """Remote arguments of the actors: restarted whenever they die; a block retried once."""
    return {"max_restarts": -1, "max_task_retries": 1}


def import_ray() -> Any:
    """``ray``, imported with usage statistics off.

    Raises
    ------
    RayMissing
        Ray (the ``ray`` extra) is not installed.
    """
    os.environ.update(USAGE_STATS_ENV)
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise RayMissing(needs_extra("--engine ray", "ray")) from None
    return ray


@contextlib.contextmanager
def _signals_kept() -> Iterator[None]:
    """Keep this process's handlers of Ctrl-C and the stop signals through ``ray.init``, which puts
    its own in (SIGTERM would end posture with a stack dump and without the rows done)."""
    signals = (signal.SIGINT, *STOP_SIGNALS)
    try:
        kept = {s: signal.getsignal(s) for s in signals}
    except ValueError:  # not the main thread: nothing to keep
        kept = {}
    try:
        yield
    finally:
        for s, handler in kept.items():
            if handler is not None:
                signal.signal(s, handler)


def ray_records(
    paths: Sequence[str],
    settings: Settings,
    *,
    workers: int | None = None,
    address: str | None = None,
    actor: type[PhotoActor] = PhotoActor,
    log_level: int = logging.WARNING,
) -> Generator[dict[str, Any], None, None]:
    """One row per path, as the photos complete, from an actor pool of ``workers`` on Ray.

    ``address``: a running cluster (``auto``, ``ray://host:10001`` or
    ``host:6379``); None starts a local Ray for the run, with ``workers``
    (default: the cores but one) plus one CPU. When this process is already
    connected to Ray, that connection is used and kept. ``workers`` defaults
    to the cluster's CPUs but one. ``actor`` is the class of the pool (a :class:`PhotoActor`).
    """
    from posture.batch.pool import default_jobs
    from posture.pose import check_model

    check_model(settings.model)  # a missing or damaged model file fails here, before any actor starts
    if log_level > logging.DEBUG:  # Ray's native log lines on stderr (warnings about its own internals)
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        local = {} if address else {"num_cpus": (workers or max(1, default_jobs() - 1)) + 1}
        try:
            with _signals_kept():
                ray.init(
                    address=address or "local",
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                    **local,
                )
        except Exception as e:  # noqa: BLE001 - Ray raises several types (ConnectionError, RuntimeError, ValueError)
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            raise PostureError(
                f"cannot start or reach {where}: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
            ) from None
    for name in ("ray", "ray.data"):  # progress comes from posture; errors become rows
        logging.getLogger(name).setLevel(log_level if log_level <= logging.DEBUG else logging.ERROR)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        ctx.max_errored_blocks = -1  # a block whose actor dies twice is dropped, then retried photo by photo
        workers = workers or max(1, int(ray.cluster_resources().get("CPU", 2)) - 1)
        seen: set[str] = set()
        for rows in _passes(ray, paths, actor_for(settings, actor), workers, seen):
            yield from rows
        from posture.batch.outcome import Task, crashed
        from posture.records import flat_record

        for i, path in enumerate(paths):
            if path not in seen:
                yield flat_record(crashed(Task(i, path)))
    finally:
        if started:
            ray.shutdown()


def _passes(
    ray: Any, paths: Sequence[str], actor: type[PhotoActor], workers: int, seen: set[str]
) -> Iterator[list[dict[str, Any]]]:
    """The rows of every block, first in blocks of up to :data:`BLOCK_PHOTOS`, then the photos
    whose block was dropped, one per block. ``seen`` collects the paths returned."""
    todo = list(enumerate(paths))
    for block in (BLOCK_PHOTOS, 1):
        if not todo:
            return
        blocks = len(todo) if block == 1 else max(math.ceil(len(todo) / block), min(len(todo), 4 * workers))
        ds = ray.data.from_items([{"index": i, "path": p} for i, p in todo], override_num_blocks=blocks)
        with warnings.catch_warnings():  # Ray 2.60 deprecates remote arguments but has no other way to limit retries
            warnings.simplefilter("ignore", DeprecationWarning)
            ds = ds.map_batches(
                actor,
                batch_size=None,
                batch_format="pyarrow",
                num_cpus=1,
                compute=ray.data.ActorPoolStrategy(size=min(workers, blocks)),
                ray_remote_args_fn=_retry_once,
            )
        for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            rows = batch.to_pylist()
            seen.update(r["path"] for r in rows)
            yield rows
        todo = [(i, p) for i, p in todo if p not in seen]


__all__ = ["BLOCK_PHOTOS", "USAGE_STATS_ENV", "PhotoActor", "actor_for", "RayMissing", "import_ray", "ray_records"]
