"""``python -m posture analyze`` end to end, in a child process.

Exit codes (posture.errors): 0 measured, 2 usage, 3 bad input, 4 nobody,
5 not measurable, 6 output refused, 141 the output's reader stopped early.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, photo
from PIL import Image

NATIVE_LOG_MARKERS = ("INFO: Created TensorFlow Lite", "W0000", "I0000", "E0000", "absl::InitializeLog")


def run(
    *args: str, cwd: Path = ROOT, timeout: float = 120, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "posture", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("posture")
    return lines[0]


def copy_sample(tmp_path: Path, name: str = "astronaut.png") -> Path:
    dst = tmp_path / name
    shutil.copyfile(SAMPLES / name, dst)
    return dst


# ------------------------------------------------------------ success


def test_summary_on_a_real_photo_with_clean_stderr():
    # -X dev turns on ResourceWarning and friends: a leaked file or an
    # exception in a destructor at exit would show up on stderr.
    proc = run("analyze", str(photo("front_full__posenet_yoga.jpg")), python_flags=("-X", "dev"))
    assert proc.returncode == 0, proc.stderr
    assert "shoulder" in proc.stdout.lower()
    assert "hip" in proc.stdout.lower()
    for marker in NATIVE_LOG_MARKERS:
        assert marker not in proc.stderr, marker
    assert "Warning" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert proc.stderr.strip() == ""


def test_json_output():
    proc = run("analyze", str(SAMPLES / "astronaut.png"), "--json", "--mirror", "--level", "2.5")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["schema"] == "posture.measurement"
    from posture.result import SCHEMA_VERSION

    assert d["schema_version"] == SCHEMA_VERSION
    assert d["status"] == "measured"
    assert d["metrics"]
    for name, m in d["metrics"].items():
        assert "value" in m and "unit" in m, name
        assert m["unit"] in ("deg", "%")
        assert m["value"] is None or isinstance(m["value"], (int, float))
        if m["value"] is None:
            assert m["reason"]
    assert d["metrics"]["shoulder_tilt_deg"]["value"] is not None
    a = d["assumptions"]
    assert a["mirrored"] is True
    assert a["angles_relative_to"] == "true horizontal" and a["roll_deg"] == 2.5
    assert d["source"]["path"].endswith("astronaut.png")
    assert proc.stderr.strip() == ""
    # the documented object reads back into the library's type
    from posture.result import PostureMeasurement

    assert PostureMeasurement.from_dict(d).to_dict() == d


def test_annotated_png_is_written_and_not_overwritten_without_force(tmp_path):
    src = SAMPLES / "astronaut.png"
    out = tmp_path / "out.png"
    proc = run("analyze", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        w, h = im.size
    with Image.open(src) as s:
        assert w >= s.width and h > s.height  # the photo plus a caption band
    # Again without --force: refused, file untouched, nothing else left behind.
    before = sorted(os.listdir(tmp_path))
    proc = run("analyze", str(src), "-o", str(out))
    assert proc.returncode == 6
    line = one_error_line(proc)
    assert "exists" in line and "--force" in line
    assert out.read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == before
    # With --force it is replaced (by a valid image again).
    out.write_bytes(b"stale")
    proc = run("analyze", str(src), "-o", str(out), "--force")
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as im:
        im.verify()
    assert sorted(os.listdir(tmp_path)) == before  # no temporary files left


def test_single_photo_json_and_csv_name_the_annotated_image_as_a_batch_row_does(tmp_path):
    shutil.copyfile(SAMPLES / "astronaut.png", tmp_path / "front.png")
    proc = run("analyze", "front.png", "--fast", "--json", "-o", "front_annotated.png", "--csv", "t.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d.pop("annotated_path") == "front_annotated.png" and (tmp_path / "front_annotated.png").is_file()
    from posture.result import PostureMeasurement

    assert PostureMeasurement.from_dict(d).to_dict() == d  # otherwise the documented object
    (row,) = csv.DictReader((tmp_path / "t.csv").open(newline=""))
    assert row["annotated_path"] == "front_annotated.png" and row["path"] == "front.png"


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("spelling", ["same", "relative"])
def test_output_equal_to_input_is_refused(tmp_path, force, spelling):
    src = copy_sample(tmp_path)
    original = src.read_bytes()
    # "relative": the input given absolute, the output as ./name from its folder
    target = str(src) if spelling == "same" else "./" + src.name
    proc = run("analyze", str(src), "-o", target, *(["--force"] if force else []), cwd=tmp_path)
    assert proc.returncode == 6
    assert "input" in one_error_line(proc)
    assert src.read_bytes() == original
    assert os.listdir(tmp_path) == [src.name]


# ------------------------------------------------------------ failures


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    files["missing"] = tmp_path / "missing.jpg"
    (tmp_path / "empty.jpg").write_bytes(b"")
    files["empty"] = tmp_path / "empty.jpg"
    (tmp_path / "text.jpg").write_text("not a photo\n" * 50)
    files["text"] = tmp_path / "text.jpg"
    good = (SAMPLES / "astronaut.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 3])
    files["truncated"] = tmp_path / "cut.png"
    (tmp_path / "folder.jpg").mkdir()
    files["folder"] = tmp_path / "folder.jpg"
    return files


@pytest.mark.parametrize("kind", ["missing", "empty", "text", "truncated", "folder"])
def test_bad_files_exit_3_with_one_line(tmp_path, kind):
    path = _bad_files(tmp_path)[kind]
    out = tmp_path / "never.png"
    proc = run("analyze", str(path), "-o", str(out))
    assert proc.returncode == 3, proc.stderr
    line = one_error_line(proc)
    assert str(path) in line
    assert proc.stdout == ""
    assert not out.exists()
    assert not any(n.startswith(".never.png") for n in os.listdir(tmp_path))


def test_image_over_max_pixels_exit_3():
    proc = run("analyze", str(SAMPLES / "astronaut.png"), "--max-pixels", "1000")
    assert proc.returncode == 3
    assert "too large" in one_error_line(proc)


def test_nobody_exit_4():
    proc = run("analyze", str(photo("none__mediapipe_cat.jpg")))
    assert proc.returncode == 4, proc.stderr
    assert "no person" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_side_view_exit_5():
    proc = run("analyze", str(photo("side_full__darknet_person.jpg")), "--json")
    assert proc.returncode == 5, proc.stderr
    d = json.loads(proc.stdout)
    assert d["status"] == "not_measurable" and d["subject"]["view"] == "side"
    assert all(m["value"] is None for m in d["metrics"].values())


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["analyze"],
        ["frobnicate", "x.jpg"],
        ["analyze", "x.jpg", "--level", "99"],
        ["analyze", "x.jpg", "--level", "abc"],
        ["analyze", "x.jpg", "--height-cm", "20"],
        ["analyze", "x.jpg", "--person", "-1"],
        ["analyze", "x.jpg", "--min-visibility", "2"],
        ["analyze", "x.jpg", "--no-such-option"],
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_usage_errors_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip()
    assert proc.stdout == ""


def test_reader_that_stops_early_gets_a_quiet_exit_141():
    read, write = os.pipe()
    os.close(read)  # like `| head` that has already exited
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "posture", "analyze", "--fast", "--json", str(SAMPLES / "astronaut.png")],
        cwd=ROOT,
        env=env,
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    os.close(write)
    assert proc.returncode == 141
    assert "Error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_model_that_is_not_a_bundle_exit_3(tmp_path):
    fake = tmp_path / "pose.task"
    fake.write_text("definitely not a model\n")
    proc = run("analyze", str(SAMPLES / "astronaut.png"), "--model", str(fake))
    assert proc.returncode == 3
    line = one_error_line(proc)
    assert str(fake) in line and "bundle" in line


def test_model_with_misnamed_tflite_exit_3(misnamed_model):
    bad = misnamed_model
    proc = run("analyze", str(SAMPLES / "astronaut.png"), "--model", str(bad))
    assert proc.returncode == 3, proc.stderr
    assert str(bad) in one_error_line(proc)


def test_help_and_version_are_quick_and_clean():
    proc = run("analyze", "--help")
    assert proc.returncode == 0 and "--mirror" in proc.stdout and "exit codes" in proc.stdout
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("posture ")
