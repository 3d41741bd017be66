"""What happened to each photo of a batch: :class:`Outcome` (a measurement or a one-line error
with the exit code ``posture analyze PHOTO`` would give), :func:`analyze_one` that makes it with an
open analyser, and :class:`Tally` that counts them and gives the batch's exit code."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture.errors import (
    EXIT_BAD_INPUT,
    EXIT_HISTORY,
    EXIT_INTERNAL,
    EXIT_NO_PERSON,
    EXIT_NOT_MEASURABLE,
    EXIT_OK,
    EXIT_OUTPUT,
    PostureError,
    first_line,
)

if TYPE_CHECKING:
    from posture.analyze import Analyzer
    from posture.result import PostureMeasurement

log = logging.getLogger(__name__)

STATUS_EXIT = {"measured": EXIT_OK, "no_person": EXIT_NO_PERSON, "not_measurable": EXIT_NOT_MEASURABLE}
"""Exit code of ``posture analyze PHOTO`` for each measurement status."""

ANNOTATED_FIELD = "annotated_path"
"""The JSON key and CSV column that name a photo's annotated image, in runs that write them."""

SEVERITY = (EXIT_INTERNAL, EXIT_HISTORY, EXIT_OUTPUT, EXIT_BAD_INPUT, EXIT_NOT_MEASURABLE, EXIT_NO_PERSON)
"""Per-photo exit codes, most severe first: a batch exits with the first one that occurred."""


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

    def to_dict(self, *, annotated: bool = False) -> dict[str, Any]:
        """One JSON Lines object: the measurement's documented JSON, or for a failure
        ``{"source": {"path": ...}, "status": "error", "error": "...", "exit_code": N}``;
        with ``annotated`` (the run writes annotated images) also :data:`ANNOTATED_FIELD`:
        this photo's annotated image, None when none was written."""
        if self.measurement is not None:
            d = self.measurement.to_dict()
        else:
            d = {"source": {"path": self.path}, "status": "error", "error": self.error, "exit_code": self.exit_code}
        if annotated:
            d[ANNOTATED_FIELD] = self.annotated
        return d


@dataclass(frozen=True)
class Task:
    """One photo for a worker: where to write its annotated image, whether to make a thumbnail."""

    index: int
    path: str
    annotated: str | None = None
    force: bool = False
    thumbnail: bool = False


def analyze_one(analyzer: Analyzer, task: Task) -> Outcome:
    """Analyse one photo with an open analyser; every failure becomes data (with the annotated
    image when it was written before the failure)."""
    t0 = time.perf_counter()
    annotated = None
    try:
        image = analyzer.load(task.path)
        result = analyzer.analyze(image)
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
            task.index,
            task.path,
            error=first_line(e),
            exit_code=e.exit_code,
            annotated=annotated,
            seconds=time.perf_counter() - t0,
        )
    except OSError as e:  # e.g. the output sub-folder cannot be created
        return Outcome(
            task.index,
            task.path,
            error=f"{task.path}: {e.strerror or e}",
            exit_code=EXIT_OUTPUT,
            annotated=annotated,
            seconds=time.perf_counter() - t0,
        )
    except Exception as e:  # noqa: BLE001 - one bad photo never stops a batch
        log.debug("unexpected error on %s", task.path, exc_info=True)
        return Outcome(
            task.index,
            task.path,
            error=first_line(f"unexpected error: {type(e).__name__}: {e}"),
            exit_code=EXIT_INTERNAL,
            annotated=annotated,
            seconds=time.perf_counter() - t0,
        )


def crashed(task: Task) -> Outcome:
    """The outcome of a photo whose analysis killed its worker process, twice."""
    return Outcome(
        task.index,
        task.path,
        error=f"{task.path}: the analysis process crashed on this photo (out of memory?)",
        exit_code=EXIT_INTERNAL,
    )


def outcome_of(measurement: PostureMeasurement, path: str, index: int = 0, annotated: str | None = None) -> Outcome:
    """An :class:`Outcome` for a measurement made outside :func:`analyze_many` (``annotated``:
    the annotated image written of it)."""
    return Outcome(
        index,
        path,
        measurement=measurement,
        exit_code=STATUS_EXIT.get(measurement.status, EXIT_NOT_MEASURABLE),
        annotated=annotated,
    )


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
