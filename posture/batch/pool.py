"""Analyse many photos in worker processes.

:func:`analyze_many` runs the analysis in ``jobs`` worker processes (a ``spawn`` pool: MediaPipe
is not fork-safe once a graph has run). Each worker opens one :class:`~posture.analyze.Analyzer`
when it starts, so the model is loaded once per worker, not once per photo. Every photo gives one
:class:`~posture.batch.outcome.Outcome`. A worker process that dies (a crash in native code, the
out-of-memory killer) is replaced; the photos it may have been working on are retried one at a
time, and the one that kills a worker again fails with exit code 1 (:func:`run_pool`).

Nothing heavy is imported here: the workers import the analysis.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Generator,
    Iterable,
    Literal,
    Sequence,
    TypeVar,
)

from posture.batch.outcome import Outcome, Task, analyze_one, crashed, first_line
from posture.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, PostureError

if TYPE_CHECKING:
    from posture.analyze import Analyzer
    from posture.settings import Settings

log = logging.getLogger(__name__)

_worker_analyzer: Analyzer | None = None
_worker_error: tuple[str, int] | None = None


_PR_SET_PDEATHSIG = 1

PARENT_CHECK_SECONDS = 1.0
"""How often a worker checks that the process that started it is still there."""


def end_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` (the pid that started it) is gone.

    On Linux the kernel kills it when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    everywhere, a daemon thread checks the parent every :data:`PARENT_CHECK_SECONDS`
    (a process whose parent died is adopted by another one).
    """
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(EXIT_INTERNAL)

    if os.getppid() != parent:  # it died before the kernel was asked to tell
        os._exit(EXIT_INTERNAL)
    threading.Thread(target=watch, name="posture-parent-watch", daemon=True).start()


def _init_worker(settings: Settings, log_level: int, cv2_threads: int | None, parent: int) -> None:
    """Runs once in each worker process: tie it to its parent, open the model."""
    global _worker_analyzer, _worker_error
    import signal

    from posture.terminal import library_warnings_to_log, log_to_stderr

    end_with_parent(parent)
    # Ctrl-C reaches the whole process group; the parent alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log_to_stderr(log_level)
    library_warnings_to_log(log_level <= logging.DEBUG)
    if cv2_threads is not None:
        import cv2

        cv2.setNumThreads(cv2_threads)
    try:
        from posture.analyze import Analyzer

        analyzer = Analyzer(settings)
        analyzer.__enter__()
    except PostureError as e:
        _worker_error = (first_line(str(e)), e.exit_code)
        return
    except Exception as e:  # noqa: BLE001 - reported as data by every task
        _worker_error = (first_line(f"unexpected error: {type(e).__name__}: {e}"), EXIT_INTERNAL)
        return
    _worker_analyzer = analyzer
    # multiprocessing children leave through os._exit, which skips atexit: a Finalize runs.
    multiprocessing.util.Finalize(analyzer, analyzer.__exit__, args=(None, None, None), exitpriority=10)


def _run_task(task: Task) -> Outcome:
    if _worker_analyzer is None:
        message, code = _worker_error or ("the worker has no analyser", EXIT_INTERNAL)
        return Outcome(task.index, task.path, error=message, exit_code=code, fatal=True)
    return analyze_one(_worker_analyzer, task)


