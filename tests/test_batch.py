"""posture.batch: finding photos, naming annotated images, the worker pool, outcomes, CSV.

The pool tests spawn real worker processes; the analysis tests run the pose
model in two of them on a few real photos (fast mode).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from conftest import SAMPLES, photo

from posture.batch import (
    Outcome,
    Tally,
    analyze_many,
    csv_header,
    csv_text,
    find_images,
    outcome_of,
    plan_annotated,
    run_pool,
)
from posture.errors import ModelError
from posture.settings import Settings

# ------------------------------------------------------------ finding photos


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_are_searched_recursively_in_name_order(tmp_path):
    root = tmp_path / "photos"
    for name in ("b.JPG", "a.png", "sub/c.jpeg", "sub/deeper/d.webp", "z.tiff", "notes.txt", "sub/e.pdf"):
        touch(root / name)
    touch(root / ".hidden.jpg")
    touch(root / ".thumbs" / "x.jpg")
    found = find_images([root])
    rel = [os.path.relpath(p, root) for p in found.paths]
    assert rel == ["a.png", "b.JPG", "z.tiff", os.path.join("sub", "c.jpeg"), os.path.join("sub", "deeper", "d.webp")]
    assert all(r == str(root) for _, r in found.photos)
    skipped = {os.path.relpath(p, root): why for p, why in found.skipped}
    assert set(skipped) == {"notes.txt", os.path.join("sub", "e.pdf")}  # hidden ones silently
    assert all("not an image" in why for why in skipped.values())


def test_named_files_are_kept_whatever_their_name_missing_ones_too(tmp_path):
    txt = touch(tmp_path / "notes.txt")
    jpg = touch(tmp_path / "a.jpg")
    missing = tmp_path / "missing.jpg"
    found = find_images([txt, missing, jpg])
    assert found.paths == [str(txt), str(missing), str(jpg)]
    assert all(root is None for _, root in found.photos)
    assert found.skipped == ()


def test_a_photo_reached_twice_is_analysed_once(tmp_path):
    a = touch(tmp_path / "in" / "a.jpg")
    os.symlink(a, tmp_path / "in" / "link.jpg")
    found = find_images([a, tmp_path / "in", a])
    assert found.paths == [str(a)]


def test_the_output_folder_is_not_searched(tmp_path):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "out" / "a_annotated.jpg")
    found = find_images([tmp_path], exclude=[tmp_path / "out"])
    assert found.paths == [str(tmp_path / "a.jpg")]
    assert [why for _, why in found.skipped] == ["the output folder"]


def test_annotated_names_keep_sub_folders_and_never_collide(tmp_path):
    root = tmp_path / "photos"
    for name in ("front.jpg", "front.png", "sub/front.jpg"):
        touch(root / name)
    other = touch(tmp_path / "elsewhere" / "front.jpg")
    found = find_images([root, other])
    out = tmp_path / "out"
    planned = [os.path.relpath(p, out) for p in plan_annotated(found, out)]
    assert planned == [
        "front_annotated.jpg",
        "front_annotated_2.jpg",
        os.path.join("sub", "front_annotated.jpg"),
        "front_annotated_3.jpg",
    ]


# ------------------------------------------------------------ tallies, JSON, CSV


def test_exit_code_is_the_most_severe_per_photo_code():
    def tally(*codes: int) -> Tally:
        t = Tally()
        for c in codes:
            t.add(Outcome(0, "p", error=None if c == 0 else "x", exit_code=c))
        return t

    assert tally().exit_code == 0
    assert tally(0, 0).exit_code == 0
    assert tally(0, 4).exit_code == 4
    assert tally(4, 5, 0).exit_code == 5
    assert tally(5, 3, 4).exit_code == 3
    assert tally(3, 6).exit_code == 6
    assert tally(6, 1, 3).exit_code == 1
    t = tally(0, 4)
    t.add_code(7)
    assert t.exit_code == 7


def test_error_outcome_json_and_summary():
    o = Outcome(3, "x.jpg", error="x.jpg: not an image", exit_code=3)
    assert o.status == "error"
    assert o.to_dict() == {
        "source": {"path": "x.jpg"},
        "status": "error",
        "error": "x.jpg: not an image",
        "exit_code": 3,
    }
    t = Tally()
    t.add(o)
    assert t.summary() == "1 photo: 0 measured, 0 no person, 0 not measurable, 1 failed"


def test_csv_has_one_row_per_photo_with_values_and_uncertainties(analyzer, augmented_analyzer):
    measured = augmented_analyzer.analyze_file(SAMPLES / "astronaut.png")
    nobody = analyzer.analyze_file(photo("none__mediapipe_cat.jpg"))
    outcomes = [
        outcome_of(measured, "astronaut.png", 0),
        outcome_of(nobody, "cat.jpg", 1),
        Outcome(2, 'bad, "quoted".jpg', error="bad: not an image", exit_code=3),
    ]
    rows = list(csv.DictReader(io.StringIO(csv_text(outcomes))))
    assert list(rows[0]) == csv_header()
    assert [r["status"] for r in rows] == ["measured", "no_person", "error"]
    assert [r["exit_code"] for r in rows] == ["0", "4", "3"]
    d = measured.to_dict()
    r = rows[0]
    assert r["view"] == d["subject"]["view"] and r["people_detected"] == str(d["subject"]["people_detected"])
    for name, m in d["metrics"].items():
        assert r[name] == ("" if m["value"] is None else str(m["value"]))
        assert r[f"{name}_uncertainty"] == ("" if m["uncertainty"] is None else str(m["uncertainty"]))
    assert float(r["shoulder_tilt_deg_uncertainty"]) > 0
    assert r["warnings"] == " | ".join(d["warnings"])
    assert rows[1]["people_detected"] == "0" and rows[1]["shoulder_tilt_deg"] == ""
    assert rows[2]["path"] == 'bad, "quoted".jpg' and rows[2]["message"] == "bad: not an image"


@pytest.mark.slow
def test_csv_says_how_each_tilt_was_measured(analyzer, augmented_analyzer):
    outline = augmented_analyzer.analyze_file(SAMPLES / "standing.png")  # refined on the outline
    joints = analyzer.analyze_file(SAMPLES / "astronaut.png")  # --fast: the joint landmarks; hips out of frame
    header = csv_header()
    for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"):
        assert header[header.index(n) + 1 : header.index(n) + 3] == [f"{n}_uncertainty", f"{n}_method"]
    assert [c for c in header if c.endswith("_method")] == [
        "shoulder_tilt_deg_method",
        "pelvic_tilt_deg_method",
        "shoulder_pelvis_tilt_deg_method",
    ]
    rows = list(
        csv.DictReader(
            io.StringIO(csv_text([outcome_of(outline, "standing.png"), outcome_of(joints, "astronaut.png", 1)]))
        )
    )
    methods = [
        (r["shoulder_tilt_deg_method"], r["pelvic_tilt_deg_method"], r["shoulder_pelvis_tilt_deg_method"]) for r in rows
    ]
    assert methods == [("silhouette", "silhouette", "silhouette"), ("landmarks", "", "")]
    assert rows[1]["pelvic_tilt_deg"] == "" and rows[1]["shoulder_tilt_deg"] != ""


# ------------------------------------------------------------ the pool


def test_pool_returns_every_result_and_runs_the_initializer_in_each_worker():
    import batch_support

    got = dict(
        run_pool(
            batch_support.double_or_crash,
            range(12),
            jobs=2,
            initializer=batch_support.init_marker,
            initargs=("ready",),
            on_crash=lambda t: "crashed",
            on_error=lambda t, e: "error",
        )
    )
    assert {t: r[:2] for t, r in got.items()} == {t: (2 * t, "ready") for t in range(12)}
    assert len({r[2] for r in got.values()} | {os.getpid()}) >= 2  # in other processes


def test_a_task_that_kills_its_worker_fails_alone():
    import batch_support

    tasks = [1, 2, -1, 3, 4, 5, 6, 7]
    got = dict(
        run_pool(
            batch_support.double_or_crash,
            tasks,
            jobs=2,
            on_crash=lambda t: "crashed",
            on_error=lambda t, e: "error",
        )
    )
    assert set(got) == set(tasks)
    assert got[-1] == "crashed"
    assert all(got[t][0] == 2 * t for t in tasks if t >= 0)


# ------------------------------------------------------------ analysis in workers


def test_analyze_many_in_two_workers_matches_the_analysis_in_process(tmp_path, analyzer):
    good = [photo("front_full__posenet_yoga.jpg"), photo("none__mediapipe_cat.jpg"), SAMPLES / "astronaut.png"]
    broken = touch(tmp_path / "broken.jpg", b"not a photo")
    paths = [str(good[0]), str(broken), str(tmp_path / "missing.png"), str(good[1]), str(good[2])]
    out = tmp_path / "out"
    annotated = [str(out / f"{i}.jpg") for i in range(len(paths))]
    seen: list[int] = []
    outcomes = list(
        analyze_many(
            paths,
            Settings(fast=True),
            jobs=2,
            annotated=annotated,
            thumbnails=True,
            on_done=lambda o: seen.append(o.index),
        )
    )
    assert [o.index for o in outcomes] == list(range(len(paths)))  # in input order
    assert sorted(seen) == list(range(len(paths)))
    assert [o.status for o in outcomes] == ["measured", "error", "error", "no_person", "measured"]
    assert [o.exit_code for o in outcomes] == [0, 3, 3, 4, 0]
    assert "not an image" in outcomes[1].error and str(broken) in outcomes[1].error
    assert "no such file" in outcomes[2].error
    for o in (outcomes[0], outcomes[3], outcomes[4]):
        expected = analyzer.analyze_file(o.path).to_dict()
        assert o.measurement.to_dict() == expected
        assert o.annotated == annotated[o.index] and Path(o.annotated).stat().st_size > 1000
    assert outcomes[0].thumbnail[:2] == b"\xff\xd8" and outcomes[3].thumbnail is None
    assert sorted(os.listdir(out)) == ["0.jpg", "3.jpg", "4.jpg"]
    # An annotated image that exists is an error for that photo alone, unless forced.
    again = list(
        analyze_many(
            paths[:1] + paths[3:4], Settings(fast=True), jobs=1, annotated=[annotated[0], str(out / "new.jpg")]
        )
    )
    assert [o.exit_code for o in again] == [6, 4]
    assert "already exists" in again[0].error


def test_a_model_no_worker_can_open_stops_the_batch(tmp_path):
    import zipfile

    from posture.pose import bundled_model_path

    with zipfile.ZipFile(bundled_model_path()) as z:
        detector_model = z.read("pose_detector.tflite")
    bad = tmp_path / "renamed.task"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("detector.tflite", detector_model)
    src = str(SAMPLES / "astronaut.png")
    with pytest.raises(ModelError, match="renamed.task") as e:
        list(analyze_many([src, src, src], Settings(fast=True, model=str(bad)), jobs=1))
    assert e.value.exit_code == 3
    with pytest.raises(ModelError):  # refused in this process, before any worker starts
        list(analyze_many([src], Settings(model=str(tmp_path / "none.task"))))


def test_importing_posture_batch_loads_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, posture.batch; print(sorted(m for m in ('numpy', 'cv2', 'mediapipe', 'PIL', 'matplotlib', 'rich') if m in sys.modules))"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
