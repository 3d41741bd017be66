"""Exceptions the command line turns into one line and an exit code.

Exit codes: 0 measured; 1 unexpected error; 2 usage error; 3 bad input
(image or model file); 4 nobody in the photo; 5 a person but nothing
measurable (side view, body out of frame); 6 output refused (exists or not
writable); 7 history refused (the database was written by a newer posture,
is not a posture history, is corrupt, or has no measurement with that ID).
"""

from __future__ import annotations

import signal

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_NO_PERSON = 4
EXIT_NOT_MEASURABLE = 5
EXIT_OUTPUT = 6
EXIT_HISTORY = 7
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, as a shell reports a command whose reader stopped early (``| head``)."""


def first_line(error: BaseException | str) -> str:
    """The first non-empty line of an error's message (some span several, e.g. a decoder's), its
    spaces collapsed; an exception without a message gives its type's name, an empty text ""."""
    text = str(error)
    line = next((" ".join(x.split()) for x in text.splitlines() if x.strip()), "")
    return line or ("" if isinstance(error, str) else type(error).__name__)


class PostureError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_INTERNAL


class InputError(PostureError):
    """An input file that can't be used (missing, not an image, corrupt, too large or small)."""

    exit_code = EXIT_BAD_INPUT


class PersonNotFound(InputError):
    """``--person`` beyond the people found: the person ``requested`` (0-based), how many were
    ``found`` (``at_least``: the second look found some, so more may be there) and whether the
    analysis was one pass (``fast``), as data, so each interface can word the choice its own way
    (:func:`posture.wording.person_not_found`)."""

    def __init__(self, message: str, *, requested: int, found: int, at_least: bool, fast: bool) -> None:
        super().__init__(message)
        self.requested, self.found, self.at_least, self.fast = requested, found, at_least, fast


class ModelError(PostureError):
    """A model file that is not a usable pose landmarker bundle."""

    exit_code = EXIT_BAD_INPUT


class OutputError(PostureError):
    """An output that would overwrite something or can't be written."""

    exit_code = EXIT_OUTPUT


class HistoryError(PostureError):
    """The history database can't be used: written by a newer posture (left
    untouched), not a posture history, corrupt, or not writable."""

    exit_code = EXIT_HISTORY


class MeasurementNotFound(HistoryError):
    """No stored measurement has the requested ID."""


class SourceError(InputError):
    """A camera that can't be opened, or a video or image sequence that can't be read."""


class DisplayError(PostureError):
    """No screen to open a window on (use ``--headless``)."""

    exit_code = EXIT_USAGE


STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that stop posture as Ctrl-C does, keeping what was done (a service stopping,
the terminal closing)."""


class Terminated(KeyboardInterrupt):
    """A stop signal (:data:`STOP_SIGNALS`) received: handled wherever Ctrl-C is, so
    that everything Ctrl-C keeps is kept. ``str()`` is the signal's name."""

    def __init__(self, signum: int) -> None:
        self.signum = int(signum)
        super().__init__(signal.Signals(signum).name)
