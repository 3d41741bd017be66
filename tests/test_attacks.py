"""Attacks on the command line, as a table: what each must exit with, say, and leave untouched.

Each case builds its files in a fresh folder, runs ``posture`` there (in this
process, through :func:`posture.cli.main`), and checks the exit code, a
fragment of stderr (one line, no traceback, no raw control character) and
that every file the case names is byte-identical afterwards (SHA-256 before
and after). Cases that must produce something check it too. Signals are
tested on child processes at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLES, photo
from history_support import sample_measurement
from PIL import Image

from posture.cli import main
from posture.errors import EXIT_BAD_INPUT, EXIT_HISTORY, EXIT_NO_PERSON, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from posture.history import History

ESC = "\x1b"
OSC_TITLE = "\x1b]0;owned\x07"
RED = "\x1b[31m"


# ------------------------------------------------------------------ the files a case starts from


def _image(path: Path, size: tuple[int, int] = (256, 320)) -> Path:
    """A small photo with nobody in it (analysis exits 4, quickly)."""
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(90, 160, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def _history(path: Path, *, name: str = "Ana", note: str | None = "morning") -> Path:
    with History.open(path) as h:
        h.save(
            sample_measurement(1, shoulder=2.3, taken_at="2024-01-05T08:00:00"),
            name=name,
            note=note,
            thumbnail=b"\xff\xd8thumb",
        )
        h.save(sample_measurement(2, shoulder=-0.5, taken_at="2024-02-05T08:00:00"), name=name)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def world(d: Path) -> None:
    """What every case may use: photos, a history, histories named like outputs, a symlink
    (a FIFO is added to each case's copy: copying one would read it)."""
    _image(d / "x.jpg")
    _image(d / "y.jpg")
    _history(d / "h.db")
    for name in ("h.png", "h.jpg", "h.html"):
        shutil.copyfile(d / "h.db", d / name)
    os.symlink("h.db", d / "link.db")
    (d / "photos").mkdir()
    _image(d / "photos" / "a.jpg")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("world")
    world(d)
    return d


def damaged(d: Path) -> None:
    """h.db with two rows edited by hand: a date that is not one, a measurement that is not one."""
    with History.open(d / "h.db") as h:
        h.save(sample_measurement(3, shoulder=1.0, taken_at="2024-03-05T08:00:00"), name="Ana")
        h.save(sample_measurement(4, shoulder=1.2, taken_at="2024-04-05T08:00:00"), name="Ana")
    with sqlite3.connect(d / "h.db") as c:
        c.execute("UPDATE measurements SET taken_at = 'last tuesday' WHERE id = 3")
        c.execute("UPDATE measurements SET measurement_json = '{\"status\": 1}' WHERE id = 4")


def injected_history(d: Path) -> None:
    _history(d / "inj.db", name='=HYPERLINK("http://x.example","click")', note="=1+2")


def terminal_history(d: Path) -> None:
    _history(d / "term.db", name=f"Ana{OSC_TITLE}", note=f"line one\nline two {RED}red")


def fifo_in_folder(d: Path) -> None:
    (d / "mixed").mkdir()
    _image(d / "mixed" / "a.jpg")
    _fifo(d / "mixed" / "b.jpg")


def sparse_photo(d: Path) -> None:
    with open(d / "big.jpg", "wb") as f:
        f.write(b"\xff\xd8\xff\xe0")
        f.truncate(6 * 10**9)  # 6 GB, sparse: no disk used


def wide_photo(d: Path) -> None:
    Image.fromarray(np.full((128, 60000, 3), 120, np.uint8)).save(d / "wide.png")


def wide_frame(d: Path) -> None:
    Image.fromarray(np.full((200, 40000, 3), 120, np.uint8)).save(d / "wide_frame.png")


def heic_huge_header(d: Path) -> None:
    """A small HEIC whose header (``ispe``) claims 60000 x 60000 pixels."""
    heif = pytest.importorskip("pillow_heif")
    heif.register_heif_opener()
    Image.fromarray(np.full((256, 256, 3), 120, np.uint8)).save(d / "small.heic")
    data = bytearray((d / "small.heic").read_bytes())
    at = data.find(b"ispe")
    data[at + 8 : at + 16] = (60000).to_bytes(4, "big") * 2
    (d / "huge.heic").write_bytes(bytes(data))


def animation(d: Path) -> None:
    frames = [Image.fromarray(np.full((256, 256, 3), v, np.uint8)) for v in (60, 200)]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(d / "pages.tiff", save_all=True, append_images=frames[1:])


def dash_photo(d: Path) -> None:
    _image(d / "-x.jpg")


def injected_names(d: Path) -> None:
    _image(d / "+1+2.jpg")
    _image(d / "@SUM(1+1).png")


# ------------------------------------------------------------------ checks of what a case produced


def csv_cells(path: Path | str) -> list[list[str]]:
    text = path if isinstance(path, str) else path.read_text()
    return list(csv.reader(io.StringIO(text)))


def no_formula_cells(d: Path, out: str, name: str) -> None:
    """Every text cell starting like a formula is quoted; negative numbers stay numbers."""
    rows = csv_cells(d / name)
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells
    assert not [c for c in cells if c.startswith("-") and not _is_number(c)], cells


def _is_number(c: str) -> bool:
    try:
        float(c)
        return True
    except ValueError:
        return False


def export_quoted(d: Path, out: str, name: str) -> None:
    no_formula_cells(d, out, name)
    rows = {r[0]: r for r in csv_cells(d / name)[1:]}
    header = csv_cells(d / name)[0]
    first = dict(zip(header, rows["1"], strict=True))
    assert first["name"] == '\'=HYPERLINK("http://x.example","click")' and first["note"] == "'=1+2"
    assert dict(zip(header, rows["2"], strict=True))["shoulder_tilt_deg"] == "-0.5"  # a number, not text


def batch_names_quoted(d: Path, out: str, name: str) -> None:
    no_formula_cells(d, out, name)
    paths = sorted(r[0] for r in csv_cells(d / name)[1:])
    assert paths == ["'+1+2.jpg", "'@SUM(1+1).png"]


def row_written(d: Path, out: str, name: str) -> None:
    assert csv_cells(d / name)[1][:2] == ["x.jpg", "no_person"]


def table_on_stdout(d: Path, out: str, name: str) -> None:
    assert not (d / "-").exists()
    assert csv_cells(out)[0][:2] == ["path", "status"] and csv_cells(out)[1][0] == "x.jpg"


def one_line_per_entry(d: Path, out: str, name: str) -> None:
    assert ESC not in out and "\\x1b]0;owned\\x07" in out and "\\n" in out
    lines = out.splitlines()
    assert len([line for line in lines if line.startswith("#")]) == 2
    assert not [
        line for line in lines if "line two" in line and not line.startswith("#1 ")
    ]  # the note stays in its row


def escaped(d: Path, out: str, name: str) -> None:
    assert ESC not in out and "\\x1b" in out


def pdf_written(d: Path, out: str, name: str) -> None:
    assert (d / name).read_bytes().startswith(b"%PDF")


def first_frame_warned(d: Path, out: str, name: str) -> None:
    assert "holds 2 images" in out and "only the first was measured" in out


def exists(d: Path, out: str, name: str) -> None:
    assert (d / name).is_file()


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Attack:
    """``posture ARGS`` run in a folder made by :func:`world` (and ``setup``)."""

    id: str
    args: tuple[str, ...]
    code: int
    message: str = ""
    unchanged: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None
    check: Callable[[Path, str, str], None] | None = None
    check_file: str = ""
    one_line: bool = True  # a refusal is one line on stderr (a batch adds its count)
    slow: bool = False  # runs the pose model or starts worker processes


INPUT = "refusing to overwrite an input file"
HISTORY = "is the history database; refusing to overwrite it"
ATTACKS = [
    # 1. the history, an input, or another output of the same run, replaced by an output
    Attack(
        "export-csv-over-db",
        ("history", "export", "--db", "h.db", "--csv", "h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "export-json-over-db",
        ("history", "export", "--db", "h.db", "--json", "h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "export-csv-over-db-symlink",
        ("history", "export", "--db", "h.db", "--csv", "link.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "export-csv-over-db-spelt-otherwise",
        ("history", "export", "--db", "h.db", "--csv", "./photos/../h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "thumbnail-over-db",
        ("history", "show", "1", "--db", "h.jpg", "--thumbnail", "h.jpg", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.jpg",),
    ),
    Attack(
        "plot-over-db",
        ("history", "plot", "--db", "h.png", "-o", "h.png", "--force", "--name", "Ana"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.png",),
    ),
    Attack(
        "analyze-csv-over-db",
        ("analyze", "x.jpg", "--save", "--db", "h.db", "--csv", "h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db", "x.jpg"),
    ),
    Attack(
        "analyze-image-over-db",
        ("analyze", "x.jpg", "--save", "--db", "h.png", "-o", "h.png", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.png", "x.jpg"),
    ),
    Attack("analyze-image-over-photo", ("analyze", "x.jpg", "-o", "x.jpg", "--force"), EXIT_OUTPUT, INPUT, ("x.jpg",)),
    Attack(
        "analyze-csv-over-own-image",
        ("analyze", "x.jpg", "-o", "o.png", "--csv", "o.png", "--force"),
        EXIT_OUTPUT,
        "o.png: named for two outputs",
        ("x.jpg",),
        ("o.png",),
    ),
    Attack(
        "batch-csv-over-photo",
        ("analyze", "photos", "--csv", "photos/a.jpg", "--force"),
        EXIT_OUTPUT,
        INPUT,
        ("photos/a.jpg",),
    ),
    Attack(
        "batch-csv-over-db",
        ("analyze", "x.jpg", "y.jpg", "--save", "--db", "h.db", "--csv", "h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "batch-csv-over-annotated",
        ("analyze", "x.jpg", "y.jpg", "-o", "out", "--csv", "out/x_annotated.jpg", "--force"),
        EXIT_OUTPUT,
        "same file as an annotated image",
        ("x.jpg", "y.jpg"),
        ("out",),
        setup=lambda d: (d / "out").mkdir(),
    ),
    Attack(
        "compare-report-over-db",
        ("compare", "#1", "#2", "--db", "h.html", "-o", "h.html", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.html",),
    ),
    Attack(
        "live-log-over-db",
        ("live", "--source", "x.jpg", "--headless", "--log", "h.db", "--save", "--db", "h.db", "--force"),
        EXIT_OUTPUT,
        HISTORY,
        ("h.db",),
    ),
    Attack(
        "live-record-over-log",
        ("live", "--source", "x.jpg", "--headless", "--log", "r.avi", "--record", "r.avi"),
        EXIT_OUTPUT,
        "named for two outputs",
        absent=("r.avi",),
    ),
    # 2. paths that are not photos: refused before anything is read
    Attack("device", ("analyze", "/dev/zero"), EXIT_BAD_INPUT, "/dev/zero: is a device, not a regular file"),
    Attack("fifo", ("analyze", "pipe.csv"), EXIT_BAD_INPUT, "is a pipe (FIFO)"),
    Attack(
        "fifo-in-batch-folder",
        ("analyze", "mixed", "--fast", "-j", "1"),
        EXIT_BAD_INPUT,
        "b.jpg: is a pipe (FIFO)",
        setup=fifo_in_folder,
        one_line=False,
        slow=True,
    ),
    Attack("sparse-6gb", ("analyze", "big.jpg"), EXIT_BAD_INPUT, "the file is too large", setup=sparse_photo),
    Attack("live-fifo", ("live", "--source", "pipe.csv", "--headless"), EXIT_BAD_INPUT, "is a pipe (FIFO)"),
    # 3. absurd shapes
    Attack(
        "wide-photo",
        ("analyze", "wide.png", "-o", "w.png"),
        EXIT_BAD_INPUT,
        "469 times longer than wide; posture measures images up to 10:1",
        absent=("w.png",),
        setup=wide_photo,
    ),
    Attack(
        "heic-header-60000-square",
        ("analyze", "huge.heic"),
        EXIT_BAD_INPUT,
        "the image is too large",
        unchanged=("huge.heic",),
        setup=heic_huge_header,
    ),
    Attack(
        "live-wide-frame",
        ("live", "--source", "wide_frame.png", "--headless"),
        EXIT_BAD_INPUT,
        "200 times longer than wide",
        setup=wide_frame,
    ),
    # 5. CSV injection
    Attack(
        "export-formula-name-note",
        ("history", "export", "--db", "inj.db", "--csv", "e.csv"),
        EXIT_OK,
        unchanged=("inj.db",),
        setup=injected_history,
        check=export_quoted,
        check_file="e.csv",
    ),
    Attack(
        "batch-formula-file-names",
        ("analyze", "+1+2.jpg", "@SUM(1+1).png", "--fast", "--csv", "t.csv", "-j", "1"),
        EXIT_NO_PERSON,
        "",
        ("+1+2.jpg",),
        setup=injected_names,
        check=batch_names_quoted,
        check_file="t.csv",
        slow=True,
    ),
    # 6. no overwriting of what is not a regular file, even with --force
    Attack(
        "csv-onto-fifo",
        ("analyze", "x.jpg", "--csv", "pipe.csv", "--force"),
        EXIT_OUTPUT,
        "pipe.csv: is not a regular file",
    ),
    Attack(
        "export-onto-fifo",
        ("history", "export", "--db", "h.db", "--csv", "pipe.csv", "--force"),
        EXIT_OUTPUT,
        "is not a regular file",
        ("h.db",),
    ),
    Attack(
        "csv-onto-device",
        ("history", "export", "--db", "h.db", "--csv", "null.csv", "--force"),
        EXIT_OUTPUT,
        "null.csv: is not a regular file",
        ("h.db",),
        setup=lambda d: os.symlink("/dev/null", d / "null.csv"),
    ),
    # 7. terminal escapes
    Attack(
        "escape-in-file-name",
        ("analyze", f"{OSC_TITLE}{RED}x.jpg"),
        EXIT_BAD_INPUT,
        "\\x1b]0;owned\\x07\\x1b[31mx.jpg: no such file",
    ),
    Attack("escape-in-unknown-argument", ("analyze", "x.jpg", f"--{RED}"), EXIT_USAGE, "\\x1b[31m"),
    Attack(
        "escape-in-name-note-list",
        ("history", "list", "--db", "term.db"),
        EXIT_OK,
        unchanged=("term.db",),
        setup=terminal_history,
        check=one_line_per_entry,
    ),
    Attack(
        "escape-in-name-note-show",
        ("history", "show", "1", "--db", "term.db"),
        EXIT_OK,
        unchanged=("term.db",),
        setup=terminal_history,
        check=escaped,
    ),
    # 8. the rest
    Attack(
        "pdf-mathtext-name",
        ("compare", "#1", "#2", "--db", "h.db", "-o", "r.pdf", "--name", "$\\sqrt{x$ 😀 中文", "--note", "a $5 fee"),
        EXIT_OK,
        unchanged=("h.db",),
        check=pdf_written,
        check_file="r.pdf",
    ),
    Attack("damaged-row-list", ("history", "list", "--db", "h.db"), EXIT_OK, "#3 cannot be read", setup=damaged),
    Attack(
        "damaged-row-export",
        ("history", "export", "--db", "h.db", "--csv", "e.csv"),
        EXIT_OK,
        "#4 cannot be read",
        setup=damaged,
        check=exists,
        check_file="e.csv",
    ),
    Attack(
        "damaged-row-plot",
        ("history", "plot", "--db", "h.db", "-o", "p.png"),
        EXIT_OK,
        "#3 cannot be read",
        setup=damaged,
        check=exists,
        check_file="p.png",
    ),
    Attack("damaged-row-compare", ("compare", "#1", "#2", "--db", "h.db"), EXIT_OK, setup=damaged),
    Attack(
        "damaged-row-show", ("history", "show", "4", "--db", "h.db"), EXIT_HISTORY, "#4 cannot be read", setup=damaged
    ),
    Attack("nan-level", ("analyze", "x.jpg", "--level", "nan"), EXIT_USAGE, "expected a finite number"),
    Attack("nan-height", ("analyze", "x.jpg", "--height-cm", "nan"), EXIT_USAGE, "expected a finite number"),
    Attack("nan-visibility", ("analyze", "x.jpg", "--min-visibility", "nan"), EXIT_USAGE, "expected a finite number"),
    Attack("nan-duration", ("live", "--source", "x.jpg", "--duration", "nan"), EXIT_USAGE, "expected a finite number"),
    Attack("inf-capture", ("live", "--source", "x.jpg", "--capture", "inf"), EXIT_USAGE, "expected a finite number"),
    Attack(
        "huge-id-show",
        ("history", "show", "9" * 30, "--db", "h.db"),
        EXIT_HISTORY,
        f"no stored measurement #{'9' * 30}",
        ("h.db",),
    ),
    Attack(
        "huge-id-delete",
        ("history", "delete", "#" + "9" * 30, "--db", "h.db", "--yes"),
        EXIT_HISTORY,
        "no stored measurement",
        ("h.db",),
    ),
    Attack(
        "huge-id-compare",
        ("compare", "#" + "9" * 30, "#1", "--db", "h.db"),
        EXIT_HISTORY,
        "no stored measurement",
        ("h.db",),
    ),
    Attack(
        "csv-dash-is-stdout",
        ("analyze", "x.jpg", "--fast", "--csv", "-"),
        EXIT_NO_PERSON,
        "",
        ("x.jpg",),
        check=table_on_stdout,
        slow=True,
    ),
    Attack(
        "csv-dash-and-json", ("analyze", "x.jpg", "--csv", "-", "--json"), EXIT_USAGE, "both write to standard output"
    ),
    # 6b. an argument starting with '-', taken for an option: the usage error says how to write it
    Attack(
        "photo-named-like-an-option",
        ("analyze", "-x.jpg", "--fast"),
        EXIT_USAGE,
        "required: PHOTO; -x.jpg is a file: write ./-x.jpg to name it",
        setup=dash_photo,
    ),
    Attack(
        "compared-photo-named-like-an-option",
        ("compare", "-x.jpg", "y.jpg"),
        EXIT_USAGE,
        "unrecognized arguments: -x.jpg; -x.jpg is a file: write ./-x.jpg to name it",
        setup=dash_photo,
    ),
    Attack(
        "name-starting-with-a-dash",
        ("analyze", "x.jpg", "--save", "--db", "h.db", "--name", "-Ana"),
        EXIT_USAGE,
        "--name: expected one argument; a value starting with '-' is written --name=-Ana",
        ("h.db",),
    ),
    Attack("option-without-its-value", ("analyze", "x.jpg", "--level"), EXIT_USAGE, "--level: expected one argument ("),
    # 7. names a file system refuses, and a folder where a file is expected: refused before any work
    Attack("image-name-too-long", ("analyze", "x.jpg", "-o", "n" * 252 + ".png"), EXIT_OUTPUT, "file name is too long"),
    Attack(
        "csv-name-too-long", ("analyze", "x.jpg", "--csv", "n" * 300 + ".csv"), EXIT_OUTPUT, "file name is too long"
    ),
    Attack(
        "report-name-too-long",
        ("compare", "#1", "#2", "--db", "h.db", "-o", "é" * 130 + ".html"),  # 265 bytes
        EXIT_OUTPUT,
        "file name is too long (265 bytes",
        ("h.db",),
    ),
    Attack(
        "export-name-too-long",
        ("history", "export", "--db", "h.db", "--csv", "n" * 256),
        EXIT_OUTPUT,
        "file name is too long",
        ("h.db",),
    ),
    Attack("image-onto-folder", ("analyze", "x.jpg", "-o", "photos"), EXIT_OUTPUT, "photos: is a folder; give a file"),
    Attack(
        "report-onto-folder",
        ("compare", "#1", "#2", "--db", "h.db", "-o", "photos"),
        EXIT_OUTPUT,
        "photos: is a folder; give a file",
        ("h.db",),
    ),
    Attack(
        "chart-onto-folder",
        ("history", "plot", "--db", "h.db", "-o", "photos"),
        EXIT_OUTPUT,
        "photos: is a folder; give a file",
        ("h.db",),
    ),
    Attack(
        "longest-name-written",  # its temporary file's name must fit beside it
        ("analyze", "x.jpg", "--fast", "--csv", "n" * 251 + ".csv"),
        EXIT_NO_PERSON,
        "",
        ("x.jpg",),
        check=row_written,
        check_file="n" * 251 + ".csv",
        slow=True,
    ),
    Attack(
        "gif-first-frame",
        ("analyze", "anim.gif", "--fast", "--json"),
        EXIT_NO_PERSON,
        "",
        setup=animation,
        check=first_frame_warned,
        slow=True,
    ),
    Attack(
        "tiff-first-frame",
        ("analyze", "pages.tiff", "--fast", "--json"),
        EXIT_NO_PERSON,
        "",
        setup=animation,
        check=first_frame_warned,
        slow=True,
    ),
]


def _listing(d: Path) -> list[str]:
    """The folder's files, without SQLite's -wal and -shm companions (they come and go)."""
    return sorted(f for f in os.listdir(d) if not f.endswith(("-wal", "-shm")))


def _digests(d: Path, names: tuple[str, ...]) -> dict[str, str]:
    return {n: hashlib.sha256((d / n).read_bytes()).hexdigest() for n in names}


@pytest.fixture
def alarm() -> object:
    """Fail instead of hanging (a FIFO read) or eating memory (/dev/zero) when a guard is missing."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("the command did not finish in 60 s")

    old = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize(
    "attack", [pytest.param(a, id=a.id, marks=[pytest.mark.slow] if a.slow else []) for a in ATTACKS]
)
def test_attack(
    attack: Attack,
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    alarm: object,
) -> None:
    tmp_path = tmp_path / "w"
    shutil.copytree(template, tmp_path, symlinks=True)
    _fifo(tmp_path / "pipe.csv")
    if attack.setup is not None:
        attack.setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = _digests(tmp_path, attack.unchanged)
    listing = _listing(tmp_path)

    try:
        code = main(list(attack.args))
    except SystemExit as e:  # argparse's usage errors
        code = int(e.code or 0)
    out, err = capsys.readouterr()

    assert code == attack.code, err
    assert "Traceback" not in err and ESC not in err
    if attack.code not in (EXIT_OK, EXIT_NO_PERSON) and attack.one_line:
        assert len(err.strip().splitlines()) == 1, err
    assert attack.message in err, err
    if attack.code == EXIT_OK and not attack.message:
        assert err == ""  # no library warning either (e.g. a glyph missing from the PDF's font)
    assert _digests(tmp_path, attack.unchanged) == before
    for name in attack.absent:
        assert not (tmp_path / name).exists() or name in listing
    if attack.code not in (EXIT_OK, EXIT_NO_PERSON):
        assert _listing(tmp_path) == listing  # nothing created, no temporary file left
    if attack.check is not None:
        attack.check(tmp_path, out, attack.check_file)
    if os.path.exists(tmp_path / "pipe.csv"):
        assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.csv").st_mode)


# ------------------------------------------------------------------ signals (child processes)


def _posture(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "posture", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _batch(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(n):
        _image(folder / f"p{i:03d}.jpg", (160, 200))
    return folder


def _wait_photos(p: subprocess.Popen[str], n: int) -> None:
    """Read the batch's stdout until ``n`` photos are reported."""
    assert p.stdout is not None
    done = 0
    while done < n:
        line = p.stdout.readline()
        assert line, "the batch ended too early"
        done += "no person found" in line


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_stop_signal_keeps_the_batch_table_and_ends_the_workers(tmp_path: Path, sig: signal.Signals) -> None:
    folder = _batch(tmp_path, 60)
    p = _posture("analyze", str(folder), "--fast", "-j", "2", "--csv", "t.csv", cwd=tmp_path)
    _wait_photos(p, 10)
    workers = _children(p.pid)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 128 + sig, err
    assert f"stopped by {sig.name}" in err and "Traceback" not in err
    rows = csv_cells(tmp_path / "t.csv")
    assert rows[0][0] == "path" and 10 <= len(rows) - 1 < 60
    assert f"wrote the {len(rows) - 1} photos done of 60" in err
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]


@pytest.mark.slow
def test_stop_signal_on_the_ray_engine_keeps_the_rows_done_and_resume_completes(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra (ray[data]) is not installed")
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    import pyarrow.parquet as pq

    folder = _batch(tmp_path, 40)
    args = ("analyze", str(folder), "--fast", "--engine", "ray", "--parquet", "out")
    p = _posture(*args, cwd=tmp_path)
    assert p.stderr is not None
    while not re.search(r"posture: ([6-9]|\d\d) of 40 photos done", line := p.stderr.readline()):
        assert line, "the run ended before 6 photos were done"
    p.send_signal(signal.SIGTERM)  # Ray puts in its own handler, which ended posture with a stack dump
    rest = p.communicate(timeout=120)[1]
    assert p.returncode == 128 + signal.SIGTERM, rest
    assert "stopped by SIGTERM" in rest and "SIGTERM received" not in rest and "Traceback" not in rest
    done = pq.read_table(tmp_path / "out").column("path").to_pylist()
    assert 6 <= len(done) < 40 and len(set(done)) == len(done)
    again = _posture(*args, "--resume", cwd=tmp_path)
    err = again.communicate(timeout=300)[1]
    assert again.returncode == EXIT_NO_PERSON, err
    assert f"{len(done)} photos already in out: skipped" in err
    paths = pq.read_table(tmp_path / "out").column("path").to_pylist()
    assert len(paths) == len(set(paths)) == 40  # nothing lost, nothing twice


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_workers_end_with_a_killed_parent(tmp_path: Path) -> None:
    folder = _batch(tmp_path, 60)
    p = _posture("analyze", str(folder), "--fast", "-j", "2", cwd=tmp_path)
    _wait_photos(p, 3)
    workers = _children(p.pid) - {p.pid}
    assert workers
    p.kill()
    p.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


@pytest.mark.slow
def test_stop_signal_keeps_the_live_recording_log_and_capture(tmp_path: Path) -> None:
    from _live_media import read_log, rotation_frames, write_video

    cv2 = pytest.importorskip("cv2")
    frames, _ = rotation_frames(photo("front_full__posenet_yoga.jpg"), 1, 0.0, (320, 240))
    src = write_video(tmp_path / "long.mp4", frames * 400)
    p = _posture(
        "live",
        "--source",
        str(src),
        "--headless",
        "--capture",
        "60",
        "--record",
        "r.mp4",
        "--log",
        "l.csv",
        "--save",
        "--db",
        "h.db",
        cwd=tmp_path,
    )
    log = tmp_path / "l.csv"
    deadline = time.monotonic() + 60
    # The capture starts once the stance has held 1 s (25 frames): stop it under way.
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 45):
        time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=300)  # the capture's frames are analysed as photos before it ends
    assert p.returncode == 0, err
    assert "ended by SIGTERM" in out and "Saved 1 capture(s)" in out
    rows = read_log(log)
    cap = cv2.VideoCapture(str(tmp_path / "r.mp4"))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert n >= len(rows) - 2 >= 8
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".")]
    with History.open(tmp_path / "h.db", create=False) as h:
        assert len(h) == 1


# ------------------------------------------------------------------ units under the table


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+2", "'=1+2"),
        ("+1+2.jpg", "'+1+2.jpg"),
        ("-cmd", "'-cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-2.1", "-2.1"),
        ("+3", "+3"),
        ("-1e-5", "-1e-5"),
        (-2.1, -2.1),
        (0, 0),
        ("Ana", "Ana"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_safe_cell(cell: object, written: object) -> None:
    from posture.csvsafe import safe_cell

    assert safe_cell(cell) == written


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain é 😀", "plain é 😀"),
        (f"{RED}red", "\\x1b[31mred"),
        (OSC_TITLE, "\\x1b]0;owned\\x07"),
        ("a\nb", "a\\nb"),
        ("tab\there", "tab\\there"),
        ("\u202eevil", "\\u202eevil"),
        ("\x9b31m", "\\x9b31m"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    from posture.terminal import printable

    assert printable(text) == shown


def test_log_lines_are_escaped() -> None:
    import logging

    from posture.terminal import LOG_FORMAT, PrintableFormatter

    record = logging.LogRecord(
        "posture.live.sources", logging.WARNING, __file__, 1, "%s: skipped", (f"{RED}b.png",), None
    )
    assert (
        PrintableFormatter(LOG_FORMAT).format(record)
        == "posture: WARNING: posture.live.sources: \\x1b[31mb.png: skipped"
    )


@pytest.mark.parametrize("hard_links", [True, False], ids=["hard links", "no hard links"])
def test_a_file_created_after_the_check_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    from posture.errors import OutputError
    from posture.output import check_target, write_atomic

    if not hard_links:  # a file system without them (FAT, some network shares): the other way of placing

        def no_link(src: object, dst: object) -> None:
            raise PermissionError(1, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    target = tmp_path / "out.csv"
    check_target(target)
    target.write_bytes(b"someone else's")  # appears while posture works
    with pytest.raises(OutputError, match="created while posture ran"):
        write_atomic(target, b"mine")
    assert target.read_bytes() == b"someone else's"
    assert os.listdir(tmp_path) == ["out.csv"]
    write_atomic(target, b"mine", force=True)
    assert target.read_bytes() == b"mine"
    write_atomic(tmp_path / "new.csv", b"new")
    assert (tmp_path / "new.csv").read_bytes() == b"new"
    assert sorted(os.listdir(tmp_path)) == ["new.csv", "out.csv"]


def test_a_pipe_that_appears_after_the_check_is_not_replaced_even_with_force(tmp_path: Path) -> None:
    import stat

    from posture.errors import OutputError
    from posture.output import check_target, write_atomic

    target = tmp_path / "out.png"
    check_target(target, force=True)
    os.mkfifo(target)  # appears while posture works
    with pytest.raises(OutputError, match="not a regular file"):
        write_atomic(target, b"image", force=True)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert os.listdir(tmp_path) == ["out.png"]


def test_two_runs_writing_one_output_one_wins_one_is_refused(tmp_path: Path) -> None:
    import threading

    from posture.errors import OutputError
    from posture.output import write_atomic

    target = tmp_path / "same.png"
    results: list[str] = []
    start = threading.Barrier(8)

    def run(k: int) -> None:
        start.wait()
        try:
            write_atomic(target, f"run {k}".encode())
            results.append("written")
        except OutputError:
            results.append("refused")

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 7 + ["written"]
    assert target.read_bytes().startswith(b"run ")
    assert os.listdir(tmp_path) == ["same.png"]


@pytest.mark.parametrize("ratio", [1.0, 1.33, 2.0, 4.0, 10.0, 1 / 4, 1 / 10])
def test_annotated_image_is_bounded_by_the_photo(ratio: float, analyzer: object) -> None:
    from posture.render import draw_overlay

    h = 1200
    w = round(h * ratio)
    rgb = np.full((h, w, 3), 120, np.uint8)
    out = draw_overlay(rgb, analyzer.analyze(rgb))  # type: ignore[attr-defined]
    assert out.shape[1] == w
    assert out.shape[0] * out.shape[1] <= 1.6 * h * w


def test_the_file_size_bound_admits_every_image_the_pixel_limit_allows(tmp_path: Path) -> None:
    from posture.images import load_image, max_file_bytes

    p = tmp_path / "raw.tiff"
    Image.fromarray(np.full((400, 300, 3), 7, np.uint8)).save(p)  # uncompressed: 3 bytes a pixel
    assert p.stat().st_size <= max_file_bytes(400 * 300)
    assert load_image(p, max_pixels=400 * 300).width == 300


@pytest.mark.slow
def test_a_pdf_with_glyphs_missing_from_its_font_says_nothing_on_stderr(tmp_path: Path) -> None:
    _history(tmp_path / "h.db")
    p = _posture("compare", "#1", "#2", "--db", "h.db", "-o", "r.pdf", "--name", "中文 $x$", cwd=tmp_path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0 and err == "", err
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_library_warnings_stay_off_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    from posture.terminal import route_library_warnings

    with route_library_warnings(False):
        warnings.warn("Glyph 128512 missing from font(s) DejaVu Sans.", UserWarning, stacklevel=1)
    assert capsys.readouterr().err == ""


def test_sample_photo_still_measured_through_the_guards(tmp_path: Path) -> None:
    from posture.images import load_image

    image = load_image(SAMPLES / "astronaut.png")
    assert image.notes == () and image.width > 0
