"""What reaches the terminal: text that can't drive it, and no library chatter.

File names, ``--name`` and ``--note`` may hold control characters: an ANSI
or OSC escape sequence (``ESC [ ... m``, ``ESC ] ... BEL``) would recolour,
retitle or rewrite the terminal, a newline would break a table, and
bidirectional overrides would reorder what is shown. :func:`printable`
shows each such character as a visible escape (``\\x1b``, ``\\n``,
``\\u202e``), as Python's ``repr`` does, and leaves all other text as is;
:func:`log_to_stderr` applies it to every log line.

:func:`route_library_warnings` keeps the libraries' Python warnings (Pillow on
odd files, matplotlib on missing glyphs) off the terminal: they go to the
debug log, shown with ``--verbose``.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
import warnings
from collections.abc import Iterator

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional formatting characters (they reorder the text shown around them)."""


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``str(text)`` with control characters (C0, DEL, C1) and bidirectional
    overrides shown as visible escapes; with ``keep_newlines`` a newline stays a
    line break (for text of several lines)."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(
        ch if (ch == "\n" and keep_newlines) or not (unicodedata.category(ch) == "Cc" or ch in _BIDI) else _escape(ch)
        for ch in s
    )


def width(text: str) -> int:
    """How many terminal cells ``text`` takes: a wide character (most emoji, CJK) two, a combining
    mark or a format character (a zero-width joiner) none, every other one."""
    return sum(
        0
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def pad(text: str, cells: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``cells`` terminal cells (:func:`width`), on the left when ``right``."""
    fill = " " * max(cells - width(text), 0)
    return fill + text if right else text + fill


LOG_FORMAT = "posture: %(levelname)s: %(name)s: %(message)s"


class PrintableFormatter(logging.Formatter):
    """Log lines with control characters escaped (:func:`printable`): messages quote file names."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, escaped."""
        return printable(super().format(record), keep_newlines=True)


def log_to_stderr(level: int) -> None:
    """Configure the root logger (once per process): ``posture: LEVEL: logger: message`` lines on
    stderr, escaped, from ``level`` up; Python warnings as :func:`library_warnings_to_log`."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])


def library_warnings_to_log(verbose: bool) -> None:
    """Send Python warnings to the log (``py.warnings``), which shows them only when ``verbose``."""
    warnings.simplefilter("default")
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.DEBUG if verbose else logging.ERROR)


@contextlib.contextmanager
def route_library_warnings(verbose: bool) -> Iterator[None]:
    """:func:`library_warnings_to_log` for the duration of the context."""
    with warnings.catch_warnings():
        library_warnings_to_log(verbose)
        try:
            yield
        finally:
            logging.captureWarnings(False)
