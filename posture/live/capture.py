"""A live capture as a measurement: the best frames, each analysed like a photo, combined.

During a capture :class:`FrameSelector` keeps the best measurable frames
spread over its span (fewest stance problems, then sharpest: variance of the
Laplacian over the person's box).
:class:`CaptureWorker` analyses them in a background process with its own
:class:`posture.analyze.Analyzer` (the settings of ``posture analyze``:
augmentation, silhouette refinement, the same method and uncertainty rules)
at a lower scheduling priority, so the preview keeps its frame rate.
:func:`combine` turns the per-frame analyses into one
:class:`~posture.result.PostureMeasurement`, the type a photo gives:

* per metric the median over the frames; its uncertainty the larger of the
  median per-frame uncertainty and the robust spread across frames
  (1.4826 x MAD), so that it covers the frame-to-frame spread;
* a shoulder or pelvic tilt is compared like with like: the method most
  frames used (``silhouette`` on a tie) gives the value, from those frames
  only; when other frames used the other method a warning says so, and the
  uncertainty widens to cover their median (on a still person the pelvic
  reading moves by about 3 degrees when the method changes, see
  benchmarks/results/still_video.json);
* ``shoulder_pelvis_tilt_deg`` is the difference of the two headlines, its
  uncertainty their root sum of squares (as in :mod:`posture.analyze`);
* landmarks, subject, refinement and warnings are those of the frame whose
  tilts lie closest to the combined ones.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from posture import wording
from posture.measure import METRIC_NAMES, higher_side, metric_unit, towards
from posture.provenance import CaptureMethod, Method, Model, Source
from posture.result import Assumptions, Metric, PostureMeasurement

RGB = NDArray[np.uint8]

METHOD_PREFERENCE = ("silhouette", "landmarks")
"""Order in which a tie between methods is broken."""

COMBINED_RULE = (
    "median of the analysed frames; uncertainty the larger of the median per-frame uncertainty "
    "and the robust spread across frames; tilts from the method most frames used"
)

_METHOD_WORDS = {"silhouette": "the outline", "landmarks": "the joint landmarks"}


class FrameAnalyzer(Protocol):
    """What the worker needs: :class:`posture.analyze.Analyzer` or a test's stand-in."""

    def analyze(self, image: RGB) -> PostureMeasurement:
        """Analyse one ``(H, W, 3)`` uint8 RGB frame."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


def sharpness(rgb: RGB, box: tuple[float, float, float, float] | None = None) -> float:
    """Variance of the Laplacian of the grey image inside ``box`` (x0, y0, x1, y1 pixels),
    resized to 256 pixels high so that values compare across frames; higher is sharper."""
    import cv2

    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = (0.0, 0.0, float(w), float(h)) if box is None else box
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        x0, y0, x1, y1 = 0.0, 0.0, float(w), float(h)
    xa, xb = int(max(0, min(x0, w - 2))), int(max(min(x1, w), x0 + 2))
    ya, yb = int(max(0, min(y0, h - 2))), int(max(min(y1, h), y0 + 2))
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[ya:yb, xa:xb]), cv2.COLOR_RGB2GRAY)
    k = 256.0 / grey.shape[0]
    grey = cv2.resize(grey, (max(2, round(grey.shape[1] * k)), 256), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


@dataclass
class _Candidate:
    rank: tuple[int, float]
    t: float
    rgb: RGB


FIRST_BIN_S = 0.1
"""A capture's frames are first kept one per this many seconds; the bins widen as it goes on."""


