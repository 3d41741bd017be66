"""A history of measurements in an SQLite database, shown as a trend.

Each saved measurement is the JSON object of
:meth:`posture.result.PostureMeasurement.to_dict` (every metric with its
uncertainty, the assumptions, the model, the source photo's path and
sha256), stored with the person's name, a note, the time it was taken and a
small JPEG thumbnail.

Storage
-------
* One SQLite file (standard library ``sqlite3``): ``history.sqlite3`` in the
  user's data directory (:func:`default_path`) unless a path is given.
* ``PRAGMA user_version`` is the database's schema version. Opening applies
  the missing :data:`MIGRATIONS` in one transaction; a database with a
  higher version (written by a newer posture) is refused with
  :class:`~posture.errors.HistoryError` before anything is written to it.
  ``PRAGMA application_id`` marks the file as a posture history, so another
  program's database is refused too.
* WAL journal, ``synchronous=FULL`` and a busy timeout: several processes
  may read and save at once; every write is one ``BEGIN IMMEDIATE``
  transaction, so a process killed mid-save leaves either the whole save or
  none of it.
* The same photo (same sha256, same person in it) is stored once: saving it
  again returns the existing entry's id with ``created=False``.

Times
-----
``taken_at`` is a date given when saving (``analyze --date``; ``YYYY-MM-DD``
when given without a time), else the photo's EXIF DateTimeOriginal, else the
local time of saving; ``taken_at_source`` says which (``given``, ``exif``,
``saved``). All are local wall-clock time, ISO 8601 without a time zone
(EXIF has none), so they sort together. ``saved_at`` is UTC with a ``Z``.
"""

from __future__ import annotations

import builtins
import json
import os
import random
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from posture.errors import HistoryError, MeasurementNotFound
from posture.result import PostureMeasurement

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "APPLICATION_ID",
    "DB_VERSION",
    "History",
    "MIGRATIONS",
    "StoredMeasurement",
    "default_path",
    "parse_taken_at",
    "resolve_measurement_ref",
    "thumbnail_jpeg",
]

APPLICATION_ID = 0x50535452
"""``PRAGMA application_id`` of a posture history ("PSTR")."""

BUSY_TIMEOUT_MS = 15_000
"""How long a write waits for another process's write to finish."""

THUMBNAIL_LONG_SIDE = 160
"""Long side of the stored thumbnail, pixels."""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the measurements table.
    (
        """CREATE TABLE measurements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            saved_at TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            taken_at_source TEXT NOT NULL CHECK (taken_at_source IN ('exif', 'saved')),
            name TEXT,
            note TEXT,
            photo_path TEXT,
            photo_sha256 TEXT,
            person_index INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            measurement_json TEXT NOT NULL CHECK (json_valid(measurement_json)),
            thumbnail BLOB
        )""",
        "CREATE UNIQUE INDEX measurements_photo ON measurements (photo_sha256, person_index)",
        "CREATE INDEX measurements_name_taken ON measurements (name, taken_at)",
        "CREATE INDEX measurements_taken ON measurements (taken_at)",
    ),
    # 2: taken_at_source may be 'given' (a date given when saving). SQLite cannot change a
    # CHECK constraint in place: the table is rebuilt, keeping ids and the AUTOINCREMENT counter.
    (
        """CREATE TABLE measurements_v2 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            saved_at TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            taken_at_source TEXT NOT NULL CHECK (taken_at_source IN ('exif', 'saved', 'given')),
            name TEXT,
            note TEXT,
            photo_path TEXT,
            photo_sha256 TEXT,
            person_index INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            measurement_json TEXT NOT NULL CHECK (json_valid(measurement_json)),
            thumbnail BLOB
        )""",
        (
            "INSERT INTO measurements_v2 SELECT id, saved_at, taken_at, taken_at_source, name, note, photo_path,"
            " photo_sha256, person_index, status, measurement_json, thumbnail FROM measurements"
        ),
        "DELETE FROM sqlite_sequence WHERE name = 'measurements_v2'",
        (
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'measurements_v2', seq FROM sqlite_sequence"
            " WHERE name = 'measurements'"
        ),
        "DROP TABLE measurements",
        "ALTER TABLE measurements_v2 RENAME TO measurements",
        "CREATE UNIQUE INDEX measurements_photo ON measurements (photo_sha256, person_index)",
        "CREATE INDEX measurements_name_taken ON measurements (name, taken_at)",
        "CREATE INDEX measurements_taken ON measurements (taken_at)",
    ),
)
"""SQL statements per schema version: ``MIGRATIONS[v - 1]`` upgrades version v-1 to v.
Append, never edit: databases in use were built by the existing entries."""

