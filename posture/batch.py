"""Analyse many photos: find them, share them among worker processes, collect outcomes.

* :func:`find_images` turns files and folders into a list of photos.
  Folders are searched recursively, in name order; a file found in a folder
  counts as a photo when its suffix is one of ``IMAGE_SUFFIXES`` (any case),
  and every other file is skipped with a note (hidden files and folders,
  whose names start with ``.``, are skipped silently). A file named
  explicitly is always analysed, whatever its suffix: if it is not an image
  its outcome says so. A missing path becomes a failed outcome, not an
  exception; a photo reached twice is analysed once.
* :func:`analyze_many` runs the analysis in ``jobs`` worker processes (a
  ``spawn`` pool: MediaPipe is not fork-safe once a graph has run). Each
  worker opens one :class:`~posture.analyze.Analyzer` when it starts, so the
  model is loaded once per worker, not once per photo. Every photo gives
  one :class:`Outcome`: a measurement, or the one-line error and exit code
  that ``posture analyze PHOTO`` would have printed for it. A worker
  process that dies (a crash in native code, the out-of-memory killer) is
  replaced; the photos it may have been working on are retried one at a
  time, and the one that kills a worker again fails with exit code 1.
* :func:`plan_annotated` names the annotated image of each photo inside an
  output folder; :func:`csv_text` writes the one-row-per-photo table.

Nothing heavy is imported here: the workers import the analysis.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
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

from posture.errors import (
    EXIT_BAD_INPUT,
    EXIT_HISTORY,
    EXIT_INTERNAL,
    EXIT_NO_PERSON,
    EXIT_NOT_MEASURABLE,
    EXIT_OK,
    EXIT_OUTPUT,
    PostureError,
)

if TYPE_CHECKING:
    from posture.analyze import Analyzer
    from posture.result import PostureMeasurement
    from posture.settings import Settings

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"})
"""Suffixes (compared in lower case) of the files in a folder that are analysed."""

ANNOTATED_SUFFIX = "_annotated.jpg"
"""An annotated image in an output folder is named ``<photo name without suffix>_annotated.jpg``."""

STATUS_EXIT = {"measured": EXIT_OK, "no_person": EXIT_NO_PERSON, "not_measurable": EXIT_NOT_MEASURABLE}
"""Exit code of ``posture analyze PHOTO`` for each measurement status."""

SEVERITY = (EXIT_INTERNAL, EXIT_HISTORY, EXIT_OUTPUT, EXIT_BAD_INPUT, EXIT_NOT_MEASURABLE, EXIT_NO_PERSON)
"""Per-photo exit codes, most severe first: a batch exits with the first one that occurred."""


# --------------------------------------------------------------------------- finding photos


@dataclass(frozen=True)
class Found:
    """What :func:`find_images` found.

    ``photos`` are ``(path, root)`` pairs in order: ``root`` is the folder
    given on the command line that the photo was found in, or None for a
    file named directly. ``skipped`` holds ``(path, reason)`` notes.
    """

    photos: tuple[tuple[str, str | None], ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def paths(self) -> list[str]:
        """The photos' paths, in order."""
        return [p for p, _ in self.photos]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def find_images(inputs: Sequence[str | os.PathLike[str]], *, exclude: Sequence[str | os.PathLike[str]] = ()) -> Found:
    """The photos named by ``inputs`` (files and folders), see the module docstring.

    Folders in ``exclude`` (e.g. the output folder) are not searched.
    """
    photos: list[tuple[str, str | None]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[tuple[int, int] | str] = set()
    excluded = [Path(e) for e in exclude if Path(e).is_dir()]

    def add(path: Path, root: str | None) -> None:
        try:
            st = path.stat()
            key: tuple[int, int] | str = (st.st_dev, st.st_ino)
        except OSError:
            key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            photos.append((str(path), root))

    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            add(p, None)  # missing, unreadable or not an image: its outcome will say so
            continue
        if any(_same(p, e) for e in excluded):
            skipped.append((str(p), "the output folder"))
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            d = Path(dirpath)
            keep = []
            for name in sorted(dirnames):
                if name.startswith("."):
                    continue
                if any(_same(d / name, e) for e in excluded):
                    skipped.append((str(d / name), "the output folder"))
                    continue
                keep.append(name)
            dirnames[:] = keep  # os.walk descends into these, in this order
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                f = d / name
                if f.suffix.lower() in IMAGE_SUFFIXES:
                    add(f, str(p))
                else:
                    skipped.append((str(f), "not an image file (by its name)"))
    return Found(tuple(photos), tuple(skipped))


def plan_annotated(found: Found, folder: str | os.PathLike[str]) -> list[str]:
    """Where each photo's annotated image goes inside ``folder``.

    A photo found in a folder keeps its place below that folder
    (``folder/sub/front_annotated.jpg`` for ``photos/sub/front.jpg`` given
    as ``photos``); a photo named directly goes into ``folder`` itself.
    When two photos would get the same name, the later ones get ``_2``,
    ``_3``, ... before the suffix.
    """
    out = Path(folder)
    taken: set[str] = set()
    planned = []
    for path, root in found.photos:
        p = Path(path)
        sub = p.parent.relative_to(root) if root is not None else Path()
        stem = p.stem or p.name
        target = out / sub / f"{stem}{ANNOTATED_SUFFIX}"
        n = 1
        while os.path.normcase(os.path.abspath(target)) in taken:
            n += 1
            target = out / sub / f"{stem}{ANNOTATED_SUFFIX[:-4]}_{n}{ANNOTATED_SUFFIX[-4:]}"
        taken.add(os.path.normcase(os.path.abspath(target)))
        planned.append(str(target))
    return planned


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """What happened to one photo.

    Either ``measurement`` is set (any of its statuses) or ``error`` holds
    the one-line message; ``exit_code`` is what ``posture analyze PHOTO``
    exits with for this photo alone. ``annotated`` is the annotated image
    written, ``thumbnail`` a small JPEG for the history (when asked for),
    ``seconds`` the time the worker spent on it. ``fatal`` marks an error
    that every photo would hit (the model cannot be opened).
    """

    index: int
    path: str
    measurement: PostureMeasurement | None = None
    error: str | None = None
    exit_code: int = EXIT_OK
    annotated: str | None = None
    thumbnail: bytes | None = field(default=None, repr=False)
    seconds: float = 0.0
    fatal: bool = False

    @property
    def status(self) -> str:
        """``measured``, ``no_person``, ``not_measurable`` or ``error``."""
        return self.measurement.status if self.measurement is not None else "error"

    def to_dict(self) -> dict[str, Any]:
        """One JSON Lines object: the measurement's documented JSON, or for a failure
        ``{"source": {"path": ...}, "status": "error", "error": "...", "exit_code": N}``."""
        if self.measurement is not None:
            return self.measurement.to_dict()
        return {"source": {"path": self.path}, "status": "error", "error": self.error, "exit_code": self.exit_code}


@dataclass(frozen=True)
class Task:
    """One photo for a worker: where to write its annotated image, whether to make a thumbnail."""

    index: int
    path: str
    annotated: str | None = None
    force: bool = False
    thumbnail: bool = False


def _one_line(text: str) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


def analyze_one(analyzer: Analyzer, task: Task) -> Outcome:
    """Analyse one photo with an open analyser; every failure becomes data."""
    t0 = time.perf_counter()
    try:
        image = analyzer.load(task.path)
        result = analyzer.analyze(image)
        annotated = None
        if task.annotated is not None:
            from posture.output import encode_image, write_atomic
            from posture.render import draw_overlay

            target = Path(task.annotated)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, encode_image(draw_overlay(image.rgb, result), target), force=task.force)
            annotated = str(target)
        thumb = None
        if task.thumbnail and result.status == "measured":
            from posture.history import thumbnail_jpeg

            thumb = thumbnail_jpeg(image.rgb)
        return Outcome(
            task.index,
            task.path,
            measurement=result,
            exit_code=STATUS_EXIT.get(result.status, EXIT_NOT_MEASURABLE),
            annotated=annotated,
            thumbnail=thumb,
            seconds=time.perf_counter() - t0,
        )
    except PostureError as e:
        return Outcome(
            task.index, task.path, error=_one_line(str(e)), exit_code=e.exit_code, seconds=time.perf_counter() - t0
        )
    except OSError as e:  # e.g. the output sub-folder cannot be created
        return Outcome(
            task.index,
            task.path,
            error=f"{task.path}: {e.strerror or e}",
            exit_code=EXIT_OUTPUT,
            seconds=time.perf_counter() - t0,
        )
    except Exception as e:  # noqa: BLE001 - one bad photo never stops a batch
        log.debug("unexpected error on %s", task.path, exc_info=True)
        return Outcome(
            task.index,
            task.path,
            error=_one_line(f"unexpected error: {type(e).__name__}: {e}"),
            exit_code=EXIT_INTERNAL,
            seconds=time.perf_counter() - t0,
        )


