"""notebooks/walkthrough.ipynb runs from start to end, and is stored without outputs.

The notebook is executed with nbclient on a temporary copy, in the
``notebooks`` folder, with the kernel running this interpreter
(``sys.executable``) and importing this checkout's ``posture``. It is run
with the sample images only (``POSTURE_SHARED`` pointing to an empty folder)
and, when ``../shared/photos`` is present, with its full-body photo.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from conftest import SHARED

nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat: pip install '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need nbclient: pip install '.[test]'")
pytest.importorskip("ipykernel", reason="notebook tests need ipykernel: pip install '.[test]'")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"
FULL_BODY = Path("photos") / "images" / "front_full__h36m_S7_Greeting_000396.jpg"
BUDGET_S = 60.0
"""The whole notebook must run well inside this on a 2-core machine (about 10 s)."""

CHECK = "import sys, posture\nprint(sys.executable)\nprint(posture.__file__)"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs != [] or cell.execution_count is not None)
    ]
    assert not dirty, f"cells {dirty} have outputs; run: python notebooks/strip_outputs.py"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("photos", ["samples_only", "shared_full_body"])
def test_notebook_runs_without_errors(photos, tmp_path, monkeypatch):
    if photos == "shared_full_body":
        if not (SHARED / FULL_BODY).is_file():
            pytest.skip(f"{FULL_BODY} not available (../shared/photos)")
        monkeypatch.setenv("POSTURE_SHARED", str(SHARED))
    else:
        empty = tmp_path / "no_shared"
        empty.mkdir()
        monkeypatch.setenv("POSTURE_SHARED", str(empty))
    # The kernel inherits this environment: import this checkout's posture, draw off-screen.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    copy = tmp_path / NOTEBOOK.name
    copy.write_bytes(NOTEBOOK.read_bytes())
    nb = nbformat.read(copy, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK))
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    start = time.monotonic()
    try:
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        nbformat.write(nb, tmp_path / "executed.ipynb")  # for a look after a failure
    elapsed = time.monotonic() - start

    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream").split()
    assert out[0] == sys.executable, f"the kernel ran {out[0]}, not {sys.executable}"
    assert Path(out[1]).resolve().is_relative_to(ROOT), f"the kernel imported posture from {out[1]}"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 6, f"expected the notebook's figures, got {images} images"
    used = "front_full" if photos == "shared_full_body" else "apollo11_crew.jpg"
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert f"photo: {used}" in printed
    assert elapsed < BUDGET_S, f"the notebook took {elapsed:.0f} s (budget {BUDGET_S:.0f} s)"
