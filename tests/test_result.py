"""PostureMeasurement: the JSON form round-trips and refuses what it can't read."""

from __future__ import annotations

import json
import math

import pytest

from posture.landmarks import MIN_SCORE
from posture.provenance import CaptureMethod, Method, Model, Source
from posture.result import (
    SCHEMA,
    SCHEMA_VERSION,
    Assumptions,
    Correction,
    LandmarkPoints,
    LevelEstimate,
    Metric,
    PointMove,
    PostureMeasurement,
    Subject,
    metric_columns,
)
from posture.stance import Stance


def sample(**over) -> PostureMeasurement:
    kw = dict(
        status="measured",
        message="measured",
        source=Source(path="a.jpg", width=640, height=480, sha256="ab" * 32, format="JPEG", exif_rotated=False),
        model=Model(name="pose_landmarker_full", sha256="cd" * 32, bundled=True),
        assumptions=Assumptions(mirrored=True, level_mode="manual", roll_deg=2.5, height_cm=172.0),
        subject=Subject(
            view="back",
            people_detected=2,
            index=1,
            people_at_least=True,
            turn_deg=12.3,
            bbox_px=(1.5, 2.0, 300.0, 400.3),
            stance=Stance(shortfall=0.25, shorter="right", lift=0.04, higher="left"),
        ),
        metrics={
            "shoulder_tilt_deg": Metric(
                value=-2.3,
                unit="deg",
                higher_side="right",
                height_diff_pct=-3.9,
                height_diff_cm=-1.2,
                height_diff_cm_uncertainty=0.1,
            ),
            "pelvic_tilt_deg": Metric.missing("deg", "left hip outside the photo"),
            "head_shift_pct": Metric(value=4.5, unit="%", uncertainty=0.8, towards="left"),
        },
        warnings=("2 people in the photo",),
        method=Method(passes=1, variants=(), refine_variants=(), min_score=0.5),
        landmarks=LandmarkPoints(640, 480, ("nose",), ((1.0, None),), (0.9,), (None,)),
    )
    kw.update(over)
    return PostureMeasurement(**kw)


def test_json_round_trip_is_equal():
    m = sample()
    d = m.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = PostureMeasurement.from_dict(json.loads(text))
    assert back == m
    assert back.to_dict() == d


def test_json_is_a_fixed_point_for_unrounded_values():
    # JSON carries documented precision (0.1 for metrics, 0.1 px for boxes): a
    # second round trip must change nothing.
    m = sample(
        subject=Subject(
            view="front",
            people_detected=1,
            turn_deg=3.14159,
            bbox_px=(0.123, 4.56, 7.891, 10.05),
            stance=Stance(shortfall=0.0123456, shorter="left", lift=0.1004999, higher="right"),
        ),
        metrics={"shoulder_tilt_deg": Metric(value=1.23456, unit="deg", uncertainty=0.3333, higher_side="left")},
    )
    d = json.loads(json.dumps(m.to_dict()))
    again = PostureMeasurement.from_dict(d).to_dict()
    assert again == d
    assert d["metrics"]["shoulder_tilt_deg"]["value"] == pytest.approx(1.2, abs=1e-12)
    assert d["subject"]["bbox_px"] == pytest.approx([0.1, 4.6, 7.9, 10.1], abs=0.051)


def test_round_trip_without_subject_or_landmarks():
    m = sample(status="no_person", message="no person found", subject=None, landmarks=None, warnings=())
    assert PostureMeasurement.from_dict(json.loads(json.dumps(m.to_dict()))) == m


