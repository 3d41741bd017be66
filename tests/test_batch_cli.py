"""``posture analyze`` with several photos and folders, end to end in a child process;
and the start-up path: ``--help``, ``--version`` and usage errors import nothing heavy.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SAMPLES, photo
from PIL import Image
from test_cli import NATIVE_LOG_MARKERS, run

HEAVY = (
    "numpy",
    "cv2",
    "mediapipe",
    "PIL",
    "matplotlib",
    "rich",
    "pyarrow",
    "ray",
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic",
)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["analyze", "--help"],
        ["analyze"],
        ["analyze", "x.jpg", "--jobs", "0"],
        ["history", "--help"],
        ["app", "--help"],
        ["app", "--port", "0"],
    ],
    ids=" ".join,
)
def test_help_version_and_usage_errors_import_nothing_heavy(args):
    proc = run(*args, python_flags=("-X", "importtime"))
    assert proc.returncode in (0, 2), proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert imported, "no -X importtime output"
    assert "posture.cli" in imported
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert heavy == [], heavy


def _folder(tmp_path: Path) -> Path:
    """photos/: a measured photo, a photo of nobody, a broken .jpg, a text file, and sub/ with a side view."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    shutil.copyfile(photo("front_full__posenet_yoga.jpg"), root / "a_front.jpg")
    shutil.copyfile(photo("none__mediapipe_cat.jpg"), root / "b_cat.jpg")
    (root / "c_broken.jpg").write_text("not a photo\n")
    (root / "notes.txt").write_text("client notes\n")
    shutil.copyfile(photo("side_full__darknet_person.jpg"), root / "sub" / "d_side.jpg")
    return root


def test_folder_as_json_lines_csv_and_annotated_folder(tmp_path):
    root = _folder(tmp_path)
    out, table = tmp_path / "annotated", tmp_path / "table.csv"
    args = ("analyze", str(root), "--fast", "--json", "--jobs", "2", "-o", str(out), "--csv", str(table))
    proc = run(*args)
    assert proc.returncode == 3, proc.stderr  # the most severe: a bad file (3) over 5 and 4
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    names = ["a_front.jpg", "b_cat.jpg", "c_broken.jpg", "d_side.jpg"]
    assert [Path(d["source"]["path"]).name for d in lines] == names  # input order
    assert [d["status"] for d in lines] == ["measured", "no_person", "error", "not_measurable"]
    from posture.result import PostureMeasurement

    annotated = [d.pop("annotated_path") for d in lines]  # with -o, each line names its annotated image
    assert annotated[2] is None and all(Path(a).is_file() for a in annotated if a is not None)
    for d in (lines[0], lines[1], lines[3]):
        assert PostureMeasurement.from_dict(d).to_dict() == d  # the documented object
    err = lines[2]
    assert set(err) == {"source", "status", "error", "exit_code"}
    assert err["exit_code"] == 3 and "not an image" in err["error"] and "\n" not in err["error"]
    # stderr: the skipped file, the failure, the count; no progress bar (not a terminal)
    assert "skipped" in proc.stderr and "notes.txt" in proc.stderr
    assert f"posture: error: {err['error']}" in proc.stderr
    assert "4 photos: 1 measured, 1 no person, 1 not measurable, 1 failed" in proc.stderr
    assert "Traceback" not in proc.stderr and "\r" not in proc.stderr
    for marker in NATIVE_LOG_MARKERS:  # the workers' MediaPipe logs stay out of sight
        assert marker not in proc.stderr, marker
    # annotated images named after each photo, sub-folders kept
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["a_front_annotated.jpg", "b_cat_annotated.jpg", os.path.join("sub", "d_side_annotated.jpg")]
    rows = list(csv.DictReader(table.open(newline="")))
    assert [Path(r["path"]).name for r in rows] == names
    assert rows[0]["shoulder_tilt_deg"] == str(lines[0]["metrics"]["shoulder_tilt_deg"]["value"])
    assert rows[2]["status"] == "error" and rows[2]["message"] == err["error"]
    # Again: refused before anything is analysed, nothing touched; --force replaces.
    before = {p: p.stat().st_mtime_ns for p in [*out.rglob("*"), table]}
    proc = run(*args)
    assert proc.returncode == 6
    assert "already exist" in proc.stderr and "--force" in proc.stderr and proc.stdout == ""
    assert {p: p.stat().st_mtime_ns for p in [*out.rglob("*"), table]} == before
    assert "annotated" not in {Path(d["source"]["path"]).parent.name for d in lines}


