"""``posture compare`` end to end: real photos in, reports out, exit codes, hostile names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, photo
from report_checks import POPPLER, chromium_view, embedded_images, needs_chromium, pdf_pages, pdf_text

A = "front_full__tfex_yoga_tree.jpeg"  # the businessman is turned about 40 degrees: not measured
B = "front_full__h36m_S7_Greeting_000396.jpg"

EVIL_DIR = "<script>alert(1)<"  # with the file below: ".../<script>alert(1)</script>.jpg"
EVIL_FILE = "script>.jpg"
EVIL_2 = "<img src=x onerror=alert(2)>.jpg"
EVIL_NAME = "<b onmouseover=alert(3)>Sam</b>"
EVIL_NOTE = "</title><script>alert(4)</script> & more"


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posture", "compare", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path, list[str]]:
    """One run with photos named like markup, a hostile --name and --note, --json and -o .html."""
    d = tmp_path_factory.mktemp("hostile")
    (d / EVIL_DIR).mkdir()
    first = d / EVIL_DIR / EVIL_FILE
    second = d / EVIL_2
    os.symlink(photo(A), first)
    os.symlink(photo(B), second)
    labels = [str(first), str(second)]
    assert labels[0].endswith("<script>alert(1)</script>.jpg")
    out = d / "report.html"
    r = run(
        *labels, "-o", str(out), "--json", "--name", EVIL_NAME, "--note", EVIL_NOTE, "--dates", "2024-01-10,2024-03-01"
    )
    return r, out, labels


def test_html_report_and_json(hostile):
    r, out, labels = hostile
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["schema"] == "posture.comparison"
    assert [p["label"] for p in d["photos"]] == labels
    assert [p["date"][:10] for p in d["photos"]] == ["2024-01-10", "2024-03-01"]
    assert [p["date_source"] for p in d["photos"]] == ["given", "given"]
    (pair,) = d["metrics"]["shoulder_tilt_deg"]["pairs"]
    assert pair["photos"] == [0, 1]
    assert pair["verdict"] in ("uncertainty_unknown", "improved", "worse", "reversed", "within_noise")
    doc = out.read_text(encoding="utf-8")
    assert len(embedded_images(doc)) == 3


def test_hostile_names_are_inert_text(hostile):
    _, out, _ = hostile
    doc = out.read_text(encoding="utf-8")
    assert "<script" not in doc.lower()
    assert "<img src=x" not in doc and "<b onmouseover" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in doc
    assert "&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt; &amp; more" in doc


@needs_chromium
def test_hostile_names_show_literally_in_chromium(hostile):
    _, out, _ = hostile
    view = chromium_view(out)
    assert view["scripts"] == 0 and view["resources"] == []
    assert len(view["images"]) == 3 and all(i["complete"] and i["w"] > 0 for i in view["images"])
    text = view["text"]
    for literal in ("<script>alert(1)</script>.jpg", EVIL_2, EVIL_NAME, EVIL_NOTE):
        assert literal in text, literal
    assert view["title"] == f"Posture comparison: {EVIL_NAME}"


def test_pdf_report_with_blurred_faces_and_a_mirror_photo(tmp_path):
    out = tmp_path / "report.pdf"
    r = run(str(photo(A)), str(photo(B)), "-o", str(out), "--blur-faces", "--mirror-photo", "2")
    assert r.returncode == 0, r.stderr
    assert f"Report: {out}" in r.stdout
    assert "the after photo was analysed as a mirror image" in r.stdout.lower()
    assert out.read_bytes().startswith(b"%PDF-")
    if not POPPLER:
        pytest.skip("poppler-utils not installed: pages not checked (.ci/run installs them)")
    pages = pdf_pages(out, tmp_path)
    text = " ".join("\n".join(pdf_text(out)).split())  # words as read, whatever the line breaks
    assert f"page {len(pages)} of {len(pages)}" in text
    assert "Faces are blurred" in text and "mirror image, shown flipped back" in text


def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "report.html"
    out.write_text("keep me")
    r = run(str(photo(A)), str(photo(B)), "-o", str(out))
    assert r.returncode == 6 and "already exists; use --force" in r.stderr
    assert out.read_text() == "keep me"


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["ONE"], 2, "at least two photos"),
        (["ONE", "TWO", "--dates", "2024-01-01"], 2, "--dates needs 2"),
        (["ONE", "TWO", "--dates", "2024-01-01,soon"], 2, "'soon' is not a date"),
        (["ONE", "TWO", "--mirror-photo", "3"], 2, "only 2 photos"),
        (["ONE", "TWO", "-o", "report.txt"], 6, "use .html, .htm or .pdf"),
        (["ONE", "/nonexistent/x.jpg"], 3, "no such file"),
    ],
)
def test_usage_and_input_errors(tmp_path, args, code, message):
    args = [str(photo(A)) if a in ("ONE", "TWO") else (str(tmp_path / a) if a.endswith(".txt") else a) for a in args]
    r = run(*args)
    assert r.returncode == code, r.stderr
    assert message in r.stderr
    assert r.stderr.count("\n") == 1, "one line on stderr, no traceback"


def test_compares_measurements_saved_in_the_history(tmp_path, analyzer):
    from posture.history import History

    db = tmp_path / "h.sqlite3"
    with History.open(db) as h:
        first, _ = h.save(analyzer.analyze_file(photo(A)), name="Sam")
        second, _ = h.save(analyzer.analyze_file(photo(B)), name="Sam")
    out = tmp_path / "stored.html"
    r = run(f"#{first}", f"id:{second}", "--db", str(db), "--json", "-o", str(out))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [p["label"] for p in d["photos"]] == [str(photo(A)), str(photo(B))]
    # The photos are still on disk, unchanged: the report shows them (two panels and the overlay).
    assert len(embedded_images(out.read_text(encoding="utf-8"))) == 3
    missing = run("#999", f"#{first}", "--db", str(db))
    assert missing.returncode == 7 and "999" in missing.stderr and "Traceback" not in missing.stderr


def test_saved_measurements_compare_every_visit_and_a_pair_alone_the_same(tmp_path, analyzer):
    from posture.history import History

    db = tmp_path / "h.sqlite3"
    with History.open(db) as h:
        ids = [h.save(analyzer.analyze_file(photo(name)))[0] for name in (A, B, "front_full__posenet_yoga.jpg")]
    three = run(*(f"#{i}" for i in ids), "--db", str(db), "--json")
    two = run(f"#{ids[0]}", f"#{ids[2]}", "--db", str(db), "--json")
    assert three.returncode == 0 and two.returncode == 0, three.stderr + two.stderr
    for name, m in json.loads(three.stdout)["metrics"].items():
        assert [p["photos"] for p in m["pairs"]] == [[0, 1], [1, 2], [0, 2]]
        alone = json.loads(two.stdout)["metrics"][name]["pairs"][0]
        first_last = m["pairs"][2]
        assert {k: v for k, v in first_last.items() if k not in ("photos", "note")} == {
            k: v for k, v in alone.items() if k not in ("photos", "note")
        }, name


def test_compare_takes_the_analysis_options_of_analyze() -> None:
    """``--fast`` and ``--level`` reach every photo's analysis, and a single pass is said."""
    photo = ROOT / "sample_images" / "standing.png"
    proc = run(str(photo), str(photo), "--fast", "--level", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert all(p["level_mode"] == "manual" and p["roll_deg"] == 2.0 for p in data["photos"])
    assert any("single pass" in w for w in data["warnings"])