@dataclass
class FrameSelector:
    """Keeps a capture's best frames, spread over the time it ran (at most ``2 * slots + 1`` frames).

    Each time bin keeps its best frame; bins start :data:`FIRST_BIN_S` wide and double whenever
    there are more than ``2 * slots`` of them (neighbours merged, the better frame kept), so a
    capture cut short still has frames spread over what it saw. :meth:`frames` groups the bins
    into at most ``slots`` runs and returns the best of each.
    """

    t_start: float
    slots: int
    offered: int = 0
    width: float = FIRST_BIN_S
    _best: dict[int, _Candidate] = field(default_factory=dict)

    def offer(self, rgb: RGB, t: float, problems: int, sharp: float) -> None:
        """A measurable frame at ``t`` with ``problems`` minor stance problems and sharpness ``sharp``."""
        self.offered += 1
        self._keep(_Candidate((problems, -sharp), t, rgb), copy=True)
        while len(self._best) > 2 * self.slots:
            self.width *= 2
            old, self._best = self._best, {}
            for c in old.values():
                self._keep(c, copy=False)

    def _keep(self, c: _Candidate, copy: bool) -> None:
        slot = max(0, int((c.t - self.t_start) / self.width))
        held = self._best.get(slot)
        if held is None or c.rank < held.rank:
            self._best[slot] = _Candidate(c.rank, c.t, c.rgb.copy()) if copy else c

    def frames(self) -> list[tuple[float, RGB]]:
        """The chosen frames as ``(t, rgb)``, in time order."""
        filled = [c for _, c in sorted(self._best.items())]
        runs = [filled[i * len(filled) // self.slots : (i + 1) * len(filled) // self.slots] for i in range(self.slots)]
        return [(c.t, c.rgb) for c in (min(run, key=lambda c: c.rank) for run in runs if run)]


class AnalysisJob:
    """Frames being analysed in the background, one future each; ``done`` counts the finished ones."""

    def __init__(self, futures: Sequence[Future[PostureMeasurement]]) -> None:
        self.futures = list(futures)
        self.total = len(self.futures)
        self.started = time.monotonic()
        self.seconds = math.nan
        self.error: BaseException | None = None
        for f in self.futures:
            f.add_done_callback(self._one_done)

    def _one_done(self, _: Future[PostureMeasurement]) -> None:
        if self.finished:
            self.seconds = time.monotonic() - self.started

    @property
    def done(self) -> int:
        """Frames analysed so far."""
        return sum(f.done() for f in self.futures)

    @property
    def finished(self) -> bool:
        """Whether every frame's result (or error) is in."""
        return self.error is not None or all(f.done() for f in self.futures)

    def wait(self, timeout: float | None = None) -> None:
        """Block until finished or ``timeout`` seconds have passed."""
        wait(self.futures, timeout=timeout)

    def result(self) -> list[PostureMeasurement]:
        """The analyses in frame order (raises what the analysis raised)."""
        if self.error is not None:
            raise self.error
        return [f.result() for f in self.futures]

    @classmethod
    def failed(cls, error: BaseException) -> AnalysisJob:
        """A job that could not start."""
        job = cls([])
        job.error = error
        return job


class FrameWorker(Protocol):
    """What a live session hands a capture's frames to: :class:`CaptureWorker` or the app's pool."""

    def submit(self, frames: Sequence[RGB]) -> AnalysisJob:
        """Analyse ``frames`` away from the preview; the job's futures complete in frame order."""
        ...


_PROCESS_ANALYZER: FrameAnalyzer | None = None


def _start_process(make_analyzer: Callable[[], FrameAnalyzer], nice: int) -> None:
    """The worker process's start: lower its priority, load its analyser."""
    import signal

    global _PROCESS_ANALYZER
    signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # Ctrl-C in a terminal reaches the whole group: the session ends, not the worker
    if nice and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            pass
    _PROCESS_ANALYZER = make_analyzer()


def _analyze_in_process(rgb: RGB) -> PostureMeasurement:
    assert _PROCESS_ANALYZER is not None
    return _PROCESS_ANALYZER.analyze(rgb)


def _ready_in_process() -> None:
    """Nothing: submitted once so that the process starts and loads its model before the first capture."""


def lower_thread_priority(nice: int) -> None:
    """Run the calling thread at ``+nice`` (Linux: a thread's own priority; threads it starts
    inherit it); nothing where that is not possible."""
    if nice and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


class CaptureWorker:
    """Analyses a capture's frames away from the preview, with its own analyser.

    At nice 19 (the lowest priority) by default: the analysis takes only the CPU time the
    preview leaves, which on an otherwise idle machine is a whole core.

    ``mode``:

    * ``process`` (what ``posture live`` uses): a separate process started at once
      (spawned, so that it shares no MediaPipe state), at nice ``+nice``, which loads its
      analyser before the first capture; ``make_analyzer`` must then be picklable (a
      module-level function or a :func:`functools.partial` of one). A process does not
      compete for the preview's interpreter lock, only for the cores;
    * ``thread``: a thread of this process at nice ``+nice`` (Linux), the analyser made
      there on first use;
    * ``inline``: each frame analysed at once in the caller's thread (tests, batch use).
    """

    def __init__(self, make_analyzer: Callable[[], FrameAnalyzer], *, mode: str = "thread", nice: int = 19) -> None:
        if mode not in ("process", "thread", "inline"):
            raise ValueError(f"mode must be process, thread or inline, got {mode!r}")
        self._make = make_analyzer
        self._analyzer: FrameAnalyzer | None = None
        self._nice = nice
        self.mode = mode
        self._pool: Executor | None = None
        if mode == "process":
            import multiprocessing

            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_process,
                initargs=(make_analyzer, nice),
            )
            self._pool.submit(_ready_in_process)
        elif mode == "thread":
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="posture-capture")

    def _ready(self) -> FrameAnalyzer:
        if self._analyzer is None:
            if self.mode == "thread":
                lower_thread_priority(self._nice)
            self._analyzer = self._make()
        return self._analyzer

    def _analyze_here(self, rgb: RGB) -> PostureMeasurement:
        return self._ready().analyze(rgb)

    def submit(self, frames: Sequence[RGB]) -> AnalysisJob:
        """Analyse ``frames``; the job's futures complete in frame order."""
        if self._pool is None:
            futures: list[Future[PostureMeasurement]] = []
            for rgb in frames:
                f: Future[PostureMeasurement] = Future()
                try:
                    f.set_result(self._analyze_here(rgb))
                except Exception as exc:  # noqa: BLE001 - handed to the session, which reports it
                    f.set_exception(exc)
                futures.append(f)
            return AnalysisJob(futures)
        task = _analyze_in_process if self.mode == "process" else self._analyze_here
        return AnalysisJob([self._pool.submit(task, rgb) for rgb in frames])

    def close(self) -> None:
        """Wait for the jobs under way, then release the analyser (and end the process)."""
        if self.mode == "thread" and self._pool is not None:
            self._pool.submit(self._release).result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._release()

    def _release(self) -> None:
        if self._analyzer is not None:
            self._analyzer.close()
            self._analyzer = None