T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_pool(
    fn: Callable[[T], R],
    tasks: Iterable[T],
    *,
    jobs: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    on_crash: Callable[[T], R],
    on_error: Callable[[T, BaseException], R],
    window: int | None = None,
) -> Generator[tuple[T, R], None, None]:
    """``(task, fn(task))`` pairs, as they complete, computed in ``jobs`` spawned processes.

    At most ``window`` tasks (default ``2 * jobs``) are handed to the pool
    at once, so that when a worker process dies, the tasks it may have been
    running are known: they are retried one at a time in a fresh
    single-worker pool, and a task that kills that worker too gives
    ``on_crash(task)``. A task whose result cannot be returned gives
    ``on_error(task, exception)``. Closing the iterator cancels what has not
    started and waits for the running tasks.
    """
    ctx = multiprocessing.get_context("spawn")
    jobs = max(1, jobs)
    window = window or 2 * jobs
    todo: deque[T] = deque(tasks)
    suspects: deque[T] = deque()

    def new_pool(n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(n, mp_context=ctx, initializer=initializer, initargs=initargs)

    while todo or suspects:
        if suspects:
            pool = new_pool(1)
            try:
                while suspects:
                    task = suspects.popleft()
                    try:
                        result = pool.submit(fn, task).result()
                    except BrokenProcessPool:
                        log.debug("a worker process died on %r", task)
                        pool.shutdown(wait=True)
                        pool = new_pool(1)
                        result = on_crash(task)
                    except Exception as e:  # noqa: BLE001
                        result = on_error(task, e)
                    yield task, result
            except BaseException:
                _stop_now(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            continue
        pool = new_pool(min(jobs, len(todo)))
        running: dict[Future[R], T] = {}
        try:
            while todo or running:
                while todo and len(running) < window:
                    task = todo.popleft()
                    running[pool.submit(fn, task)] = task
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = False
                for f in done:
                    task = running.pop(f)
                    try:
                        result = f.result()
                    except BrokenProcessPool:
                        suspects.append(task)
                        broken = True
                        continue
                    except Exception as e:  # noqa: BLE001
                        result = on_error(task, e)
                    yield task, result
                if broken:
                    log.debug("a worker process died; retrying %d photos one at a time", len(suspects) + len(running))
                    suspects.extend(running.values())
                    running.clear()
                    break
        except BaseException:  # Ctrl-C, or the caller stopped iterating: drop the work in progress
            _stop_now(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the worker processes without waiting for their photos."""
    # ProcessPoolExecutor has no public way to end its workers before Python 3.14.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def _not_returned(task: Task, e: BaseException) -> Outcome:
    return Outcome(
        task.index,
        task.path,
        error=first_line(f"{task.path}: unexpected error: {type(e).__name__}: {e}"),
        exit_code=EXIT_INTERNAL,
    )


def analyze_many(
    paths: Sequence[str],
    settings: Settings,
    *,
    jobs: int | None = None,
    annotated: Sequence[str | None] | None = None,
    force: bool = False,
    thumbnails: bool = False,
    ordered: bool = True,
    log_level: int = logging.WARNING,
    cv2_threads: int | Literal["auto"] | None = "auto",
    on_done: Callable[[Outcome], None] | None = None,
) -> Generator[Outcome, None, None]:
    """One :class:`Outcome` per path, from ``jobs`` worker processes (default: one per core).

    ``annotated[i]`` is where photo ``i``'s annotated image goes (None: not
    drawn); an existing file there is an error for that photo unless
    ``force``. ``thumbnails`` adds a small JPEG of each measured photo (for
    the history). ``ordered`` yields in the order of ``paths``; otherwise as
    they complete; ``on_done`` is called as each completes, in either case
    (for a progress bar). ``cv2_threads`` sets OpenCV's threads in each
    worker (its rotations and resizing in the default mode): ``auto`` shares
    the cores among the workers (cores // jobs, at least 1), None leaves
    OpenCV's default (one thread per core in every worker). MediaPipe's own
    inference runs on one core per process either way (measured: CPU time
    over wall time 1.0; the Tasks API has no thread setting).

    Raises
    ------
    PostureError
        When no worker can open the model (e.g. ``settings.model`` is not a
        pose landmarker): every photo would fail the same way.
    """
    from posture.pose import check_model

    check_model(settings.model)  # a missing or damaged model file fails at once, before any worker starts
    tasks = [Task(i, p, None if annotated is None else annotated[i], force, thumbnails) for i, p in enumerate(paths)]
    if not tasks:
        return
    jobs = max(1, min(jobs or default_jobs(), len(tasks)))
    if cv2_threads == "auto":
        cv2_threads = max(1, default_jobs() // jobs)
    results = run_pool(
        _run_task,
        tasks,
        jobs=jobs,
        initializer=_init_worker,
        initargs=(settings, log_level, cv2_threads, os.getpid()),
        on_crash=crashed,
        on_error=_not_returned,
    )
    try:
        pending: dict[int, Outcome] = {}
        next_index = 0
        for _, outcome in results:
            if outcome.fatal:
                raise _fatal(outcome)
            if on_done is not None:
                on_done(outcome)
            if not ordered:
                yield outcome
                continue
            pending[outcome.index] = outcome
            while next_index in pending:
                yield pending.pop(next_index)
                next_index += 1
    finally:
        results.close()


def _fatal(outcome: Outcome) -> PostureError:
    from posture.errors import ModelError

    error: PostureError = (
        ModelError(outcome.error or "") if outcome.exit_code == EXIT_BAD_INPUT else PostureError(outcome.error or "")
    )
    error.exit_code = outcome.exit_code
    return error
