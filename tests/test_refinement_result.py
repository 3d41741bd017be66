"""The refinement object of a result (posture.refinement_result): JSON round trips, older forms, copies."""

from __future__ import annotations

import copy
import json

import pytest
from correct_support import measured, silhouette

from posture.refine import Cause
from posture.refinement_result import OutlineReading, PairReading
from posture.result import PostureMeasurement

REFINED = {
    "refined": True,
    "method": "silhouette",
    "variants_refined": 11,
    "variants_tried": 12,
    "reason": None,
    "reasons": {"no edge": 1},
    "cause": None,
    "hint": None,
    "tilt_deg": -2.13,
    "uncertainty_deg": 0.41,
    "left_px": [412.3, 301.0],
    "right_px": [250.1, 296.4],
    "variant_left_px": [[412.0, 300.9], [412.5, 301.2]],
    "variant_right_px": [[250.0, 296.1], [250.3, 296.6]],
    "contour_left_px": [[420.0, 280.5], None, [430.1, 310.0]],
    "contour_right_px": [[240.2, 281.0]],
}
FELL_BACK = {
    "refined": False,
    "method": "landmarks",
    "variants_refined": 2,
    "variants_tried": 12,
    "reason": "arm against the hip (2 of 12 variants refined)",
    "reasons": {"arm against the hip": 10},
    "cause": {"code": "arm_against_hip", "side": "left"},
    "hint": "hold your arms a hand's width away from your hips",
    "tilt_deg": None,
    "uncertainty_deg": None,
    "left_px": None,
    "right_px": None,
    "variant_left_px": [[401.0, 520.2], [402.0, 521.0]],
    "variant_right_px": [[260.0, 519.0], [261.5, 518.2]],
    "contour_left_px": [],
    "contour_right_px": [],
}


def _without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


PAIRS = [
    pytest.param(REFINED, id="refined"),
    pytest.param(FELL_BACK, id="fell back with a cause"),
    pytest.param({**FELL_BACK, "cause": {"code": "too_uncertain", "side": None}}, id="cause on both sides, no hint"),
    pytest.param(_without(FELL_BACK, "cause", "hint"), id="stored before the causes"),
    pytest.param(_without(REFINED, "cause", "hint", "reasons"), id="without reasons"),
]


@pytest.mark.parametrize("d", PAIRS)
def test_a_pair_reads_back_to_the_same_json_key_order_included(d) -> None:
    pair = PairReading.from_dict(json.loads(json.dumps(d)))
    assert json.dumps(pair.to_dict()) == json.dumps(d)
    assert PairReading.from_dict(pair.to_dict()) == pair


@pytest.mark.parametrize("d", PAIRS)
def test_a_result_with_the_pair_reads_back_to_the_same_json(d) -> None:
    m = measured(refinement=silhouette(((385.0, 120.0), (255.0, 120.0))))
    out = json.loads(json.dumps(m.to_dict()))
    out["refinement"]["pelvis"] = d
    back = PostureMeasurement.from_dict(out)
    assert json.dumps(back.to_dict()) == json.dumps(out)
    assert back.refinement is not None and back.refinement.pelvis == PairReading.from_dict(d)


def test_the_fields_read_back_typed() -> None:
    pair = PairReading.from_dict(FELL_BACK)
    assert pair.cause == Cause("arm_against_hip", "left") and pair.hint == FELL_BACK["hint"]
    assert pair.points is None and pair.variant_left_px[0] == (401.0, 520.2)
    old = PairReading.from_dict(_without(FELL_BACK, "cause", "hint"))
    assert old.cause is None and old.hint is None and not old.causes_recorded
    refined = PairReading.from_dict(REFINED)
    assert refined.points == ((412.3, 301.0), (250.1, 296.4))
    assert refined.contour_left_px[1] is None


@pytest.mark.parametrize("refinement", [None, "absent"], ids=["null (fast mode)", "before schema 2"])
def test_a_result_without_a_refinement_reads_back_without_one(refinement) -> None:
    out = json.loads(json.dumps(measured().to_dict()))
    if refinement == "absent":
        out["schema_version"] = 1
        del out["refinement"]
    back = PostureMeasurement.from_dict(out)
    assert back.refinement is None and back.to_dict()["refinement"] is None


def test_copies_change_one_pair_or_point_and_refuse_other_keys() -> None:
    reading = OutlineReading.from_dict(
        {"variants_tried": 12, "shoulders": copy.deepcopy(REFINED), "pelvis": copy.deepcopy(FELL_BACK)}
    )
    moved = reading.with_pair("shoulders", reading.shoulders.with_point("right", (251.0, 290.0)))
    assert moved.shoulders.points == ((412.3, 301.0), (251.0, 290.0))
    assert moved.pelvis == reading.pelvis and reading.shoulders.right_px == (250.1, 296.4)
    assert moved.to_dict()["shoulders"]["right_px"] == [251.0, 290.0]
    for bad in ("knees", "shoulders_sticker"):
        with pytest.raises(KeyError):
            reading.pair(bad)
        with pytest.raises(KeyError):
            reading.with_pair(bad, reading.pelvis)
    with pytest.raises(KeyError):
        reading.shoulders.with_point("middle", (0.0, 0.0))
