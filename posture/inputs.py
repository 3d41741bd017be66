"""What the user names on the ``compare`` command line, turned into measurements.

:func:`resolve_input` is the one place that knows what an input may be: a
photo's path, or a measurement stored in the history (``#12`` or ``id:12``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Sequence

import numpy as np
from numpy.typing import NDArray

from posture.landmarks import Landmarks
from posture.result import PostureMeasurement
from posture.settings import Settings

if TYPE_CHECKING:
    from posture.analyze import Analyzer


@dataclass(frozen=True)
class ComparedPhoto:
    """One input of a comparison.

    ``label`` is what the user typed; ``rgb`` the upright photo (None when
    only a stored measurement is available); ``file_time`` the file's
    modification time, or a stored measurement's time taken; ``people`` every
    person the pose model found, for blurring faces (empty unless asked for).
    ``stored_source`` is where a stored measurement's time taken came from
    (``given``, ``exif``, ``saved``: :mod:`posture.history`), None for a photo.
    """

    label: str
    measurement: PostureMeasurement
    rgb: NDArray[np.uint8] | None = None
    file_time: datetime | None = None
    people: tuple[Landmarks, ...] = field(default_factory=tuple)
    stored_source: str | None = None


class Analyzers:
    """Opens one :class:`~posture.analyze.Analyzer` per distinct settings, lazily.

    Used as a context manager; ``mirrored`` selects the mirror-image variant
    of the base settings. ``find_people`` keeps every detected person too.
    """

    def __init__(self, settings: Settings, *, find_people: bool = False) -> None:
        self.settings = settings
        self.find_people = find_people
        self._open: dict[bool, object] = {}
        self._detector: object | None = None

    def __enter__(self) -> Analyzers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for a in self._open.values():
            a.close()  # type: ignore[attr-defined]
        self._open.clear()
        if self._detector is not None:
            self._detector.close()  # type: ignore[attr-defined]
            self._detector = None

    def get(self, mirrored: bool) -> Analyzer:
        """The analyser for ordinary or mirror-image photos."""
        from posture.analyze import Analyzer

        if mirrored not in self._open:
            self._open[mirrored] = Analyzer(replace(self.settings, mirrored=mirrored)).__enter__()
        return self._open[mirrored]  # type: ignore[return-value]

    def people(self, rgb: NDArray[np.uint8]) -> tuple[Landmarks, ...]:
        """Every person in the image (only when ``find_people``), for face blurring."""
        if not self.find_people:
            return ()
        if self._detector is None:
            from posture.pose import PoseDetector

            self._detector = PoseDetector(self.settings.model, num_poses=self.settings.num_poses).__enter__()
        return tuple(self._detector.detect(rgb))  # type: ignore[attr-defined]


def resolve_input(spec: str, analyzers: Analyzers, *, mirrored: bool = False, db: str | None = None) -> ComparedPhoto:
    """Turn one command-line input into a :class:`ComparedPhoto`.

    ``#12`` or ``id:12`` is the stored measurement 12 of the history at ``db``
    (default location when None): its measurement is used as stored (its own
    mirror assumption included), and its photo is shown when the file is
    still there unchanged (same SHA-256).

    Raises
    ------
    InputError
        The file is missing or not a usable image.
    HistoryError
        No history, or no measurement with that ID.
    """
    from posture.history import resolve_measurement_ref

    ref = resolve_measurement_ref(spec)
    if ref is not None:
        return _stored(spec, ref, analyzers, db)
    analyzer = analyzers.get(mirrored)
    image = analyzer.load(spec)
    m = analyzer.analyze(image)
    try:
        mtime: datetime | None = datetime.fromtimestamp(os.stat(spec).st_mtime).replace(microsecond=0)
    except OSError:
        mtime = None
    return ComparedPhoto(spec, m, image.rgb, mtime, analyzers.people(image.rgb))


def _stored(spec: str, ref: int, analyzers: Analyzers, db: str | None) -> ComparedPhoto:
    import hashlib

    from posture.errors import InputError
    from posture.history import History

    with History.open(db, create=False) as h:
        entry = h.get(ref)
    rgb = None
    path = entry.photo_path
    if path and os.path.isfile(path):
        try:
            with open(path, "rb") as f:
                same = hashlib.sha256(f.read()).hexdigest() == entry.photo_sha256
            if same:
                rgb = analyzers.get(entry.measurement.assumptions.mirrored).load(path).rgb
        except (OSError, InputError):
            rgb = None
    people = analyzers.people(rgb) if rgb is not None else ()
    return ComparedPhoto(spec, entry.measurement, rgb, entry.taken_datetime, people, entry.taken_at_source)


def parse_dates(text: str, count: int) -> list[datetime | None]:
    """Parse ``--dates``: ``count`` comma-separated ``YYYY-MM-DD`` (or ISO date-times);
    an empty entry leaves that photo's date to its EXIF or file time.

    Raises
    ------
    ValueError
        Wrong number of entries or a malformed date (the message says which).
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != count:
        raise ValueError(f"--dates needs {count} comma-separated dates (one per photo), got {len(parts)}")
    out: list[datetime | None] = []
    for p in parts:
        if not p:
            out.append(None)
            continue
        try:
            out.append(
                datetime.fromisoformat(p)
                if "T" in p or " " in p
                else datetime.combine(date.fromisoformat(p), datetime.min.time())
            )
        except ValueError:
            raise ValueError(f"--dates: {p!r} is not a date like 2024-03-01") from None
    return out


def _exif_date(m: PostureMeasurement) -> datetime | None:
    taken = m.source.taken_at
    try:
        return datetime.fromisoformat(str(taken)) if taken else None
    except ValueError:
        return None


def photo_dates(
    photos: Sequence[ComparedPhoto], given: Sequence[datetime | None] | None = None
) -> tuple[list[datetime | None], list[str | None]]:
    """Each photo's date and where it came from.

    A date given on the command line (``given``) wins; otherwise a stored
    measurement's time taken, as the history has it (given when saved, EXIF,
    or the time of saving); otherwise the EXIF DateTimeOriginal (``exif``),
    otherwise the file's modification time (``file``), otherwise None.
    """
    dates: list[datetime | None] = []
    sources: list[str | None] = []
    for i, p in enumerate(photos):
        g = given[i] if given is not None else None
        when, source = g, "given"
        if when is None and p.stored_source is not None:
            when, source = p.file_time, p.stored_source
        if when is None:
            when, source = _exif_date(p.measurement), "exif"
        if when is None:
            when, source = p.file_time, "file"
        dates.append(when)
        sources.append(None if when is None else source)
    return dates, sources


__all__ = ["Analyzers", "ComparedPhoto", "parse_dates", "photo_dates", "resolve_input"]