def _majority(methods: Sequence[str | None]) -> str | None:
    counts = Counter(m for m in methods if m)
    if not counts:
        return None
    best = max(counts.values())
    return next(m for m in METHOD_PREFERENCE + tuple(sorted(counts)) if counts.get(m) == best)


def combine_metric(name: str, found: Sequence[Metric], min_frames: int) -> tuple[Metric, str | None]:
    """One metric over the frames that measured it (see the module docstring), and a note
    when frames disagreed on the method."""
    from posture.augment import robust_spread

    unit = metric_unit(name)
    if len(found) < min_frames:
        return Metric.missing(unit, f"measured in {len(found)} of the analysed frames, fewer than {min_frames}"), None
    method = _majority([m.method for m in found])
    used = [m for m in found if m.method == method] if method else list(found)
    note = None
    if len(used) < len(found):
        other = len(found) - len(used)
        label = wording.LABELS[name].lower()
        note = (
            f"{label}: {len(used)} of {len(found)} frames read it from {_METHOD_WORDS.get(method or '', method)}, "
            f"{other} from {'the joint landmarks' if method == 'silhouette' else 'the outline'}; "
            f"the value compares like with like (the {len(used)} frames only)"
        )
        if len(used) < min_frames:
            return Metric.missing(unit, f"methods differed between frames ({note})"), None
    values = np.array([m.value for m in used], dtype=np.float64)
    value = float(np.median(values))
    spread = robust_spread(values)
    own = [m.uncertainty for m in used if m.uncertainty is not None]
    gap = abs(float(np.median([m.value for m in found if m.method != method])) - value) if note else math.nan
    parts = [u for u in (float(np.median(own)) if own else math.nan, spread, gap) if math.isfinite(u)]
    numeric: dict[str, Any] = {}
    for attr in ("height_diff_pct", "height_diff_cm", "height_diff_cm_uncertainty", "landmark_value"):
        got = [getattr(m, attr) for m in used if getattr(m, attr) is not None]
        numeric[attr] = float(np.median(got)) if got else None
    reasons = Counter(m.method_reason for m in used if m.method_reason)
    first = used[0]
    metric = replace(
        first,
        value=value,
        uncertainty=max(parts) if parts else None,
        higher_side=None if first.higher_side is None else higher_side(value),
        towards=None if first.towards is None else towards(value, unit),
        method_reason=reasons.most_common(1)[0][0] if reasons else None,
        **numeric,
    )
    return metric, note


