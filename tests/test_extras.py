"""posture.extras: an option whose optional part is not installed is refused in one line that names the
README's install command (a package named ``posture`` on PyPI is another project)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from posture.cli import main
from posture.errors import EXIT_BAD_INPUT, EXIT_USAGE
from posture.extras import ExtraMissing, needs_extra, require

HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 200


def _absent(monkeypatch: pytest.MonkeyPatch, *packages: str) -> None:
    """Make ``packages`` and their loaded submodules fail to import, as when the extra is not installed."""
    for name in [m for m in sys.modules if any(m == p or m.startswith(p + ".") for p in packages)] + list(packages):
        monkeypatch.setitem(sys.modules, name, None)


def test_the_line_names_the_extra_and_the_readme_install_not_pypi() -> None:
    line = needs_extra("--parquet", "parquet")
    assert line.startswith("--parquet needs posture's optional extra 'parquet': ")
    assert 'pip install -c constraints.txt ".[parquet]"' in line
    assert "posture[" not in line and "\n" not in line


def test_require_imports_what_is_installed_and_refuses_what_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    assert require("json", "x", "it").dumps(1) == "1"
    _absent(monkeypatch, "numpy")
    with pytest.raises(ExtraMissing, match=r"^it needs posture's optional extra 'x'") as e:
        require("numpy", "x", "it")
    assert e.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("absent", "args", "code", "says"),
    [
        (
            ("pyarrow",),
            ["{photo}", "--parquet", "{tmp}/out"],
            EXIT_USAGE,
            "--parquet needs posture's optional extra 'parquet'",
        ),
        (("pyarrow",), ["s3://bucket/front.jpg", "--fast"], EXIT_USAGE, "s3://bucket/front.jpg: a URI needs"),
        (
            ("ray",),
            ["{photo}", "--parquet", "{tmp}/out", "--engine", "ray"],
            EXIT_USAGE,
            "--engine ray needs posture's optional extra 'ray'",
        ),
        (
            ("pillow_heif",),
            ["{tmp}/IMG_0001.HEIC"],
            EXIT_BAD_INPUT,
            "IMG_0001.HEIC: a HEIC/HEIF photo needs posture's optional extra 'heif'",
        ),
    ],
    ids=["parquet", "uri", "ray", "heif"],
)
def test_analyze_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, absent, args, code, says
) -> None:
    if "ray" in absent:
        pytest.importorskip("pyarrow", reason="the ray case is reached with the parquet extra installed")
    (tmp_path / "IMG_0001.HEIC").write_bytes(HEIC)
    _absent(monkeypatch, *absent)
    argv = [a.format(photo=SAMPLES / "standing.png", tmp=tmp_path) for a in args]
    assert main(["analyze", *argv]) == code
    err = capsys.readouterr().err.strip()
    assert says in err and "constraints.txt" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_the_app_without_its_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _absent(monkeypatch, "fastapi", "posture.app")
    assert main(["app", "--no-browser"]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("posture app: error: the app needs posture's optional extra 'app'") and "\n" not in err
