"""Writing output files: refusals, atomic writes, permissions, image encoding."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES
from history_support import sample_measurement
from PIL import Image

from posture.errors import EXIT_HISTORY, EXIT_OUTPUT, OutputError
from posture.output import check_target, check_writable, encode_image, write_atomic


def test_existing_file_is_refused_without_force(tmp_path) -> None:
    p = tmp_path / "out.png"
    p.write_bytes(b"mine")
    with pytest.raises(OutputError, match="already exists"):
        check_target(p)
    assert check_target(p, force=True) == p
    assert p.read_bytes() == b"mine"


def test_an_input_is_never_a_target_even_with_force(tmp_path) -> None:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"photo")
    with pytest.raises(OutputError, match="input"):
        check_target(p, force=True, inputs=[p])


def test_folder_and_missing_folder_are_refused(tmp_path) -> None:
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        check_target(tmp_path / "missing" / "out.png")


def test_write_leaves_only_the_file(tmp_path) -> None:
    p = tmp_path / "out.csv"
    write_atomic(p, b"a,b\n")
    assert p.read_bytes() == b"a,b\n"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left behind


def test_new_file_gets_the_umask_permissions(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.png", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.png").stat().st_mode) == 0o644


def test_replaced_file_keeps_its_permissions(tmp_path) -> None:
    p = tmp_path / "report.pdf"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    write_atomic(p, b"new", force=True)
    assert p.read_bytes() == b"new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


@pytest.mark.parametrize("suffix, fmt", [(".png", "PNG"), (".JPG", "JPEG"), (".webp", "WEBP")])
def test_image_encoded_in_the_suffix_format(tmp_path, suffix: str, fmt: str) -> None:
    rgb = np.zeros((8, 12, 3), np.uint8)
    rgb[:, :6] = (200, 30, 30)
    im = Image.open(io.BytesIO(encode_image(rgb, tmp_path / f"a{suffix}")))
    assert im.format == fmt and im.size == (12, 8)


def test_unsupported_image_type_is_refused(tmp_path) -> None:
    with pytest.raises(OutputError, match="unsupported image type"):
        encode_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "a.gif")


@pytest.fixture
def read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder in which no file can be created (as on a read-only disk; root ignores permissions)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    real = tempfile.TemporaryFile

    def refuse(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == folder:
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    return folder


def test_an_unwritable_folder_is_refused_and_a_writable_one_left_as_it_was(tmp_path: Path, read_only: Path) -> None:
    with pytest.raises(OutputError, match=r"out.png: cannot write in folder .*read-only \(Permission denied\)"):
        check_target(read_only / "out.png")
    check_writable(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["read-only"]  # the probe leaves nothing behind


@pytest.mark.parametrize("name", ["a.gif", "a.PNG.txt", "a", "a.tiff"])
def test_check_target_refuses_a_format_posture_cannot_write(tmp_path: Path, name: str) -> None:
    with pytest.raises(OutputError, match=r"unsupported image type; use \.png, \.jpg, \.jpeg or \.webp"):
        check_target(
            tmp_path / name, formats={".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}, kind="image"
        )
    assert check_target(tmp_path / "a.WebP", formats={".webp": "WEBP"}, kind="image") == tmp_path / "a.WebP"


STANDING = str(SAMPLES / "standing.png")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["analyze", STANDING, "-o", "{tmp}/x.gif"], "unsupported image type"),
        (["analyze", STANDING, "-o", "{tmp}/x.txt"], "unsupported image type"),
        (["analyze", STANDING, "-o", "{tmp}/missing/x.png"], "does not exist"),
        (["analyze", STANDING, "-o", "{ro}/x.png"], "cannot write in folder"),
        (["analyze", STANDING, "--csv", "{ro}/t.csv"], "cannot write in folder"),
        (["analyze", STANDING, STANDING, "-o", "{ro}/annotated"], "cannot write in folder"),
        (["analyze", STANDING, STANDING, "--csv", "{tmp}/missing/t.csv"], "does not exist"),
        (["analyze", STANDING, "--save", "--db", "{tmp}/not-a-history.sqlite3"], "not a usable history"),
        (["compare", STANDING, STANDING, "-o", "{tmp}/report.gif"], "unsupported report type"),
        (["compare", STANDING, STANDING, "-o", "{ro}/report.html"], "cannot write in folder"),
        (["history", "plot", "--db", "{db}", "-o", "{tmp}/trend.txt"], "unsupported chart type"),
        (["history", "plot", "--db", "{db}", "-o", "{ro}/trend.png"], "cannot write in folder"),
        (["history", "show", "1", "--db", "{db}", "--thumbnail", "{tmp}/t.png"], "unsupported thumbnail type"),
        (["history", "export", "--db", "{db}", "--csv", "{ro}/all.csv"], "cannot write in folder"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_measured(
    argv: list[str],
    message: str,
    tmp_path: Path,
    read_only: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import posture.analyze
    import posture.batch.pool
    import posture.charts
    import posture.inputs
    from posture.cli import main
    from posture.history import History

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("measuring or plotting started before the output was checked")

    db = tmp_path / "history.sqlite3"
    with History.open(db) as h:
        h.save(sample_measurement(1), thumbnail=b"jpeg")
    (tmp_path / "not-a-history.sqlite3").write_bytes(b"this is not a database" * 10)
    for module, name in [
        (posture.analyze, "Analyzer"),
        (posture.batch.pool, "analyze_many"),
        (posture.inputs, "Analyzers"),
        (posture.charts, "plot_history"),
    ]:
        monkeypatch.setattr(module, name, never)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    t0 = time.perf_counter()
    code = main([a.format(tmp=tmp_path, ro=read_only, db=db) for a in argv])
    elapsed = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert code == (EXIT_HISTORY if "history" in message else EXIT_OUTPUT)
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written
    assert elapsed < 2.0
