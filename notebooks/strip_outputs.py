"""Remove outputs and execution counts from notebooks before committing them.

    python notebooks/strip_outputs.py [NOTEBOOK.ipynb ...]   # default: every notebook here

The test suite runs the notebooks and refuses stored outputs (they would put
photo-derived images and machine-specific paths in git).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip(path: Path) -> bool:
    """Strip one notebook in place; return whether it changed."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(a) for a in args] or sorted(Path(__file__).resolve().parent.glob("*.ipynb"))
    for p in paths:
        print(f"{p}: {'stripped' if strip(p) else 'already clean'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
