"""posture.history: storing, reading, de-duplicating, migrating, refusing, plotting."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from history_support import sample_measurement

from posture import history as hist
from posture.charts import plot_history
from posture.errors import EXIT_HISTORY, HistoryError, MeasurementNotFound
from posture.history import History, StoredMeasurement, resolve_measurement_ref, thumbnail_jpeg
from posture.history_table import format_table
from posture.result import PostureMeasurement


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_save_and_get_round_trip_every_stored_field(db: Path) -> None:
    m = sample_measurement(1)
    with History.open(db) as h:
        new_id, created = h.save(m, name="  Ana ", note="after yoga", thumbnail=b"\xff\xd8jpeg")
        e = h.get(new_id)
        assert h.thumbnail(new_id) == b"\xff\xd8jpeg"
    assert created and isinstance(e, StoredMeasurement)
    assert e.measurement.to_dict() == m.to_dict()  # the documented JSON, read back whole
    assert e.measurement.metrics["shoulder_tilt_deg"].uncertainty == 0.4
    assert e.measurement.assumptions.roll_deg == 1.25 and e.measurement.model.name == "pose_landmarker_full"
    assert (e.name, e.note) == ("Ana", "after yoga")
    assert (e.taken_at, e.taken_at_source) == ("2024-03-01T09:30:00", "exif")
    assert e.photo_sha256 == m.source.sha256 and e.photo_path == "/photos/me.jpg"
    assert e.saved_at.endswith("Z")


def test_taken_at_falls_back_to_the_time_of_saving(db: Path) -> None:
    with History.open(db) as h:
        e = h.get(h.save(sample_measurement(1, taken_at=None))[0])
    assert e.taken_at_source == "saved"
    assert abs((e.taken_datetime - datetime.now()).total_seconds()) < 60


def test_same_photo_saved_twice_is_stored_once(db: Path) -> None:
    with History.open(db) as h:
        first = h.save(sample_measurement("a"), name="Ana")
        again = h.save(sample_measurement("a", shoulder=9.0), name="Bo", note="other")
        other_person = h.save(sample_measurement("a", person=1))
        no_hash = [h.save(sample_measurement("b", sha256=None))[1] for _ in range(2)]
        assert h.get(first[0]).name == "Ana"  # unchanged by the second save
        assert h.get(first[0]).measurement.metrics["shoulder_tilt_deg"].value == 1.5
        count = len(h)
    assert first[1] is True and again == (first[0], False)
    assert other_person[1] is True  # another person in the same photo is another measurement
    assert no_hash == [True, True]  # camera frames without a hash are never merged
    assert count == 4


def test_only_measured_results_are_stored(db: Path) -> None:
    with History.open(db) as h:
        with pytest.raises(ValueError, match="no_person"):
            h.save(sample_measurement(1, status="no_person"))
        assert len(h) == 0


def test_list_is_ordered_by_time_taken_and_filters_by_name(db: Path) -> None:
    with History.open(db) as h:
        h.save(sample_measurement(1, taken_at="2024-05-01T08:00:00"), name="Ana")
        h.save(sample_measurement(2, taken_at="2023-01-01T08:00:00"), name="Ana")
        h.save(sample_measurement(3, taken_at="2024-01-01T08:00:00"), name="Bo")
        assert [e.taken_at[:4] for e in h.list()] == ["2023", "2024", "2024"]
        assert [e.id for e in h.list(name="Ana")] == [2, 1]
        assert h.names() == ["Ana", "Bo"]


def test_delete_removes_one_and_reports_unknown_ids(db: Path) -> None:
    with History.open(db) as h:
        a, _ = h.save(sample_measurement(1))
        b, _ = h.save(sample_measurement(2))
        h.delete(a)
        assert [e.id for e in h.list()] == [b]
        with pytest.raises(MeasurementNotFound, match=f"#{a}"):
            h.delete(a)
        with pytest.raises(MeasurementNotFound):
            h.get(a)
        # Once deleted, the same photo can be saved again.
        assert h.save(sample_measurement(1))[1] is True


def test_export_csv_has_one_row_per_measurement_with_values_and_uncertainties(db: Path) -> None:
    with History.open(db) as h:
        h.save(sample_measurement(1, shoulder=2.5), name="Ana", note='comma, "quote"')
        second = sample_measurement(2, pelvic=None, uncertainty=None)
        h.save(replace(second, assumptions=replace(second.assumptions, mirrored=True, roll_deg=-3.5)))
        rows = list(csv.DictReader(io.StringIO(h.export_csv())))
        doc = json.loads(h.export_json())
    assert len(rows) == 2
    assert rows[0]["shoulder_tilt_deg"] == "2.5" and rows[0]["shoulder_tilt_deg_uncertainty"] == "0.4"
    assert rows[0]["note"] == 'comma, "quote"' and rows[0]["roll_deg"] == "1.25"
    assert rows[1]["pelvic_tilt_deg"] == "" and rows[1]["shoulder_tilt_deg_uncertainty"] == ""
    # each row's own assumptions (a mirror selfie's sides were swapped back: the reader must know)
    assert [(r["mirrored"], r["roll_deg"], r["level_mode"]) for r in rows] == [
        ("False", "1.25", "manual"),
        ("True", "-3.5", "manual"),
    ]
    assert doc["schema"] == "posture.history" and len(doc["measurements"]) == 2
    assert doc["measurements"][0]["measurement"]["schema"] == "posture.measurement"


def test_a_new_database_is_in_wal_mode_at_the_current_version_and_private(db: Path) -> None:
    History.open(db).close()
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.execute("PRAGMA user_version").fetchone()[0] == hist.DB_VERSION
    assert c.execute("PRAGMA application_id").fetchone()[0] == hist.APPLICATION_ID
    c.close()
    assert db.stat().st_mode & 0o077 == 0


def test_opening_an_older_database_applies_the_missing_migrations(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with History.open(db) as h:
        kept, _ = h.save(sample_measurement(1), name="Ana")
    v2 = hist.MIGRATIONS + (("ALTER TABLE measurements ADD COLUMN extra TEXT DEFAULT 'x'",),)
    monkeypatch.setattr(hist, "MIGRATIONS", v2)
    monkeypatch.setattr(hist, "DB_VERSION", len(v2))
    with History.open(db) as h:
        assert h.get(kept).name == "Ana"
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA user_version").fetchone()[0] == len(v2)
    assert c.execute("SELECT extra FROM measurements").fetchone()[0] == "x"
    c.close()


def test_a_failing_migration_leaves_the_database_at_its_old_version(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with History.open(db) as h:
        h.save(sample_measurement(1))
    bad = hist.MIGRATIONS + (("ALTER TABLE measurements ADD COLUMN extra TEXT", "THIS IS NOT SQL"),)
    monkeypatch.setattr(hist, "MIGRATIONS", bad)
    monkeypatch.setattr(hist, "DB_VERSION", len(bad))
    with pytest.raises(HistoryError):
        History.open(db)
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA user_version").fetchone()[0] == len(bad) - 1
    assert "extra" not in [r[1] for r in c.execute("PRAGMA table_info(measurements)")]
    c.close()


@pytest.mark.parametrize("journal", ["DELETE", "WAL"])
def test_a_database_from_a_newer_posture_is_refused_and_left_untouched(db: Path, journal: str) -> None:
    with History.open(db) as h:
        h.save(sample_measurement(1))
    c = sqlite3.connect(db)
    c.execute(f"PRAGMA user_version = {hist.DB_VERSION + 1}")
    c.execute(f"PRAGMA journal_mode = {journal}")
    c.close()
    before = _sha(db)
    with pytest.raises(HistoryError, match="newer posture") as err:
        History.open(db)
    assert err.value.exit_code == EXIT_HISTORY
    assert "\n" not in str(err.value)
    assert _sha(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


@pytest.mark.parametrize(
    "setup, message",
    [
        ("CREATE TABLE notes (t TEXT)", "not a posture history"),
        ("PRAGMA application_id = 1234", "another program"),
    ],
)
def test_another_programs_database_is_refused_and_left_untouched(db: Path, setup: str, message: str) -> None:
    c = sqlite3.connect(db)
    c.execute(setup)
    c.commit()
    c.close()
    before = _sha(db)
    with pytest.raises(HistoryError, match=message):
        History.open(db)
    assert _sha(db) == before


def test_a_file_that_is_not_a_database_is_refused(db: Path) -> None:
    db.write_bytes(b"this is a text file, not SQLite" * 100)
    before = _sha(db)
    with pytest.raises(HistoryError, match="not a usable history"):
        History.open(db)
    assert _sha(db) == before


def test_open_without_create_does_not_create_a_file(db: Path) -> None:
    with pytest.raises(HistoryError, match="no history yet"):
        History.open(db, create=False)
    assert not db.exists()
    with pytest.raises(HistoryError, match="does not exist"):
        History.open(db.parent / "missing" / "h.sqlite3")


def test_default_path_is_in_the_users_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    p = hist.default_path()
    assert p.name == "history.sqlite3" and tmp_path in p.parents
    with History.open() as h:
        assert h.path == p
    assert p.is_file()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id:12", 12),
        ("ID: 7", 7),
        ("#12", 12),
        (" #3 ", 3),
        ("12", None),
        ("#12.jpg", None),
        ("photo.jpg", None),
        ("id:", None),
    ],
)
def test_resolve_measurement_ref(text: str, expected: int | None) -> None:
    assert resolve_measurement_ref(text) == expected


def test_thumbnail_is_a_small_jpeg_keeping_the_aspect_ratio() -> None:
    from PIL import Image

    rgb = np.zeros((900, 600, 3), np.uint8)
    data = thumbnail_jpeg(rgb)
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.size == (107, 160)
    assert len(data) < 10_000


def _entries(db: Path) -> list[StoredMeasurement]:
    with History.open(db) as h:
        h.save(sample_measurement(1, shoulder=1.0, taken_at="2024-01-01T08:00:00"))
        h.save(sample_measurement(2, shoulder=2.0, pelvic=None, taken_at="2024-02-01T08:00:00"))
        h.save(sample_measurement(3, shoulder=2.5, uncertainty=None, taken_at="2024-03-01T08:00:00"))
        return h.list()


def test_plot_history_draws_one_panel_per_metric_with_the_mdc_band(db: Path) -> None:
    from matplotlib.patches import Rectangle

    fig = plot_history(_entries(db), ["shoulder_tilt_deg", "pelvic_tilt_deg"], mdc={"shoulder_tilt_deg": 1.2})
    shoulder, pelvic = fig.axes
    assert shoulder.get_title() == "Shoulders"
    band = [p for p in shoulder.patches if isinstance(p, Rectangle)]
    assert len(band) == 1
    y0, y1 = band[0].get_y(), band[0].get_y() + band[0].get_height()
    assert (round(y0, 6), round(y1, 6)) == (-0.2, 2.2)  # first value 1.0 +/- 1.2
    assert "1.2" in shoulder.get_legend().get_texts()[0].get_text()
    assert not pelvic.patches  # no MDC known for it: no band
    assert len(pelvic.lines[0].get_xdata()) == 2  # the missing pelvic value is left out


@pytest.mark.parametrize("passes, band", [(5, "±1.2"), (1, "±2.5")])
def test_plot_history_bands_a_series_with_a_single_pass_by_a_single_pass_mdc(db: Path, passes: int, band: str) -> None:
    from dataclasses import replace

    from posture.provenance import Method

    with History.open(db) as h:
        h.save(sample_measurement(1, shoulder=1.0, taken_at="2024-01-01T08:00:00"))
        m = sample_measurement(2, shoulder=2.0, taken_at="2024-02-01T08:00:00")
        h.save(replace(m, method=Method(passes=passes, min_score=0.5)))
        entries = h.list()
    fig = plot_history(
        entries, ["shoulder_tilt_deg"], mdc={"shoulder_tilt_deg": 1.2}, mdc_single_pass={"shoulder_tilt_deg": 2.5}
    )
    assert band in fig.axes[0].get_legend().get_texts()[0].get_text()


def _shoulder(seed: int, method: str, value: float, landmark: float, taken_at: str) -> PostureMeasurement:
    """A saved-like measurement whose shoulder tilt reads ``value`` by ``method`` (``landmark`` on the joints)."""
    m = sample_measurement(seed, taken_at=taken_at)
    tilt = replace(m.metrics["shoulder_tilt_deg"], value=value, method=method, landmark_value=landmark)
    return replace(m, metrics={**m.metrics, "shoulder_tilt_deg": tilt})


def test_plot_history_keeps_a_trend_on_one_method(db: Path) -> None:
    with History.open(db) as h:
        h.save(_shoulder(1, "silhouette", 4.0, 2.5, "2024-01-01T08:00:00"))
        h.save(_shoulder(2, "landmarks", 2.6, 2.6, "2024-02-01T08:00:00"))
        entries = h.list()
    (ax,) = plot_history(entries, ["shoulder_tilt_deg"]).axes
    assert "compared on the joint landmarks" in ax.get_title()
    assert list(ax.lines[0].get_ydata()) == [2.5, 2.6]  # the landmark-only values, not 4.0 -> 2.6
    assert _marked(ax) == {"joint landmarks": ("s", 2)}  # every point drawn as what it is


def test_plot_history_draws_a_value_corrected_by_hand_as_corrected_with_its_own_marker(db: Path) -> None:
    with History.open(db) as h:
        h.save(_shoulder(1, "manual", -8.0, 4.0, "2024-01-01T08:00:00"))
        h.save(_shoulder(2, "silhouette", 3.0, 2.0, "2024-02-01T08:00:00"))
        h.save(_shoulder(3, "landmarks", 2.6, 2.6, "2024-03-01T08:00:00"))
        entries = h.list()
    (ax,) = plot_history(entries, ["shoulder_tilt_deg"]).axes
    assert list(ax.lines[0].get_ydata()) == [-8.0, 2.0, 2.6]  # the corrected value, not the landmarks' 4.0
    assert _marked(ax) == {"points placed by hand": ("P", 1), "joint landmarks": ("s", 2)}


@pytest.mark.parametrize(
    ("step", "ticks"),
    [(timedelta(seconds=1), r"\d\d\.\d"), (timedelta(minutes=3), r"05:\d\d"), (timedelta(hours=2), r"\d\d:[03]0")],
)
def test_plot_history_labels_photos_saved_in_one_sitting_by_their_time(db: Path, step: timedelta, ticks: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    start = datetime(2026, 11, 30, 5, 7, 25)
    with History.open(db) as h:
        for i in range(3):
            h.save(sample_measurement(i + 1, taken_at=(start + i * step).isoformat()))
        entries = h.list()
    (ax,) = plot_history(entries, ["shoulder_tilt_deg"]).axes
    FigureCanvasAgg(ax.get_figure()).draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels and all(re.fullmatch(ticks, t) for t in labels), labels  # not '07:25.000000'
    assert "2026-Nov-30" in ax.xaxis.get_offset_text().get_text()  # the day, once


def test_plot_history_labels_photos_over_months_by_their_full_date(db: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with History.open(db) as h:
        for i in range(3):
            h.save(
                sample_measurement(i + 1, taken_at=(datetime(2026, 11, 30, 5, 7) + i * timedelta(days=30)).isoformat())
            )
        entries = h.list()
    (ax,) = plot_history(entries, ["shoulder_tilt_deg"]).axes
    FigureCanvasAgg(ax.get_figure()).draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels and all(re.fullmatch(r"20\d\d-\d\d-\d\d", t) for t in labels), labels  # not 'Dec', '08'
    assert ax.xaxis.get_offset_text().get_text() == ""


def _with_methods(seed: int, shoulder: str | None, pelvic: str | None, taken_at: str):
    """A sample measurement whose shoulder and pelvic tilts were measured by these methods."""
    from dataclasses import replace

    m = sample_measurement(seed, taken_at=taken_at)
    metrics = dict(m.metrics)
    metrics["shoulder_tilt_deg"] = replace(metrics["shoulder_tilt_deg"], method=shoulder, landmark_value=1.0)
    metrics["pelvic_tilt_deg"] = replace(metrics["pelvic_tilt_deg"], method=pelvic, landmark_value=-0.3)
    metrics["shoulder_pelvis_tilt_deg"] = replace(
        metrics["shoulder_tilt_deg"], value=2.3, method=None, landmark_value=None
    )
    return replace(m, metrics=metrics)


def _marked(ax) -> dict[str, tuple[str, int]]:
    """Legend label -> (marker, number of points) of the marker-only lines of a chart panel."""
    return {
        line.get_label(): (line.get_marker(), len(line.get_xdata()))
        for line in ax.lines
        if line.get_linestyle() == "None" and not line.get_label().startswith("_")
    }


def test_plot_history_marks_each_point_by_method_with_a_legend_and_signed_axes(db: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with History.open(db) as h:
        h.save(_with_methods(1, "silhouette", "landmarks", "2024-01-01T08:00:00"))
        h.save(_with_methods(2, "silhouette", "landmarks", "2024-02-01T08:00:00"))
        entries = h.list()
    names = ["shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg", "head_shift_pct"]
    fig = plot_history(entries, names, mdc={"shoulder_tilt_deg": 1.2})
    shoulder, pelvic, both, head = fig.axes
    assert _marked(shoulder) == {"body outline (silhouette)": ("o", 2)}
    assert _marked(pelvic) == {"joint landmarks": ("s", 2)}
    assert _marked(both) == {"outline and landmarks mixed": ("D", 2)}
    assert _marked(head) == {"joint landmarks": ("s", 2)}
    for ax in (shoulder, pelvic, both, head):
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert set(_marked(ax)) <= set(legend)
        assert "compared on" not in ax.get_title()  # one method per tilt over the series
    assert shoulder.get_ylabel().splitlines() == ["degrees", "+ left shoulder higher", "− right shoulder higher"]
    assert head.get_ylabel().splitlines()[0] == "% of shoulder width"
    # The axis labels of neighbouring panels do not overlap once drawn.
    FigureCanvasAgg(fig).draw()
    boxes = [ax.yaxis.label.get_window_extent() for ax in fig.axes]
    assert not any(a.overlaps(b) for a, b in itertools.pairwise(boxes))
    assert all(box.height <= ax.get_window_extent().height for box, ax in zip(boxes, fig.axes, strict=True))


def test_history_list_marks_each_tilt_with_its_method_and_each_date_with_its_origin(db: Path) -> None:
    with History.open(db) as h:
        h.save(_with_methods(1, "silhouette", "landmarks", "2024-01-01T08:00:00"))
        h.save(_with_methods(2, None, "silhouette", None), taken_at="2024-02-03")
        h.save(_with_methods(3, "landmarks", "silhouette", None))
        h.save(_with_methods(4, "manual", "markers", None))
        table = format_table(h.list()).splitlines()
    first, given, saved, by_hand = table[1:5]
    assert "+1.5 ±0.4 H" in by_hand and "-0.8 ±0.4 M" in by_hand and "H = from points placed by hand" in table[-2]
    assert "2024-01-01 08:00 (EXIF)" in first and "+1.5 ±0.4 S" in first and "-0.8 ±0.4 J" in first
    assert "2024-02-03 (given)" in given and "+1.5 ±0.4 J" in given and "-0.8 ±0.4 S" in given  # no method: landmarks
    assert "(saved)" in saved
    assert "S = from the body's outline" in table[-2] and "J = from the joint landmarks" in table[-2]
    assert "given = analyze --date" in table[-1]


def test_history_list_shows_each_tilt_as_the_words_do() -> None:
    # The same stored value and uncertainty read the same size in the table and in the sentence
    # (2.5 ± 2 once read "+2 ±2" in the table and "3° ± 2°" in the summary).
    from posture.history import StoredMeasurement
    from posture.wording import shown

    for value in [v / 20 for v in range(-120, 121, 3)]:
        for unc in (None, 0.3, 1.96, 2.0, 2.4, 3.0):
            m = sample_measurement(1, shoulder=value, uncertainty=unc)
            e = StoredMeasurement(1, "2024-03-01T09:30:00Z", "2024-03-01T09:30:00", "given", None, None, None, None, m)
            cell = format_table([e]).splitlines()[1].split()[4:6]
            size, u, d = shown(value, unc)
            sign = "-" if value < 0 and size > 0 else "+"
            assert cell[0] == f"{sign}{size:.{d}f}", (value, unc, cell)
            if unc is not None:
                assert cell[1] == f"±{u:.{d}f}", (value, unc, cell)


def test_export_csv_has_a_method_column_next_to_each_tilt_with_a_method(db: Path) -> None:
    with History.open(db) as h:
        h.save(_with_methods(1, "silhouette", "landmarks", "2024-01-01T08:00:00"))
        h.save(_with_methods(2, "landmarks", "landmarks", "2024-02-01T08:00:00"))
        h.save(sample_measurement(3, pelvic=None, taken_at="2024-03-01T08:00:00"))
        text = h.export_csv()
    header = text.splitlines()[0].split(",")
    for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"):
        i = header.index(n)
        assert header[i + 1 : i + 3] == [f"{n}_uncertainty", f"{n}_method"]
    assert not any(c.endswith("_method") and c.startswith(("head", "trunk", "knee", "pelvis_shift")) for c in header)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["shoulder_tilt_deg_method"] for r in rows] == ["silhouette", "landmarks", "landmarks"]
    assert [r["pelvic_tilt_deg_method"] for r in rows] == ["landmarks", "landmarks", ""]
    assert [r["shoulder_pelvis_tilt_deg_method"] for r in rows] == ["mixed", "landmarks", ""]


@pytest.mark.parametrize(
    "text, stored",
    [
        ("2024-01-05", "2024-01-05"),
        (" 2024-01-05T14:30 ", "2024-01-05T14:30"),
        ("2024-01-05 14:30", "2024-01-05T14:30"),
        ("2024-01-05T14:30:15", "2024-01-05T14:30:15"),
        ("2024-02-29", "2024-02-29"),
    ],
)
def test_parse_taken_at_keeps_what_was_given(text: str, stored: str) -> None:
    assert hist.parse_taken_at(text, now=datetime(2025, 1, 1)) == stored


@pytest.mark.parametrize(
    "text, why",
    [
        ("2023-02-29", "not a real date"),
        ("2024-13-01", "not a real date"),
        ("2024-01-05T24:00", "not a real date"),
        ("2024-1-5", "not a date like"),
        ("05/01/2024", "not a date like"),
        ("2024-01-05T14", "not a date like"),
        ("2024-01-05T14:30+02:00", "not a date like"),
        ("yesterday", "not a date like"),
        ("", "not a date like"),
        ("2025-01-02", "between 1900-01-01 and today"),
        ("1899-12-31", "between 1900-01-01 and today"),
    ],
)
def test_parse_taken_at_refuses_bad_dates(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as e:
        hist.parse_taken_at(text, now=datetime(2025, 1, 1, 12, 0))
    assert "\n" not in str(e.value)


def test_a_given_date_wins_over_the_exif_date_and_is_marked_given(db: Path) -> None:
    with History.open(db) as h:
        given = h.get(h.save(sample_measurement(1), taken_at="2023-06-01T10:15")[0])
        exif = h.get(h.save(sample_measurement(2))[0])
        with pytest.raises(ValueError):
            h.save(sample_measurement(3), taken_at="2023-06-31")
        assert len(h) == 2
    assert (given.taken_at, given.taken_at_source) == ("2023-06-01T10:15", "given")
    assert given.taken_datetime == datetime(2023, 6, 1, 10, 15)
    assert (exif.taken_at, exif.taken_at_source) == ("2024-03-01T09:30:00", "exif")


def test_a_version_1_history_is_upgraded_keeping_ids_and_the_id_counter(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(hist, "MIGRATIONS", hist.MIGRATIONS[:1])
        m.setattr(hist, "DB_VERSION", 1)
        with History.open(db) as h:
            ids = [h.save(sample_measurement(i), name="Ana")[0] for i in range(3)]
            h.delete(ids[-1])
            with pytest.raises(HistoryError):
                h.save(sample_measurement(9), taken_at="2024-01-01")  # version 1 knows no 'given'
    with History.open(db) as h:
        assert [e.id for e in h.list()] == ids[:2] and h.get(ids[0]).name == "Ana"
        new_id, _ = h.save(sample_measurement(9), taken_at="2024-01-01")
        assert new_id == ids[-1] + 1  # a deleted id is never used again
        assert h.get(new_id).taken_at_source == "given"
    c = sqlite3.connect(db)
    assert c.execute("PRAGMA user_version").fetchone()[0] == hist.DB_VERSION == 2
    assert {r[1] for r in c.execute("PRAGMA index_list(measurements)")} >= {"measurements_photo", "measurements_taken"}
    c.close()


def test_plot_history_defaults_to_measured_metrics_and_refuses_unknown_ones(db: Path) -> None:
    entries = _entries(db)
    fig = plot_history(entries, mdc=None)
    assert [a.get_title() for a in fig.axes] == ["Shoulders", "Hip line (pelvic tilt proxy)", "Head over shoulders"]
    with pytest.raises(ValueError, match="unknown metric 'neck'"):
        plot_history(entries, ["neck"])


def test_history_list_columns_line_up_with_wide_and_zero_width_characters_in_names(db: Path) -> None:
    from posture.terminal import width

    with History.open(db) as h:
        h.save(sample_measurement(1), name="Ana 😀😀")  # two cells each
        h.save(sample_measurement(2), name="e\u0301\u200dAna")  # a combining accent and a zero-width joiner
        h.save(sample_measurement(3), name="Bo")
        lines = format_table(h.list()).splitlines()[:4]
    ends = set()
    for i, line in enumerate(lines):
        cell = "Shoulders°" if i == 0 else "+1.5 ±0.4 J"
        ends.add(width(line[: line.index(cell) + len(cell)]))
    assert len(ends) == 1, lines  # the (right-aligned) shoulder column ends in the same terminal cell on every line
