"""The silhouette refinement wired into the analysis (posture.analyze): headline rule, JSON, modes.

Four augmented analyses in all (one rendered person; one real photo, its mirror image, and the
mirror image declared as one).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import SYNTHETIC, photo

from posture import augment
from posture import geometry as g
from posture.analyze import (
    MIN_REFINED_VARIANTS,
    Analyzer,
    _PairRefinements,
    fallback_uncertainty,
    outline_headline,
    t_one_sigma,
)
from posture.images import load_image
from posture.noise import LANDMARK_ERROR_DEG, UNCERTAINTY_FLOOR
from posture.refine import Cause, RefinedPair
from posture.result import SCHEMA_VERSION, PostureMeasurement
from posture.settings import Settings

SH, PE, SP = "shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"
RENDERED = SYNTHETIC / "base" / "s+4_p-2_r+0.png"
MIRROR_PHOTO = "front_full__posenet_yoga.jpg"
MIRROR_TOL = 0.5


def rendered() -> tuple[np.ndarray, dict]:
    if not RENDERED.is_file():
        pytest.skip(f"rendered person {RENDERED.name} not available (../shared/synthetic)")
    truth = json.loads(RENDERED.with_suffix(".json").read_text())
    return load_image(RENDERED).rgb, truth


def true_tilt(truth: dict, part: str) -> float:
    """Our convention (positive: the subject's left higher); the render's JSON states the opposite."""
    j = truth["joints_2d_px"]
    return float(g.tilt_deg(j[f"left_{part}"], j[f"right_{part}"]))


@pytest.fixture(scope="module")
def rendered_readings(augmented_analyzer):
    rgb, truth = rendered()
    return augmented_analyzer.read(rgb), truth


@pytest.fixture(scope="module")
def rendered_result(augmented_analyzer, rendered_readings):
    readings, truth = rendered_readings
    return augmented_analyzer.combine(readings), truth


def test_refine_variants_are_a_mirror_closed_subset():
    variants, refined = augment.VARIANT_SETS["default"]
    assert set(refined) <= set(variants) and variants[0] == augment.Variant() and variants[0] in refined
    assert len(refined) >= MIN_REFINED_VARIANTS
    for v in refined:
        assert augment.Variant(not v.flip, -v.rotate_deg, v.crop) in refined


@pytest.mark.slow
def test_a_subset_of_a_larger_reading_is_that_set_s_analysis(augmented_analyzer):
    # benchmarks/cost.py measures every candidate set this way: one reading of all variants, many subsets.
    rgb, _ = rendered()
    readings = augmented_analyzer.read(rgb, augment.VARIANTS, augment.VARIANTS)
    assert [r.variant for r in readings.person] == list(augment.VARIANTS)
    subset = augmented_analyzer.combine(readings, *augment.VARIANT_SETS["default"])
    assert subset.to_dict() == augmented_analyzer.analyze(rgb).to_dict()


def test_pelvic_headline_is_the_silhouette_and_closer_to_the_truth(rendered_result):
    m, truth = rendered_result
    pe, sh, sp = m.metrics[PE], m.metrics[SH], m.metrics[SP]
    truth_pe = true_tilt(truth, "hip")
    assert pe.method == "silhouette" and pe.method_reason is None
    assert abs(pe.value - truth_pe) <= 1.0
    assert abs(pe.landmark_value - truth_pe) > abs(pe.value - truth_pe)
    assert pe.uncertainty >= 0.2
    # The side and height difference follow the headline, not the landmarks.
    assert pe.higher_side == ("left" if pe.value > 0 else "right")
    assert np.sign(pe.height_diff_pct) == np.sign(pe.value)
    assert sh.method in ("silhouette", "landmarks") and sh.landmark_value is not None
    assert sp.value == pytest.approx(sh.value - pe.value)
    # Each of the three is then widened for the body's turn by its own coupling (posture.view), the
    # difference's being close to the two others' in quadrature.
    assert sp.uncertainty == pytest.approx(np.hypot(sh.uncertainty, pe.uncertainty), rel=0.05)
    # The refinement object: the points used, in the photo's pixels, and each pair's status.
    pelvis = m.refinement.pelvis
    assert pelvis.refined and pelvis.method == "silhouette" and pelvis.points is not None
    assert pelvis.variants_refined >= MIN_REFINED_VARIANTS
    assert pelvis.variants_tried <= len(augment.VARIANT_SETS["default"][1])
    (lx, ly), (rx, ry) = pelvis.points
    hips = truth["joints_2d_px"]
    assert lx > hips["left_hip"][0] > hips["right_hip"][0] > rx  # outline outside the joints
    assert abs(ly - hips["left_hip"][1]) < 100 and abs(ry - hips["right_hip"][1]) < 100
    assert len(pelvis.variant_left_px) == pelvis.variants_refined
    assert pelvis.contour_left_px and pelvis.contour_right_px
    assert m.method.refine_variants == tuple(v.label for v in augment.VARIANT_SETS["default"][1])


@pytest.mark.parametrize("roll", [4.0, -6.0])
def test_a_stated_camera_roll_levels_the_outline_as_it_levels_the_landmarks(
    augmented_analyzer, rendered_readings, roll
):
    # --level: every tilt, from the outline or the landmarks, is relative to true horizontal, the
    # photo's roll removed (facing the camera, a roll lifts the person's left: it is subtracted).
    readings, _ = rendered_readings
    base = augmented_analyzer.combine(readings)
    levelled = replace(readings, assumptions=replace(readings.assumptions, level_mode="manual", roll_deg=roll))
    m = augmented_analyzer.combine(levelled)
    assert base.subject.view == m.subject.view == "front"
    assert m.metrics[PE].method == base.metrics[PE].method == "silhouette"
    for name in (SH, PE):
        a, b = base.metrics[name], m.metrics[name]
        assert b.method == a.method, name
        assert b.value == pytest.approx(a.value - roll, abs=1e-6), name
        assert b.landmark_value == pytest.approx(a.landmark_value - roll, abs=1e-6), name
    assert m.metrics[SP].value == pytest.approx(base.metrics[SP].value, abs=1e-6)


def test_json_round_trips_at_version_2_and_version_1_still_loads(rendered_result):
    m, _ = rendered_result
    d = json.loads(json.dumps(m.to_dict()))
    assert d["schema_version"] == SCHEMA_VERSION == 4
    assert d["metrics"][PE]["method"] == "silhouette" and "landmark_value" in d["metrics"][PE]
    back = PostureMeasurement.from_dict(d)
    assert back.to_dict() == d
    assert back.metrics[PE].method == "silhouette" and back.refinement == m.refinement
    # A version-1 object (before the refinement) has none of the new fields.
    v1 = json.loads(json.dumps(d))
    v1["schema_version"] = 1
    del v1["refinement"]
    for metric in v1["metrics"].values():
        for k in ("method", "landmark_value", "method_reason"):
            metric.pop(k, None)
    old = PostureMeasurement.from_dict(v1)
    assert old.refinement is None
    assert old.metrics[PE].method is None and old.metrics[PE].landmark_value is None
    assert old.metrics[PE].value == d["metrics"][PE]["value"]


def test_fast_mode_does_no_refinement(analyzer):
    rgb, _ = rendered()
    m = analyzer.analyze(rgb)
    assert m.refinement is None and m.method.refine_variants == ()
    for name in (SH, PE):
        assert m.metrics[name].method == "landmarks"
        assert m.metrics[name].landmark_value == m.metrics[name].value
        assert "fast" in m.metrics[name].method_reason
    assert not any("outline" in w for w in m.warnings)


def test_mirror_symmetry_holds_with_the_refinement(augmented_analyzer):
    rgb = load_image(photo(MIRROR_PHOTO)).rgb
    orig = augmented_analyzer.analyze(rgb)
    flipped = augmented_analyzer.analyze(np.ascontiguousarray(rgb[:, ::-1]))
    for m in (orig, flipped):
        assert m.refinement is not None
    a, b = orig.metrics[SH], flipped.metrics[SH]
    assert a.method == b.method
    assert b.value == pytest.approx(-a.value, abs=MIRROR_TOL)
    # Declared a mirror image, the sides are the subject's own again: the refined points too.
    with Analyzer(Settings(mirrored=True)) as mirrored:
        declared = mirrored.analyze(np.ascontiguousarray(rgb[:, ::-1]))
    for name in (SH, PE):
        assert declared.metrics[name].method == orig.metrics[name].method
        assert declared.metrics[name].value == pytest.approx(orig.metrics[name].value, abs=MIRROR_TOL)
    # A pair that falls back keeps the landmark value, widened, with the reason and a warning.
    for m in (orig, flipped):
        for name in (SH, PE):
            metric = m.metrics[name]
            if metric.method == "landmarks":
                assert metric.value == metric.landmark_value and metric.method_reason
                assert metric.uncertainty >= LANDMARK_ERROR_DEG[name]
                assert any(metric.method_reason in w for w in m.warnings)


def _t_quantile(dof: int, p: float) -> float:
    """Student's t quantile (p > 0.5) by integrating its density: independent of the expansion under test."""
    x = np.linspace(0.0, 5.0, 500_001)
    pdf = (
        math.gamma((dof + 1) / 2)
        / (math.sqrt(dof * math.pi) * math.gamma(dof / 2))
        * (1 + x * x / dof) ** (-(dof + 1) / 2)
    )
    cdf = 0.5 + np.concatenate([[0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(x))])
    return float(np.interp(p, cdf, x))


@pytest.mark.parametrize("dof", [3, 4, 5, 7, 11])
def test_t_one_sigma_is_student_s_quantile(dof):
    # The one-sigma level of the normal, Phi(1).
    assert t_one_sigma(dof) == pytest.approx(_t_quantile(dof, 0.8413447), rel=0.004)
    assert t_one_sigma(dof) > t_one_sigma(dof + 1) > 1.0


FLIPS = [False, True] * 6
# (tilts, per-variant standard errors, flipped, outline used): the rule as a table. No share of
# the variants tried is asked for; four that agree, flipped and unflipped, make the headline.
RULE_CASES = [
    ([3.0, 3.2, 3.1], [0.5] * 3, FLIPS[:3], False),  # too few
    ([3.0, 3.2, 3.1, 3.3], [0.5] * 4, [False] * 4, False),  # one flip only
    ([3.0, 3.2, 3.1, 3.3], [0.5] * 4, [True] * 4, False),
    ([3.0, 3.2, 3.1, 3.3], [0.5] * 4, FLIPS[:4], True),  # 4 of however many were tried
    ([3.0, 3.2, 3.1, 3.3, 3.0], [0.5] * 5, [True, True, True, True, False], True),
    ([0.1] * 12, [0.05] * 12, FLIPS, True),
    ([-0.2, 4.3, 3.4, 2.2], [0.6, 0.9, 0.5, 0.7], FLIPS[:4], True),  # scattered: a wide uncertainty
]


@pytest.mark.parametrize(("tilts", "ses", "flipped", "used"), RULE_CASES)
def test_outline_headline_rule(tilts, ses, flipped, used):
    t, se = np.array(tilts), np.array(ses)
    got = outline_headline(t, se, np.array(flipped))
    assert (got is not None) == used
    if got is None:
        return
    value, unc = got
    assert value == pytest.approx(np.median(t))
    # Every refined variant counts: the spread is their standard deviation, inflated for few of them.
    assert unc >= t_one_sigma(len(t) - 1) * np.std(t, ddof=1) - 1e-12
    assert unc >= np.median(se) and unc >= UNCERTAINTY_FLOOR["deg"]
    assert unc == pytest.approx(
        max(t_one_sigma(len(t) - 1) * np.std(t, ddof=1), np.median(se), UNCERTAINTY_FLOOR["deg"])
    )


def test_outline_headline_is_mirror_symmetric():
    # The mirror image: every tilt negated, every variant's flip the other way round.
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 13))
        tilts, ses, flipped = rng.normal(2.0, 1.5, n), rng.uniform(0.1, 2.0, n), rng.random(n) < 0.5
        a, b = outline_headline(tilts, ses, flipped), outline_headline(-tilts, ses, ~flipped)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert b[0] == pytest.approx(-a[0]) and b[1] == pytest.approx(a[1])