# The provenance objects as each kind of measurement writes them, key order included (the JSON
# output is compared as text): a photo file, an array, a live capture stored in the history, an
# unmeasured live capture, a no-person photo, and objects saved by older versions.
PROVENANCE_CASES = [
    (
        Source,
        '{"path": "a.jpg", "width": 4, "height": 3, "sha256": "ab", "format": "JPEG", "taken_at": null, '
        '"exif_rotated": true}',
    ),
    (Source, '{"path": null, "width": 4, "height": 3}'),
    (Source, '{"path": null, "width": 4, "height": 3, "live_source": "camera 0"}'),
    (Source, '{"path": null, "width": null, "height": null}'),
    (
        Source,
        '{"path": "a.jpg", "width": 4, "height": 3, "format": "PNG", "taken_at": "2024-01-02T03:04:05", '
        '"exif_rotated": false}',
    ),
    (Model, '{"name": "pose_landmarker_full", "sha256": "cd", "bundled": true, "posture_version": "1.0"}'),
    (Model, '{"name": "pose_landmarker_full", "sha256": "cd", "bundled": false}'),
    (Model, "{}"),
    (Method, '{"passes": 20, "variants": ["original", "flip"], "refine_variants": ["original"], "min_score": 0.5}'),
    (Method, '{"passes": 1, "variants": [], "refine_variants": [], "min_score": 0.6}'),
    (Method, '{"passes": 1, "min_score": 0.5}'),
    (Method, '{"passes": 5, "variants": ["original"], "min_score": 0.5}'),
    (
        Method,
        '{"passes": 20, "variants": ["original"], "refine_variants": [], "min_score": 0.5, "kind": "live capture", '
        '"frames_analysed": 6, "frames_measured": 5, "combined": "median", '
        '"frame_methods": {"shoulder_tilt_deg": {"silhouette": 4, "landmarks": 1}, "pelvic_tilt_deg": {}}, '
        '"span_s": 3.0, "frames_seen": 80, "frames_measurable": 60}',
    ),
    (Method, '{"kind": "live capture", "span_s": 3.0, "frames_seen": 2, "frames_measurable": 0}'),
    (Method, "{}"),
]


@pytest.mark.parametrize("cls, text", PROVENANCE_CASES)
def test_provenance_objects_read_back_to_the_same_text(cls, text):
    record = cls.from_dict(json.loads(text))
    assert json.dumps(record.to_dict()) == text
    assert cls.from_dict(record.to_dict()) == record


# The camera roll's estimate: applied, refused, without lines, and stored before the reason and
# the segments were recorded.
LEVEL_CASES = [
    '{"roll_deg": 1.25, "lines": 4, "spread_deg": 0.12, "confident": true, "reason": null, "segments_px": '
    "[[20.0, 10.0, 20.5, 110.0], [300.1, 5.0, 302.0, 200.0]]}",
    '{"roll_deg": 7.5, "lines": 3, "spread_deg": 0.4, "confident": false, "reason": "the lines used are all on '
    'one side of the person", "segments_px": [[20.0, 10.0, 20.5, 110.0]]}',
    '{"roll_deg": null, "lines": 0, "spread_deg": null, "confident": false, "reason": "no vertical lines found", '
    '"segments_px": []}',
    '{"roll_deg": 0.5, "lines": 3, "spread_deg": 0.1, "confident": true}',
]


def reads_back(cls, text: str, within) -> None:
    """The record ``cls`` read from ``text`` writes the same text and reads back equal, and so does
    the measurement ``within(record)`` that holds it."""
    r = cls.from_dict(json.loads(text))
    assert json.dumps(r.to_dict()) == text
    assert cls.from_dict(r.to_dict()) == r
    m = within(r)
    assert PostureMeasurement.from_dict(json.loads(json.dumps(m.to_dict()))) == m


@pytest.mark.parametrize("text", LEVEL_CASES)
def test_a_level_estimate_reads_back_to_the_same_text(text):
    reads_back(
        LevelEstimate,
        text,
        lambda e: sample(assumptions=Assumptions(level_mode="auto", roll_deg=e.roll_deg or 0.0, roll_estimate=e)),
    )


def test_level_estimate_fields_are_typed():
    e = LevelEstimate.from_dict(json.loads(LEVEL_CASES[0]))
    assert e.segments_px == ((20.0, 10.0, 20.5, 110.0), (300.1, 5.0, 302.0, 200.0)) and e.confident
    assert LevelEstimate.from_dict(json.loads(LEVEL_CASES[3])).segments_px is None


