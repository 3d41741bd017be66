"""The docs' result tables are those the committed benchmark results give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_result_tables_match_the_benchmark_results() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_tables.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_every_table_block_is_known() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    import make_tables

    for path in make_tables.DOCS:
        names = make_tables._BLOCK.findall(path.read_text(encoding="utf-8"))
        assert names, f"{path.name} has no generated table"
        assert {n[1] for n in names} <= set(make_tables.TABLES)