def test_fallback_uncertainty_covers_the_outline_reading():
    rng = np.random.default_rng(11)
    for _ in range(200):
        landmark, unc, least = rng.normal(0, 3), rng.uniform(0, 3), rng.uniform(0.5, 2)
        tilts = rng.normal(rng.normal(0, 4), 1.0, int(rng.integers(0, 4)))
        got = fallback_uncertainty(landmark, unc, least, tilts)
        assert got is not None and got >= max(unc, least)
        if len(tilts):
            # The landmark value +- its uncertainty reaches the reading of the variants that did read the outline.
            assert abs(float(np.median(tilts)) - landmark) <= got
        else:
            assert got == max(unc, least)
    assert fallback_uncertainty(1.0, None, 0.7, np.array([3.0])) is None


def _pelvis_kept_on(readings, keep):
    """``readings`` with the pelvis's refinement failed on every variant but those ``keep`` accepts."""
    failed = RefinedPair.failed("kept out by the test", Cause("too_uncertain"))
    person = [
        r if r.refined is None or keep(r.variant) else replace(r, refined={**r.refined, "pelvis": failed})
        for r in readings.person
    ]
    return replace(readings, person=person)


@pytest.mark.parametrize(
    ("keep", "outline"),
    [
        # Four of twelve, mirrored and not: the outline, whatever share of the variants that is.
        (lambda v: v.rotate_deg == 0, True),
        # Six, all unmirrored: the landmarks, saying why.
        (lambda v: not v.flip, False),
        # Two: too few.
        (lambda v: v.rotate_deg == 0 and not v.crop, False),
    ],
)
def test_the_rule_in_the_analysis(augmented_analyzer, rendered_readings, keep, outline):
    readings, _ = rendered_readings
    m = augmented_analyzer.combine(_pelvis_kept_on(readings, keep))
    pe, status = m.metrics[PE], m.refinement.pelvis
    kept = sum(keep(r.variant) for r in readings.person if r.refined is not None)
    assert status.variants_refined == kept and status.variants_tried == 12
    assert pe.method == ("silhouette" if outline else "landmarks")
    if outline:
        return
    assert pe.value == pe.landmark_value and f"{kept} of 12 variants refined" in pe.method_reason
    assert ("unmirrored" in pe.method_reason) == (kept >= MIN_REFINED_VARIANTS)
    assert any(pe.method_reason in w for w in m.warnings)
    # The landmark value's uncertainty reaches the reading of the variants that did read the outline.
    tilts = [
        g.tilt_deg(np.array(lp), np.array(rp))
        for lp, rp in zip(status.variant_left_px, status.variant_right_px, strict=True)
    ]
    assert abs(float(np.median(tilts)) - pe.value) <= pe.uncertainty + 0.1


def test_the_reason_given_is_that_of_the_most_common_cause() -> None:
    # 5 variants too uncertain, each with its own standard error in its words; 3 without landmarks.
    acc = _PairRefinements()
    for se in (1.1, 1.3, 1.5, 1.5, 1.8, None, None, None):
        cause = Cause("too_uncertain") if se else Cause("landmarks_not_visible")
        why = f"too straight (standard error {se} degrees)" if se else "landmarks not visible"
        acc.failures[(why, (cause,))] += 1
    assert acc.causes.most_common(1)[0][0] == Cause("too_uncertain")
    assert acc.reason_for(Cause("too_uncertain")) == "too straight (standard error 1.5 degrees)"
    assert acc.reason_for(Cause("landmarks_not_visible")) == "landmarks not visible"
    assert _PairRefinements().reason_for(None) == "too few variants refined"