# A correction as :func:`posture.correct.correct` writes it: a landmark, a sticker and an outline
# point moved (only landmarks have original scores), and one moving a landmark only.
CORRECTION_CASES = [
    '{"method": "manual", "placement_px": 2.0, "points": {"left_ankle": {"from": [232.3, 838.5], "to": [235.6, '
    '831.4]}, "shoulders_sticker.left": {"from": [330.1, 72.8], "to": [333.4, 65.7]}, "pelvis.right": {"from": '
    '[200.0, 400.5], "to": [201.0, 398.0]}}, "original_scores": {"left_ankle": [0.969, 0.988]}, "corrected_metrics": '
    '["shoulder_tilt_deg", "shoulder_pelvis_tilt_deg", "pelvic_tilt_deg"], "original_metrics": {"shoulder_tilt_deg": '
    '{"value": -1.5, "unit": "deg", "uncertainty": 0.2, "higher_side": "right", "height_diff_pct": -2.6, "method": '
    '"markers", "landmark_value": -3.5}, "shoulder_pelvis_tilt_deg": {"value": -0.1, "unit": "deg", "uncertainty": '
    '0.3}, "pelvic_tilt_deg": {"value": 1.4, "unit": "deg", "uncertainty": 0.5, "higher_side": "left", "method": '
    '"silhouette", "landmark_value": 0.9}}}',
    '{"method": "manual", "placement_px": 3, "points": {"left_knee": {"from": [350.0, 356.0], "to": [352.0, 356.0]}}, '
    '"original_scores": {"left_knee": [0.1, null]}, "corrected_metrics": ["knee_tilt_deg"], "original_metrics": '
    '{"knee_tilt_deg": {"value": null, "unit": "deg", "uncertainty": null, "reason": "left knee not visible"}}}',
]


@pytest.mark.parametrize("text", CORRECTION_CASES)
def test_a_correction_reads_back_to_the_same_text(text):
    reads_back(Correction, text, lambda c: sample(correction=c))


def test_correction_fields_are_typed():
    c = Correction.from_dict(json.loads(CORRECTION_CASES[0]))
    assert c.points["left_ankle"] == PointMove((232.3, 838.5), (235.6, 831.4))
    assert c.original_scores == {"left_ankle": (0.969, 0.988)}
    assert c.original_metrics["pelvic_tilt_deg"].method == "silhouette" and c.placement_px == 2.0
    assert c.corrected_metrics[0] == "shoulder_tilt_deg"


def test_a_schema_3_object_reads_without_a_correction():
    d = json.loads(json.dumps(sample().to_dict()))
    d["schema_version"] = 3
    del d["correction"]
    assert PostureMeasurement.from_dict(d).correction is None


def test_provenance_fields_are_typed():
    m = PostureMeasurement.from_dict(json.loads(json.dumps(sample().to_dict())))
    assert (m.source.path, m.source.width, m.source.sha256) == ("a.jpg", 640, "ab" * 32)
    assert (m.model.name, m.model.bundled) == ("pose_landmarker_full", True)
    assert (m.method.passes, m.method.variants, m.method.min_score, m.method.kind) == (1, (), 0.5, None)
    assert m.landmarks is not None and m.landmarks.xy_px == ((1.0, None),)
    live = Method.from_dict(json.loads(PROVENANCE_CASES[-3][1]))
    assert live.kind == "live capture" and live.capture is not None and live.capture.frames_analysed == 6
    assert live.capture.frame_methods == {"shoulder_tilt_deg": {"silhouette": 4, "landmarks": 1}, "pelvic_tilt_deg": {}}
    assert Method(capture=CaptureMethod()).to_dict() == {"kind": "live capture"}


@pytest.mark.parametrize("min_score, expected", [(0.7, 0.7), (None, MIN_SCORE)])
def test_min_score_falls_back_to_the_default_when_not_recorded(min_score, expected):
    assert sample(method=Method(passes=1, min_score=min_score)).min_score == expected


def test_to_dict_documents_schema_units_and_assumptions():
    d = sample().to_dict()
    assert d["schema"] == SCHEMA and d["schema_version"] == SCHEMA_VERSION
    assert d["metrics"]["shoulder_tilt_deg"]["unit"] == "deg"
    assert d["metrics"]["pelvic_tilt_deg"] == {
        "value": None,
        "unit": "deg",
        "uncertainty": None,
        "reason": "left hip outside the photo",
    }
    assert d["assumptions"]["mirrored"] is True
    assert d["assumptions"]["angles_relative_to"] == "true horizontal"
    assert sample(assumptions=Assumptions()).to_dict()["assumptions"]["angles_relative_to"] == "image"


def test_non_finite_values_become_null():
    m = sample(metrics={"x": Metric(value=math.nan, unit="deg", uncertainty=math.inf)})
    d = m.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["metrics"]["x"]["value"] is None and d["metrics"]["x"]["uncertainty"] is None