DB_VERSION = len(MIGRATIONS)
"""The schema version this posture writes."""

_REF = re.compile(r"^\s*(?:id:|#)\s*(\d+)\s*$", re.IGNORECASE)


def default_path() -> Path:
    """``history.sqlite3`` in the user's data directory (not created here)."""
    from platformdirs import user_data_path

    return user_data_path("posture", appauthor=False) / "history.sqlite3"


def resolve_measurement_ref(text: str) -> int | None:
    """The id in a reference to a stored measurement (``id:12`` or ``#12``), else None.

    Anything else (a photo's path, a bare number) gives None, so a command
    taking photos or stored measurements can tell them apart. A photo whose
    name looks like a reference can still be passed as ``./#12``.
    """
    m = _REF.match(text)
    return int(m.group(1)) if m else None


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")

EARLIEST_TAKEN = datetime(1900, 1, 1)
"""Dates before this are refused as typing mistakes."""


def parse_taken_at(text: str, now: datetime | None = None) -> str:
    """A date a photo was taken, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (a space for the ``T``
    and seconds are accepted), as ISO 8601 local time: the date alone when no time is given.

    Raises
    ------
    ValueError
        Another form, a day that does not exist, a date before 1900 or after today (``now``,
        default: the local time now); the message names the text.
    """
    m = _DATE.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a date like 2024-01-05 or 2024-01-05T14:30")
    year, month, day, hour, minute, second = (int(g or 0) for g in m.groups())
    try:
        when = datetime(year, month, day, hour, minute, second)
    except ValueError as e:
        raise ValueError(f"{text!r} is not a real date ({e})") from None
    today = (now or datetime.now()).date()
    if when < EARLIEST_TAKEN or when.date() > today:
        raise ValueError(f"{text!r} is not a date between {EARLIEST_TAKEN.date()} and today ({today})")
    return (
        when.date().isoformat()
        if m.group(4) is None
        else when.isoformat(timespec="minutes" if m.group(6) is None else "seconds")
    )


def thumbnail_jpeg(rgb: "NDArray[np.uint8]", long_side: int = THUMBNAIL_LONG_SIDE) -> bytes:
    """A small JPEG of an ``(H, W, 3)`` uint8 RGB image, ``long_side`` pixels on its long side."""
    import numpy as np
    from PIL import Image

    from posture.output import encode

    im = Image.fromarray(rgb)
    im.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return encode(np.asarray(im), "JPEG", quality=80)


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _local_now() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class StoredMeasurement:
    """One saved measurement.

    ``taken_at`` is local time, ISO 8601 without zone; ``taken_at_source``
    says whether it was given when saving (``given``), came from the photo's
    EXIF (``exif``) or is the time of saving (``saved``). ``saved_at`` is UTC
    ISO 8601.
    """

    id: int
    saved_at: str
    taken_at: str
    taken_at_source: str
    name: str | None
    note: str | None
    photo_path: str | None
    photo_sha256: str | None
    measurement: PostureMeasurement

    @property
    def taken_datetime(self) -> datetime:
        """``taken_at`` as a naive :class:`datetime`."""
        return datetime.fromisoformat(self.taken_at)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the stored fields and the measurement's documented object."""
        return {
            "id": self.id,
            "saved_at": self.saved_at,
            "taken_at": self.taken_at,
            "taken_at_source": self.taken_at_source,
            "name": self.name,
            "note": self.note,
            "photo_path": self.photo_path,
            "photo_sha256": self.photo_sha256,
            "measurement": self.measurement.to_dict(),
        }

    def summary_dict(self) -> dict[str, Any]:
        """Like :meth:`to_dict` with only each metric's value, uncertainty and unit."""
        m = self.measurement
        d = self.to_dict()
        d["status"] = m.status
        d["metrics"] = {
            k: {"value": v["value"], "uncertainty": v["uncertainty"], "unit": v["unit"]}
            for k, v in d.pop("measurement")["metrics"].items()
        }
        return d


