"""The Parquet dataset of a large run: a folder (local or object storage) of part files.

Each part file holds up to :data:`PART_ROWS` rows of :mod:`posture.records`
with its fixed schema, so pandas, polars, DuckDB and Spark read the folder as
one table. A part is written under a hidden name and renamed when complete
(readers skip names starting with ``.`` or ``_``), so a run that is killed
leaves only complete parts, and ``--resume`` skips the photos they hold.
pyarrow is imported only here and in :mod:`posture.sources`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from posture.errors import OutputError

PART_ROWS = 1000
"""Rows per part file: what a killed run can lose, at most, per writer."""


@dataclass
class ParquetDataset:
    """An output folder, checked and created by :meth:`open`; ``done`` holds the paths already in it."""

    target: str
    filesystem: Any
    root: str
    done: frozenset[str] = frozenset()

    @classmethod
    def open(cls, target: str, *, resume: bool = False) -> ParquetDataset:
        """Check and create the output folder ``target`` (a path or URI).

        Raises
        ------
        OutputError
            ``target`` is a file; or it already holds files and ``resume`` is
            false (nothing is ever overwritten); or it cannot be created or read.
        """
        from posture.errors import InputError
        from posture.sources import filesystem

        try:
            filesys, root = filesystem(target)
        except InputError as e:
            raise OutputError(str(e)) from None
        from pyarrow import fs as pafs

        try:
            info = filesys.get_file_info(root)
            if info.type == pafs.FileType.File:
                raise OutputError(f"{target}: is a file; --parquet takes a folder")
            existing = []
            if info.type == pafs.FileType.Directory:
                existing = filesys.get_file_info(pafs.FileSelector(root, recursive=False))
            if existing and not resume:
                raise OutputError(
                    f"{target}: already holds files; add --resume to analyse only the photos not in it yet, or give another folder"
                )
            filesys.create_dir(root, recursive=True)
        except OSError as e:
            raise OutputError(f"{target}: cannot be used as the output folder ({e})") from None
        dataset = cls(target, filesys, root)
        if existing:
            dataset.done = dataset.paths()
        return dataset

    def paths(self) -> frozenset[str]:
        """The ``path`` of every row in the dataset's complete part files.

        Raises
        ------
        OutputError
            A part file is not Parquet, or lacks the ``path`` column.
        """
        import pyarrow.dataset as ds

        try:
            parts = ds.dataset(self.root, filesystem=self.filesystem, format="parquet")
            if not parts.files:
                return frozenset()
            table = parts.to_table(columns=["path"])
        except Exception as e:  # noqa: BLE001 - pyarrow raises several types for unreadable data
            raise OutputError(f"{self.target}: cannot read what is already there ({type(e).__name__}: {e})") from None
        return frozenset(table.column("path").to_pylist())

    def writer(self, *, part_rows: int = PART_ROWS) -> PartWriter:
        """A writer of new part files into this folder."""
        return PartWriter(self, part_rows)


@dataclass
class PartWriter:
    """Writes records as part files of ``part_rows`` rows; :meth:`close` writes the rest.

    Use as a context manager: the rows added so far are written even when the
    run stops early (Ctrl-C).
    """

    dataset: ParquetDataset
    part_rows: int = PART_ROWS
    written: int = 0
    parts: list[str] = field(default_factory=list)
    _rows: list[dict[str, Any]] = field(default_factory=list)
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def add(self, record: dict[str, Any]) -> None:
        """Add one row of :mod:`posture.records`."""
        self._rows.append(record)
        if len(self._rows) >= self.part_rows:
            self.flush()

    def flush(self) -> None:
        """Write the rows added since the last part as a new part file."""
        if not self._rows:
            return
        import pyarrow.parquet as pq

        from posture.records import arrow_table

        table = arrow_table(self._rows)
        fs, root = self.dataset.filesystem, self.dataset.root
        name = f"part-{self._run}-{len(self.parts):05d}.parquet"
        hidden, final = f"{root}/.{name}.tmp", f"{root}/{name}"
        try:
            with fs.open_output_stream(hidden) as out:
                pq.write_table(table, out, compression="zstd")
            fs.move(hidden, final)
        except OSError as e:
            raise OutputError(f"{self.dataset.target}: cannot write {name} ({e})") from None
        self.parts.append(final)
        self.written += len(self._rows)
        self._rows = []

    def close(self) -> None:
        """Write what is left."""
        self.flush()

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["PART_ROWS", "ParquetDataset", "PartWriter"]
