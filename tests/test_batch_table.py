"""posture.batch.table: the one-row-per-photo CSV, on real analyses."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import SAMPLES, photo

from posture.batch.outcome import Outcome, outcome_of
from posture.batch.table import csv_header, csv_text


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


@pytest.mark.parametrize(
    ("annotated", "cell"),
    [
        ("out/front_annotated.jpg", "out/front_annotated.jpg"),
        (None, ""),  # asked for, none written (the photo failed first)
        ("=HYPERLINK(x)/front_annotated.jpg", "'=HYPERLINK(x)/front_annotated.jpg"),  # a folder named as a formula
        ("-out/front_annotated.jpg", "'-out/front_annotated.jpg"),
    ],
)
def test_csv_names_the_annotated_image_in_a_last_column_only_when_asked(annotated, cell):
    outcome = Outcome(0, "front.jpg", error="front.jpg: cannot save", exit_code=6, annotated=annotated)
    plain = csv_text([outcome])
    rows = list(csv.reader(io.StringIO(csv_text([outcome], annotated=True))))
    assert rows[0] == [*csv_header(), "annotated_path"] == csv_header(annotated=True)
    assert rows[1][-1] == cell
    assert plain.splitlines() == [",".join(r[:-1]) for r in rows]  # otherwise the same table


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
