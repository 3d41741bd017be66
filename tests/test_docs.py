"""The docs' result tables are those the committed benchmark results give."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTLINE = ROOT / "benchmarks" / "results" / "outline_validation.json"


def _make_tables() -> Any:
    sys.path.insert(0, str(ROOT / "docs"))
    import make_tables

    return make_tables


def test_result_tables_match_the_benchmark_results() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_tables.py"), "--check"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_every_table_block_is_known() -> None:
    make_tables = _make_tables()
    for path in make_tables.DOCS:
        names = make_tables._BLOCK.findall(path.read_text(encoding="utf-8"))
        assert names, f"{path.name} has no generated table"
        assert {n[1] for n in names} <= set(make_tables.TABLES)


OUTLINE_TABLES = [
    "outline-coverage",
    "outline-fallback-causes",
    "outline-rotation-mirror",
    "outline-pairs",
    "outline-pairs-summary",
    "outline-still",
    "outline-renders",
]


@pytest.mark.parametrize("name", OUTLINE_TABLES)
def test_outline_table_in_the_docs_is_the_one_the_results_give(name: str) -> None:
    make_tables = _make_tables()
    text = (ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8")
    blocks = {m[1]: m[2] for m in make_tables._BLOCK.findall(text)}
    assert blocks.get(name) == make_tables.TABLES[name]() + "\n"


def test_outline_results_are_the_full_run() -> None:
    d = json.loads(OUTLINE.read_text())
    assert not d["quick"], "the committed outline_validation.json is a --quick run"
    assert all(s["photos"] == 35 for k, s in d["coverage"].items() if k.startswith("renders:"))


def test_outline_verdicts_follow_the_figures_and_targets() -> None:
    d = json.loads(OUTLINE.read_text())
    t = d["targets"]
    for part in ("shoulders", "pelvis"):
        for kind in ("rotation", "mirror"):
            r = d["rotation_mirror"][part][kind]
            assert r["pass"] == (r["n"] > 0 and r["median"] <= t[kind]["median"] and r["p95"] <= t[kind]["p95"])
        s = d["still_video"][part]
        assert s["pass"] == (s["sd"] <= s["median_uncertainty"])
        for fit in d["renders"].values():
            f, target = fit[part], t["renders"][part]
            lo, hi = target["slope"]
            assert f["pass"] == {
                "mae": f["mae"] <= target["mae"],
                "slope": f["slope"] is not None and lo <= f["slope"] <= (hi if hi is not None else math.inf),
                "level": abs(f["level"]) <= target["level"],
            }
    for name, parts in t["coverage"].items():
        for part, share in parts.items():
            c = d["coverage"][name][part]
            assert (c["target"], c["pass"]) == (share, c["of"] > 0 and c["outline"] >= share * c["of"])
    for r in d["pairs"]["rows"]:
        assert r["difference"] == pytest.approx(abs(r["values"][0] - r["values"][1]), abs=0.011)
        assert r["combined_uncertainty"] == pytest.approx(math.hypot(*r["uncertainties"]), abs=0.011)
        assert r["within"] == (r["difference"] <= r["combined_uncertainty"])
    for part, s in d["pairs"]["summary"].items():
        rows = [r for r in d["pairs"]["rows"] if part in ("all", r["tilt"])]
        assert (s["pairs"], s["within"]) == (len(rows), sum(r["within"] for r in rows))
        assert s["pass"] == (s["within"] >= t["pairs_within_share"] * s["pairs"] > 0)


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("outline-rotation-mirror", ("rotation_mirror", "pelvis", "mirror")),
        ("outline-still", ("still_video", "shoulders")),
        ("outline-pairs-summary", ("pairs", "summary", "all")),
        ("outline-coverage", ("coverage", "protocol", "shoulders")),
    ],
)
def test_a_failed_check_shows_as_fail(name: str, where: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    make_tables = _make_tables()
    d = copy.deepcopy(json.loads(OUTLINE.read_text()))
    node = d
    for key in where:
        node = node[key]
    node["pass"] = False
    monkeypatch.setattr(make_tables, "_outline", lambda: d)
    before = make_tables.TABLES[name]().count("**FAIL**")
    node["pass"] = True
    assert make_tables.TABLES[name]().count("**FAIL**") == before - 1


def test_a_render_outside_its_target_names_the_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    make_tables = _make_tables()
    d = copy.deepcopy(json.loads(OUTLINE.read_text()))
    d["renders"]["base"]["pelvis"]["pass"] = {"mae": True, "slope": False, "level": False}
    monkeypatch.setattr(make_tables, "_outline", lambda: d)
    row = next(r for r in make_tables.outline_renders().splitlines() if r.startswith("| base | pelvis"))
    assert row.endswith("| **FAIL** (slope, level) |")
