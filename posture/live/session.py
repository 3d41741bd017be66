"""The live check's loop: frames in; per-frame records, captures and alerts out.

A :class:`LiveSession` holds a detector (anything with
``detect(rgb, timestamp_ms) -> list[Landmarks]``, such as
:class:`posture.pose.PoseDetector` in VIDEO mode) and turns each frame into a
:class:`FrameRecord`: a preview of the metrics of the most prominent person
(one landmark pass), the same smoothed with a One Euro filter, smoothed
landmarks for drawing, the stance's problems with one instruction
(:mod:`posture.live.guide`), alert states and capture progress. Alerts count
only frames that can be measured.

A capture is a measurement: its best frames are analysed as
``posture analyze`` analyses a photo, in the background, by a
:class:`~posture.live.capture.CaptureWorker`, and combined into one
:class:`~posture.result.PostureMeasurement` (:mod:`posture.live.capture`).
An automatic capture (``auto_capture``) waits until a measurable stance has
held for ``hold_seconds``, or says after ``stance_timeout_s`` why it could not
start.

The session does no I/O: frames come from any iterable of ``(H, W, 3)`` uint8
RGB arrays (a camera, a video file, a list in a test), and the caller decides
what to draw, print or write. Memory does not grow with the session's
length: a record is handed on, not kept; a capture keeps at most
``capture_frames`` frames.

Mirrored frames (a camera shown as a mirror) are measured with
``MeasureOptions(mirrored=True)``, so every left/right here is the
subject's own.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from posture import wording
from posture.landmarks import Landmarks
from posture.live import guide
from posture.live.capture import AnalysisJob, FrameSelector, FrameWorker, combine, sharpness, unmeasured
from posture.live.smoothing import OneEuroFilter, OneEuroParams
from posture.measure import (
    CENTRED_PCT,
    LEVEL_DEG,
    METRIC_NAMES,
    BodyMeasurement,
    MeasureOptions,
    measure,
    metric_unit,
)
from posture.metrics import METRICS
from posture.provenance import CaptureMethod
from posture.result import Metric, PostureMeasurement

FloatArray = NDArray[np.float64]

_INDEX = {name: i for i, name in enumerate(METRIC_NAMES)}

SHORT_NAMES: dict[str, str] = {alias: name for name, spec in METRICS.items() for alias in spec.aliases}
"""Short metric names accepted by :meth:`AlertRule.parse`."""


def metric_name(text: str) -> str:
    """The full metric name for a full or short name.

    Raises
    ------
    ValueError
        Unknown name; the message lists the accepted ones.
    """
    key = text.strip().lower().replace("-", "_")
    if key in _INDEX:
        return key
    if key in SHORT_NAMES:
        return SHORT_NAMES[key]
    raise ValueError(
        f"unknown metric {text!r}; use one of {', '.join(sorted(SHORT_NAMES))} or {', '.join(METRIC_NAMES)}"
    )


@dataclass(frozen=True)
class AlertRule:
    """Alert when ``|metric|`` (smoothed) stays above ``limit`` for ``seconds``.

    ``limit`` is in the metric's unit (degrees or percent of shoulder width).
    """

    metric: str
    limit: float
    seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.metric not in _INDEX:
            raise ValueError(f"unknown metric {self.metric!r}; expected one of {', '.join(METRIC_NAMES)}")
        if not (self.limit > 0 and math.isfinite(self.limit)):
            raise ValueError(f"alert limit must be a positive number, got {self.limit}")
        if not (self.seconds >= 0 and math.isfinite(self.seconds)):
            raise ValueError(f"alert duration must be 0 or more seconds, got {self.seconds}")

    @classmethod
    def parse(cls, text: str) -> AlertRule:
        """Read ``METRIC:LIMIT[:SECONDS]``, e.g. ``shoulder:3:5`` (seconds default to 5).

        Raises
        ------
        ValueError
            Not of that form, an unknown metric, or a limit that is not positive.
        """
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"expected METRIC:LIMIT[:SECONDS] such as shoulder:3:5, got {text!r}")
        try:
            numbers = [float(p) for p in parts[1:]]
        except ValueError:
            raise ValueError(f"expected numbers after the metric in {text!r}, e.g. shoulder:3:5") from None
        return cls(metric_name(parts[0]), *numbers)

    def describe(self) -> str:
        """E.g. ``Shoulders above 3° for 5 s``."""
        unit = "°" if metric_unit(self.metric) == "deg" else "% of shoulder width"
        return f"{wording.LABELS[self.metric]} above {self.limit:g}{unit} for {self.seconds:g} s"


DEFAULT_ALERTS: tuple[AlertRule, ...] = (
    AlertRule("shoulder_tilt_deg", 3.0, 5.0),
    AlertRule("pelvic_tilt_deg", 3.0, 5.0),
)

METRIC_SMOOTHING = OneEuroParams(min_cutoff=0.5, beta=0.3, d_cutoff=1.0)
"""Metrics (degrees, percent): strong smoothing at rest, following a lean of a few degrees per second."""

LANDMARK_SMOOTHING = OneEuroParams(min_cutoff=1.5, beta=0.03, d_cutoff=1.0)
"""Landmark pixels: the overlay follows a body moving at a few hundred pixels per second."""

GUIDANCE = guide.INSTRUCTIONS
"""What to tell the user for each stance problem (see :mod:`posture.live.guide`)."""

UNUSABLE_FLAGS = guide.UNUSABLE
"""A frame with any of these flags is not measured: alerts skip it, a capture does not keep it."""


@dataclass(frozen=True)
class LiveConfig:
    """How a live session measures, smooths, captures and alerts.

    Attributes
    ----------
    measure : MeasureOptions
        What the frames' measurements assume (:class:`posture.measure.MeasureOptions`):
        ``mirrored`` when the frames are mirror images (a camera shown as a mirror; sides are
        swapped back so that left and right are the subject's), the camera roll and the
        lowest landmark score.
    capture_seconds : float
        Length of a capture, seconds.
    auto_capture : bool
        Start one capture once the stance has held for ``hold_seconds``
        (``--capture``), or give up after ``stance_timeout_s``.
    hold_seconds, stance_timeout_s : float
        How long a measurable stance must hold before an automatic capture,
        and how long to wait for it.
    guided : bool
        The person sees the instructions and can follow them (a camera): an
        automatic capture waits for a stance with no problem at all. False for
        a recording, which cannot change: it waits only for frames that can be
        measured and are still (no problem in :data:`posture.live.guide.RECORDING_BLOCKS`); the
        analysed frames' own warnings then say what the stance cost (a pelvis
        read from the joint landmarks, a back view).
    hold_grace_s : float
        A problem shorter than this (a landmark flickering out of view for a
        few frames) does not restart the stance's clock.
    capture_frames : int
        Frames a capture analyses: the best of each of this many equal parts
        of its span (:class:`posture.live.capture.FrameSelector`).
    min_capture_frames : int
        A capture reports a metric only if at least this many analysed frames
        measured it.
    alerts : tuple of AlertRule
        Checked on the smoothed metrics.
    alert_grace_s : float
        A dip below the limit (or a lost frame) shorter than this does not
        restart an alert's clock.
    metric_smoothing, landmark_smoothing : OneEuroParams
        Filters for the metrics and for the landmark pixels drawn.
    """

    measure: MeasureOptions = MeasureOptions()
    capture_seconds: float = 3.0
    auto_capture: bool = False
    hold_seconds: float = 1.0
    hold_grace_s: float = 0.3
    stance_timeout_s: float = 30.0
    guided: bool = True
    capture_frames: int = 6
    min_capture_frames: int = 3
    alerts: tuple[AlertRule, ...] = DEFAULT_ALERTS
    alert_grace_s: float = 0.5
    metric_smoothing: OneEuroParams = METRIC_SMOOTHING
    landmark_smoothing: OneEuroParams = LANDMARK_SMOOTHING

    def __post_init__(self) -> None:
        if not self.capture_seconds > 0:
            raise ValueError(f"capture_seconds must be positive, got {self.capture_seconds}")
        if not 1 <= self.min_capture_frames <= self.capture_frames:
            raise ValueError(f"min_capture_frames must be between 1 and capture_frames, got {self.min_capture_frames}")


def metric_from_value(name: str, value: float, uncertainty: float | None = None) -> Metric:
    """A :class:`Metric` for a bare number, with the side words :mod:`posture.wording` needs."""
    unit = metric_unit(name)
    if not math.isfinite(value):
        return Metric.missing(unit, "not measured")
    side = "left" if value > 0 else "right"
    if name.endswith("_tilt_deg") and name != "shoulder_pelvis_tilt_deg":
        return Metric(value, unit, uncertainty, higher_side="level" if abs(value) < LEVEL_DEG else side)
    if name in ("trunk_lean_deg", "head_shift_pct", "pelvis_shift_pct"):
        small = LEVEL_DEG if unit == "deg" else CENTRED_PCT
        return Metric(value, unit, uncertainty, towards="centre" if abs(value) < small else side)
    return Metric(value, unit, uncertainty)


@dataclass(frozen=True)
class CaptureResult:
    """One capture: its best frames analysed like photos and combined into one measurement.

    ``measurement`` is what ``posture analyze`` would report, per metric a
    value, uncertainty, method and warnings (rules in
    :mod:`posture.live.capture`); ``frames`` counts the frames seen during
    the capture, ``usable_frames`` the measurable ones, ``frame_times`` the
    times of those analysed, ``compute_s`` the seconds their analysis took.
    ``complete`` is False when the session ended before the span was over.
    """

    t_start: float
    t_end: float
    span_s: float
    frames: int
    usable_frames: int
    measurement: PostureMeasurement
    frame_times: tuple[float, ...] = ()
    compute_s: float = math.nan
    complete: bool = True

    @property
    def metrics(self) -> Mapping[str, Metric]:
        """The combined metrics."""
        return self.measurement.metrics

    def headline(self) -> str:
        """When and from how many frames, e.g. ``Capture at 1.0-4.0 s: 6 of 80 measurable frames ...``."""
        took = f", {self.compute_s:.1f} s to compute" if math.isfinite(self.compute_s) else ""
        return (
            f"Capture at {self.t_start:.1f}-{self.t_end:.1f} s: {len(self.frame_times)} of {self.usable_frames} "
            f"measurable frames ({self.frames} seen) analysed as photos{took}"
            + ("" if self.complete else " (ended early)")
        )

    def metric_lines(self, names: Iterable[str] = METRIC_NAMES) -> list[str]:
        """One sentence per measured metric among ``names``; one line saying why when nothing was measured."""
        m = self.measurement
        if m.status != "measured":
            return [f"nothing measured: {m.message}"]
        return [wording.describe(n, m.metrics[n]) for n in names if m.metrics[n].measured]

    def lines(self) -> list[str]:
        """Plain-language lines: the headline, e.g. ``Shoulders: Right shoulder higher by 2.1° ± 0.3° (...)``
        for each metric, the warnings and what to change in the photo (:func:`posture.wording.photo_hints`)."""
        m = self.measurement
        return (
            [self.headline()]
            + self.metric_lines()
            + [f"Warning: {w}" for w in m.warnings]
            + [f"Tip: {t}" for t in wording.photo_hints(m)]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the capture's times and counts, and its measurement."""
        return {
            "t_start_s": round(self.t_start, 3),
            "t_end_s": round(self.t_end, 3),
            "span_s": self.span_s,
            "frames": self.frames,
            "usable_frames": self.usable_frames,
            "frame_times_s": [round(t, 3) for t in self.frame_times],
            "compute_s": None if not math.isfinite(self.compute_s) else round(self.compute_s, 2),
            "complete": self.complete,
            "measurement": self.measurement.to_dict(),
        }