_EXPORT_FIELDS = (
    "id",
    "taken_at",
    "taken_at_source",
    "saved_at",
    "name",
    "note",
    "photo_path",
    "photo_sha256",
    "status",
    "view",
    "mirrored",
    "level_mode",
    "roll_deg",
    "height_cm",
    "model",
    "posture_version",
)

_COLUMNS = "id, saved_at, taken_at, taken_at_source, name, note, photo_path, photo_sha256, measurement_json"


MAX_ID = 2**63 - 1
"""The largest id SQLite can store; larger ones are simply not found."""


def _row(r: Sequence[Any]) -> StoredMeasurement:
    """A database row as a :class:`StoredMeasurement`; :class:`HistoryError` when it was
    damaged (e.g. edited by hand): a malformed measurement, date or text column."""
    try:
        if not all(isinstance(r[i], str) for i in (1, 2, 3)) or not all(
            r[i] is None or isinstance(r[i], str) for i in (4, 5, 6, 7)
        ):
            raise TypeError("a text column holds another type")
        datetime.fromisoformat(r[2])
        m = PostureMeasurement.from_dict(json.loads(r[8]))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise HistoryError(f"stored measurement #{r[0]} cannot be read ({' '.join(str(e).split())})") from None
    return StoredMeasurement(
        id=int(r[0]),
        saved_at=r[1],
        taken_at=r[2],
        taken_at_source=r[3],
        name=r[4],
        note=r[5],
        photo_path=r[6],
        photo_sha256=r[7],
        measurement=m,
    )


def _clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


