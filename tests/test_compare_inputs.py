"""posture.inputs: --dates parsing and where each photo's date comes from."""

from __future__ import annotations

from datetime import datetime

import pytest

from posture.inputs import ComparedPhoto, parse_dates, photo_dates
from posture.provenance import Model, Source
from posture.result import Assumptions, PostureMeasurement


def _photo(taken_at: str | None, file_time: datetime | None) -> ComparedPhoto:
    m = PostureMeasurement(
        status="measured",
        message="measured",
        source=Source(path="x.jpg", taken_at=taken_at),
        model=Model(),
        assumptions=Assumptions(),
        subject=None,
        metrics={},
    )
    return ComparedPhoto("x.jpg", m, None, file_time)


def test_parse_dates():
    assert parse_dates("2024-01-05, ,2024-03-01T08:30", 3) == [
        datetime(2024, 1, 5),
        None,
        datetime(2024, 3, 1, 8, 30),
    ]
    with pytest.raises(ValueError, match="needs 2 comma-separated dates"):
        parse_dates("2024-01-05", 2)
    with pytest.raises(ValueError, match="'2024-13-01' is not a date"):
        parse_dates("2024-13-01,2024-01-01", 2)


def test_date_sources_given_then_exif_then_file_time():
    photos = [
        _photo("2024-01-05T10:00:00", datetime(2025, 1, 1)),
        _photo(None, datetime(2024, 2, 1, 9, 0)),
        _photo(None, None),
        _photo("2024-01-05T10:00:00", datetime(2025, 1, 1)),
    ]
    dates, sources = photo_dates(photos, [None, None, None, datetime(2024, 4, 1)])
    assert dates == [datetime(2024, 1, 5, 10), datetime(2024, 2, 1, 9), None, datetime(2024, 4, 1)]
    assert sources == ["exif", "file", None, "given"]
    assert photo_dates(photos[:1])[1] == ["exif"]


def test_a_stored_measurement_keeps_the_history_time_taken_and_where_it_came_from(tmp_path) -> None:
    from history_support import sample_measurement

    from posture.history import History
    from posture.inputs import Analyzers, resolve_input
    from posture.report.content import _date_text
    from posture.settings import Settings

    db = tmp_path / "h.db"
    with History.open(db) as h:
        # A photo whose EXIF says 2023, saved with the date it was really taken; another with no date.
        h.save(sample_measurement(1, taken_at="2023-06-01T09:00:00"), taken_at="2024-01-05")
        h.save(sample_measurement(2, taken_at=None))
        saved_at = h.get(2).taken_datetime
    with Analyzers(Settings()) as analyzers:
        photos = [resolve_input(ref, analyzers, db=str(db)) for ref in ("#1", "#2")]
    dates, sources = photo_dates(photos)
    assert dates == [datetime(2024, 1, 5), saved_at] and sources == ["given", "saved"]  # not 'exif', not 'file'
    assert _date_text(dates[1], sources[1]).endswith("(time of saving)")
    assert photo_dates(photos, [datetime(2024, 2, 1), None])[1] == ["given", "saved"]  # --dates still wins