@dataclass(frozen=True)
class CaptureProgress:
    """A capture under way.

    ``phase`` is ``waiting`` (for a measurable stance to hold: ``elapsed_s``
    of ``span_s`` held), ``collecting`` (frames: ``elapsed_s`` of ``span_s``,
    ``usable_frames`` measurable so far) or ``analysing`` (``done`` of
    ``total`` frames analysed).
    """

    phase: str
    t_start: float
    span_s: float
    elapsed_s: float
    usable_frames: int = 0
    done: int = 0
    total: int = 0

    def text(self) -> str:
        """One line for the screen."""
        if self.phase == "waiting":
            return f"Capture: waiting for a steady stance ({self.elapsed_s:.1f} / {self.span_s:g} s held)"
        if self.phase == "analysing":
            return f"Capture: analysing frame {min(self.done + 1, self.total)} of {self.total} as photos"
        return f"Capturing {self.elapsed_s:.1f} / {self.span_s:g} s ({self.usable_frames} measurable frames)"


@dataclass(frozen=True)
class AlertState:
    """One rule's state at one frame; ``since`` is when the limit was first exceeded."""

    rule: AlertRule
    active: bool
    since: float | None


@dataclass(frozen=True)
class FrameRecord:
    """What one frame gave.

    Attributes
    ----------
    index, t : int, float
        Frame number from 0 and its time in seconds from the first frame.
    people : int
        People detected; the most prominent one is measured.
    view : str
        ``front``, ``back``, ``side`` or ``unknown``.
    turn_deg : float
        Estimated turn from the image plane, degrees (NaN if unknown).
    raw, smooth : (len(METRIC_NAMES),) float64
        Metrics in :data:`posture.measure.METRIC_NAMES` order, NaN where not
        measured; ``smooth`` is One-Euro filtered.
    flags : tuple of str
        Stance problems, most important first (see :mod:`posture.live.guide`;
        ``turned``: beyond :data:`posture.view.MAX_TURN_DEG`, as ``analyze`` refuses).
    usable : bool
        Whether the frame can be measured (alerts and captures use only these).
    guidance : str or None
        One instruction towards a measurable stance (:mod:`posture.live.guide`).
    landmarks : Landmarks or None
        Smoothed landmarks with anatomical sides, in this frame's pixels.
    alerts : tuple of AlertState
        One per rule.
    events : tuple of str
        Messages that arose at this frame (alert raised or cleared, capture done).
    capture : CaptureProgress or None
        A capture waiting, collecting frames or being analysed.
    captured : CaptureResult or None
        A capture whose analysis finished at this frame.
    refusal : str or None
        Why nothing was measured on this person, as ``analyze`` says it.
    """

    index: int
    t: float
    people: int
    view: str
    turn_deg: float
    raw: FloatArray
    smooth: FloatArray
    flags: tuple[str, ...]
    usable: bool
    guidance: str | None
    landmarks: Landmarks | None
    alerts: tuple[AlertState, ...] = ()
    events: tuple[str, ...] = ()
    capture: CaptureProgress | None = None
    captured: CaptureResult | None = None
    refusal: str | None = None

    def metric(self, name: str, smoothed: bool = True) -> Metric:
        """One metric of this frame as a :class:`Metric` (no uncertainty)."""
        values = self.smooth if smoothed else self.raw
        return metric_from_value(name, float(values[_INDEX[name]]))

    def to_row(self) -> dict[str, str]:
        """One CSV row (keys :data:`CSV_COLUMNS`); NaN is an empty cell."""
        row = {
            "frame": str(self.index),
            "t_s": f"{self.t:.3f}",
            "people": str(self.people),
            "view": self.view,
            "turn_deg": _cell(self.turn_deg, 1),
            "usable": "1" if self.usable else "0",
        }
        for i, name in enumerate(METRIC_NAMES):  # to 0.1, as a photo's JSON: no frame is more precise
            row[name] = _cell(self.raw[i], 1)
            row[name + "_smooth"] = _cell(self.smooth[i], 1)
        row["flags"] = ";".join(self.flags)
        row["alerts"] = ";".join(a.rule.metric for a in self.alerts if a.active)
        row["capturing"] = "1" if self.capture is not None else "0"
        return row