class History:
    """An open history database. Use :meth:`open` as a context manager::

    with History.open() as h:
        new_id, created = h.save(measurement, name="Ana")
        for entry in h.list(name="Ana"):
            ...
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self.damaged: dict[int, str] = {}
        """Rows that :meth:`list` skipped because they cannot be read: id -> why."""

    # -- opening ------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True) -> History:
        """Open (and when needed create or upgrade) the history at ``path``
        (default: :func:`default_path`).

        Raises
        ------
        HistoryError
            ``create`` is False and there is no database; the folder is
            missing (for an explicit ``path``); the file is not a posture
            history, is corrupt, or was written by a newer posture (the file
            is then left untouched).
        """
        explicit = path is not None
        p = Path(path) if explicit else default_path()  # type: ignore[arg-type]
        if p.is_dir():
            raise HistoryError(f"{p}: is a folder; give a database file name")
        if not p.exists():
            if not create:
                raise HistoryError(f"{p}: no history yet (save one with: posture analyze PHOTO --save)")
            if explicit and not p.parent.is_dir():
                raise HistoryError(f"{p}: folder {p.parent} does not exist")
            try:
                p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                # Health data: readable by the user only (SQLite gives -wal/-shm the same mode).
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as e:
                raise HistoryError(f"{p}: cannot create the history ({e.strerror or e})") from None
        try:
            conn = sqlite3.connect(p, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as e:
            raise HistoryError(f"{p}: cannot open the history ({e})") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Switching a new file to WAL, or upgrading a read lock, can meet SQLITE_BUSY at once,
            # without the busy handler, while another process creates the same database: retry.
            deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
            while True:
                try:
                    cls._check_version(conn, p)
                    conn.execute("PRAGMA journal_mode = WAL").fetchone()
                    conn.execute("PRAGMA synchronous = FULL")
                    conn.execute("PRAGMA foreign_keys = ON")
                    cls._migrate(conn, p)
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.01 + 0.02 * random.random())
        except sqlite3.DatabaseError as e:
            conn.close()
            raise HistoryError(f"{p}: not a usable history database ({e})") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, p)

    @staticmethod
    def _check_version(conn: sqlite3.Connection, p: Path) -> None:
        """Refuse newer or foreign databases; reads only, in one statement so
        that all three facts come from one snapshot (another process may be
        creating the database at this moment)."""
        version, app, tables = conn.execute(
            "SELECT (SELECT user_version FROM pragma_user_version),"
            " (SELECT application_id FROM pragma_application_id),"
            " (SELECT count(*) FROM sqlite_master)"
        ).fetchone()
        if app not in (0, APPLICATION_ID):
            raise HistoryError(f"{p}: not a posture history database (another program's file)")
        if version > DB_VERSION:
            raise HistoryError(
                f"{p}: written by a newer posture (history version {version}, this posture "
                f"reads up to {DB_VERSION}); upgrade posture to use it (the file was not changed)"
            )
        if app == 0 and version == 0 and tables:
            raise HistoryError(f"{p}: not a posture history database (it has other tables)")

    @staticmethod
    def _migrate(conn: sqlite3.Connection, p: Path) -> None:
        if conn.execute("PRAGMA user_version").fetchone()[0] == DB_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            History._check_version(conn, p)
            for v in range(version, DB_VERSION):
                for sql in MIGRATIONS[v]:
                    conn.execute(sql)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {DB_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @staticmethod
    def exists(path: str | Path | None = None) -> bool:
        """Whether a history file exists at ``path`` (default: :func:`default_path`)."""
        return (default_path() if path is None else Path(path)).is_file()

    # -- context manager ----------------------------------------------------

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (no deadlock between readers upgrading)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- writing --------------------------------------------------------------

    def save(
        self,
        measurement: PostureMeasurement,
        *,
        name: str | None = None,
        note: str | None = None,
        thumbnail: bytes | None = None,
        taken_at: str | None = None,
        photo_path: str | None = None,
    ) -> tuple[int, bool]:
        """Store a measurement in one transaction; returns ``(id, created)``.

        ``taken_at`` is when the photo was taken, as given by the user
        (:func:`parse_taken_at`'s form); without it, the photo's EXIF date,
        else the time of saving.

        A photo already stored (same ``source['sha256']`` and same person
        index) is not stored again: the existing id is returned with
        ``created=False`` and nothing is changed. Measurements without a
        sha256 (e.g. camera frames) are always stored. ``thumbnail`` is
        stored as given: a small image file's bytes, JPEG from
        :func:`thumbnail_jpeg` in posture's own commands. ``photo_path`` is where the photo
        is kept when that is not ``source['path']`` (a photo uploaded to ``posture app``).

        Raises
        ------
        ValueError
            The measurement has nothing measured (status other than ``measured``).
        HistoryError
            The database cannot be written.
        """
        if measurement.status != "measured":
            raise ValueError(f"only measured results are stored, got status {measurement.status!r}")
        source = measurement.source
        sha = source.sha256 or None
        path = photo_path or source.path
        path = os.path.abspath(path) if path else None
        index = measurement.subject.index if measurement.subject is not None else 0
        taken = source.taken_at
        taken_source = "exif"
        if taken_at is not None:
            taken, taken_source = parse_taken_at(taken_at), "given"
        elif taken:
            try:
                taken = datetime.fromisoformat(str(taken)).replace(tzinfo=None).isoformat()
            except ValueError:
                taken = None
        if not taken:
            taken, taken_source = _local_now(), "saved"
        payload = json.dumps(measurement.to_dict(), ensure_ascii=False, allow_nan=False)
        try:
            with self._write() as c:
                if sha is not None:
                    row = c.execute(
                        "SELECT id FROM measurements WHERE photo_sha256 = ? AND person_index = ?",
                        (sha, index),
                    ).fetchone()
                    if row is not None:
                        return int(row[0]), False
                cur = c.execute(
                    "INSERT INTO measurements (saved_at, taken_at, taken_at_source, name, note,"
                    " photo_path, photo_sha256, person_index, status, measurement_json, thumbnail)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _utc_now(),
                        taken,
                        taken_source,
                        _clean_text(name),
                        _clean_text(note),
                        path,
                        sha,
                        index,
                        measurement.status,
                        payload,
                        thumbnail,
                    ),
                )
                return int(cur.lastrowid), True  # type: ignore[arg-type]
        except sqlite3.Error as e:
            raise HistoryError(f"{self.path}: could not save ({e})") from None

    def delete(self, id: int) -> None:
        """Delete one measurement in one transaction (:class:`MeasurementNotFound` if absent)."""
        self._one("id", id)
        try:
            with self._write() as c:
                if c.execute("DELETE FROM measurements WHERE id = ?", (id,)).rowcount != 1:
                    raise MeasurementNotFound(f"no stored measurement #{id}")
        except sqlite3.Error as e:
            raise HistoryError(f"{self.path}: could not delete ({e})") from None

    # -- reading --------------------------------------------------------------

    def _one(self, columns: str, id: int) -> Sequence[Any]:
        """The row with this id (:class:`MeasurementNotFound` if absent, ids beyond SQLite's range included)."""
        r = None
        if 0 <= id <= MAX_ID:
            r = self._conn.execute(f"SELECT {columns} FROM measurements WHERE id = ?", (id,)).fetchone()
        if r is None:
            raise MeasurementNotFound(f"no stored measurement #{id}")
        return r

    def get(self, id: int) -> StoredMeasurement:
        """One stored measurement (:class:`MeasurementNotFound` if absent, :class:`HistoryError`
        if its row is damaged)."""
        return _row(self._one(_COLUMNS, id))

    def thumbnail(self, id: int) -> bytes | None:
        """The stored thumbnail's bytes, or None (:class:`MeasurementNotFound` if absent)."""
        r = self._one("thumbnail", id)
        return bytes(r[0]) if isinstance(r[0], (bytes, bytearray, memoryview)) else None

    def list(self, name: str | None = None) -> list[StoredMeasurement]:
        """Stored measurements, oldest first by ``taken_at``; only ``name``'s when given (an empty
        ``name``: those saved without one, as :meth:`save` stores a blank name).

        A damaged row (edited by hand) is skipped and recorded in :attr:`damaged`.
        """
        sql = f"SELECT {_COLUMNS} FROM measurements"
        args: tuple[Any, ...] = ()
        if name is not None and _clean_text(name) is None:
            sql += " WHERE name IS NULL"
        elif name is not None:
            sql += " WHERE name = ?"
            args = (name.strip(),)
        out = []
        for r in self._conn.execute(sql + " ORDER BY taken_at, id", args).fetchall():
            try:
                out.append(_row(r))
            except HistoryError as e:
                self.damaged[r[0]] = str(e)
        return out

    def names(self) -> builtins.list[str | None]:
        """The distinct person names (None for entries without a name)."""
        rows = self._conn.execute("SELECT DISTINCT name FROM measurements ORDER BY name").fetchall()
        return [r[0] for r in rows]

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM measurements").fetchone()[0])

    def export_rows(self, name: str | None = None) -> builtins.list[dict[str, Any]]:
        """One flat dict per measurement (for CSV): the stored fields, the
        assumptions, the model, and ``<metric>`` / ``<metric>_uncertainty``
        for every metric of :data:`posture.measure.METRIC_NAMES` (None when
        not measured), with ``<metric>_method`` for the tilts measured on the
        body's outline or the joint landmarks (:func:`posture.result.metric_columns`)."""
        from posture.measure import METRIC_NAMES

        out = []
        for e in self.list(name):
            m = e.measurement
            row: dict[str, Any] = {
                "id": e.id,
                "taken_at": e.taken_at,
                "taken_at_source": e.taken_at_source,
                "saved_at": e.saved_at,
                "name": e.name,
                "note": e.note,
                "photo_path": e.photo_path,
                "photo_sha256": e.photo_sha256,
                "status": m.status,
                "view": None if m.subject is None else m.subject.view,
                "mirrored": m.assumptions.mirrored,
                "level_mode": m.assumptions.level_mode,
                "roll_deg": m.assumptions.roll_deg,
                "height_cm": m.assumptions.height_cm,
                "model": m.model.name,
                "posture_version": m.model.posture_version,
            }
            row.update(m.metric_cells(METRIC_NAMES))
            out.append(row)
        return out

    def export_csv(self, name: str | None = None) -> str:
        """:meth:`export_rows` as CSV text with a header line; text cells that a
        spreadsheet would run as a formula are neutralised (:mod:`posture.csvsafe`)."""
        import io

        from posture.csvsafe import SafeDictWriter
        from posture.measure import METRIC_NAMES
        from posture.result import metric_columns

        header = [*_EXPORT_FIELDS, *metric_columns(METRIC_NAMES)]
        buf = io.StringIO()
        w = SafeDictWriter(buf, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(self.export_rows(name))
        return buf.getvalue()

    def export_json(self, name: str | None = None) -> str:
        """Every stored measurement (:meth:`StoredMeasurement.to_dict`, no
        thumbnails) as one JSON object ``{"schema": "posture.history",
        "history_version": ..., "measurements": [...]}``."""
        doc = {
            "schema": "posture.history",
            "history_version": DB_VERSION,
            "exported_at": _utc_now(),
            "measurements": [e.to_dict() for e in self.list(name)],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def integrity_check(self) -> str:
        """``ok`` or SQLite's description of what is wrong."""
        rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)
