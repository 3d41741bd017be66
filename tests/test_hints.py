"""Typed causes of an outline fallback and the hints they give (posture.hints, posture.refine, posture.analyze)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from conftest import protocol
from test_refine import draw_body

from posture import wording
from posture.hints import HINTS, hint
from posture.landmarks import Landmarks, PoseLandmark
from posture.provenance import Model, Source
from posture.refine import Cause, refine
from posture.refine.pelvis import arms_against_hips
from posture.refinement_result import OutlineReading, PairReading
from posture.result import Assumptions, Metric, PostureMeasurement

L = PoseLandmark
ARMS_DOWN = "front_arms_down__dipanjans16_front_image.jpg"
SH, PE = "shoulder_tilt_deg", "pelvic_tilt_deg"


@pytest.mark.parametrize(
    ("code", "side", "pair", "expected"),
    [
        ("arm_against_hip", "left", "pelvis", "hold your arms a hand's width away from your hips"),
        (
            "covered",
            "right",
            "shoulders",
            "keep hair and straps off the right shoulder: tie long hair up or move it behind",
        ),
        (
            "covered",
            "left",
            "shoulders",
            "keep hair and straps off the left shoulder: tie long hair up or move it behind",
        ),
        ("weak_edge", "left", "pelvis", "stand in front of a plain background that contrasts with your clothes"),
        ("loose_outline", "right", "pelvis", "wear close-fitting clothes at the hips, with nothing beside you"),
        ("ragged", None, "pelvis", "wear close-fitting clothes at the hips and keep long hair off them"),
        ("ragged", None, "shoulders", "wear close-fitting clothes at the shoulders and keep long hair off them"),
        ("too_small", None, "shoulders", "step closer: you are small in the photo"),
        ("arm_raised", "left", "shoulders", "let both arms hang by your sides"),
        # Nothing the user can change in the photo: no hint.
        ("outlines_differ", None, "pelvis", None),
        ("too_uncertain", None, "shoulders", None),
        ("midline_outside", None, "pelvis", None),
        ("no_mask", None, "pelvis", None),
    ],
)
def test_each_cause_gives_its_hint_or_none(code: str, side: str | None, pair: str, expected: str | None) -> None:
    assert hint(code, side, pair) == expected


def test_every_hint_is_one_short_sentence_for_either_side() -> None:
    for code in HINTS:
        for side in ("left", "right"):
            for pair in ("shoulders", "pelvis"):
                text = hint(code, side, pair)
                assert text and len(text) <= 90 and "." not in text and "{" not in text


def test_a_cause_swapped_twice_is_itself_and_a_both_sides_cause_has_no_side() -> None:
    for c in (Cause("weak_edge", "left"), Cause("covered", "right"), Cause("arms_differ")):
        assert c.swapped().swapped() == c
        assert c.swapped().code == c.code
    assert Cause("weak_edge", "left").swapped().side == "right"
    assert Cause("arms_differ").swapped().side is None


def _no_hips(lm: Landmarks) -> Landmarks:
    vis = lm.visibility.copy()
    vis[[L.LEFT_HIP, L.RIGHT_HIP]] = 0.1
    return Landmarks(xy=lm.xy, visibility=vis, presence=lm.presence, width=lm.width, height=lm.height)


def _hair_over_right_shoulder(mask: np.ndarray) -> np.ndarray:
    hair = mask.copy()
    cv2.rectangle(hair, (150, 120), (215, 330), 1.0, -1)
    return hair


@pytest.mark.parametrize(
    ("body", "pair", "expected"),
    [
        (dict(arms_down=True), "pelvis", {Cause("arm_against_hip", "left"), Cause("arm_against_hip", "right")}),
        (dict(left_arm_down=True), "shoulders", {Cause("arms_differ")}),
        (dict(raise_left=6.0, arms_up=True), "shoulders", {Cause("arm_raised", "left")}),
        (dict(raise_left=6.0), "shoulders", set()),
    ],
)
def test_drawn_bodies_fall_back_for_the_cause_drawn(body: dict, pair: str, expected: set[Cause]) -> None:
    rgb, mask, lm = draw_body(**body)
    res = getattr(refine(mask, lm, rgb), pair)
    assert set(res.causes) == expected
    assert res.refined == (not expected)
    assert json.loads(json.dumps(res.to_dict()))["causes"] == [c.to_dict() for c in res.causes]


def test_hidden_hips_and_hair_over_a_shoulder_are_typed() -> None:
    rgb, mask, lm = draw_body()
    assert refine(mask, _no_hips(lm), rgb).pelvis.causes == (Cause("landmarks_not_visible"),)
    causes = refine(_hair_over_right_shoulder(mask), lm, None).shoulders.causes
    assert causes and all(c.side == "right" for c in causes if c.side)  # never blames the clear side
    assert {c.code for c in causes} <= {"covered", "not_shoulder", "neck_not_found", "neck_uneven"}
    flat = cv2.GaussianBlur(mask, (0, 0), 40.0) * 0.9  # a mask that cannot separate the person
    r = refine(flat, lm, np.full_like(rgb, 128))
    assert r.shoulders.causes and r.pelvis.causes


@pytest.fixture(scope="module")
def arms_down_photo(augmented_analyzer) -> PostureMeasurement:
    return augmented_analyzer.analyze_file(protocol(f"images/{ARMS_DOWN}"))


def test_a_photo_with_an_arm_against_the_hip_tells_the_user_to_move_it(arms_down_photo) -> None:
    m = arms_down_photo
    d = json.loads(json.dumps(m.to_dict()))
    pelvis = d["refinement"]["pelvis"]
    assert m.metrics["pelvic_tilt_deg"].method == "landmarks"
    assert pelvis["cause"]["code"] == "arm_against_hip"
    # The side is the subject's, the same over flipped and unflipped variants: the arm the landmarks place by the hip.
    assert m.landmarks is not None
    lm = Landmarks.from_points(m.landmarks)
    assert pelvis["cause"]["side"] in arms_against_hips(lm)
    assert pelvis["hint"] == HINTS["arm_against_hip"]
    assert f"Tip: {HINTS['arm_against_hip']}" in wording.summary(m).splitlines()
    assert wording.photo_hints(PostureMeasurement.from_dict(d)) == wording.photo_hints(m)
    assert d["refinement"]["shoulders"]["hint"] is None or m.metrics["shoulder_tilt_deg"].method == "landmarks"


def _pair(hint: str | None) -> PairReading:
    """A pair that fell back to the landmarks with this hint."""
    return PairReading(refined=False, method="landmarks", variants_refined=0, variants_tried=12, reason="x", hint=hint)


def _fell_back(methods: dict[str, str], hints: dict[str, str | None]) -> PostureMeasurement:
    """A measurement whose tilts were measured by ``methods`` and whose pairs give ``hints``."""
    metrics = {n: Metric(value=1.0, unit="deg", uncertainty=1.0, method=how) for n, how in methods.items()}
    return PostureMeasurement(
        status="measured",
        message="measured",
        source=Source(path="photo.jpg"),
        model=Model(),
        assumptions=Assumptions(),
        subject=None,
        metrics=metrics,
        refinement=OutlineReading(12, *(_pair(hints[key]) for key in ("shoulders", "pelvis"))),
    )


@pytest.mark.parametrize(
    ("methods", "hints", "expected"),
    [
        # Each pair that fell back gives its hint, once however many give it.
        (
            {SH: "landmarks", PE: "landmarks"},
            {"shoulders": HINTS["weak_edge"], "pelvis": HINTS["weak_edge"]},
            [HINTS["weak_edge"]],
        ),
        (
            {SH: "landmarks", PE: "landmarks"},
            {"shoulders": HINTS["covered"].format(side="left"), "pelvis": HINTS["arm_against_hip"]},
            [HINTS["covered"].format(side="left"), HINTS["arm_against_hip"]],
        ),
        # A cause with no hint, the outline read, or stickers giving the headline: nothing to change.
        ({SH: "landmarks", PE: "landmarks"}, {"shoulders": None, "pelvis": None}, []),
        ({SH: "silhouette", PE: "markers"}, {"shoulders": HINTS["weak_edge"], "pelvis": HINTS["arm_against_hip"]}, []),
    ],
)
def test_the_tips_are_the_hints_of_the_tilts_that_fell_back(methods, hints, expected) -> None:
    m = _fell_back(methods, hints)
    assert wording.photo_hints(m) == expected
    assert [line for line in wording.summary(m).splitlines() if line.startswith("Tip: ")] == [
        f"Tip: {t}" for t in expected
    ]
