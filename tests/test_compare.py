"""posture.compare: the verdict rule, per-metric comparison, capture-condition warnings, JSON."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest

from posture.compare import comparable_values, compare
from posture.compare_text import summary
from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.measure import METRIC_NAMES
from posture.noise import MDC95, MDC95_SINGLE_PASS
from posture.provenance import Method, Model, Source
from posture.result import Assumptions, LandmarkPoints, Metric, PostureMeasurement, Subject
from posture.stance import STANCE_METRICS, Stance
from posture.verdict import Z95, verdict

L = PoseLandmark


def body(scale: float = 1.0, *, width: int = 1000, height: int = 1500, hips: bool = True) -> LandmarkPoints:
    """Landmarks of an upright body, ``scale`` times the default size, centred in the image."""
    xy = np.full((N_LANDMARKS, 2), np.nan)
    cx, hip_y = width / 2, height * 0.55
    t = 300.0 * scale  # torso length
    pts = {
        L.LEFT_SHOULDER: (cx + 0.45 * t, hip_y - t),
        L.RIGHT_SHOULDER: (cx - 0.45 * t, hip_y - t),
        L.LEFT_HIP: (cx + 0.3 * t, hip_y),
        L.RIGHT_HIP: (cx - 0.3 * t, hip_y),
        L.LEFT_EAR: (cx + 0.2 * t, hip_y - 1.45 * t),
        L.RIGHT_EAR: (cx - 0.2 * t, hip_y - 1.45 * t),
        L.NOSE: (cx, hip_y - 1.4 * t),
    }
    for p, v in pts.items():
        xy[p] = v
    vis = np.where(np.isfinite(xy).all(axis=1), 0.99, np.nan)
    if not hips:
        vis[[L.LEFT_HIP, L.RIGHT_HIP]] = 0.1
    return Landmarks(xy=xy, visibility=vis, presence=vis, width=width, height=height).to_points()


def meas(
    values: dict[str, float | None] | None = None,
    *,
    u: float | None = None,
    scale: float = 1.0,
    view: str = "front",
    mirrored: bool = False,
    level_mode: str = "none",
    roll: float = 0.0,
    sha: str | None = None,
    hips: bool = True,
    path: str = "p.jpg",
    turn: float | None = 5.0,
    passes: int = 20,
) -> PostureMeasurement:
    values = values or {}
    metrics = {}
    for n in METRIC_NAMES:
        unit = "%" if n.endswith("_pct") else "deg"
        v = values.get(n, 1.0)
        metrics[n] = (
            Metric.missing(unit, "left hip not visible enough")
            if v is None
            else Metric(value=v, unit=unit, uncertainty=u)
        )
    return PostureMeasurement(
        status="measured",
        message="measured",
        source=Source(path=path, sha256=sha),
        model=Model(),
        assumptions=Assumptions(mirrored=mirrored, level_mode=level_mode, roll_deg=roll),
        subject=Subject(view=view, people_detected=1, turn_deg=turn),  # type: ignore[arg-type]
        metrics=metrics,
        method=Method(passes=passes, min_score=0.5),
        landmarks=body(scale, hips=hips),
    )


# --- the verdict rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after, ub, ua, mdc, band, expected",
    [
        # Within the threshold: within noise, whatever the sizes or sides.
        (2.0, 1.5, 0.3, 0.3, None, 0.0, "within_noise"),
        (-2.0, -1.5, 0.3, 0.3, None, 0.0, "within_noise"),
        (0.3, -0.3, 0.3, 0.3, None, 0.0, "within_noise"),  # sides switched, change 0.6 <= 0.83
        (2.0, 0.0, None, None, 2.0, 0.0, "within_noise"),  # exactly at the threshold: not beyond it
        (2.0, 0.5, None, None, 2.0, 0.0, "within_noise"),  # MDC alone decides
        (3.0, 0.5, 0.1, 0.1, 3.0, 0.0, "within_noise"),  # MDC larger than the uncertainty limit
        (3.0, 0.5, 1.0, 1.0, 0.5, 0.0, "within_noise"),  # uncertainty limit 2.77 larger than the MDC
        # Beyond it, the same side: smaller is improved, larger worse; both signs.
        (2.0, 0.5, 0.3, 0.3, None, 0.0, "improved"),  # 1.5 > 1.96 * 0.42
        (-4.0, -1.0, 0.2, 0.2, None, 0.0, "improved"),
        (3.0, 0.5, None, None, 2.0, 0.0, "improved"),
        (1.0, 3.0, 0.2, 0.2, None, 0.0, "worse"),
        (-1.0, -4.0, 0.2, 0.2, None, 0.0, "worse"),
        # Beyond it and across level, each photo showing a side: reversed, whatever the sizes.
        (-13.1, 9.0, 0.5, 0.5, 1.2, 0.5, "reversed"),  # right higher by 13.1 -> left higher by 9
        (13.1, -9.0, 0.5, 0.5, 1.2, 0.5, "reversed"),
        (-3.3, 3.9, 0.5, 0.7, 1.2, 0.5, "reversed"),
        (3.0, -3.0, 0.2, 0.2, None, 0.0, "reversed"),  # same size
        (3.0, -1.0, 0.2, 0.2, None, 0.0, "reversed"),  # smaller, but on the other side
        (-1.0, 3.0, 0.2, 0.2, None, 0.0, "reversed"),
        (2.0, -2.0, None, None, 1.2, 0.0, "reversed"),  # MDC alone: one photo's noise 1.2 / sqrt 2
        # Across zero but one photo within its own noise of level: by size.
        (13.1, -0.5, 1.0, 1.0, None, 0.0, "improved"),  # -0.5 within 1.96
        (3.0, -0.3, 0.1, 0.1, None, 0.5, "improved"),  # -0.3 inside the level band
        (-0.3, 3.0, 0.1, 0.1, None, 0.5, "worse"),  # was level, now the left side higher
        (-1.0, 1.2, None, None, 2.0, 0.0, "worse"),  # both within their own noise (1.41) of level: by size
        # Nothing known: no verdict.
        (2.0, 0.5, None, None, None, 0.0, "uncertainty_unknown"),
        (2.0, 0.5, 0.3, None, None, 0.0, "uncertainty_unknown"),  # one uncertainty is not enough
        (5.0, -5.0, None, None, None, 0.0, "uncertainty_unknown"),
    ],
)
def test_verdict_table(before, after, ub, ua, mdc, band, expected):
    assert verdict(before, after, ub, ua, mdc, band)[0] == expected


def test_verdict_returns_combined_uncertainty_and_threshold():
    _, combined, threshold = verdict(2.0, 0.0, 0.3, 0.4, 0.5)
    assert combined == pytest.approx(0.5)
    assert threshold == pytest.approx(max(0.5, Z95 * 0.5))
    assert verdict(1.0, 2.0, None, None, None)[1:] == (None, None)


def _random_pair(rng):
    b, a = (float(x) for x in rng.normal(0, 4, 2))
    ub, ua = (None if rng.random() < 0.3 else float(abs(rng.normal(0, 1))) for _ in range(2))
    mdc = None if rng.random() < 0.3 else float(abs(rng.normal(0, 2)))
    return b, a, ub, ua, mdc, float(rng.choice([0.0, 0.5, 2.0]))


def test_verdict_follows_the_signed_change():
    """An independent statement of the rule, over random pairs."""
    rng = np.random.default_rng(7)
    for _ in range(3000):
        b, a, ub, ua, mdc, band = _random_pair(rng)
        v, combined, threshold = verdict(b, a, ub, ua, mdc, band)
        limits = [x for x in (mdc, None if combined is None else Z95 * combined) if x is not None]
        if not limits:
            assert v == "uncertainty_unknown"
            continue
        assert threshold == pytest.approx(max(limits))
        if abs(a - b) <= max(limits):
            assert v == "within_noise"
            continue
        own_noise = [band] + ([mdc / math.sqrt(2)] if mdc is not None else [])
        shows_side = [abs(x) > max([*own_noise, *([Z95 * u] if u is not None else [])]) for x, u in ((b, ub), (a, ua))]
        if b * a < 0 and all(shows_side):
            assert v == "reversed"
        else:
            assert v == ("improved" if abs(a) < abs(b) else "worse")


def test_verdict_is_symmetric():
    """Mirroring both photos (every sign flipped) changes nothing; swapping them turns improved into
    worse and back, and keeps a reversal or noise as it is."""
    rng = np.random.default_rng(11)
    swapped = {"improved": "worse", "worse": "improved"}
    for _ in range(2000):
        b, a, ub, ua, mdc, band = _random_pair(rng)
        v = verdict(b, a, ub, ua, mdc, band)
        assert verdict(-b, -a, ub, ua, mdc, band) == v
        back = verdict(a, b, ua, ub, mdc, band)[0]
        if abs(abs(a) - abs(b)) > 1e-9:
            assert back == swapped.get(v[0], v[0])


REVERSED_TEXT = {
    "shoulder_tilt_deg": "left higher",
    "pelvic_tilt_deg": "left higher",
    "knee_tilt_deg": "left higher",
    "head_tilt_deg": "left ear higher",
    "shoulder_pelvis_tilt_deg": "left higher relative to the hip line",
    "trunk_lean_deg": "leaning left",
    "head_shift_pct": "towards the left",
    "pelvis_shift_pct": "towards the left",
}


@pytest.mark.parametrize("name", METRIC_NAMES)
@pytest.mark.parametrize(
    "before, after, expected",
    [
        (-6.0, 5.0, "reversed"),
        (6.0, -5.0, "reversed"),
        (-6.0, -3.0, "improved"),
        (6.0, 3.0, "improved"),
        (3.0, 6.0, "worse"),
        (-3.0, -6.0, "worse"),
        (6.0, 5.5, "within_noise"),
        (-6.0, -5.5, "within_noise"),
        (-0.2, 0.2, "within_noise"),
    ],
)
def test_every_signed_metric_reads_the_signed_change(name, before, after, expected):
    # u 0.3 in both photos: threshold 1.96 * 0.42 = 0.83; a photo shows a side beyond 0.59 (2 for %).
    c = compare([meas({name: before}, u=0.3), meas({name: after}, u=0.3)])
    p = c.metric(name).overall
    assert p.verdict == expected
    assert p.change == pytest.approx(after - before)
    if expected == "reversed":
        side = "left" if after > 0 else "right"
        assert p.verdict_text == "Reversed: " + REVERSED_TEXT[name].replace("left", side) + " now"
        assert p.sides == (("right", "left") if after > 0 else ("left", "right"))
        assert "crossed level" in p.note
    else:
        assert (
            p.verdict_text
            == {"improved": "Improved", "worse": "Worse", "within_noise": "Within measurement noise"}[expected]
        )


# --- compare() --------------------------------------------------------------------------------


def test_compare_two_measurements():
    c = compare(
        [meas({"shoulder_tilt_deg": 3.0}, u=0.3), meas({"shoulder_tilt_deg": -0.8}, u=0.3)],
        mdc={"shoulder_tilt_deg": 1.0},
    )
    mc = c.metric("shoulder_tilt_deg")
    assert mc.values == (3.0, -0.8) and len(mc.pairs) == 1 and mc.visits == mc.pairs
    p = mc.overall
    assert (p.first, p.second, p.values) == (0, 1, (3.0, -0.8))
    assert p.change == pytest.approx(-3.8)
    assert p.size_change == pytest.approx(-2.2)
    assert p.combined_uncertainty == pytest.approx(math.hypot(0.3, 0.3))
    assert p.threshold == pytest.approx(1.0)
    # -0.8 is beyond the after photo's own noise (max(0.5, 1.0 / sqrt 2, 1.96 * 0.3) = 0.71).
    assert p.verdict == "reversed" and p.sides == ("left", "right")
    assert p.verdict_text == "Reversed: right higher now"
    assert "left higher in the before photo, right higher in the after photo" in p.note
    assert c.metric("pelvic_tilt_deg").overall.verdict == "within_noise"  # 1.0 -> 1.0
    assert [m.name for m in c.metrics] == list(METRIC_NAMES)
    assert c.comparable


def test_without_any_noise_estimate_nothing_is_improved():
    c = compare([meas({"shoulder_tilt_deg": 8.0}), meas({"shoulder_tilt_deg": 0.0})])
    assert {mc.overall.verdict for mc in c.metrics} == {"uncertainty_unknown"}
    assert "cannot be told apart" in c.metric("shoulder_tilt_deg").overall.note


def test_missing_metric_is_not_comparable_with_the_reason():
    c = compare([meas(), meas({"pelvic_tilt_deg": None})])
    p = c.metric("pelvic_tilt_deg").overall
    assert p.verdict == "not_comparable"
    assert "after photo" in p.note and "left hip not visible enough" in p.note
    assert p.change is None and p.threshold is None and p.sides is None
    assert any("Landmarks missing in the after photo" in w for w in c.warnings)


def test_three_photos_have_a_pair_for_every_visit_and_first_to_last():
    ms = [meas({"shoulder_tilt_deg": v}, u=0.2) for v in (4.0, None, 1.0, -3.0)]
    c = compare(ms, dates=[datetime(2024, m, 1) for m in (1, 2, 3, 4)])
    mc = c.metric("shoulder_tilt_deg")
    assert [(p.first, p.second) for p in mc.pairs] == [(0, 1), (1, 2), (2, 3), (0, 3)]
    assert mc.visits == mc.pairs[:3] and mc.overall is mc.pairs[3]
    assert [p.verdict for p in mc.pairs] == ["not_comparable", "not_comparable", "reversed", "reversed"]
    assert "not measured in photo 2" in mc.pairs[0].note and "not measured in photo 2" in mc.pairs[1].note
    assert mc.pairs[2].verdict_text == "Reversed: right higher now"
    assert any("photo 2" in w for w in c.warnings)
    text = summary(c)
    assert "photo 3 -> 4: left higher by 1.0° -> right higher by 3.0°" in text
    assert "photo 1 -> 4 (first to last): left higher by 4.0° -> right higher by 3.0°" in text


def test_needs_two_measurements_and_matching_dates():
    with pytest.raises(ValueError, match="at least two"):
        compare([meas()])
    with pytest.raises(ValueError, match="dates"):
        compare([meas(), meas()], dates=[None])


def test_json_form():
    c = compare(
        [meas(u=0.25), meas(u=0.25)],
        dates=[datetime(2024, 1, 5), None],
        date_sources=["exif", None],
        mdc={"shoulder_tilt_deg": 1.5},
    )
    d = json.loads(json.dumps(c.to_dict()))
    assert d["schema"] == "posture.comparison" and d["schema_version"] == 2
    assert d["photos"][0]["date"] == "2024-01-05T00:00:00" and d["photos"][0]["date_source"] == "exif"
    assert d["photos"][1]["date"] is None
    assert d["anchor"] == "hips"
    # the torso (300 px) over the photo's diagonal (1000 x 1500 px)
    assert [p["body_scale"] for p in d["photos"]] == [round(300 / math.hypot(1000, 1500), 4)] * 2
    s = d["metrics"]["shoulder_tilt_deg"]
    assert s["mdc"] == 1.5 and s["uncertainties"] == [0.25, 0.25]
    (pair,) = s["pairs"]
    # 1.0 in both: within one photo's noise of level (MDC 1.5 / sqrt 2 = 1.06).
    assert pair["photos"] == [0, 1] and pair["verdict"] == "within_noise" and pair["sides"] == ["level", "level"]
    assert pair["compared_on"] == {"shoulder_tilt_deg": "landmarks"}
    assert set(d["metrics"]) == set(METRIC_NAMES)


def test_json_carries_every_pair_verdict_as_typed_fields():
    ms = [meas({"trunk_lean_deg": v}, u=0.3) for v in (-4.0, 3.0, 1.0)]
    c = compare(ms)
    d = json.loads(json.dumps(c.to_dict()))["metrics"]["trunk_lean_deg"]
    typed = c.metric("trunk_lean_deg").pairs
    assert [p["photos"] for p in d["pairs"]] == [[0, 1], [1, 2], [0, 2]]
    assert [p["verdict"] for p in d["pairs"]] == [p.verdict for p in typed] == ["reversed", "improved", "reversed"]
    assert [p["sides"] for p in d["pairs"]] == [["right", "left"], ["left", "left"], ["right", "left"]]
    assert [p["change"] for p in d["pairs"]] == [7.0, -2.0, 5.0]


def test_summary_is_plain_text():
    text = summary(compare([meas({"shoulder_tilt_deg": 3.0}), meas({"shoulder_tilt_deg": 1.0})]))
    assert "Shoulders: left higher by 3° -> left higher by 1° (change: 2°, right side up). Uncertainty unknown." in text
    text = summary(
        compare(
            [meas({"shoulder_tilt_deg": -13.1}, u=0.4), meas({"shoulder_tilt_deg": 9.0}, u=0.5)],
            mdc={"shoulder_tilt_deg": 1.2},
        )
    )
    assert (
        "Shoulders: right higher by 13.1° -> left higher by 9.0° (change: 22.1° ± 0.6°, left side up). "
        "Reversed: left higher now." in text
    )


# --- capture-condition warnings ---------------------------------------------------------------


def _warnings(*ms: PostureMeasurement) -> str:
    return "\n".join(compare(list(ms)).warnings)


def test_no_warnings_for_matching_photos():
    assert compare([meas(), meas(scale=1.1)]).warnings == ()


def test_camera_distance_warning_above_15_percent():
    w = _warnings(meas(), meas(scale=0.8))
    assert "Camera distance or zoom differs" in w and "25% larger in the before photo than in the after photo" in w
    assert "times as large" in _warnings(meas(scale=0.4), meas())


def test_scale_uses_shoulders_when_a_torso_is_missing():
    c = compare([meas(hips=False), meas(scale=0.5)])
    assert c.anchor == "shoulders"
    assert "Camera distance" in "\n".join(c.warnings)


def test_view_mirror_roll_turn_and_same_file_warnings():
    assert "faces away" in _warnings(meas(), meas(view="back"))
    assert "analysed as a mirror image" in _warnings(meas(mirrored=True), meas())
    assert "corrected in some photos" in _warnings(meas(level_mode="manual", roll=2.0), meas())
    assert "rolled differently" in _warnings(meas(level_mode="manual", roll=2.0), meas(level_mode="manual", roll=-1.0))
    assert "turned differently" in _warnings(meas(turn=3.0), meas(turn=25.0))
    # the turn's warning starts past 10 degrees apart, the roll's past 1
    assert "turned differently" in _warnings(meas(turn=3.0), meas(turn=13.5))
    assert "turned differently" not in _warnings(meas(turn=3.0), meas(turn=12.5))
    assert "rolled differently" not in _warnings(
        meas(level_mode="manual", roll=2.0), meas(level_mode="manual", roll=1.1)
    )
    assert "same file" in _warnings(meas(sha="ab"), meas(sha="ab"))


@pytest.mark.parametrize(
    ("stance", "said"),
    [
        (Stance(0.30, "right", 0.02, "left"), "In the after photo the right knee is bent or the right foot lifted"),
        (Stance(0.02, "right", 0.15, "left"), "In the after photo the left foot is raised"),
        (Stance(0.05, "right", 0.05, "left"), None),  # even
        (None, None),  # legs not seen
    ],
)
def test_an_uneven_stance_leaves_the_lines_it_moves_uncompared(stance, said):
    after = meas()
    assert after.subject is not None
    after = replace(after, subject=replace(after.subject, stance=stance))
    c = compare([meas(), after])
    w = "\n".join(c.warnings)
    moved = {mc.name: mc.overall for mc in c.metrics if mc.name in STANCE_METRICS}
    assert len(moved) == len(STANCE_METRICS)
    if said is None:
        assert "stance" not in w
        assert all(p.verdict != "not_comparable" for p in moved.values())
    else:
        assert said + ": the hip line, the knees and the pelvis over the feet measure the stance there" in w
        for p in moved.values():
            assert (
                p.verdict == "not_comparable" and f"uneven stance in the after photo ({stance.uneven[0]} leg)" == p.note
            )
    # the shoulders and the head stand on the stance's other end: still compared
    assert c.metric("shoulder_tilt_deg").overall.verdict != "not_comparable"


def test_dates_out_of_order_warning():
    c = compare([meas(), meas()], dates=[datetime(2024, 5, 1), datetime(2024, 1, 1)])
    assert any("not in the order given" in w for w in c.warnings)


def test_unmeasured_photo():
    bad = replace(meas(), status="no_person", message="no person found in the photo", landmarks=None, subject=None)
    bad = replace(bad, metrics={n: Metric.missing(m.unit, "no person") for n, m in bad.metrics.items()})
    c = compare([meas(), bad])
    assert not c.comparable
    assert "The after photo could not be measured: no person found" in "\n".join(c.warnings)


def test_all_lines_turning_alike_suggests_a_camera_roll():
    before = meas({"shoulder_tilt_deg": 1.0, "pelvic_tilt_deg": -0.5, "knee_tilt_deg": 0.0})
    rolled = meas({"shoulder_tilt_deg": 6.5, "pelvic_tilt_deg": 4.0, "knee_tilt_deg": 5.0})
    assert "what a camera held at a different tilt does" in _warnings(before, rolled)
    only_shoulders = meas({"shoulder_tilt_deg": 6.5, "pelvic_tilt_deg": -0.5, "knee_tilt_deg": 0.0})
    assert "camera held" not in _warnings(before, only_shoulders)


# --- like with like -------------------------------------------------------------------------


def with_methods(m: PostureMeasurement, **tilts: tuple[str, float, float]) -> PostureMeasurement:
    """``m`` with tilts given as (method, headline, landmark-only value), and the shoulders-vs-hip
    line difference of the headlines."""
    metrics = dict(m.metrics)
    for name, (method, value, landmark) in tilts.items():
        metrics[name] = replace(metrics[name], value=value, method=method, landmark_value=landmark)
    sh, pv = metrics["shoulder_tilt_deg"].value, metrics["pelvic_tilt_deg"].value
    metrics["shoulder_pelvis_tilt_deg"] = replace(metrics["shoulder_pelvis_tilt_deg"], value=sh - pv)
    return replace(m, metrics=metrics)


def test_tilts_by_different_methods_are_compared_on_the_landmarks() -> None:
    # The outline says 4 degrees in both photos; the landmarks, which under-read, 2.5 and 2.6. The
    # refinement fell back in the after photo: headlines 4 -> 2.6 would look like an improvement.
    before = with_methods(
        meas(u=0.3), shoulder_tilt_deg=("silhouette", 4.0, 2.5), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    after = with_methods(
        meas(u=0.7), shoulder_tilt_deg=("landmarks", 2.6, 2.6), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    c = compare([before, after], mdc={"shoulder_tilt_deg": 1.2})
    sh = c.metric("shoulder_tilt_deg")
    assert sh.values == (4.0, 2.6)  # each photo's own headline
    p = sh.overall
    assert p.values == (2.5, 2.6) and p.on_landmarks and p.compared_on == (("shoulder_tilt_deg", "landmarks"),)
    assert p.uncertainties == (0.7, 0.7)  # the silhouette photo's landmark value: landmark-only uncertainty
    assert p.verdict == "within_noise"
    assert "joint landmarks in both photos" in p.note
    both = c.metric("shoulder_pelvis_tilt_deg").overall
    assert both.values == pytest.approx((1.5, 1.6)) and both.on_landmarks
    # the two lines' uncertainties in quadrature: the shoulders' landmark-only 0.7 with the hips' own
    assert both.uncertainties == pytest.approx((math.hypot(0.7, 0.3), math.hypot(0.7, 0.7)))
    assert not c.metric("pelvic_tilt_deg").overall.on_landmarks  # same method in both photos: headlines
    assert "methods differ" in summary(c)
    d = json.loads(json.dumps(c.to_dict()))["metrics"]
    assert d["shoulder_tilt_deg"]["pairs"][0]["compared_on"] == {"shoulder_tilt_deg": "landmarks"}
    assert d["shoulder_pelvis_tilt_deg"]["pairs"][0]["compared_on"] == {
        "shoulder_tilt_deg": "landmarks",
        "pelvic_tilt_deg": "landmarks",
    }


def test_tilts_by_the_same_method_are_compared_on_the_headlines() -> None:
    before = with_methods(
        meas(u=0.3), shoulder_tilt_deg=("silhouette", 4.0, 2.5), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    after = with_methods(
        meas(u=0.3), shoulder_tilt_deg=("silhouette", 1.5, 1.0), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    p = compare([before, after], mdc={"shoulder_tilt_deg": 1.2}).metric("shoulder_tilt_deg").overall
    assert p.values == (4.0, 1.5) and not p.on_landmarks and p.compared_on == (("shoulder_tilt_deg", "silhouette"),)
    assert p.verdict == "improved"


def test_a_photo_in_between_does_not_change_the_first_to_last_verdict() -> None:
    # Photos 1 and 3 have the shoulders from the outline, photo 2 from the landmarks (the
    # refinement fell back): 1 -> 3 is compared on the outline whether or not 2 is in the report.
    one = with_methods(
        meas(u=0.3), shoulder_tilt_deg=("silhouette", -3.3, -4.8), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    two = with_methods(
        meas(u=1.7), shoulder_tilt_deg=("landmarks", -6.8, -6.8), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    three = with_methods(
        meas(u=0.7), shoulder_tilt_deg=("silhouette", -2.7, -3.8), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    mdc = {"shoulder_tilt_deg": 1.2}
    alone = compare([one, three], mdc=mdc).metric("shoulder_tilt_deg").overall
    with_two = compare([one, two, three], mdc=mdc).metric("shoulder_tilt_deg")
    assert alone.values == with_two.overall.values == (-3.3, -2.7)
    assert alone.verdict == with_two.overall.verdict == "within_noise"
    assert [p.on_landmarks for p in with_two.pairs] == [True, True, False]
    assert with_two.pairs[0].values == (-4.8, -6.8)


def _random_photo(rng) -> PostureMeasurement:
    """A measurement with random signed values, uncertainties (sometimes none), and shoulder and
    pelvic tilts from the outline or the landmarks (sometimes not measured)."""
    u = None if rng.random() < 0.2 else float(rng.uniform(0.1, 1.5))
    values = {n: (None if rng.random() < 0.1 else float(rng.normal(0, 5))) for n in METRIC_NAMES}
    m = meas(values, u=u)
    tilts = {}
    for name in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
        v = m.metrics[name].value
        if v is not None:
            method = "silhouette" if rng.random() < 0.5 else "landmarks"
            tilts[name] = (method, v * 0.7 + float(rng.normal(0, 0.5)) if method == "silhouette" else v)
    metrics = dict(m.metrics)
    for name, (method, landmark) in tilts.items():
        metrics[name] = replace(metrics[name], method=method, landmark_value=landmark)
    return replace(m, metrics=metrics)


def _pair_facts(p):
    """Everything a pair says that depends on its two photos (not their numbers in the report)."""
    return (p.verdict, p.values, p.uncertainties, p.change, p.threshold, p.sides, p.compared_on, p.on_landmarks)


def test_a_pair_verdict_does_not_depend_on_the_other_photos() -> None:
    rng = np.random.default_rng(5)
    mdc = {"shoulder_tilt_deg": 1.2, "pelvic_tilt_deg": 2.0, "shoulder_pelvis_tilt_deg": 3.3}
    for _ in range(60):
        a, b, c = (_random_photo(rng) for _ in range(3))
        three = compare([a, b, c], mdc=mdc)
        for name in METRIC_NAMES:
            first, second, overall = three.metric(name).pairs
            assert _pair_facts(first) == _pair_facts(compare([a, b], mdc=mdc).metric(name).overall)
            assert _pair_facts(second) == _pair_facts(compare([b, c], mdc=mdc).metric(name).overall)
            assert _pair_facts(overall) == _pair_facts(compare([a, c], mdc=mdc).metric(name).overall)


SINGLE_PASS_WIDER = [n for n in METRIC_NAMES if MDC95_SINGLE_PASS[n] > MDC95[n]]


@pytest.mark.parametrize("name", SINGLE_PASS_WIDER)
@pytest.mark.parametrize(
    "passes, within",
    [
        ((20, 20), False),  # both analysed the default way: beyond their MDC
        ((1, 20), True),  # either photo in a single pass: within a single pass's noise
        ((20, 1), True),
        ((1, 1), True),
    ],
)
def test_a_change_between_the_two_mdcs_counts_only_when_both_photos_are_default(
    name: str, passes: tuple[int, int], within: bool
) -> None:
    change = (MDC95[name] + MDC95_SINGLE_PASS[name]) / 2
    pair = [meas({name: 5.0}, passes=passes[0]), meas({name: 5.0 + change}, passes=passes[1])]
    c = compare(pair, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
    p = c.metric(name).overall
    assert (p.verdict == "within_noise") == within, p.note
    expected = MDC95_SINGLE_PASS[name] if within else MDC95[name]
    assert p.threshold == expected
    d = c.to_dict()["metrics"][name]
    assert d["pairs"][0]["threshold"] == d["mdc"] == expected


def test_each_pair_and_the_series_take_the_single_pass_mdc_only_when_they_hold_a_single_pass_photo() -> None:
    name = "head_tilt_deg"
    ms = [meas({name: 0.0}), meas({name: 0.0}, passes=1), meas({name: 0.0})]
    mc = compare(ms, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS).metric(name)
    assert [p.threshold for p in mc.pairs] == [MDC95_SINGLE_PASS[name]] * 2 + [MDC95[name]]  # 1-2, 2-3, 1-3
    assert mc.mdc == MDC95_SINGLE_PASS[name]  # the trend's band over the series
    assert compare(ms, mdc=MDC95).metric(name).overall.threshold == MDC95[name]  # no single-pass table given


def test_a_single_pass_photo_is_named_in_the_warnings() -> None:
    w = compare([meas(), meas(passes=1)]).warnings
    assert [x for x in w if "single pass" in x] == [
        next(x for x in w if x.startswith("The after photo was measured in a single pass"))
    ]
    assert not any("single pass" in x for x in compare([meas(), meas()]).warnings)


@pytest.mark.parametrize("change", [0.5, -0.5, 0.49, 1.5, -2.5, 0.05, 0.15])
@pytest.mark.parametrize("u", [None, 0.3, 1.4, 4.0])
def test_the_change_column_and_the_note_round_alike(change: float, u: float | None) -> None:
    """A change shown as "none" is one the note would also print as 0, and the reverse."""
    from posture.compare import PairComparison
    from posture.compare_text import change_text
    from posture.wording import number

    p = PairComparison(
        "head_tilt_deg", 0, 1, (1.0, 1.0 + change), (u, u), change, None, u, 1.0, "within_noise", None, ""
    )
    text = change_text(p, "deg")
    printed = number(change, u, "deg").split(" ")[0]  # the magnitude as the note prints it
    assert (text == "none") == (float(printed.rstrip("°")) == 0), (text, printed)


@pytest.mark.parametrize(
    "other",
    [("silhouette", 1.5, 1.0), ("landmarks", 1.0, 1.0), ("markers", 1.6, 1.0), ("manual", 1.2, 0.5)],
)
def test_a_tilt_corrected_by_hand_is_compared_as_corrected(other: tuple[str, float, float]) -> None:
    # The practitioner moved the right shoulder's outline point: the corrected tilt is -8 (right
    # higher); the joint landmarks, untouched, still say +4. The corrected value is the one compared.
    fixed = with_methods(meas(u=0.3), shoulder_tilt_deg=("manual", -8.0, 4.0), pelvic_tilt_deg=("landmarks", 1, 1))
    auto = with_methods(meas(u=0.3), shoulder_tilt_deg=other, pelvic_tilt_deg=("landmarks", 1.0, 1.0))
    c = compare([fixed, auto], mdc={"shoulder_tilt_deg": 1.2})
    p = c.metric("shoulder_tilt_deg").overall
    assert p.values == (-8.0, other[1]) and p.uncertainties == (0.3, 0.3) and not p.on_landmarks
    assert p.by_hand == (True, other[0] == "manual")
    where = "both photos" if other[0] == "manual" else "the before photo"
    assert f"corrected by hand in {where}: compared as corrected" in p.note
    assert f"Corrected by hand in {where}: compared as corrected." in summary(c)
    assert p.compared_on == (("shoulder_tilt_deg", other[0]),)  # what the automatic photo is read on
    pair = json.loads(json.dumps(c.to_dict()))["metrics"]["shoulder_tilt_deg"]["pairs"][0]
    assert pair["by_hand"] == [True, other[0] == "manual"] and pair["values"] == [-8.0, other[1]]
    # Reversed: the corrected photo after.
    back = compare([auto, fixed], mdc={"shoulder_tilt_deg": 1.2}).metric("shoulder_tilt_deg").overall
    assert back.values == (other[1], -8.0) and back.by_hand == (other[0] == "manual", True)


def test_photos_corrected_by_hand_keep_their_value_when_the_others_switch_to_the_landmarks() -> None:
    one = with_methods(meas(u=0.3), shoulder_tilt_deg=("manual", -8.0, 4.0), pelvic_tilt_deg=("landmarks", 1, 1))
    two = with_methods(meas(u=0.3), shoulder_tilt_deg=("silhouette", 3.0, 2.0), pelvic_tilt_deg=("landmarks", 1, 1))
    three = with_methods(meas(u=0.3), shoulder_tilt_deg=("landmarks", 2.5, 2.5), pelvic_tilt_deg=("landmarks", 1, 1))
    values, _, note = comparable_values([one, two, three], "shoulder_tilt_deg")
    assert values == (-8.0, 2.0, 2.5)
    assert note is not None and note.startswith("compared on the joint landmarks in every photo not corrected by hand")
    first, second, overall = compare([one, two, three]).metric("shoulder_tilt_deg").pairs
    assert first.values == (-8.0, 3.0) and second.values == (2.0, 2.5) and overall.values == (-8.0, 2.5)
    assert "corrected by hand in photo 1" in first.note and "by hand" not in second.note