CSV_COLUMNS: tuple[str, ...] = (
    ("frame", "t_s", "people", "view", "turn_deg", "usable")
    + tuple(c for n in METRIC_NAMES for c in (n, n + "_smooth"))
    + ("flags", "alerts", "capturing")
)
"""Columns of the per-frame log: raw metric columns carry the metric's name, smoothed ones ``_smooth``."""


def _cell(v: float, ndigits: int) -> str:
    return f"{v:.{ndigits}f}" if math.isfinite(v) else ""


class Detector(Protocol):
    """What a session needs from a pose detector."""

    def detect(self, rgb: NDArray[np.uint8], timestamp_ms: int | None = None) -> list[Landmarks]:
        """Every person in an RGB frame, most prominent first."""
        ...


@dataclass
class _Capture:
    """A capture collecting frames."""

    t_start: float
    span_s: float
    t_last: float
    selector: FrameSelector
    frames: int = 0
    usable: int = 0


@dataclass
class _Pending:
    """A capture whose frames are being analysed."""

    cap: _Capture
    job: AnalysisJob
    frame_times: tuple[float, ...]
    complete: bool


@dataclass
class _Wait:
    """An automatic capture waiting for a measurable stance to hold."""

    t_start: float
    ready_since: float | None = None
    problem_since: float | None = None
    frames: int = 0
    said: Counter[str] = field(default_factory=Counter)


