"""The live check's loop: frames in; per-frame records, captures and alerts out.

A :class:`LiveSession` holds a detector (anything with
``detect(rgb, timestamp_ms) -> list[Landmarks]``, such as
:class:`posture.pose.PoseDetector` in VIDEO mode) and turns each frame into a
:class:`FrameRecord`: the raw metrics of the most prominent person, the same
metrics smoothed with a One Euro filter, smoothed landmarks for drawing,
quality flags with one line of guidance, alert states and capture progress.
It does no I/O: frames come from any iterable of ``(H, W, 3)`` uint8 RGB
arrays (a camera, a video file, a list in a test), and the caller decides
what to draw, print or write. Memory does not grow with the session's
length: a record is handed on, not kept; only a capture in progress keeps
the raw metrics of its own frames.

Mirrored frames (a camera shown as a mirror) are measured with
``MeasureOptions(mirrored=True)``, so every left/right here is the
subject's own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from posture import view as turn_rule
from posture import wording
from posture.landmarks import Landmarks
from posture.live.smoothing import OneEuroFilter, OneEuroParams
from posture.measure import (
    CENTRED_PCT,
    LEVEL_DEG,
    METRIC_NAMES,
    MeasureOptions,
    measure,
    metric_unit,
)
from posture.metrics import METRICS
from posture.result import Metric

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
    raise ValueError(f"unknown metric {text!r}; use one of {', '.join(sorted(SHORT_NAMES))} or {', '.join(METRIC_NAMES)}")


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

# Quality flags, in the order their guidance is shown (the first one present wins).
NO_PERSON = "no_person"
MULTIPLE_PEOPLE = "multiple_people"
TURNED = "turned"
NO_SHOULDERS = "shoulders_not_visible"
NO_HIPS = "hips_not_visible"
FACING_AWAY = "facing_away"

GUIDANCE: dict[str, str] = {
    NO_PERSON: "step into the camera's view",
    MULTIPLE_PEOPLE: "only one person, please",
    TURNED: "face the camera",
    NO_SHOULDERS: "move so your shoulders are in view",
    NO_HIPS: "step back so your hips are visible",
}
"""What to tell the user for each flag that makes a frame (partly) unusable."""

UNUSABLE_FLAGS = frozenset({NO_PERSON, MULTIPLE_PEOPLE, TURNED, NO_SHOULDERS})
"""A frame with any of these flags is not counted in a capture."""


@dataclass(frozen=True)
class LiveConfig:
    """How a live session measures, smooths, captures and alerts.

    Attributes
    ----------
    mirrored : bool
        The frames are mirror images (a camera shown as a mirror); sides are
        swapped back so that left and right are the subject's.
    roll_deg, min_score : float
        As in :class:`posture.measure.MeasureOptions`.
    capture_seconds : float
        Length of a capture, seconds.
    auto_capture : bool
        Start one capture at the first usable frame (``--capture``).
    min_capture_frames : int
        A capture reports a metric only if it was measured in at least this
        many frames.
    alerts : tuple of AlertRule
        Checked on the smoothed metrics.
    alert_grace_s : float
        A dip below the limit (or a lost frame) shorter than this does not
        restart an alert's clock.
    metric_smoothing, landmark_smoothing : OneEuroParams
        Filters for the metrics and for the landmark pixels drawn.
    """

    mirrored: bool = False
    roll_deg: float = 0.0
    min_score: float = 0.5
    capture_seconds: float = 3.0
    auto_capture: bool = False
    min_capture_frames: int = 5
    alerts: tuple[AlertRule, ...] = DEFAULT_ALERTS
    alert_grace_s: float = 0.5
    metric_smoothing: OneEuroParams = METRIC_SMOOTHING
    landmark_smoothing: OneEuroParams = LANDMARK_SMOOTHING

    def __post_init__(self) -> None:
        if not self.capture_seconds > 0:
            raise ValueError(f"capture_seconds must be positive, got {self.capture_seconds}")
        if self.min_capture_frames < 1:
            raise ValueError(f"min_capture_frames must be at least 1, got {self.min_capture_frames}")


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
    """The steady reading of one capture: per metric the median over its usable frames.

    ``metrics`` hold the median as ``value`` and the spread of the frames
    (1.4826 times the median absolute deviation, which equals the standard
    deviation for normally distributed values), with the body's median turn
    added in quadrature (:func:`posture.view.with_turn`), as ``uncertainty``.
    ``complete`` is False when the session ended before the span was over.
    """

    t_start: float
    t_end: float
    span_s: float
    frames: int
    usable_frames: int
    metrics: Mapping[str, Metric]
    complete: bool = True

    def lines(self) -> list[str]:
        """Plain-language lines, e.g. ``Shoulders: Right shoulder higher by 2.1° ± 0.3°``."""
        head = (
            f"Capture at {self.t_start:.1f}-{self.t_end:.1f} s: median of {self.usable_frames} usable "
            f"of {self.frames} frames" + ("" if self.complete else " (ended early)")
        )
        body = [wording.describe(n, m) for n, m in self.metrics.items() if m.measured]
        if not body:
            body = [f"nothing measured: fewer than the needed usable frames ({self.usable_frames})"]
        return [head] + body

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "t_start_s": round(self.t_start, 3),
            "t_end_s": round(self.t_end, 3),
            "span_s": self.span_s,
            "frames": self.frames,
            "usable_frames": self.usable_frames,
            "complete": self.complete,
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
        }


@dataclass(frozen=True)
class CaptureProgress:
    """A capture under way."""

    t_start: float
    span_s: float
    elapsed_s: float
    usable_frames: int


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
        Quality flags (``no_person``, ``multiple_people``, ``turned``
        (beyond :data:`posture.view.MAX_TURN_DEG`, as ``analyze`` refuses),
        ``shoulders_not_visible``, ``hips_not_visible``, ``facing_away``).
    usable : bool
        Whether a capture counts this frame.
    guidance : str or None
        One line telling the user how to make the frame usable.
    landmarks : Landmarks or None
        Smoothed landmarks with anatomical sides, in this frame's pixels.
    alerts : tuple of AlertState
        One per rule.
    events : tuple of str
        Messages that arose at this frame (alert raised or cleared, capture done).
    capture : CaptureProgress or None
        A capture under way (including this frame).
    captured : CaptureResult or None
        A capture that ended at this frame.
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
        for i, name in enumerate(METRIC_NAMES):
            row[name] = _cell(self.raw[i], 3)
            row[name + "_smooth"] = _cell(self.smooth[i], 3)
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
    t_start: float
    span_s: float
    t_last: float
    frames: int = 0
    rows: list[FloatArray] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)


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


class LiveSession:
    """The live loop's state: filters, the capture under way, alert clocks.

    Example::

        with PoseDetector(video=True, num_poses=2) as det:
            session = LiveSession(det, LiveConfig(mirrored=True))
            for rgb, rec in session.run(frames, fps=None):
                ...
            leftover = session.finish()
    """

    def __init__(self, detector: Detector, config: LiveConfig = LiveConfig()) -> None:
        self.detector = detector
        self.config = config
        self._options = MeasureOptions(mirrored=config.mirrored, roll_deg=config.roll_deg, min_score=config.min_score)
        self._metric_filter = OneEuroFilter(config.metric_smoothing)
        self._landmark_filter = OneEuroFilter(config.landmark_smoothing)
        self._alerts = [_Alert() for _ in config.alerts]
        self._capture: _Capture | None = None
        self._requested: float | None = None
        self._auto_pending = config.auto_capture
        self._last_ms = -1
        self._last_t = -math.inf
        self._prev_xy: FloatArray | None = None
        self.captures: list[CaptureResult] = []
        self.stats = SessionStats()

    # -- control -------------------------------------------------------------

    def request_capture(self, seconds: float | None = None) -> bool:
        """Start a capture at the next frame; False if one is already under way."""
        if self._capture is not None or self._requested is not None:
            return False
        self._requested = float(seconds or self.config.capture_seconds)
        return True

    @property
    def capturing(self) -> bool:
        """Whether a capture is under way or requested."""
        return self._capture is not None or self._requested is not None

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
                    yield pending[0], self._record(pending[1], pending[2].result())
                pending = ahead
            if pending is not None:
                yield pending[0], self._record(pending[1], pending[2].result())

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
        return self._record(t, self.detector.detect(rgb, self._stamp(t)))

    def _record(self, t: float, people: list[Landmarks]) -> FrameRecord:
        """Everything after detection for the frame at ``t``."""
        raw = np.full(len(METRIC_NAMES), np.nan)
        flags: list[str] = []
        view, turn = "unknown", math.nan
        refusal = None
        smoothed_lm: Landmarks | None = None
        if not people:
            flags.append(NO_PERSON)
            self._landmark_filter.reset()
            self._prev_xy = None
        else:
            body = measure(people[0], self._options)
            view, turn = body.view, (math.nan if body.turn_deg is None else body.turn_deg)
            if len(people) > 1:
                flags.append(MULTIPLE_PEOPLE)
            refusal = body.refusal
            if turn_rule.turn_refusal(body.turn_deg) is not None:
                flags.append(TURNED)
            for i, name in enumerate(METRIC_NAMES):
                v = body.metrics[name].value
                if v is not None:
                    raw[i] = v
            if TURNED not in flags:
                if not np.isfinite(raw[_INDEX["shoulder_tilt_deg"]]):
                    flags.append(NO_SHOULDERS)
                if not np.isfinite(raw[_INDEX["pelvic_tilt_deg"]]):
                    flags.append(NO_HIPS)
            if view == "back":
                flags.append(FACING_AWAY)
            smoothed_lm = self._smooth_landmarks(t, body.landmarks)

        smooth = self._metric_filter(t, raw)
        usable = not UNUSABLE_FLAGS.intersection(flags)
        guidance = next((GUIDANCE[f] for f in GUIDANCE if f in flags), None)
        events: list[str] = []
        alerts = self._update_alerts(t, smooth, events)
        progress, done = self._update_capture(t, raw if usable else None, usable, events, turn)

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
            flags=tuple(flags),
            usable=usable,
            guidance=guidance,
            landmarks=smoothed_lm,
            alerts=alerts,
            events=tuple(events),
            capture=progress,
            captured=done,
            refusal=refusal,
        )

    def finish(self) -> CaptureResult | None:
        """End the session: a capture under way is closed with the frames it has (``complete=False``)."""
        self._requested = None
        if self._capture is None:
            return None
        result = self._close_capture(self._capture, complete=False)
        self._capture = None
        return result

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

    def _update_alerts(self, t: float, smooth: FloatArray, events: list[str]) -> tuple[AlertState, ...]:
        grace = self.config.alert_grace_s
        states = []
        for rule, a in zip(self.config.alerts, self._alerts, strict=True):
            v = float(smooth[_INDEX[rule.metric]])
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
                    events.append(f"alert cleared at {t:.1f} s: {wording.LABELS[rule.metric]} back within {rule.limit:g}")
                a.since, a.active = None, False
            states.append(AlertState(rule, a.active, a.since))
        return tuple(states)

    def _update_capture(
        self, t: float, raw: FloatArray | None, usable: bool, events: list[str], turn: float
    ) -> tuple[CaptureProgress | None, CaptureResult | None]:
        done = None
        cap = self._capture
        if cap is not None and t - cap.t_start >= cap.span_s:
            done = self._close_capture(cap, complete=True)
            events.extend(done.lines())
            cap = self._capture = None
        if cap is None and self._requested is None and self._auto_pending and usable:
            self._requested, self._auto_pending = self.config.capture_seconds, False
        if cap is None and self._requested is not None:
            cap = self._capture = _Capture(t_start=t, span_s=self._requested, t_last=t)
            self._requested = None
        if cap is None:
            return None, done
        cap.frames += 1
        cap.t_last = t
        if raw is not None:
            cap.rows.append(raw)
            cap.turns.append(turn)
        return CaptureProgress(cap.t_start, cap.span_s, t - cap.t_start, len(cap.rows)), done

    def _close_capture(self, cap: _Capture, complete: bool) -> CaptureResult:
        n_min = self.config.min_capture_frames
        values = np.array(cap.rows, dtype=np.float64).reshape(len(cap.rows), len(METRIC_NAMES))
        turns = [x for x in cap.turns if math.isfinite(x)]
        turn = float(np.median(turns)) if turns else None
        metrics: dict[str, Metric] = {}
        for i, name in enumerate(METRIC_NAMES):
            col = values[:, i][np.isfinite(values[:, i])]
            if len(col) < n_min:
                metrics[name] = Metric.missing(metric_unit(name), f"measured in {len(col)} frames, fewer than {n_min}")
                continue
            med = float(np.median(col))
            spread = 1.4826 * float(np.median(np.abs(col - med)))
            metrics[name] = metric_from_value(name, med, turn_rule.with_turn(spread, name, med, turn))
        result = CaptureResult(cap.t_start, cap.t_last, cap.span_s, cap.frames, len(cap.rows), metrics, complete)
        self.captures.append(result)
        return result
