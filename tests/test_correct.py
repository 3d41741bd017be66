"""Re-measuring from points corrected by hand (posture.correct), on landmarks placed without the model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from correct_support import FRONT, landmarks, measured, silhouette

from posture.correct import PLACEMENT_PX, correct, correctable_points, point_uses
from posture.landmarks import PoseLandmark
from posture.marker_result import Markers, StickerPair, StickerPoint
from posture.refinement_result import OutlineReading
from posture.result import PointMove, PostureMeasurement
from posture.wording import summary

L = PoseLandmark
RNG = np.random.default_rng(7)
CASES = [
    (float(RNG.integers(60, 400)), float(RNG.uniform(0.5, 40))) for _ in range(25)
]  # widths: whole pixels (the JSON keeps 0.1 px)


def _level_shoulders(width: float, mirror: bool = False) -> PostureMeasurement:
    pts = dict(FRONT)
    pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER] = (320 + width / 2, 130.0), (320 - width / 2, 130.0)
    if mirror:  # the photo mirrored, the landmarks keeping the person's own sides
        pts = {p: (640 - x, y) for p, (x, y) in pts.items()}
    return measured(landmarks(pts))


@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("width, d", CASES)
def test_raising_one_shoulder_by_d_tilts_the_shoulders_by_atan_d_over_width(
    width: float, d: float, mirror: bool
) -> None:
    m = _level_shoulders(width, mirror)
    assert m.metrics["shoulder_tilt_deg"].value == 0.0
    for side, sign in (("right_shoulder", -1), ("left_shoulder", 1)):
        x, y = correctable_points(m)[side]
        c = correct(m, {side: [x, y - d]})
        tilt = c.metrics["shoulder_tilt_deg"]
        assert tilt.value == pytest.approx(sign * math.degrees(math.atan(d / width)), abs=1e-9)
        assert tilt.method == "manual" and tilt.higher_side == (
            "left" if sign > 0 and abs(tilt.value) >= 0.5 else "right" if abs(tilt.value) >= 0.5 else "level"
        )
        # Two points each placed within PLACEMENT_PX: sqrt(2) * PLACEMENT_PX over their distance, in radians.
        expected = math.degrees(math.sqrt(2) * PLACEMENT_PX / math.hypot(width, d))
        assert tilt.uncertainty == pytest.approx(max(expected, 0.2), rel=0.05)


def test_only_the_metrics_using_a_moved_point_change_and_the_originals_are_kept() -> None:
    m = measured()
    x, y = correctable_points(m)["right_shoulder"]
    c = correct(m, {"right_shoulder": [x, y - 12]})
    changed = {"shoulder_tilt_deg", "shoulder_pelvis_tilt_deg", "head_shift_pct", "trunk_lean_deg", "pelvis_shift_pct"}
    assert c.correction is not None and set(c.correction.corrected_metrics) == changed
    for name, metric in c.metrics.items():
        if name in changed:
            assert metric.method == "manual" and c.correction.original_metrics[name] == m.metrics[name]
        else:
            assert metric == m.metrics[name]
    assert c.correction.points == {"right_shoulder": PointMove((x, y), (x, y - 12))}
    assert c.landmarks.xy_px[int(L.RIGHT_SHOULDER)] == (x, y - 12)
    sh, pv = c.metrics["shoulder_tilt_deg"], c.metrics["pelvic_tilt_deg"]
    assert c.metrics["shoulder_pelvis_tilt_deg"].value == pytest.approx(sh.value - pv.value)


def test_correcting_again_starts_from_the_original_and_keeps_earlier_moves() -> None:
    m = measured()
    pts = correctable_points(m)
    once = correct(m, {"right_shoulder": [pts["right_shoulder"][0], 120.0]})
    twice = correct(
        once, {"left_hip": [pts["left_hip"][0], 275.0], "right_shoulder": [pts["right_shoulder"][0], 125.0]}
    )
    assert twice.correction is not None and set(twice.correction.points) == {"right_shoulder", "left_hip"}
    assert twice.correction.points["right_shoulder"].from_px == pts["right_shoulder"]
    assert twice.correction.original_metrics["shoulder_tilt_deg"] == m.metrics["shoulder_tilt_deg"]
    direct = correct(m, {"left_hip": [pts["left_hip"][0], 275.0], "right_shoulder": [pts["right_shoulder"][0], 125.0]})
    assert twice.to_dict() == direct.to_dict()


def test_an_outline_tilt_follows_its_silhouette_points_and_not_the_joint_landmarks() -> None:
    m = measured(refinement=silhouette(((385.0, 120.0), (255.0, 120.0))))
    assert m.metrics["shoulder_tilt_deg"].method == "silhouette"
    assert point_uses(m)["shoulder_tilt_deg"] == ["shoulders.left", "shoulders.right"]
    c = correct(m, {"shoulders.right": [255.0, 110.0]})
    assert c.metrics["shoulder_tilt_deg"].value == pytest.approx(-math.degrees(math.atan(10 / 130)), abs=1e-9)
    assert c.metrics["shoulder_tilt_deg"].method == "manual"
    assert c.refinement is not None and c.refinement.shoulders.right_px == (255.0, 110.0)
    assert c.metrics["head_shift_pct"] == m.metrics["head_shift_pct"]  # uses the joint landmarks only
    j = correct(m, {"right_shoulder": [260.0, 120.0]})
    assert j.metrics["shoulder_tilt_deg"].value == m.metrics["shoulder_tilt_deg"].value
    assert j.metrics["shoulder_tilt_deg"].landmark_value == pytest.approx(-math.degrees(math.atan(10 / 120)), abs=1e-9)
    assert j.metrics["head_shift_pct"].method == "manual"


def test_a_point_the_model_could_not_see_can_be_placed_by_hand() -> None:
    lm = landmarks()
    vis = lm.visibility.copy()
    vis[int(L.LEFT_KNEE)] = 0.1
    m = measured(type(lm)(xy=lm.xy, visibility=vis, presence=lm.presence, width=640, height=480))
    assert m.metrics["knee_tilt_deg"].value is None
    c = correct(m, {"left_knee": [352.0, 356.0]})
    assert c.metrics["knee_tilt_deg"].value == pytest.approx(math.degrees(math.atan(4 / 64)), abs=1e-9)
    assert c.correction is not None and c.correction.original_scores["left_knee"] == (0.1, 0.99)


def test_a_corrected_measurement_round_trips_and_says_corrected_by_hand() -> None:
    m = measured(height_cm=170.0)
    c = correct(m, {"right_hip": [285.0, 262.0]})
    back = PostureMeasurement.from_dict(c.to_dict())
    assert back.to_dict() == c.to_dict()
    text = summary(back)
    assert "Hip line (pelvic tilt proxy): Right hip higher by" in text and "corrected by hand" in text
    assert "corrected by hand: right hip moved" in text
    assert back.metrics["pelvic_tilt_deg"].height_diff_cm is not None


@pytest.mark.parametrize(
    ("refinement", "point", "moved"),
    [
        (None, "right_hip", (285.0, 262.0)),
        (silhouette(((385.0, 120.0), (255.0, 120.0))), "shoulders.right", (255.0, 100.0)),
    ],
    ids=["landmarks", "outline"],
)
def test_corrected_centimetres_carry_the_corrected_tilts_uncertainty(refinement, point, moved) -> None:
    """A tilt corrected by hand with --height-cm: its centimetres are the height difference of the
    two points over their horizontal distance, and their uncertainty carries the tilt's (the hand's
    placement) as an analysed tilt's does, not the scale's 5 % alone."""
    from posture.measure import SCALE_REL_ERROR

    m = measured(height_cm=170.0, refinement=refinement)
    c = correct(m, {point: list(moved)})
    name = "pelvic_tilt_deg" if point == "right_hip" else "shoulder_tilt_deg"
    t = c.metrics[name]
    left, right = ((355.0, 270.0), moved) if point == "right_hip" else ((385.0, 120.0), moved)
    cm_per_px = 170.0 / ((450.0 - 70.0) / 0.936)  # stature: eyes to heels over the eye-height fraction
    dx, dy = left[0] - right[0], right[1] - left[1]  # dy > 0: the left point higher
    assert t.value == pytest.approx(math.degrees(math.atan(dy / dx)), abs=1e-9)
    assert t.height_diff_cm == pytest.approx(dy * cm_per_px, rel=1e-9)
    from_tilt = dx * cm_per_px / math.cos(math.radians(t.value)) ** 2 * math.radians(t.uncertainty)
    assert t.height_diff_cm_uncertainty == pytest.approx(math.hypot(from_tilt, SCALE_REL_ERROR * abs(t.height_diff_cm)))
    assert t.height_diff_cm_uncertainty > 3 * SCALE_REL_ERROR * abs(t.height_diff_cm)


def test_the_difference_of_two_corrected_tilts_carries_both_uncertainties() -> None:
    m = measured()
    pts = correctable_points(m)
    c = correct(m, {"right_shoulder": [pts["right_shoulder"][0], 120.0], "right_hip": [pts["right_hip"][0], 262.0]})
    sh, pv, both = (c.metrics[n] for n in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"))
    assert both.method == "manual" and both.value == pytest.approx(sh.value - pv.value)
    assert both.uncertainty == pytest.approx(math.hypot(sh.uncertainty, pv.uncertainty))


def test_a_corrected_uncertainty_is_never_below_the_floor() -> None:
    # Shoulders 1200 px apart: two points placed within 2 px give 0.14 degrees, under the 0.2 floor.
    pts = dict(FRONT)
    pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER] = (1600.0, 130.0), (400.0, 130.0)
    pts = {
        p: (x + 680.0 if p not in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER) else x, y + 400.0) for p, (x, y) in pts.items()
    }
    m = measured(landmarks(pts, size=(2000, 1300)))  # every point clear of the edges
    c = correct(m, {"right_shoulder": [400.0, 524.0]})
    assert math.degrees(math.sqrt(2) * PLACEMENT_PX / 1200) < 0.2
    assert c.metrics["shoulder_tilt_deg"].uncertainty == 0.2


@pytest.mark.parametrize(
    "points, message",
    [
        ({"left_elbow": [1, 1]}, "no point 'left_elbow'"),
        ({"nose": [1, 1]}, "no point 'nose'"),
        ({"shoulders.left": [1, 1]}, "no point 'shoulders.left'"),  # no outline in this measurement
        ({"right_shoulder": [700, 10]}, "outside the photo"),
        ({"right_shoulder": [-1, 10]}, "outside the photo"),
        ({"right_shoulder": [float("nan"), 10]}, "outside the photo"),
        ({"right_shoulder": [10]}, r"\[x, y\]"),
    ],
)
def test_bad_corrections_are_refused_with_the_reason(points: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        correct(measured(), points)


def test_only_a_measured_photo_can_be_corrected() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="only a measured photo"):
        correct(replace(measured(), status="not_measurable"), {"right_shoulder": [1, 1]})


def test_a_hand_corrected_tilt_compared_with_an_outline_tilt_still_says_corrected_by_hand() -> None:
    from posture.compare import compare
    from posture.inputs import ComparedPhoto
    from posture.noise import MDC95
    from posture.report.content import build_content

    outline = measured(refinement=silhouette(((385.0, 120.0), (255.0, 124.0))))
    hand = correct(measured(), {"right_shoulder": [260.0, 120.0]})
    photos = [ComparedPhoto("before.jpg", outline), ComparedPhoto("after.jpg", hand)]
    content = build_content(photos, compare([p.measurement for p in photos], mdc=MDC95))
    row = next(r for r in content.rows if r.name == "shoulder_tilt_deg")
    assert "corrected by hand" in row.after and "joint landmarks" not in row.after
    assert any("corrected by hand: right shoulder moved" in d for d in content.photos[1].details)


def test_a_tilt_read_from_stickers_is_not_changed_by_moving_a_joint_landmark() -> None:
    from dataclasses import replace

    m = measured()
    stickers = replace(m.metrics["shoulder_tilt_deg"], value=-1.5, uncertainty=0.2, method="markers")
    m = replace(m, metrics={**m.metrics, "shoulder_tilt_deg": stickers})
    assert point_uses(m)["shoulder_tilt_deg"] == []
    c = correct(m, {"right_shoulder": [260.0, 120.0]})
    assert c.metrics["shoulder_tilt_deg"] == stickers
    assert c.metrics["head_shift_pct"].method == "manual"  # the joint landmarks' other metrics follow


def _levelled_tilt(left: tuple[float, float], right: tuple[float, float], roll: float) -> float:
    """The tilt of the line through two points of the 640x480 photo, levelled by ``roll`` about its centre."""
    from posture import geometry as g

    pts = np.array([left, right], dtype=np.float64)
    if roll:
        pts = g.level_points(pts, roll, np.array([320.0, 240.0]))
    return float(g.tilt_deg(pts[0], pts[1]))


def _with_stickers(
    left: tuple[float, float],
    right: tuple[float, float],
    refinement: OutlineReading | None = None,
    roll_deg: float = 0.0,
) -> PostureMeasurement:
    """A measurement whose shoulder tilt was read from stickers at ``left`` and ``right`` (pixels)."""
    from dataclasses import replace

    m = measured(refinement=refinement, roll_deg=roll_deg)
    sticker = replace(
        m.metrics["shoulder_tilt_deg"],
        value=_levelled_tilt(left, right, roll_deg),
        uncertainty=0.2,
        method="markers",
        landmark_value=m.metrics["shoulder_tilt_deg"].value,
    )

    def at(p: tuple[float, float]) -> StickerPoint:
        return StickerPoint(xy_px=p, uncertainty_px=0.3, ellipse_xy_px=p, diameter_px=14.0, axis_ratio=1.0, edge_px=1.0)

    markers = Markers(
        color="green",
        hex="#39FF14",
        stickers_found=2,
        shoulders=StickerPair("acromion", True, None, at(left), at(right), ambiguous=()),
        pelvis=StickerPair("ASIS", False, "no stickers near the hips", searched=False),
    )
    return replace(m, metrics={**m.metrics, "shoulder_tilt_deg": sticker}, markers=markers)


@pytest.mark.parametrize("roll", [0.0, 4.0])
@pytest.mark.parametrize("width, d", CASES[:10])
def test_dragging_a_sticker_by_d_changes_the_sticker_tilt_by_the_expected_amount(
    width: float, d: float, roll: float
) -> None:
    left, right = (320 + width / 2, 128.0), (320 - width / 2, 128.0)
    m = _with_stickers(left, right, roll_deg=roll)
    assert point_uses(m)["shoulder_tilt_deg"] == ["shoulders_sticker.left", "shoulders_sticker.right"]
    assert correctable_points(m)["shoulders_sticker.right"] == right
    moved = (right[0], right[1] - d)
    c = correct(m, {"shoulders_sticker.right": list(moved)})
    tilt = c.metrics["shoulder_tilt_deg"]
    # The line through the stickers, levelled by the same roll about the photo's centre.
    assert tilt.value == pytest.approx(_levelled_tilt(left, moved, roll), abs=1e-6) and tilt.method == "manual"
    assert tilt.value - m.metrics["shoulder_tilt_deg"].value == pytest.approx(
        -math.degrees(math.atan(d / width)), abs=0.05 + 0.002 * d
    )  # raising the right side tilts towards the right by about atan(d / width)
    assert c.markers is not None and c.markers.shoulders is not None and c.correction is not None
    assert c.markers.shoulders.right.xy_px == pytest.approx(moved, abs=0.005)
    assert c.markers.shoulders.left.xy_px == tuple(left)
    assert c.correction.points["shoulders_sticker.right"].from_px == tuple(right)
    assert c.correction.points["shoulders_sticker.right"].to_px == pytest.approx(moved, abs=0.05)
    assert c.metrics["shoulder_pelvis_tilt_deg"].method == "manual"
    assert c.metrics["pelvic_tilt_deg"] == m.metrics["pelvic_tilt_deg"]
    # Correcting again starts from the stickers as analysed, keeping the earlier move.
    again = correct(c, {"shoulders_sticker.left": [left[0], left[1] - d]})
    assert again.correction is not None and again.correction.points["shoulders_sticker.right"].from_px == tuple(right)
    both = _levelled_tilt((left[0], left[1] - d), moved, roll)
    assert again.metrics["shoulder_tilt_deg"].value == pytest.approx(
        both, abs=math.degrees(0.1 / width)
    )  # moves kept to 0.1 px


def test_stickers_not_the_outline_are_offered_when_the_stickers_gave_the_tilt() -> None:
    outline = silhouette(((372.0, 118.0), (268.0, 121.0)))
    m = _with_stickers((376.0, 124.0), (264.0, 126.0), refinement=outline)
    points = correctable_points(m)
    assert {"shoulders_sticker.left", "shoulders_sticker.right"} <= set(points)
    assert "shoulders.left" not in points  # the outline did not give the headline
    c = correct(m, {"shoulders_sticker.left": [376.0, 110.0]})
    assert "shoulders.left" not in correctable_points(c) and "shoulders_sticker.left" in correctable_points(c)
    # A joint landmark moved: the sticker tilt stays.
    j = correct(m, {"right_shoulder": [260.0, 120.0]})
    assert j.metrics["shoulder_tilt_deg"] == m.metrics["shoulder_tilt_deg"]


def test_a_tilt_corrected_by_hand_drops_its_landmark_fallback_warning_and_undo_restores_it() -> None:
    from dataclasses import replace

    from posture.correct import _original
    from posture.wording import outline_fallback_note

    m = measured()
    reason = "the hip outlines are too straight or uneven to fix the pelvis's angle within 1 degree"
    note = outline_fallback_note("pelvic_tilt_deg", reason)
    pelvic = replace(m.metrics["pelvic_tilt_deg"], method="landmarks", method_reason=reason)
    m = replace(m, metrics={**m.metrics, "pelvic_tilt_deg": pelvic}, warnings=("another warning", note))
    pts = correctable_points(m)
    shoulders_only = correct(m, {"right_shoulder": [pts["right_shoulder"][0], pts["right_shoulder"][1] - 8]})
    assert note in shoulders_only.warnings  # the pelvic tilt still rests on the landmarks
    c = correct(shoulders_only, {"left_hip": [pts["left_hip"][0], pts["left_hip"][1] + 8]})
    assert c.metrics["pelvic_tilt_deg"].method == "manual"
    assert c.warnings == ("another warning",)  # "pelvic tilt from the joint landmarks ..." no longer holds
    assert note in _original(c)[0].warnings and _original(c)[0].metrics == m.metrics  # nothing lost
    assert "pelvic tilt from the joint landmarks" in note and "1.7°" in note
