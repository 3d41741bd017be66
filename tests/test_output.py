"""Writing output files: refusals, atomic writes, permissions, image encoding."""

from __future__ import annotations

import io
import os
import stat

import numpy as np
import pytest
from PIL import Image

from posture.errors import OutputError
from posture.output import check_target, encode_image, write_atomic


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
