"""The one-row-per-photo CSV table of a batch (``posture analyze --csv``)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Iterable

from posture.batch.outcome import ANNOTATED_FIELD

if TYPE_CHECKING:
    from posture.batch.outcome import Outcome


def csv_header(*, annotated: bool = False) -> list[str]:
    """The columns of :func:`csv_text` (``annotated``: and last, :data:`~posture.batch.outcome.ANNOTATED_FIELD`)."""
    from posture.measure import METRIC_NAMES
    from posture.result import metric_columns

    return [
        "path",
        "status",
        "message",
        "exit_code",
        "view",
        "people_detected",
        *metric_columns(METRIC_NAMES),
        "warnings",
        *((ANNOTATED_FIELD,) if annotated else ()),
    ]


def csv_row(outcome: Outcome, *, annotated: bool = False) -> dict[str, Any]:
    """One row of :func:`csv_text`: the columns of :func:`csv_header` from the photo's
    :func:`~posture.records.flat_record` (values as in the JSON, rounded to 0.1, and how the
    tilts were measured; None when unknown), warnings joined with `` | ``; with ``annotated``,
    the photo's annotated image (None when none was written)."""
    from posture.records import flat_record

    record = flat_record(outcome)
    row = {k: record[k] for k in csv_header()}
    row["warnings"] = None if record["warnings"] is None else " | ".join(record["warnings"])
    if annotated:
        row[ANNOTATED_FIELD] = outcome.annotated
    return row


def csv_text(outcomes: Iterable[Outcome], *, annotated: bool = False) -> str:
    """A CSV table, one row per photo: path, status, message (why not measured, or the
    error), exit_code, view, people_detected, each metric and its uncertainty (and for the
    shoulder and pelvic tilts, ``<metric>_method``: ``markers``, ``silhouette``, ``landmarks`` or
    ``mixed``, see :meth:`~posture.result.PostureMeasurement.method_of`), warnings (joined with `` | ``),
    and with ``annotated`` (the run writes annotated images) ``annotated_path``, each photo's
    annotated image (empty when none was written). Text cells that a spreadsheet would run as a
    formula are neutralised (:mod:`posture.csvsafe`)."""
    from posture.csvsafe import SafeDictWriter

    buf = io.StringIO()
    w = SafeDictWriter(buf, fieldnames=csv_header(annotated=annotated), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(csv_row(o, annotated=annotated) for o in outcomes)
    return buf.getvalue()
