"""``posture live`` as one library call: :func:`run_live` wires source, detector, session, display and outputs.

Everything that is opened is closed however the session ends: the stream
ending, the camera disconnecting, the user quitting (q, Esc, closing the
window), ``--duration`` running out, Ctrl-C, or SIGTERM / SIGHUP (raised as
:class:`~posture.errors.Terminated` by the command line). In every case the log and the
recording keep what was processed, a capture under way is reported with the
frames it has, and a :class:`LiveSummary` is returned.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError
from posture.live.capture import CaptureWorker
from posture.live.session import (
    DEFAULT_ALERTS,
    AlertRule,
    CaptureResult,
    FrameRecord,
    LiveConfig,
    LiveSession,
)
from posture.provenance import Model
from posture.result import PostureMeasurement
from posture.settings import Settings

if TYPE_CHECKING:
    from posture.analyze import Analyzer

LIVE_NUM_POSES = 2
"""People the detector looks for: two, so that a second person can be noticed ("only one person, please")."""


@dataclass(frozen=True)
class LiveOptions:
    """Everything ``posture live`` can be told; the defaults are the command's.

    Attributes
    ----------
    source : str or None
        Video file, image folder or glob pattern; None for the camera.
    camera : int
        Camera index.
    mirror_view : bool or None
        Show (and measure) the frames flipped as a mirror. None: yes for a
        camera, no for a file.
    fps : float or None
        Frame rate of a file or image sequence (None: the video's own).
    headless : bool
        A terminal table instead of a window.
    record, log : str or None
        Annotated video and per-frame CSV to write.
    force : bool
        Overwrite ``record`` / ``log`` if they exist.
    duration : float or None
        Stop after this many seconds.
    capture : float or None
        Take a capture of this many seconds once the person has held a
        measurable stance for a second (and use this length for the space key).
    alerts : tuple of AlertRule
        Alert rules (``()``: none).
    settings : Settings
        How captures are analysed, as ``posture analyze`` analyses a photo; its ``model`` also
        reads the live frames and its ``min_score`` and ``roll_deg`` (None or 0: no correction)
        also hold for the live metrics. ``mirrored`` comes from the source (``mirror_view``).
    history : str or None
        The history database the session saves to: ``record`` and ``log`` must not be it.
    """

    source: str | None = None
    camera: int = 0
    mirror_view: bool | None = None
    fps: float | None = None
    headless: bool = False
    record: str | None = None
    log: str | None = None
    force: bool = False
    duration: float | None = None
    capture: float | None = None
    alerts: tuple[AlertRule, ...] = DEFAULT_ALERTS
    settings: Settings = field(default_factory=Settings)
    history: str | None = None

    def __post_init__(self) -> None:
        if self.duration is not None and not self.duration > 0:
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.capture is not None and not self.capture > 0:
            raise ValueError(f"capture must be positive, got {self.capture}")


@dataclass(frozen=True)
class LiveSummary:
    """How a live session went; ``model`` is the pose model that ran."""

    source: str
    mirrored: bool
    frames: int
    with_person: int
    usable: int
    seconds: float
    wall_seconds: float
    ended_by: str
    captures: tuple[CaptureResult, ...] = ()
    capture_failures: tuple[str, ...] = ()
    alerts_raised: int = 0
    outputs: tuple[str, ...] = field(default_factory=tuple)
    model: Model = field(default_factory=Model)
    roll_deg: float = 0.0

    @property
    def frames_per_second(self) -> float:
        """Frames processed per wall-clock second."""
        return self.frames / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def lines(self) -> list[str]:
        """The end-of-session report, a few plain lines."""
        out = [
            f"Session ({self.source}): {self.frames} frames over {self.seconds:.1f} s, ended by {self.ended_by}; "
            f"a person in {self.with_person}, usable {self.usable}; {self.frames_per_second:.1f} frames/s processed.",
        ]
        for c in self.captures:
            out += c.lines()
        out += self.capture_failures
        if not self.captures and not self.capture_failures:
            out.append("No capture taken (space in the window, or --capture SECONDS).")
        out.append(f"Alerts raised: {self.alerts_raised}.")
        view = "mirror view (sides swapped back: left/right are yours)" if self.mirrored else "not mirrored"
        out.append(f"Assumed: {view}; angles relative to the image edges unless --level is given.")
        out += list(self.outputs)
        return out


def _check_outputs(options: LiveOptions) -> None:
    """Refuse bad outputs before a camera, window or model is opened."""
    from posture.live.outputs import VIDEO_CODECS
    from posture.output import check_distinct, check_target

    if options.record and Path(options.record).suffix.lower() not in VIDEO_CODECS:
        raise OutputError(f"{options.record}: unsupported video type; use {', '.join(VIDEO_CODECS)}")

    for p in (options.record, options.log):
        if p:
            check_target(p, force=options.force, inputs=[options.source], history=options.history)
    check_distinct([options.record, options.log])


def run_live(
    options: LiveOptions = LiveOptions(),
    *,
    display: object | None = None,
    observer: Callable[[FrameRecord, NDArray[np.uint8] | None], None] | None = None,
    draw: bool | None = None,
) -> LiveSummary:
    """Run a live check until the stream ends, the user quits, ``duration`` passes or Ctrl-C.

    Parameters
    ----------
    options : LiveOptions
        What to read, show and write.
    display : Display, optional
        Replaces the window / terminal table (e.g. :class:`~posture.live.display.NoDisplay`);
        it is not entered or closed here.
    observer : callable, optional
        Called with every record and its annotated frame (None when nothing is drawn).
    draw : bool, optional
        Draw the overlay on every frame; None: only when a window or a recording needs it.

    Raises
    ------
    SourceError
        No camera, or an unreadable source.
    OutputError
        ``record`` or ``log`` exists (without ``force``) or can't be written.
    DisplayError
        A window was asked for but there is no display.
    ModelError
        An unusable ``model``.
    """
    from posture.live.display import WINDOW_HINT, TerminalDisplay, WindowDisplay
    from posture.live.outputs import CsvLog, VideoRecorder
    from posture.live.overlay import draw_live
    from posture.live.sources import open_source
    from posture.pose import PoseDetector

    _check_outputs(options)
    wall0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(
            open_source(options.source, camera=options.camera, mirror=options.mirror_view, fps=options.fps)
        )
        if display is None:
            display = stack.enter_context(
                TerminalDisplay(source.description)
                if options.headless
                else WindowDisplay(f"posture live: {source.description}")
            )
        detector = stack.enter_context(PoseDetector(options.settings.model, num_poses=LIVE_NUM_POSES, video=True))
        recorder = (
            stack.enter_context(VideoRecorder(options.record, source.nominal_fps, force=options.force))
            if options.record
            else None
        )
        log = stack.enter_context(CsvLog(options.log, force=options.force)) if options.log else None
        worker = CaptureWorker(functools.partial(capture_analyzer, options, source.mirrored), mode="process")
        stack.callback(worker.close)
        config = LiveConfig(
            measure=replace(options.settings, mirrored=source.mirrored).measure_options(),
            capture_seconds=options.capture or LiveConfig.capture_seconds,
            auto_capture=options.capture is not None,
            guided=options.source is None,
            alerts=options.alerts,
        )
        session = LiveSession(detector, config, worker)
        windowed = isinstance(display, WindowDisplay)
        must_draw = draw if draw is not None else (windowed or recorder is not None)
        hint = WINDOW_HINT if windowed else None
        last_capture: CaptureResult | None = None
        ended_by = "stopped"
        show, message = display.show, display.message  # type: ignore[attr-defined]
        try:
            for rgb, rec in session.run(source, fps=source.fps, duration=options.duration):
                for line in rec.events:
                    message(line)
                last_capture = rec.captured or last_capture
                annotated = None
                if must_draw:
                    annotated = draw_live(
                        rgb,
                        rec,
                        mirrored=config.measure.mirrored,
                        roll_deg=config.measure.roll_deg,
                        min_score=config.measure.min_score,
                        last_capture=last_capture,
                        hint=hint,
                    )
                if log is not None:
                    log.write(rec)
                if recorder is not None and annotated is not None:
                    recorder.write(annotated)
                action = show(annotated, rec)
                if observer is not None:
                    observer(rec, annotated)
                if action == "quit":
                    ended_by = "the user (quit)"
                    break
                if action == "capture" and session.request_capture():
                    message(f"capture started: {config.capture_seconds:g} s")
            else:
                ended_by = "--duration" if session.stats.duration_reached else source.end_reason
        except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM / SIGHUP (posture.errors.Terminated, named)
            ended_by = str(e) or "Ctrl-C"
        wall_loop = time.monotonic() - wall0  # the frame rate leaves out waiting for a capture's analysis
        session.finish(message)
        outputs = []
        if log is not None:
            outputs.append(f"Log: {options.log} ({log.rows} rows)")
        if recorder is not None:
            recorder.close()
            outputs.append(
                f"Recording: {options.record} ({recorder.frames} frames)"
                if recorder.frames
                else f"Recording: nothing written to {options.record} (no frames)"
            )
    st = session.stats
    return LiveSummary(
        source=source.description,
        mirrored=source.mirrored,
        frames=st.frames,
        with_person=st.with_person,
        usable=st.usable,
        seconds=(st.last_t - st.first_t) if st.frames else 0.0,
        wall_seconds=wall_loop,
        ended_by=ended_by,
        captures=tuple(session.captures),
        capture_failures=tuple(session.capture_failures),
        alerts_raised=st.alerts_raised,
        outputs=tuple(outputs),
        model=Model(**detector.info.to_dict()),
        roll_deg=config.measure.roll_deg,
    )


def capture_analyzer(options: LiveOptions, mirrored: bool) -> Analyzer:
    """The analyser a capture's frames go through: the session's settings (a roll of 0 is none)
    with the source's mirroring."""
    from posture.analyze import Analyzer

    s = options.settings
    return Analyzer(replace(s, mirrored=mirrored, roll_deg=s.roll_deg or None)).__enter__()


def capture_measurement(summary: LiveSummary, capture: CaptureResult) -> PostureMeasurement | None:
    """A capture's measurement for the history, its source named, or None when it measured nothing.

    It was measured as ``posture analyze`` measures a photo (see :mod:`posture.live.capture`), so
    it compares with a photo's entry; there is no photo file, so no path or hash.
    """
    m = capture.measurement
    if m.status != "measured":
        return None
    return replace(m, source=replace(m.source, path=None, live_source=summary.source))