@dataclass
class _Alert:
    since: float | None = None
    last_above: float = -math.inf
    active: bool = False


@dataclass
class SessionStats:
    """Counts over a whole session (constant memory)."""

    frames: int = 0
    with_person: int = 0
    usable: int = 0
    alerts_raised: int = 0
    first_t: float = math.nan
    last_t: float = math.nan
    duration_reached: bool = False


PROGRESS_EVERY_S = 2.0
"""While :meth:`LiveSession.finish` waits for a capture's analysis, progress is said at most this often."""


class LiveSession:
    """The live loop's state: filters, the capture under way, alert clocks.

    Captures need a ``worker`` (:class:`posture.live.capture.CaptureWorker`)
    that analyses their frames as ``posture analyze`` does; without one,
    no capture is taken. Example::

        with PoseDetector(video=True, num_poses=2) as det:
            worker = CaptureWorker(functools.partial(capture_analyzer, LiveOptions(), True), mode="process")
            session = LiveSession(det, LiveConfig(MeasureOptions(mirrored=True)), worker)
            for rgb, rec in session.run(frames, fps=None):
                ...
            leftover = session.finish(print)
            worker.close()
    """

    def __init__(
        self, detector: Detector, config: LiveConfig = LiveConfig(), worker: FrameWorker | None = None
    ) -> None:
        self.detector = detector
        self.config = config
        self.worker = worker
        self._options = config.measure
        self._metric_filter = OneEuroFilter(config.metric_smoothing)
        self._landmark_filter = OneEuroFilter(config.landmark_smoothing)
        self._alerts = [_Alert() for _ in config.alerts]
        self._capture: _Capture | None = None
        self._pending: list[_Pending] = []
        self._requested: float | None = None
        self._wait: _Wait | None = None
        self._auto_pending = config.auto_capture and worker is not None
        self._last_ms = -1
        self._last_t = -math.inf
        self._prev_xy: FloatArray | None = None
        self._prev_smooth: tuple[float, Landmarks] | None = None
        self.captures: list[CaptureResult] = []
        self.capture_failures: list[str] = []
        self.stats = SessionStats()

    # -- control -------------------------------------------------------------

    def request_capture(self, seconds: float | None = None) -> bool:
        """Start a capture at the next frame; False if one is already collecting or there is no worker."""
        if self.worker is None or self._capture is not None or self._requested is not None:
            return False
        self._wait = None
        self._requested = float(seconds or self.config.capture_seconds)
        return True

    def capture_when_ready(self) -> bool:
        """Start a capture once a measurable stance has held for ``hold_seconds``, as
        ``auto_capture`` does at the start (or give up after ``stance_timeout_s``, saying why);
        False if a capture is already under way or there is no worker."""
        if self.worker is None or self.capturing:
            return False
        self._auto_pending = True
        return True

    @property
    def capturing(self) -> bool:
        """Whether a capture is waiting (or about to), collecting or being analysed."""
        return bool(
            self._capture is not None
            or self._requested is not None
            or self._wait is not None
            or self._pending
            or self._auto_pending
        )

    # -- the loop ------------------------------------------------------------

    def run(
        self,
        frames: Iterable[NDArray[np.uint8]],
        fps: float | None = None,
        *,
        duration: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        overlap: bool = True,
    ) -> Iterator[tuple[NDArray[np.uint8], FrameRecord]]:
        """Process frames as they come, yielding each frame with its record.

        Frame times are ``index / fps`` when ``fps`` is given (a file), else
        the ``clock`` since the first frame (a camera). Stops after
        ``duration`` seconds of frame time (setting
        ``stats.duration_reached``), or when ``frames`` ends.

        With ``overlap`` the detector works on the next frame in a helper
        thread while this frame's record is made and handed on (MediaPipe
        releases the GIL while it infers), so measuring and drawing cost
        almost no frame rate; records still come in order, one frame later.
        """
        timed = self._timed(frames, fps, duration, clock)
        if not overlap:
            for rgb, t in timed:
                yield rgb, self.process(rgb, t)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="posture-detect") as pool:
            pending = None
            for rgb, t in timed:
                ahead = (rgb, t, pool.submit(self.detector.detect, rgb, self._stamp(t)))
                if pending is not None:
                    yield pending[0], self._record(pending[0], pending[1], pending[2].result())
                pending = ahead
            if pending is not None:
                yield pending[0], self._record(pending[0], pending[1], pending[2].result())

    def _timed(
        self, frames: Iterable[NDArray[np.uint8]], fps: float | None, duration: float | None, clock: Callable[[], float]
    ) -> Iterator[tuple[NDArray[np.uint8], float]]:
        t0: float | None = None
        for i, rgb in enumerate(frames):
            if fps:
                t = i / fps
            else:
                now = clock()
                t0 = now if t0 is None else t0
                t = now - t0
            if duration is not None and t >= duration:
                self.stats.duration_reached = True
                return
            yield rgb, t

    def _stamp(self, t: float) -> int:
        """The detector's timestamp for a frame at ``t`` s: milliseconds, strictly increasing as MediaPipe needs."""
        if t < self._last_t:
            raise ValueError(f"frame times must not decrease: {t} after {self._last_t}")
        self._last_t = t
        self._last_ms = max(int(round(t * 1000)), self._last_ms + 1)
        return self._last_ms

    def process(self, rgb: NDArray[np.uint8], t: float) -> FrameRecord:
        """Detect, measure, smooth, capture and alert on one ``(H, W, 3)`` uint8 RGB frame at ``t`` seconds."""
        return self._record(rgb, t, self.detector.detect(rgb, self._stamp(t)))

    def _record(self, rgb: NDArray[np.uint8], t: float, people: list[Landmarks]) -> FrameRecord:
        """Everything after detection for the frame ``rgb`` at ``t``."""
        raw = np.full(len(METRIC_NAMES), np.nan)
        view, turn = "unknown", math.nan
        refusal = None
        smoothed_lm: Landmarks | None = None
        body = None
        speed = math.nan
        if not people:
            self._landmark_filter.reset()
            self._prev_xy = self._prev_smooth = None
        else:
            body = measure(people[0], self._options)
            view, turn = body.view, (math.nan if body.turn_deg is None else body.turn_deg)
            refusal = body.refusal
            for i, name in enumerate(METRIC_NAMES):
                v = body.metrics[name].value
                if v is not None:
                    raw[i] = v
            smoothed_lm = self._smooth_landmarks(t, body.landmarks)
            if self._prev_smooth is not None:
                speed = guide.body_speed(
                    self._prev_smooth[1], smoothed_lm, t - self._prev_smooth[0], self._options.min_score
                )
            self._prev_smooth = (t, smoothed_lm)

        problems = guide.stance_problems(len(people), body, speed, self._options.min_score)
        smooth = self._metric_filter(t, raw)
        usable = guide.usable(problems)
        events: list[str] = []
        alerts = self._update_alerts(t, smooth, usable, events)
        progress, done = self._update_capture(rgb, t, body, problems, events)
        guidance = guide.instruction(
            problems
            if self._capture is not None or self._wait is not None
            else tuple(p for p in problems if p in guide.ESSENTIAL)
        )

        st = self.stats
        st.frames += 1
        st.with_person += bool(people)
        st.usable += usable
        st.first_t = t if st.frames == 1 else st.first_t
        st.last_t = t
        return FrameRecord(
            index=st.frames - 1,
            t=t,
            people=len(people),
            view=view,
            turn_deg=turn,
            raw=raw,
            smooth=smooth,
            flags=problems,
            usable=usable,
            guidance=guidance,
            landmarks=smoothed_lm,
            alerts=alerts,
            events=tuple(events),
            capture=progress,
            captured=done,
            refusal=refusal,
        )

    def finish(self, message: Callable[[str], None] = lambda text: None) -> list[CaptureResult]:
        """End the session: a capture collecting frames is closed with those it has
        (``complete=False``) and every analysis under way is awaited. ``message`` gets the
        progress and each result's lines; returns the captures finished here."""
        self._requested = None
        if self._wait is not None:
            self._give_up(self._wait, "the session ended", message)
        if self._capture is not None:
            self._close_capture(self._capture, complete=False)
            self._capture = None
        out = []
        for p in self._pending:
            if not p.job.finished:
                message(f"Computing the capture at {p.cap.t_start:.1f} s: {p.job.total} frames analysed as photos...")
            said = p.job.done
            while not p.job.finished:
                p.job.wait(PROGRESS_EVERY_S)
                if p.job.done != said and not p.job.finished:
                    said = p.job.done
                    message(f"  {said} of {p.job.total} frames analysed")
            result = self._result(p)
            out.append(result)
            for line in result.lines():
                message(line)
        self._pending = []
        return out

    # -- internals -----------------------------------------------------------

    def _smooth_landmarks(self, t: float, lm: Landmarks) -> Landmarks:
        xy = lm.xy
        if self._prev_xy is not None:
            jump = np.nanmedian(np.linalg.norm(xy - self._prev_xy, axis=1))
            if np.isfinite(jump) and jump > 0.25 * max(lm.width, lm.height):
                self._landmark_filter.reset()  # another person, or the same one found anew
        self._prev_xy = xy
        return Landmarks(
            xy=self._landmark_filter(t, xy),
            visibility=lm.visibility,
            presence=lm.presence,
            width=lm.width,
            height=lm.height,
            world=lm.world,
        )

    def _update_alerts(self, t: float, smooth: FloatArray, usable: bool, events: list[str]) -> tuple[AlertState, ...]:
        """Advance each rule's clock; a frame that can't be measured counts as a lost frame."""
        grace = self.config.alert_grace_s
        states = []
        for rule, a in zip(self.config.alerts, self._alerts, strict=True):
            v = float(smooth[_INDEX[rule.metric]]) if usable else math.nan
            if math.isfinite(v) and abs(v) > rule.limit:
                if a.since is None or t - a.last_above > grace:
                    a.since = t
                a.last_above = t
                if not a.active and t - a.since >= rule.seconds:
                    a.active = True
                    self.stats.alerts_raised += 1
                    what = wording.describe(rule.metric, metric_from_value(rule.metric, v))
                    events.append(f"ALERT at {t:.1f} s: {rule.describe()} ({what})")
            elif a.since is not None and t - a.last_above > grace:
                if a.active:
                    events.append(
                        f"alert cleared at {t:.1f} s: {wording.LABELS[rule.metric]} back within {rule.limit:g}"
                    )
                a.since, a.active = None, False
            states.append(AlertState(rule, a.active, a.since))
        return tuple(states)

    def _update_capture(
        self,
        rgb: NDArray[np.uint8],
        t: float,
        body: BodyMeasurement | None,
        problems: tuple[str, ...],
        events: list[str],
    ) -> tuple[CaptureProgress | None, CaptureResult | None]:
        """Advance the capture: finished analyses, the stance wait, collecting frames."""
        done = None
        for p in [p for p in self._pending if p.job.finished]:
            self._pending.remove(p)
            done = self._result(p)
            events.extend(done.lines())
        if self._auto_pending and self._wait is None and self._capture is None and self._requested is None:
            self._auto_pending = False
            self._wait = _Wait(t)
        wait = self._wait
        if wait is not None:
            wait.frames += 1
            if not self.config.guided:
                problems = tuple(p for p in problems if p in guide.RECORDING_BLOCKS)
            if problems:
                wait.said[guide.instruction(problems) or ""] += 1
                wait.problem_since = t if wait.problem_since is None else wait.problem_since
                if t - wait.problem_since > self.config.hold_grace_s:
                    wait.ready_since = None
            else:
                wait.problem_since = None
                wait.ready_since = t if wait.ready_since is None else wait.ready_since
            if (
                not problems
                and wait.ready_since is not None
                and t - wait.ready_since >= self.config.hold_seconds - 1e-6
            ):
                self._wait, self._requested = None, self.config.capture_seconds
            elif t - wait.t_start >= self.config.stance_timeout_s:
                self._give_up(
                    wait, f"no steady, measurable stance within {self.config.stance_timeout_s:g} s", events.append
                )
        cap = self._capture
        if cap is not None and t - cap.t_start >= cap.span_s:
            self._close_capture(cap, complete=True)
            cap = self._capture = None
        if cap is None and self._requested is not None:
            selector = FrameSelector(t, self.config.capture_frames)
            cap = self._capture = _Capture(t_start=t, span_s=self._requested, t_last=t, selector=selector)
            self._requested = None
        if cap is not None:
            cap.frames += 1
            cap.t_last = t
            if body is not None and guide.usable(problems):
                cap.usable += 1
                cap.selector.offer(rgb, t, len(problems), sharpness(rgb, body.landmarks.bbox(self._options.min_score)))
            return CaptureProgress("collecting", cap.t_start, cap.span_s, t - cap.t_start, cap.usable), done
        if wait is not None and self._wait is not None:
            held = 0.0 if wait.ready_since is None else t - wait.ready_since
            return CaptureProgress("waiting", wait.t_start, self.config.hold_seconds, held), done
        analysing = [p for p in self._pending if p.job.total]  # not one that had too few frames to start
        if analysing:
            p = analysing[0]
            return CaptureProgress(
                "analysing", p.cap.t_start, p.cap.span_s, t - p.cap.t_start, p.cap.usable, p.job.done, p.job.total
            ), done
        return None, done

    def _give_up(self, wait: _Wait, why: str, message: Callable[[str], None]) -> None:
        """An automatic capture that never started: say why, with the instruction given most often."""
        self._wait = None
        said = [(k, n) for k, n in wait.said.most_common() if k]
        most = f"; most often: {said[0][0]} ({100 * said[0][1] // max(1, wait.frames)}% of the frames)" if said else ""
        text = f"Capture not started: {why}{most}."
        self.capture_failures.append(text)
        message(text)

    def _close_capture(self, cap: _Capture, complete: bool) -> None:
        """Hand the capture's best frames to the worker."""
        assert self.worker is not None
        chosen = cap.selector.frames()
        if len(chosen) >= self.config.min_capture_frames:
            job = self.worker.submit([rgb for _, rgb in chosen])
        else:  # none analysed: the headline says "0 of N measurable frames analysed"
            n = len(chosen)
            job = AnalysisJob.failed(
                ValueError(
                    f"only {n} measurable frame{'' if n == 1 else 's'} in the capture, "
                    f"{self.config.min_capture_frames} needed"
                )
            )
            chosen = []
        self._pending.append(_Pending(cap, job, tuple(t for t, _ in chosen), complete))

    def _result(self, p: _Pending) -> CaptureResult:
        """The finished (or awaited) analysis of a capture, combined."""
        cap = p.cap
        notes = () if p.complete else ("the capture ended early",)
        seen = CaptureMethod(span_s=cap.span_s, frames_seen=cap.frames, frames_measurable=cap.usable)
        try:
            measurement = combine(p.job.result(), min_frames=self.config.min_capture_frames, notes=notes, capture=seen)
        except Exception as exc:  # noqa: BLE001 - any failure of the analysis is the capture's result, not a crash
            measurement = unmeasured(str(exc), self._options.mirrored, self._options.roll_deg, seen)
        result = CaptureResult(
            cap.t_start,
            cap.t_last,
            cap.span_s,
            cap.frames,
            cap.usable,
            measurement,
            p.frame_times,
            p.job.seconds,
            p.complete,
        )
        self.captures.append(result)
        return result