@pytest.mark.parametrize("value", [-0.04, -0.0, -1e-9, 0.04])
def test_a_value_that_rounds_to_zero_has_no_sign_in_json(value):
    # A negative value rounding to zero printed "-0.0" in the JSON (the knee tilt of a real photo).
    m = sample(
        subject=Subject(view="front", people_detected=1, turn_deg=value),
        metrics={"knee_tilt_deg": Metric(value=value, unit="deg", uncertainty=4.0, height_diff_pct=value)},
    )
    text = json.dumps(m.to_dict())
    assert "-0.0" not in text and "-0," not in text
    assert json.loads(text)["metrics"]["knee_tilt_deg"]["value"] == 0.0


def test_subject_without_a_box_gives_valid_json():
    # Landmarks.bbox() is all NaN when no landmark scores 0.5; the JSON must stay valid.
    d = Subject(view="front", people_detected=1, bbox_px=(math.nan,) * 4).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["bbox_px"] is None
    assert Subject.from_dict(d).bbox_px is None


@pytest.mark.parametrize("schema", [None, "something.else", "posture.trend"])
def test_from_dict_refuses_another_schema(schema):
    d = sample().to_dict()
    d["schema"] = schema
    with pytest.raises(ValueError, match="schema"):
        PostureMeasurement.from_dict(d)


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, 99, "1", None, 1.5])
def test_from_dict_refuses_newer_or_malformed_schema_version(version):
    d = sample().to_dict()
    d["schema_version"] = version
    with pytest.raises(ValueError, match="schema_version"):
        PostureMeasurement.from_dict(d)


def test_metric_helpers():
    assert not Metric.missing("deg", "why").measured
    assert Metric(value=0.0, unit="deg").measured  # zero is a value, not missing
    m = sample()
    assert m.metric("head_shift_pct").towards == "left"
    with pytest.raises(KeyError):
        m.metric("nope")
    w = m.with_warnings("extra")
    assert w.warnings == ("2 people in the photo", "extra") and m.warnings == ("2 people in the photo",)


@pytest.mark.parametrize(
    "shoulder, pelvis, expected",
    [
        # (shoulder method, pelvic method) -> (shoulder, pelvic, shoulder_pelvis) as reported
        ("silhouette", "silhouette", ("silhouette", "silhouette", "silhouette")),
        ("landmarks", "landmarks", ("landmarks", "landmarks", "landmarks")),
        ("silhouette", "landmarks", ("silhouette", "landmarks", "mixed")),
        (None, None, ("landmarks", "landmarks", "landmarks")),  # saved before the outline was read
        ("silhouette", "missing", ("silhouette", None, None)),  # no value: no method
    ],
)
def test_method_of_each_tilt_and_of_their_difference(shoulder, pelvis, expected):
    def tilt(method):
        return (
            Metric.missing("deg", "hip out of frame")
            if method == "missing"
            else Metric(value=1.0, unit="deg", method=method)
        )

    metrics = {
        "shoulder_tilt_deg": tilt(shoulder),
        "pelvic_tilt_deg": tilt(pelvis),
        "shoulder_pelvis_tilt_deg": Metric.missing("deg", "x")
        if pelvis == "missing"
        else Metric(value=0.0, unit="deg"),
        "head_shift_pct": Metric(value=4.5, unit="%"),
    }
    m = sample(metrics=metrics)
    assert (
        tuple(m.method_of(n) for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg")) == expected
    )
    assert m.method_of("head_shift_pct") == "landmarks"  # never measured on the outline
    cells = m.metric_cells(["shoulder_tilt_deg", "shoulder_pelvis_tilt_deg", "head_shift_pct"])
    assert list(cells) == metric_columns(["shoulder_tilt_deg", "shoulder_pelvis_tilt_deg", "head_shift_pct"])
    assert "head_shift_pct_method" not in cells and cells["shoulder_tilt_deg_method"] == expected[0]


@pytest.mark.parametrize(
    ("level_mode", "relative_to"),
    [("none", "image"), ("manual", "true horizontal"), ("auto", "true horizontal")],
)
def test_angles_are_relative_to_true_horizontal_once_a_roll_is_corrected_either_way(level_mode, relative_to):
    a = Assumptions(level_mode=level_mode, roll_deg=0.0 if level_mode == "none" else 2.0)
    assert a.angles_relative_to == relative_to
    assert Assumptions.from_dict(a.to_dict()).to_dict()["angles_relative_to"] == relative_to
