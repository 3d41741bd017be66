"""Showing a live session: an OpenCV window, or a live table in the terminal.

Both are context managers with the same two methods: ``show(rgb, rec)``
shows one annotated frame (the window) or updates the table (the terminal)
and returns what the user asked for (``"capture"``, ``"quit"`` or None), and
``message(text)`` prints a line to the terminal (alerts, capture results).
"""

from __future__ import annotations

import math
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO

import numpy as np
from numpy.typing import NDArray

from posture import wording
from posture.errors import DisplayError
from posture.live.session import CaptureResult, FrameRecord
from posture.measure import METRIC_NAMES

QUIT_KEYS = (ord("q"), ord("Q"), 27)  # q, Esc
CAPTURE_KEYS = (ord(" "), ord("c"), ord("C"))

WINDOW_HINT = "space: capture   q / Esc: quit"


class Display(Protocol):
    """What the live loop needs from a display."""

    def show(self, rgb: NDArray[np.uint8], rec: FrameRecord) -> str | None:
        """Show a frame; return ``"capture"``, ``"quit"`` or None."""
        ...

    def message(self, text: str) -> None:
        """Print one line for the user."""
        ...


def display_available(env: dict[str, str] | None = None) -> bool:
    """Whether a window can be opened: always off Linux; on Linux, an X server must answer ``$DISPLAY``.

    Checked up front because OpenCV's Qt backend aborts the whole process
    when it cannot reach a display.
    """
    env = dict(os.environ) if env is None else env
    if not sys.platform.startswith("linux"):
        return True
    display = env.get("DISPLAY", "")
    if not display:
        return False
    host, _, rest = display.rpartition(":")
    try:
        number = int(rest.split(".")[0])
    except ValueError:
        return False
    if host in ("", "unix"):
        return Path(f"/tmp/.X11-unix/X{number}").exists()
    try:
        with socket.create_connection((host, 6000 + number), timeout=0.5):
            return True
    except OSError:
        return False


class WindowDisplay:
    """An OpenCV window showing the annotated frames; keys: space (capture), q or Esc (quit)."""

    def __init__(self, title: str = "posture live", out: TextIO | None = None) -> None:
        self.title = title
        self.out = out
        self._open = False

    def __enter__(self) -> WindowDisplay:
        import cv2

        if not display_available():
            raise DisplayError("no display to open a window on ($DISPLAY is unset or unreachable); use --headless")
        # OpenCV's Qt build ships no fonts and complains on stderr; point it at matplotlib's DejaVu.
        import matplotlib

        os.environ.setdefault("QT_QPA_FONTDIR", os.path.join(matplotlib.get_data_path(), "fonts", "ttf"))
        cv2.namedWindow(self.title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        self._open = True
        return self

    def show(self, rgb: NDArray[np.uint8], rec: FrameRecord) -> str | None:
        """Show one frame and poll the keyboard (1 ms)."""
        import cv2

        cv2.imshow(self.title, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1) & 0xFF
        if key in QUIT_KEYS:
            return "quit"
        if key in CAPTURE_KEYS:
            return "capture"
        if cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "quit"  # the user closed the window
        return None

    def message(self, text: str) -> None:
        """Print a line to the terminal."""
        print(text, file=self.out or sys.stdout, flush=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._open:
            import cv2

            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
            self._open = False


def _value_text(name: str, metric: Any) -> str:
    """``Right shoulder higher by 2°`` without the metric's label; ``-`` when not measured."""
    if metric.value is None:
        return "-"
    return wording.reading(name, metric)


class TerminalDisplay:
    """A live table in the terminal (rich), redrawn a few times a second.

    Rows are the metrics: the smoothed preview value (one landmark pass a
    frame), the last capture's measurement (value ± uncertainty, method) and
    whether an alert is on. Above the table: the source,
    time, frame rate and the guidance of the moment.
    """

    def __init__(self, source: str = "", out: TextIO | None = None, refresh_s: float = 0.25) -> None:
        self.source = source
        self.out = out
        self.refresh_s = refresh_s
        self._live: Any = None
        self._console: Any = None
        self._last_draw = -math.inf
        self._last_capture: CaptureResult | None = None
        self._rec: FrameRecord | None = None
        self._t0 = time.monotonic()
        self._frames = 0

    def __enter__(self) -> TerminalDisplay:
        from rich.console import Console
        from rich.live import Live

        self._console = Console(file=self.out) if self.out is not None else Console()
        self._live = Live(self._table(), console=self._console, auto_refresh=False, transient=False)
        self._live.start()
        return self

    def _table(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        rec = self._rec
        elapsed = time.monotonic() - self._t0
        rate = self._frames / elapsed if elapsed > 0 else 0.0
        head = Text(f"posture live: {self.source}", style="bold")
        if rec is not None:
            head.append(f"   t {rec.t:6.1f} s   frame {rec.index}   {rate:4.1f} frames/s   people {rec.people}")
        table = Table(show_edge=True, header_style="bold")
        table.add_column("Metric")
        table.add_column("Preview (smoothed)")
        table.add_column("Last capture (measured)")
        table.add_column("Alert")
        alerting = {a.rule.metric: a for a in rec.alerts} if rec is not None else {}
        for name in METRIC_NAMES:
            live = _value_text(name, rec.metric(name)) if rec is not None and rec.people else ""
            cap = self._last_capture.metrics.get(name) if self._last_capture is not None else None
            a = alerting.get(name)
            alert = Text("ON", style="bold red") if a is not None and a.active else Text("-" if a is not None else "")
            captured = _value_text(name, cap) if cap is not None else ""
            table.add_row(wording.LABELS[name], live, captured, alert)
        lines: list[Any] = [head, table]
        if rec is not None and rec.guidance:
            lines.append(Text(rec.guidance[0].upper() + rec.guidance[1:], style="bold yellow"))
        if rec is not None and rec.capture is not None:
            lines.append(Text(rec.capture.text(), style="green"))
        lines.append(Text("Ctrl-C to stop", style="dim"))
        return Group(*lines)

    def show(self, rgb: NDArray[np.uint8], rec: FrameRecord) -> str | None:
        """Update the table (at most every ``refresh_s`` seconds); never asks for anything."""
        self._rec = rec
        self._frames += 1
        if rec.captured is not None:
            self._last_capture = rec.captured
        now = time.monotonic()
        if now - self._last_draw >= self.refresh_s:
            self._last_draw = now
            self._live.update(self._table(), refresh=True)
        return None

    def message(self, text: str) -> None:
        """Print a line above the table."""
        self._live.console.print(text, highlight=False, markup=False)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            if self._rec is not None:
                self._live.update(self._table(), refresh=True)
            self._live.stop()
            if not self._console.is_terminal:
                self._console.print()  # a live display ends without a newline when not on a terminal
            self._live = None


class NoDisplay:
    """Shows nothing; prints messages (for scripts and benchmarks)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def __enter__(self) -> NoDisplay:
        return self

    def show(self, rgb: NDArray[np.uint8], rec: FrameRecord) -> str | None:
        """Nothing to show."""
        return None

    def message(self, text: str) -> None:
        """Print a line."""
        if self.out is not None:
            print(text, file=self.out, flush=True)

    def __exit__(self, *exc: object) -> None:
        pass