# --------------------------------------------------------------------------- the worker process

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
        _worker_error = (_one_line(str(e)), e.exit_code)
        return
    except Exception as e:  # noqa: BLE001 - reported as data by every task
        _worker_error = (_one_line(f"unexpected error: {type(e).__name__}: {e}"), EXIT_INTERNAL)
        return
    _worker_analyzer = analyzer
    # multiprocessing children leave through os._exit, which skips atexit: a Finalize runs.
    multiprocessing.util.Finalize(analyzer, analyzer.__exit__, args=(None, None, None), exitpriority=10)


def _run_task(task: Task) -> Outcome:
    if _worker_analyzer is None:
        message, code = _worker_error or ("the worker has no analyser", EXIT_INTERNAL)
        return Outcome(task.index, task.path, error=message, exit_code=code, fatal=True)
    return analyze_one(_worker_analyzer, task)


# --------------------------------------------------------------------------- the pool

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


def _crashed(task: Task) -> Outcome:
    return Outcome(
        task.index,
        task.path,
        error=f"{task.path}: the analysis process crashed on this photo (out of memory?)",
        exit_code=EXIT_INTERNAL,
    )


def _not_returned(task: Task, e: BaseException) -> Outcome:
    return Outcome(
        task.index,
        task.path,
        error=_one_line(f"{task.path}: unexpected error: {type(e).__name__}: {e}"),
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
        on_crash=_crashed,
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


# --------------------------------------------------------------------------- summaries


@dataclass
class Tally:
    """Counts of outcomes by status, and the batch's exit code."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("measured", "no_person", "not_measurable", "error"), 0)
    )
    codes: set[int] = field(default_factory=set)

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.count(outcome.status, outcome.exit_code)

    def count(self, status: str, exit_code: int) -> None:
        """Count one photo by its status and exit code (e.g. a row of :mod:`posture.records`)."""
        self.counts[status] = self.counts.get(status, 0) + 1
        self.codes.add(exit_code)

    def add_code(self, code: int) -> None:
        """Record a failure found after the analysis (e.g. saving to the history)."""
        self.codes.add(code)

    @property
    def total(self) -> int:
        """Photos counted."""
        return sum(self.counts.values())

    @property
    def exit_code(self) -> int:
        """0 when every photo was measured, else the most severe per-photo code (``SEVERITY``)."""
        for code in SEVERITY:
            if code in self.codes:
                return code
        return EXIT_OK

    def summary(self) -> str:
        """E.g. ``12 photos: 9 measured, 1 no person, 1 not measurable, 1 failed``."""
        c = self.counts
        return (
            f"{self.total} photo{'s' if self.total != 1 else ''}: {c['measured']} measured, "
            f"{c['no_person']} no person, {c['not_measurable']} not measurable, {c['error']} failed"
        )


# --------------------------------------------------------------------------- CSV


def csv_header() -> list[str]:
    """The columns of :func:`csv_text`."""
    from posture.measure import METRIC_NAMES
    from posture.result import metric_columns

    return [
        "path",
        "status",
        "message",
        "exit_code",
        "view",
        "people_detected",
        *metric_columns(METRIC_NAMES),
        "warnings",
    ]


def csv_row(outcome: Outcome) -> dict[str, Any]:
    """One row of :func:`csv_text`: the columns of :func:`csv_header` from the photo's
    :func:`~posture.records.flat_record` (values as in the JSON, rounded to 0.1, and how the
    tilts were measured; None when unknown), warnings joined with `` | ``."""
    from posture.records import flat_record

    record = flat_record(outcome)
    row = {k: record[k] for k in csv_header()}
    row["warnings"] = None if record["warnings"] is None else " | ".join(record["warnings"])
    return row


def csv_text(outcomes: Iterable[Outcome]) -> str:
    """A CSV table, one row per photo: path, status, message (why not measured, or the
    error), exit_code, view, people_detected, each metric and its uncertainty (and for the
    shoulder and pelvic tilts, ``<metric>_method``: ``markers``, ``silhouette``, ``landmarks`` or
    ``mixed``, see :meth:`~posture.result.PostureMeasurement.method_of`), warnings (joined with `` | ``).
    Text cells that a spreadsheet would run as a formula are neutralised (:mod:`posture.csvsafe`)."""
    from posture.csvsafe import SafeDictWriter

    buf = io.StringIO()
    w = SafeDictWriter(buf, fieldnames=csv_header(), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(csv_row(o) for o in outcomes)
    return buf.getvalue()


def outcome_of(measurement: PostureMeasurement, path: str, index: int = 0) -> Outcome:
    """An :class:`Outcome` for a measurement made outside :func:`analyze_many`."""
    return Outcome(
        index, path, measurement=measurement, exit_code=STATUS_EXIT.get(measurement.status, EXIT_NOT_MEASURABLE)
    )


__all__ = [
    "ANNOTATED_SUFFIX",
    "IMAGE_SUFFIXES",
    "Found",
    "Outcome",
    "Tally",
    "analyze_many",
    "analyze_one",
    "csv_text",
    "default_jobs",
    "find_images",
    "outcome_of",
    "plan_annotated",
    "run_pool",
]