def combine(
    analyses: Sequence[PostureMeasurement],
    *,
    min_frames: int = 3,
    notes: Sequence[str] = (),
    capture: CaptureMethod | None = None,
) -> PostureMeasurement:
    """One measurement from the analyses of a capture's frames (rules in the module docstring).

    ``notes`` are warnings to add (e.g. the capture ended early); ``capture`` gives what the
    session knows of the capture (its span and frame counts) for the result's ``method``.
    """
    measured = [a for a in analyses if a.status == "measured"]
    metrics: dict[str, Metric] = {}
    warnings = list(notes)
    for name in METRIC_NAMES:
        if name == "shoulder_pelvis_tilt_deg":
            continue
        found = [a.metrics[name] for a in measured if a.metrics[name].value is not None]
        metrics[name], note = combine_metric(name, found, min_frames)
        if note:
            warnings.append(note)
    metrics["shoulder_pelvis_tilt_deg"] = _difference(metrics, measured)
    metrics = {n: metrics[n] for n in METRIC_NAMES}
    base = _representative(measured, metrics) if measured else (analyses[0] if analyses else None)
    capture = replace(
        capture or CaptureMethod(),
        frames_analysed=len(analyses),
        frames_measured=len(measured),
        combined=COMBINED_RULE,
        frame_methods={
            n: dict(Counter(x for x in (a.metrics[n].method for a in measured if a.metrics[n].value is not None) if x))
            for n in ("shoulder_tilt_deg", "pelvic_tilt_deg")
        },
    )
    if base is None:
        raise ValueError("no frames to combine")
    ok = any(m.measured for m in metrics.values())
    if ok:
        status, message = "measured", "measured"
    elif measured:
        status, message = "not_measurable", f"nothing measured in at least {min_frames} of {len(analyses)} frames"
    else:
        status, message = base.status, base.message
    return replace(
        base,
        status=status,  # type: ignore[arg-type]
        message=message,
        metrics=metrics,
        warnings=tuple(warnings) + tuple(w for w in base.warnings if w not in warnings),
        method=replace(base.method, capture=capture),
    )


def _difference(metrics: dict[str, Metric], measured: Sequence[PostureMeasurement]) -> Metric:
    sh, pv = metrics["shoulder_tilt_deg"], metrics["pelvic_tilt_deg"]
    if sh.value is None or pv.value is None:
        return Metric.missing("deg", "; ".join(r for r in (sh.reason, pv.reason) if r) or "not measured")
    both = None if sh.uncertainty is None or pv.uncertainty is None else float(np.hypot(sh.uncertainty, pv.uncertainty))
    return Metric(sh.value - pv.value, "deg", both)


def _representative(measured: Sequence[PostureMeasurement], metrics: dict[str, Metric]) -> PostureMeasurement:
    """The frame whose shoulder and pelvic tilts lie closest to the combined ones, preferring frames
    that used the combined methods."""

    def cost(a: PostureMeasurement) -> tuple[int, float]:
        mismatch, d = 0, 0.0
        for n in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
            mine, comb = a.metrics[n], metrics[n]
            if mine.value is None or comb.value is None:
                continue
            mismatch += mine.method != comb.method
            d += abs(mine.value - comb.value) / max(comb.uncertainty or 1.0, 0.1)
        return mismatch, d

    return min(measured, key=cost)


def unmeasured(message: str, mirrored: bool, roll_deg: float, capture: CaptureMethod) -> PostureMeasurement:
    """The measurement of a capture that could not be measured (``message`` says why)."""
    return PostureMeasurement(
        status="not_measurable",
        message=message,
        source=Source(),
        model=Model(),
        assumptions=Assumptions(mirrored=mirrored, level_mode="manual" if roll_deg else "none", roll_deg=roll_deg),
        subject=None,
        metrics={n: Metric.missing(metric_unit(n), message) for n in METRIC_NAMES},
        method=Method(capture=capture),
    )