def test_each_row_names_the_annotated_image_of_its_own_photo(tmp_path):
    # Two photos named front.png in two folders (different people, different sizes), and a broken one.
    for folder, sample in (("a", "astronaut.png"), ("b", "standing.png")):
        (tmp_path / folder).mkdir()
        shutil.copyfile(SAMPLES / sample, tmp_path / folder / "front.png")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "front.png").write_text("not a photo\n")
    args = ("analyze", "a", "b", "c", "--fast", "--json", "-o", "out", "--csv", "table.csv")
    proc = run(*args, cwd=tmp_path)  # relative paths in, relative paths out
    assert proc.returncode == 3, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    rows = list(csv.DictReader((tmp_path / "table.csv").open(newline="")))
    assert (
        [d["source"]["path"] for d in lines]
        == [r["path"] for r in rows]
        == [os.path.join(f, "front.png") for f in "abc"]
    )
    annotated = [d["annotated_path"] for d in lines]
    assert [r["annotated_path"] for r in rows] == [a or "" for a in annotated]  # the JSON Lines and the CSV agree
    assert annotated == [os.path.join("out", "front_annotated.jpg"), os.path.join("out", "front_annotated_2.jpg"), None]
    assert list(rows[0])[-1] == "annotated_path"
    for source, target in zip(lines[:2], annotated[:2], strict=True):
        with Image.open(tmp_path / source["source"]["path"]) as im:
            original = im.convert("RGB")
        with Image.open(tmp_path / target) as im:
            drawn = im.convert("RGB")
        # That photo (the two differ in shape), scaled to the drawing's width, with a caption band below ...
        top = round(original.height * drawn.width / original.width)
        assert drawn.height > top
        # ... and its pixels under a few drawn lines.
        photo_area = np.asarray(drawn.crop((0, 0, drawn.width, top)).resize(original.size), dtype=np.int16)
        assert np.median(np.abs(photo_area - np.asarray(original, dtype=np.int16))) <= 3


def test_several_photos_as_text_all_measured_exit_0_and_saved(tmp_path):
    db = tmp_path / "h.sqlite3"
    a, b = photo("front_full__posenet_yoga.jpg"), SAMPLES / "astronaut.png"
    proc = run("analyze", str(a), str(b), "--fast", "--jobs", "1", "--save", "--db", str(db), "--name", "client")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.index(f"{a}:") < proc.stdout.index(f"{b}:")
    assert "shoulder" in proc.stdout.lower() and proc.stdout.count("Saved to the history as #") == 2
    assert "2 photos: 2 measured, 0 no person, 0 not measurable, 0 failed" in proc.stderr
    assert "History: 2 saved, 0 already there." in proc.stderr
    proc = run("history", "list", "--db", str(db), "--json")
    entries = json.loads(proc.stdout)
    assert len(entries) == 2 and {e["name"] for e in entries} == {"client"}


def test_output_that_is_a_file_and_a_folder_without_photos_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = run("analyze", str(tmp_path / "empty"))
    assert proc.returncode == 3 and "no photos" in proc.stderr and proc.stdout == ""
    f = tmp_path / "file.png"
    f.write_bytes(b"x")
    a = str(SAMPLES / "astronaut.png")
    proc = run("analyze", a, a, "-o", str(f))
    assert proc.returncode == 6 and "folder" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run("analyze", a, a, "--csv", str(f))  # an existing table: refused before any analysis
    assert proc.returncode == 6 and "--force" in proc.stderr and f.read_bytes() == b"x"
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copyfile(a, photos / "a.png")
    proc = run("analyze", str(photos), "-o", str(photos))  # annotated images among the photos: refused
    assert proc.returncode == 6 and "another folder" in proc.stderr
    assert os.listdir(photos) == ["a.png"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_keeps_json_on_stdout_pure(tmp_path):
    import pty

    a = str(SAMPLES / "astronaut.png")
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm", "COLUMNS": "100"}
    env.pop("PYTHONWARNINGS", None)
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "posture",
                "analyze",
                a,
                a,
                str(tmp_path / "missing.jpg"),
                "--fast",
                "--json",
                "-j",
                "1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            check=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    stderr = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 3
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [d["status"] for d in lines] == ["measured", "error"]  # the same photo twice: once
    assert "Analysing" in stderr and "2/2" in stderr
    assert "2 photos: 1 measured, 0 no person, 0 not measurable, 1 failed" in stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_at_once_and_keeps_the_table_of_what_was_done(tmp_path):
    import signal

    from conftest import PHOTOS

    if not PHOTOS.is_dir():
        pytest.skip("real photos not available")
    table = tmp_path / "t.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture", "analyze", str(PHOTOS), "--json", "--csv", str(table), "-j", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # readline() below must not read ahead of what communicate() then reads
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
        # Ctrl-C's default action, as from a terminal, even where pytest runs with SIGINT ignored (a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = proc.stdout.readline().decode()  # one photo done: the workers are running
        os.killpg(proc.pid, signal.SIGINT)
        out, err_bytes = proc.communicate(timeout=20)
        rest, err = out.decode(), err_bytes.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert json.loads(first)["schema"] == "posture.measurement"
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "posture: interrupted" in err
    printed = 1 + len(rest.splitlines())
    rows = list(csv.DictReader(table.open(newline="")))
    # A photo is kept in the table before it is printed: every printed photo is in the table, and
    # Ctrl-C may land between keeping one more and printing it.
    assert printed <= len(rows) <= printed + 1 and len(rows) < 34
    assert f"wrote the {len(rows)} photos done of 34" in err
