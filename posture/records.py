"""One flat, typed record per photo: the row of the Parquet dataset and of the batch CSV.

:data:`COLUMNS` is the one place that names the columns and their types;
:func:`flat_record` fills them from an :class:`~posture.batch.outcome.Outcome`, and
:func:`arrow_schema` gives the matching Arrow schema (pyarrow is imported
only there). Every engine (the local worker processes, Ray) builds its rows
with :func:`flat_record`, so the same photo gives the same row.

Values are as in the JSON output (metrics rounded to 0.1, in their units);
None (null) when unknown. A failed photo has ``status`` ``error``, its
one-line ``error`` and ``exit_code``, and nulls where nothing was measured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from posture import __version__
from posture.metrics import METRIC_NAMES
from posture.result import metric_columns

if TYPE_CHECKING:
    import pyarrow as pa

    from posture.batch.outcome import Outcome


def _metric_type(column: str) -> str:
    return "string" if column.endswith("_method") else "float64"


COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "string"),  # the photo's path or URI, as found (see posture.sources)
    ("status", "string"),  # measured, no_person, not_measurable or error
    ("message", "string"),  # why it was not measured, or the error
    ("error", "string"),  # the one-line error of a failed photo, else null
    ("exit_code", "int16"),  # what `posture analyze PHOTO` exits with for this photo
    ("sha256", "string"),  # of the photo file
    ("width", "int32"),
    ("height", "int32"),
    ("view", "string"),  # front, back, side, unknown
    ("people_detected", "int16"),
    *((c, _metric_type(c)) for c in metric_columns(METRIC_NAMES)),
    ("warnings", "list<string>"),
    ("mirrored", "bool"),  # the assumptions
    ("level_mode", "string"),
    ("roll_deg", "float64"),
    ("angles_relative_to", "string"),
    ("height_cm", "float64"),
    ("passes", "int16"),  # landmark passes: 1 in fast mode
    ("model", "string"),
    ("model_sha256", "string"),
    ("posture_version", "string"),
)
"""``(name, type)`` of every column, in order. Types: ``string``, ``bool``,
``int16``, ``int32``, ``float64``, ``list<string>``."""

COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def flat_record(outcome: Outcome) -> dict[str, Any]:
    """The row of one photo: every name of :data:`COLUMNS`, None where unknown."""
    row: dict[str, Any] = dict.fromkeys(COLUMN_NAMES)
    row.update(path=outcome.path, status=outcome.status, exit_code=outcome.exit_code, posture_version=__version__)
    m = outcome.measurement
    if m is None:
        row.update(message=outcome.error, error=outcome.error)
        return row
    d = m.to_dict()
    source, model, assumptions = d["source"], d["model"], d["assumptions"]
    row.update(
        message=d["message"],
        sha256=source.get("sha256"),
        width=source.get("width"),
        height=source.get("height"),
        view=None if d["subject"] is None else d["subject"]["view"],
        people_detected=0 if d["subject"] is None else d["subject"]["people_detected"],
        warnings=list(d["warnings"]),
        mirrored=assumptions["mirrored"],
        level_mode=assumptions["level_mode"],
        roll_deg=assumptions["roll_deg"],
        angles_relative_to=assumptions["angles_relative_to"],
        height_cm=assumptions["height_cm"],
        passes=d["method"].get("passes"),
        model=model.get("name"),
        model_sha256=model.get("sha256"),
        posture_version=model.get("posture_version", __version__),
    )
    row.update(m.metric_cells(METRIC_NAMES))
    return row


def arrow_schema() -> pa.Schema:
    """The Arrow schema of :data:`COLUMNS`."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "bool": pa.bool_(),
        "int16": pa.int16(),
        "int32": pa.int32(),
        "float64": pa.float64(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS])


def arrow_table(records: list[dict[str, Any]]) -> pa.Table:
    """The records as an Arrow table of :func:`arrow_schema`."""
    import pyarrow as pa

    return pa.Table.from_pylist(records, schema=arrow_schema())


__all__ = ["COLUMNS", "COLUMN_NAMES", "arrow_schema", "arrow_table", "flat_record"]
