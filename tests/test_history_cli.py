"""``posture analyze --save`` and ``posture history ...``: the command-line shell over posture.history."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, photo
from history_support import sample_measurement

from posture.cli import main
from posture.errors import EXIT_HISTORY, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from posture.history import History


@pytest.fixture
def db(tmp_path: Path) -> Path:
    p = tmp_path / "h.sqlite3"
    with History.open(p) as h:
        h.save(sample_measurement(1, shoulder=2.3, taken_at="2024-01-05T08:00:00"), name="Ana", note="morning")
        h.save(sample_measurement(2, shoulder=1.0, taken_at=None), name="Ana")
        h.save(sample_measurement(3, shoulder=-0.5, taken_at="2024-02-05T08:00:00"), name="Bo")
    return p


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_prints_a_table_oldest_first(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "list", "--db", str(db))
    lines = out.splitlines()
    assert code == EXIT_OK
    assert lines[0].split()[:3] == ["ID", "Taken", "Name"]
    assert [line.split()[0] for line in lines[1:4]] == ["#1", "#3", "#2"]
    assert "+2.3 ±0.4" in lines[1] and "morning" in lines[1]
    assert "(EXIF)" in lines[1] and "(saved)" in lines[3]  # no EXIF date: the time of saving, marked


@pytest.mark.parametrize(
    "argv",
    [
        ["history", "list", "--db", "{db}", "--json"],
        ["history", "--db", "{db}", "list", "--json"],
        ["history", "--db", "{other}", "list", "--db", "{db}", "--json"],  # the later one, as usual
        ["history", "--db", "{db}", "show", "2", "--json"],
        ["history", "--db", "{db}", "export", "--json", "-"],
    ],
)
def test_the_database_may_be_named_before_or_after_the_action(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    other = tmp_path / "other.sqlite3"
    code, out, err = run(capsys, *(a.format(db=db, other=other) for a in argv))
    assert code == EXIT_OK, err
    assert "Ana" in out and not other.exists()


def test_list_json_and_name_filter(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "history", "list", "--db", str(db), "--json", "--name", "Ana")
    rows = json.loads(out)
    assert code == EXIT_OK and [r["id"] for r in rows] == [1, 2]
    assert rows[0]["metrics"]["shoulder_tilt_deg"] == {"value": 2.3, "uncertainty": 0.4, "unit": "deg"}
    assert rows[0]["photo_sha256"] and rows[0]["taken_at_source"] == "exif"


def test_list_without_a_database_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "history", "list", "--db", str(tmp_path / "none.sqlite3"))
    assert code == EXIT_OK and "No saved measurements yet" in out
    assert not list(tmp_path.iterdir())


def test_show_prints_the_measurement_and_writes_the_thumbnail(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with History.open(db) as h:
        new_id, _ = h.save(sample_measurement(9), thumbnail=b"\xff\xd8thumb")
    thumb = tmp_path / "t.jpg"
    code, out, _ = run(capsys, "history", "show", f"#{new_id}", "--db", str(db), "--thumbnail", str(thumb))
    assert code == EXIT_OK and out.startswith(f"#{new_id}  taken 2024-03-01 09:30:00")
    assert "Shoulders: Left shoulder higher" in out
    assert thumb.read_bytes() == b"\xff\xd8thumb"
    code, out, _ = run(capsys, "history", "show", "id:1", "--db", str(db), "--json")
    assert json.loads(out)["measurement"]["metrics"]["shoulder_tilt_deg"]["value"] == 2.3


def test_unknown_id_exits_with_the_history_code(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "show", "99", "--db", str(db))
    assert code == EXIT_HISTORY and err.strip() == "posture: error: no stored measurement #99"


def test_delete_needs_yes_without_a_terminal(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a TTY: never read as consent
    code, _, err = run(capsys, "history", "delete", "1", "--db", str(db))
    assert code == EXIT_USAGE and "--yes" in err
    with History.open(db) as h:
        assert len(h) == 3
    code, out, _ = run(capsys, "history", "delete", "1", "--db", str(db), "--yes")
    assert code == EXIT_OK and out.strip() == "Deleted #1."
    with History.open(db) as h:
        assert [e.id for e in h.list()] == [3, 2]


def test_delete_asks_on_a_terminal(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty("n\n"))
    code, out, _ = run(capsys, "history", "delete", "2", "--db", str(db))
    assert code == EXIT_OK and "Nothing deleted" in out
    monkeypatch.setattr(sys, "stdin", Tty("y\n"))
    code, out, _ = run(capsys, "history", "delete", "2", "--db", str(db))
    assert "Delete #2 of Ana" in out and "Deleted #2." in out
    with History.open(db) as h:
        assert len(h) == 2


def test_export_csv_and_json_refuse_to_overwrite_without_force(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("precious")
    code, _, err = run(capsys, "history", "export", "--db", str(db), "--csv", str(target))
    assert code == EXIT_OUTPUT and "--force" in err and target.read_text() == "precious"
    code, _, _ = run(capsys, "history", "export", "--db", str(db), "--csv", str(target), "--force")
    rows = list(csv.DictReader(target.open()))
    assert code == EXIT_OK and [r["id"] for r in rows] == ["1", "3", "2"]
    code, out, _ = run(capsys, "history", "export", "--db", str(db), "--json", "-", "--name", "Bo")
    assert code == EXIT_OK and [m["id"] for m in json.loads(out)["measurements"]] == [3]


@pytest.mark.parametrize("blank", ["", "  "])
def test_measurements_saved_without_a_name_are_chosen_with_an_empty_name(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], blank: str
) -> None:
    # Saved once without --name, then with one: the plot refused and nothing chose the unnamed ones.
    with History.open(db) as h:
        h.save(sample_measurement(4, shoulder=0.5, taken_at="2024-03-05T08:00:00"))
        h.save(sample_measurement(5, shoulder=0.7, taken_at="2024-04-05T08:00:00"), name=" ")
    code, _, err = run(capsys, "history", "plot", "--db", str(db), "-o", str(tmp_path / "all.png"))
    assert code == EXIT_HISTORY and "(no name)" in err and "--name ''" in err
    code, out, _ = run(capsys, "history", "list", "--db", str(db), "--json", "--name", blank)
    assert code == EXIT_OK and [r["id"] for r in json.loads(out)] == [4, 5]
    code, out, _ = run(capsys, "history", "plot", "--db", str(db), "--name", blank, "-o", str(tmp_path / "none.png"))
    assert code == EXIT_OK and "2 measurements" in out
    code, out, _ = run(capsys, "history", "export", "--db", str(db), "--json", "-", "--name", blank)
    assert [m["id"] for m in json.loads(out)["measurements"]] == [4, 5]


def test_plot_writes_a_chart_for_one_person(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_png = tmp_path / "trend.png"
    code, _, err = run(capsys, "history", "plot", "--db", str(db), "-o", str(out_png))
    assert code == EXIT_HISTORY and "several people" in err and "--name" in err and not out_png.exists()
    code, out, _ = run(
        capsys, "history", "plot", "--db", str(db), "--name", "Ana", "--metric", "shoulder_tilt_deg", "-o", str(out_png)
    )
    assert code == EXIT_OK and out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "2 measurements" in out
    code, _, err = run(capsys, "history", "plot", "--db", str(db), "--name", "Ana", "-o", str(out_png))
    assert code == EXIT_OUTPUT  # exists, no --force
    code, _, err = run(
        capsys, "history", "plot", "--db", str(db), "--name", "Ana", "--metric", "neck", "-o", str(tmp_path / "x.png")
    )
    assert code == EXIT_HISTORY and "unknown metric 'neck'" in err


def test_a_newer_database_is_refused_by_every_command(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    c = sqlite3.connect(db)
    c.execute("PRAGMA user_version = 99")
    c.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for argv in (["list"], ["show", "1"], ["export", "--json", "-"], ["delete", "1", "--yes"]):
        code, out, err = run(capsys, "history", *argv, "--db", str(db))
        assert code == EXIT_HISTORY, argv
        assert len(err.strip().splitlines()) == 1 and "newer posture" in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("option", [["--name", "Ana"], ["--date", "2024-01-05"]])
def test_analyze_save_options_need_save(capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
    code, _, err = run(capsys, "analyze", "any.jpg", *option)
    assert code == EXIT_USAGE and "need --save" in err


@pytest.mark.parametrize(
    "date",
    ["2024-02-30", "2024-13-01", "05/01/2024", "2024-01-05T14", "2024-01-05T14:30Z", "tomorrow", "", "3024-01-01"],
)
def test_analyze_refuses_a_bad_date_in_one_line_before_analysing(
    date: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import posture.analyze

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(posture.analyze, "Analyzer", no_model)
    db = tmp_path / "h.sqlite3"
    with pytest.raises(SystemExit) as e:
        main(["analyze", str(ROOT / "sample_images" / "standing.png"), "--save", "--db", str(db), "--date", date])
    err = capsys.readouterr().err
    assert e.value.code == EXIT_USAGE
    assert len(err.strip().splitlines()) == 1 and "--date" in err and repr(date) in err
    assert not db.exists()


@pytest.mark.slow
def test_analyze_date_is_stored_as_given_for_every_photo_of_a_batch(tmp_path: Path) -> None:
    exif = photo("front_full__tfex_yoga_tree.jpeg")  # its EXIF date is 2020-01-29T17:18:31
    db = tmp_path / "h.sqlite3"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "posture",
            "analyze",
            str(exif),
            str(ROOT / "sample_images" / "standing.png"),
            "--save",
            "--db",
            str(db),
            "--date",
            "2024-01-05",
            "--jobs",
            "1",
            "--fast",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with History.open(db) as h:
        assert [(e.taken_at, e.taken_at_source) for e in h.list()] == [("2024-01-05", "given")] * 2
    listed = subprocess.run(
        [sys.executable, "-m", "posture", "history", "list", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.count("2024-01-05 (given)") == 2


def test_analyze_save_end_to_end_with_a_real_photo(tmp_path: Path) -> None:
    img = photo("front_full__tfex_yoga_tree.jpeg")  # has an EXIF date
    db = tmp_path / "h.sqlite3"

    def posture(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "posture", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    first = posture("analyze", str(img), "--save", "--name", "Ana", "--note", "after yoga", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "Saved to the history as #1" in first.stdout
    again = posture("analyze", str(img), "--save", "--db", str(db), "--json")
    assert again.returncode == 0, again.stderr
    printed = json.loads(again.stdout)  # standard output stays one JSON object
    assert "Already in the history as #1" in again.stderr

    listed = posture("history", "list", "--db", str(db), "--json")
    rows = json.loads(listed.stdout)
    assert len(rows) == 1  # the same photo is counted once
    with History.open(db) as h:
        e = h.get(rows[0]["id"])
        thumb = h.thumbnail(e.id)
    assert (e.name, e.note) == ("Ana", "after yoga")
    assert e.photo_sha256 == hashlib.sha256(img.read_bytes()).hexdigest()
    assert e.photo_path == str(img)
    assert (e.taken_at, e.taken_at_source) == ("2020-01-29T17:18:31", "exif")
    m = e.measurement
    assert m.status == "measured" and m.model.name and m.assumptions.level_mode == "none"
    assert m.metrics["shoulder_tilt_deg"].value is not None
    # what was stored is what the analysis gave (the model reads the same photo the same way)
    assert m.to_dict()["metrics"] == printed["metrics"] and m.to_dict()["landmarks"] == printed["landmarks"]
    from PIL import Image

    assert thumb is not None and max(Image.open(io.BytesIO(thumb)).size) == 160


def test_history_help_lists_the_exit_codes_history_commands_give(capsys: pytest.CaptureFixture[str]) -> None:
    # It listed analyze's: "0 measured", "4 no person found in the photo", ...
    with pytest.raises(SystemExit) as done:
        main(["history", "--help"])
    out = capsys.readouterr().out
    codes = out.split("exit codes:")[1]
    listed = {int(line.split()[0]) for line in codes.splitlines() if line[:3].strip().isdigit()}
    assert done.value.code == 0 and listed == {EXIT_OK, 1, EXIT_USAGE, EXIT_OUTPUT, EXIT_HISTORY}
    assert "photo" not in codes and "measured" not in codes
