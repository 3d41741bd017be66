"""Metrics on hand-built landmarks: every expected value is computed by hand.

The synthetic person stands facing the camera in a 1000 x 1200 image: the
subject's LEFT side is at the image RIGHT (+x), and in MediaPipe's world
coordinates (x to the image right) the left shoulder is at +x. Shoulders are
200 px apart at y=300, hips 120 px apart at y=600, ears 80 px apart at y=150.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture import geometry as g
from posture.landmarks import EDGE_MARGIN, N_LANDMARKS, Landmarks, PoseLandmark
from posture.measure import (
    CENTRED_PCT,
    EYE_HEIGHT_FRACTION,
    LEVEL_DEG,
    METRIC_NAMES,
    SCALE_REL_ERROR,
    MeasureOptions,
    higher_side,
    measure,
    towards,
    with_height_diff,
)
from posture.result import Metric
from posture.view import MAX_TURN_DEG, turn_refusal

L = PoseLandmark
W, H = 1000, 1200
CENTER = np.array([W / 2, H / 2])
ATAN_01 = math.degrees(math.atan(0.1))  # 5.71 degrees

# (x offset from the body's centre line towards the subject's LEFT, y), pixels
BODY = {
    L.NOSE: (0, 160),
    L.LEFT_EYE_INNER: (10, 140),
    L.RIGHT_EYE_INNER: (-10, 140),
    L.LEFT_EYE: (20, 140),
    L.RIGHT_EYE: (-20, 140),
    L.LEFT_EYE_OUTER: (28, 140),
    L.RIGHT_EYE_OUTER: (-28, 140),
    L.LEFT_EAR: (40, 150),
    L.RIGHT_EAR: (-40, 150),
    L.MOUTH_LEFT: (12, 185),
    L.MOUTH_RIGHT: (-12, 185),
    L.LEFT_SHOULDER: (100, 300),
    L.RIGHT_SHOULDER: (-100, 300),
    L.LEFT_ELBOW: (120, 450),
    L.RIGHT_ELBOW: (-120, 450),
    L.LEFT_WRIST: (125, 590),
    L.RIGHT_WRIST: (-125, 590),
    L.LEFT_PINKY: (130, 620),
    L.RIGHT_PINKY: (-130, 620),
    L.LEFT_INDEX: (125, 625),
    L.RIGHT_INDEX: (-125, 625),
    L.LEFT_THUMB: (118, 615),
    L.RIGHT_THUMB: (-118, 615),
    L.LEFT_HIP: (60, 600),
    L.RIGHT_HIP: (-60, 600),
    L.LEFT_KNEE: (60, 850),
    L.RIGHT_KNEE: (-60, 850),
    L.LEFT_ANKLE: (60, 1080),
    L.RIGHT_ANKLE: (-60, 1080),
    L.LEFT_HEEL: (55, 1100),
    L.RIGHT_HEEL: (-55, 1100),
    L.LEFT_FOOT_INDEX: (70, 1130),
    L.RIGHT_FOOT_INDEX: (-70, 1130),
}
assert len(BODY) == N_LANDMARKS


def person(
    view: str = "front",
    move: dict | None = None,
    vis: dict | None = None,
    world_z: dict | None = None,
) -> Landmarks:
    """The synthetic person.

    ``view`` front: the subject's left at the image right; back: at the image
    left (world x reversed too). ``move`` shifts landmarks by (dx, dy) in
    IMAGE pixels; ``vis`` sets visibilities; ``world_z`` sets world z.
    """
    sign = 1.0 if view == "front" else -1.0
    xy = np.array([[W / 2 + sign * BODY[lm][0], BODY[lm][1]] for lm in L], dtype=float)
    for lm, d in (move or {}).items():
        xy[lm] += d
    visibility = np.full(N_LANDMARKS, 0.99)
    for lm, v in (vis or {}).items():
        visibility[lm] = v
    presence = np.full(N_LANDMARKS, 0.99)
    # World: metres, hip-centred, x to the image right -> left shoulder at +x when facing.
    world = np.column_stack([(xy[:, 0] - W / 2) / 500, (xy[:, 1] - 600) / 500, np.zeros(N_LANDMARKS)])
    for lm, z in (world_z or {}).items():
        world[lm, 2] = z
    return Landmarks(xy=xy, visibility=visibility, presence=presence, width=W, height=H, world=world)


def value(body, name):
    return body.metrics[name].value


def values(body):
    return {n: body.metrics[n].value for n in METRIC_NAMES}


# ------------------------------------------------------------- baseline


def test_upright_symmetric_person_is_level_and_centred():
    b = measure(person())
    assert b.view == "front"
    assert b.turn_deg == pytest.approx(0.0, abs=1e-9)
    assert b.refusal is None and b.warnings == ()
    assert set(b.metrics) == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        assert b.metrics[name].value == pytest.approx(0.0, abs=1e-9), name
    for name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "knee_tilt_deg"):
        assert b.metrics[name].higher_side == "level"
        assert b.metrics[name].unit == "deg"
    for name in ("head_shift_pct", "pelvis_shift_pct"):
        assert b.metrics[name].towards == "centre" and b.metrics[name].unit == "%"
    assert b.metrics["trunk_lean_deg"].towards == "centre"


# --------------------------------------------------- tilts: sign and value


@pytest.mark.parametrize(
    "name, left, right, width",
    [
        ("shoulder_tilt_deg", L.LEFT_SHOULDER, L.RIGHT_SHOULDER, 200),
        ("pelvic_tilt_deg", L.LEFT_HIP, L.RIGHT_HIP, 120),
        ("head_tilt_deg", L.LEFT_EAR, L.RIGHT_EAR, 80),
        ("knee_tilt_deg", L.LEFT_KNEE, L.RIGHT_KNEE, 120),
    ],
)
@pytest.mark.parametrize("view", ["front", "back"])
def test_tilt_positive_when_left_is_higher(name, left, right, width, view):
    rise = width / 10  # tan(tilt) = 0.1
    b = measure(person(view, move={left: (0, -rise)}))  # left point higher (y up)
    m = b.metrics[name]
    assert b.view == view
    assert m.value == pytest.approx(ATAN_01, abs=1e-9)
    assert m.higher_side == "left"
    assert m.height_diff_pct == pytest.approx(10.0)
    assert m.height_diff_cm is None  # no --height-cm
    b = measure(person(view, move={right: (0, -rise)}))  # right point higher
    m = b.metrics[name]
    assert m.value == pytest.approx(-ATAN_01, abs=1e-9)
    assert m.higher_side == "right"
    assert m.height_diff_pct == pytest.approx(-10.0)


def test_tilt_below_half_a_degree_is_level_but_keeps_its_value():
    rise = 200 * math.tan(math.radians(0.4))
    m = measure(person(move={L.LEFT_SHOULDER: (0, -rise)})).metrics["shoulder_tilt_deg"]
    assert m.value == pytest.approx(0.4)
    assert m.higher_side == "level"


def test_shoulder_pelvis_tilt_is_the_difference():
    b = measure(person(move={L.LEFT_SHOULDER: (0, -20), L.RIGHT_HIP: (0, -12)}))
    sh, hp = value(b, "shoulder_tilt_deg"), value(b, "pelvic_tilt_deg")
    assert sh == pytest.approx(ATAN_01) and hp == pytest.approx(-ATAN_01)
    assert value(b, "shoulder_pelvis_tilt_deg") == pytest.approx(2 * ATAN_01)


# ------------------------------------------------- lateral: sign and value


@pytest.mark.parametrize("view, image_dx", [("front", +1), ("back", -1)])
def test_lateral_metrics_positive_towards_subjects_left(view, image_dx):
    # image_dx: the image direction of the subject's left in this view.
    d = 10 * image_dx
    b = measure(person(view, move={L.LEFT_EAR: (d, 0), L.RIGHT_EAR: (d, 0)}))
    m = b.metrics["head_shift_pct"]
    assert m.value == pytest.approx(10 / 200 * 100)  # 10 px over a 200 px shoulder width
    assert m.towards == "left"

    # shoulders 30 px towards the subject's left over a 300 px trunk
    b = measure(person(view, move={L.LEFT_SHOULDER: (3 * d, 0), L.RIGHT_SHOULDER: (3 * d, 0)}))
    m = b.metrics["trunk_lean_deg"]
    assert m.value == pytest.approx(ATAN_01)
    assert m.towards == "left"

    # hips 20 px towards the subject's right of the ankles
    b = measure(person(view, move={L.LEFT_HIP: (-2 * d, 0), L.RIGHT_HIP: (-2 * d, 0)}))
    m = b.metrics["pelvis_shift_pct"]
    assert m.value == pytest.approx(-20 / 200 * 100)
    assert m.towards == "right"
    # moving the hips also leans the trunk (hips to the right: upper body to the left)
    assert value(b, "trunk_lean_deg") == pytest.approx(math.degrees(math.atan(20 / 300)))


def test_small_shift_is_centre():
    b = measure(person(move={L.LEFT_EAR: (3, 0), L.RIGHT_EAR: (3, 0)}))  # 1.5 % < 2 %
    assert b.metrics["head_shift_pct"].towards == "centre"
    assert b.metrics["head_shift_pct"].value == pytest.approx(1.5)


@pytest.mark.parametrize(
    "value, unit, side",
    [
        (0.49, "deg", "centre"),
        (0.5, "deg", "left"),  # "smaller than" the band is level: its edge is not
        (-0.5, "deg", "right"),
        (1.99, "%", "centre"),
        (2.0, "%", "left"),
        (-2.0, "%", "right"),
        (0.5, "%", "centre"),  # a shift's band is 2 %, not a tilt's 0.5
    ],
)
def test_the_level_and_centred_bands_end_where_stated(value, unit, side):
    # A lean (degrees) has the tilts' band; a tilt's "centre" reads "level".
    assert (LEVEL_DEG, CENTRED_PCT) == (0.5, 2.0)
    assert towards(value, unit) == side
    if unit == "deg":
        assert higher_side(value) == side.replace("centre", "level")


# ------------------------------------------------------------- facing away


def test_facing_away_is_back_view_and_keeps_anatomical_sides():
    lm = person("back", move={L.LEFT_SHOULDER: (0, -20)})
    assert lm[L.LEFT_SHOULDER][0] < lm[L.RIGHT_SHOULDER][0]  # left point on the image left
    assert lm.world[L.LEFT_SHOULDER][0] < lm.world[L.RIGHT_SHOULDER][0]  # world x reversed
    b = measure(lm)
    assert b.view == "back"
    assert b.refusal is None
    assert value(b, "shoulder_tilt_deg") == pytest.approx(ATAN_01)
    assert b.metrics["shoulder_tilt_deg"].higher_side == "left"


def test_without_world_coordinates_view_comes_from_the_2d_order():
    for view in ("front", "back"):
        lm = person(view)
        lm = Landmarks(xy=lm.xy, visibility=lm.visibility, presence=lm.presence, width=W, height=H)
        b = measure(lm)
        assert b.view == view and b.turn_deg is None


# ------------------------------------------------------------- side view


def test_side_view_is_refused_with_every_metric_missing():
    # Shoulders and hips lie along the camera axis (world z differs by 0.3-0.4 m),
    # 10 px apart in the image.
    lm = person(
        move={L.LEFT_SHOULDER: (-95, 0), L.RIGHT_SHOULDER: (95, 0), L.LEFT_HIP: (-55, 0), L.RIGHT_HIP: (55, 0)},
        world_z={L.LEFT_SHOULDER: 0.2, L.RIGHT_SHOULDER: -0.2, L.LEFT_HIP: 0.15, L.RIGHT_HIP: -0.15},
    )
    b = measure(lm)
    assert b.view == "side"
    assert b.turn_deg > 45
    assert b.refusal and "turned about 87°" in b.refusal
    for name in METRIC_NAMES:
        assert b.metrics[name].value is None, name
        assert "turned" in b.metrics[name].reason


def test_large_world_z_difference_alone_makes_a_side_view():
    # 2-D shoulders look frontal (200 px apart) but the 3-D estimate says the
    # shoulder line points at the camera: trust the 3-D turn.
    lm = person(world_z={L.LEFT_SHOULDER: 0.5, L.RIGHT_SHOULDER: -0.5})
    b = measure(lm)
    assert b.view == "side"
    # The shoulder line's own angle, pulled a little towards the square hips (much the shorter line there).
    assert 60.0 < b.turn_deg < math.degrees(math.atan2(1.0, 0.4))


@pytest.mark.parametrize("turn", [MAX_TURN_DEG - 1, MAX_TURN_DEG + 1])
def test_a_turn_is_measured_up_to_the_limit_and_refused_beyond(turn):
    # The trunk turned rigidly: a line dx apart in world x gains a depth difference dx tan t.
    w = person().world
    z = {}
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        dz = (w[left, 0] - w[right, 0]) * math.tan(math.radians(turn))
        z.update({left: dz / 2, right: -dz / 2})
    b = measure(person(world_z=z))
    assert b.turn_deg == pytest.approx(turn)
    if turn < MAX_TURN_DEG:
        assert b.view == "front" and b.refusal is None
        assert b.metrics["shoulder_tilt_deg"].value is not None
    else:
        assert b.view == "side" and b.refusal == turn_refusal(turn)
        assert all(m.value is None for m in b.metrics.values())


def test_shoulders_twisted_over_square_hips_read_between_the_two_lines_nearer_the_shoulders():
    # The turn is the trunk's common axis, the shoulder line (the longer) weighing more.
    dz = 0.4 * math.tan(math.radians(40.0))
    b = measure(person(world_z={L.LEFT_SHOULDER: dz / 2, L.RIGHT_SHOULDER: -dz / 2}))
    assert 20.0 < b.turn_deg < 40.0


# ---------------------------------------------------------------- mirror


def test_mirrored_swaps_sides_and_flips_every_sign():
    moves = {
        L.LEFT_SHOULDER: (0, -20),
        L.RIGHT_SHOULDER: (12, 0),
        L.RIGHT_HIP: (0, -7),
        L.LEFT_EAR: (15, -4),
        L.RIGHT_EAR: (15, 0),
        L.LEFT_KNEE: (0, 9),
        L.RIGHT_ANKLE: (-30, 0),
    }
    plain = measure(person(move=moves))
    mirrored = measure(person(move=moves), MeasureOptions(mirrored=True))
    assert mirrored.view == plain.view == "front"
    for name in METRIC_NAMES:
        a, b = plain.metrics[name].value, mirrored.metrics[name].value
        assert a != pytest.approx(0.0, abs=1e-6), name  # the test needs a non-zero value
        assert b == pytest.approx(-a, abs=1e-9), name
    assert plain.metrics["shoulder_tilt_deg"].higher_side == "left"
    assert mirrored.metrics["shoulder_tilt_deg"].higher_side == "right"
    assert plain.metrics["head_shift_pct"].towards == "left"
    assert mirrored.metrics["head_shift_pct"].towards == "right"
    # the returned landmarks carry the anatomical (swapped) labels
    np.testing.assert_array_equal(mirrored.landmarks[L.LEFT_SHOULDER], plain.landmarks[L.RIGHT_SHOULDER])


# ------------------------------------------------------------------ roll


@pytest.mark.parametrize("view", ["front", "back"])
@pytest.mark.parametrize("roll", [5.0, -5.0, 12.5, -30.0])
def test_roll_correction_undoes_a_rotation_about_the_image_centre(view, roll):
    moves = {L.LEFT_SHOULDER: (0, -14), L.RIGHT_HIP: (0, -5), L.LEFT_EAR: (8, 0), L.RIGHT_EAR: (8, 0)}
    upright = person(view, move=moves)
    base = values(measure(upright))
    rolled_xy = g.rotate_points(upright.xy, roll, CENTER)
    rolled = Landmarks(
        xy=rolled_xy, visibility=upright.visibility, presence=upright.presence, width=W, height=H, world=upright.world
    )
    corrected = values(measure(rolled, MeasureOptions(roll_deg=roll)))
    for name in METRIC_NAMES:
        assert corrected[name] == pytest.approx(base[name], abs=1e-9), name

    # Without correction, the image rotation adds the roll to every tilt: for a
    # person facing the camera, rotating counter-clockwise lifts the image right
    # = the subject's left (+roll); facing away, the subject's right (-roll).
    raw = values(measure(rolled))
    sign = 1.0 if view == "front" else -1.0
    for name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "head_tilt_deg", "knee_tilt_deg"):
        assert raw[name] == pytest.approx(base[name] + sign * roll, abs=1e-9), name
    # the shoulder-vs-hip-line difference does not see the roll at all
    assert raw["shoulder_pelvis_tilt_deg"] == pytest.approx(base["shoulder_pelvis_tilt_deg"], abs=1e-9)


# --------------------------------------------------------- missing points


def test_missing_landmark_gives_none_with_reason():
    lm = person()
    xy = lm.xy.copy()
    xy[L.LEFT_HIP] = np.nan
    b = measure(Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=W, height=H, world=lm.world))
    m = b.metrics["pelvic_tilt_deg"]
    assert m.value is None and "left hip" in m.reason and "not found" in m.reason
    assert "left hip" in b.metrics["shoulder_pelvis_tilt_deg"].reason
    assert "left hip" in b.metrics["trunk_lean_deg"].reason
    assert b.metrics["shoulder_tilt_deg"].value is not None  # the others still measured
    assert b.metrics["head_tilt_deg"].value is not None
    assert b.refusal is None


def test_out_of_frame_landmark_gives_none_with_reason():
    b = measure(person(move={L.RIGHT_KNEE: (0, 400)}))  # y = 1250 > height 1200
    m = b.metrics["knee_tilt_deg"]
    assert m.value is None and "right knee" in m.reason and "outside" in m.reason
    b = measure(person(move={L.LEFT_ANKLE: (500, 0)}))  # x = 1060 > width 1000
    assert "left ankle" in b.metrics["pelvis_shift_pct"].reason
    assert b.metrics["pelvic_tilt_deg"].value is not None


def test_low_visibility_landmark_gives_none_with_reason():
    b = measure(person(vis={L.LEFT_EAR: 0.3}))
    m = b.metrics["head_tilt_deg"]
    assert m.value is None
    assert "left ear" in m.reason and "not visible" in m.reason and "0.30" in m.reason
    assert "left ear" in b.metrics["head_shift_pct"].reason
    # the threshold is an option
    assert measure(person(vis={L.LEFT_EAR: 0.3}), MeasureOptions(min_score=0.2)).metrics["head_tilt_deg"].measured
    # at the threshold a point is used; just under it, not (its score shown rounded down, never up to
    # the threshold it failed)
    assert measure(person(vis={L.LEFT_EAR: 0.5})).metrics["head_tilt_deg"].measured
    under = measure(person(vis={L.LEFT_EAR: 0.499})).metrics["head_tilt_deg"]
    assert under.value is None and "score 0.49, needs 0.50" in under.reason


def test_nothing_visible_is_refused():
    vis = {lm: 0.1 for lm in L}
    b = measure(person(vis=vis))
    assert b.refusal and "nothing measurable" in b.refusal
    assert not any(m.measured for m in b.metrics.values())


# ------------------------------------------------------------- height_cm


def test_height_cm_gives_centimetres_when_eyes_and_heels_visible():
    b = measure(person(move={L.LEFT_SHOULDER: (0, -20)}), MeasureOptions(height_cm=180.0))
    stature_px = (1100 - 140) / EYE_HEIGHT_FRACTION  # heels at y=1100, eyes at y=140
    cm = 20 * 180.0 / stature_px
    m = b.metrics["shoulder_tilt_deg"]
    assert m.height_diff_cm == pytest.approx(cm)
    assert m.height_diff_cm_uncertainty is None  # a single measurement: the tilt's uncertainty is unknown
    assert 3.4 < m.height_diff_cm < 3.6  # 20 px of a ~1026 px tall 180 cm person
    assert b.metrics["pelvic_tilt_deg"].height_diff_cm == pytest.approx(0.0)
    assert b.warnings == ()


@pytest.mark.parametrize("tilt, tilt_unc", [(3.0, 2.0), (-3.0, 2.0), (0.0, 1.0), (10.0, 0.2), (25.0, 3.0)])
def test_centimetres_carry_the_tilt_and_the_scale_uncertainty(tilt, tilt_unc):
    width_px, cm_per_px = 200.0, 0.2  # 40 cm between the points
    m = with_height_diff(Metric(value=tilt, unit="deg", uncertainty=tilt_unc), width_px, cm_per_px)
    cm = 40.0 * np.tan(np.radians(tilt))
    assert m.height_diff_cm == pytest.approx(cm)
    assert m.height_diff_pct == pytest.approx(100 * np.tan(np.radians(tilt)))
    # numerically: the spread of cm over the tilt's and the scale's one-sigma moves, in quadrature
    from_tilt = (40.0 * np.tan(np.radians(tilt + tilt_unc)) - 40.0 * np.tan(np.radians(tilt - tilt_unc))) / 2
    expected = np.hypot(from_tilt, cm * SCALE_REL_ERROR)
    assert m.height_diff_cm_uncertainty == pytest.approx(expected, rel=0.02)
    # never smaller than either part: 3 deg +- 2 deg over 40 cm is not 2.1 cm +- 0.1 cm
    assert m.height_diff_cm_uncertainty >= max(abs(from_tilt) * 0.98, abs(cm) * SCALE_REL_ERROR)
    mirrored = with_height_diff(Metric(value=-tilt, unit="deg", uncertainty=tilt_unc), width_px, cm_per_px)
    assert mirrored.height_diff_cm == pytest.approx(-cm) and mirrored.height_diff_cm_uncertainty == pytest.approx(
        m.height_diff_cm_uncertainty
    )


@pytest.mark.parametrize("hidden", [L.LEFT_HEEL, L.RIGHT_EYE])
def test_height_cm_needs_eyes_and_heels(hidden):
    b = measure(person(move={L.LEFT_SHOULDER: (0, -20)}, vis={hidden: 0.1}), MeasureOptions(height_cm=180.0))
    m = b.metrics["shoulder_tilt_deg"]
    assert m.value == pytest.approx(ATAN_01)
    assert m.height_diff_cm is None and m.height_diff_cm_uncertainty is None
    assert any("centimetres" in w for w in b.warnings)


def test_height_cm_with_heels_out_of_frame():
    b = measure(person(move={L.LEFT_HEEL: (0, 150), L.RIGHT_HEEL: (0, 150)}), MeasureOptions(height_cm=170.0))
    assert b.metrics["shoulder_tilt_deg"].height_diff_cm is None


# ------------------------------------------------------------- photo's edge
# Body scale here: the shoulder width, 200 px, so the edge margin is EDGE_MARGIN x 200 = 30 px.


@pytest.mark.parametrize(
    "point, move, usable",
    [
        (L.LEFT_KNEE, (0, H - 850 - 10), False),  # 10 px above the bottom edge
        (L.LEFT_KNEE, (0, H - 850 - 29), False),
        (L.LEFT_KNEE, (0, H - 850 - 31), True),
        (
            L.RIGHT_KNEE,
            (-(W / 2 - 60) + 5, 0),
            False,
        ),  # 5 px from the left edge (front view: right side on the image left)
        (L.LEFT_KNEE, ((W / 2 - 60) - 20, 0), False),  # 20 px from the right edge
        (L.LEFT_EAR, (0, -150 + 12), False),  # 12 px below the top edge
        (L.LEFT_EAR, (0, -150 + 40), True),
    ],
)
def test_a_landmark_near_the_photos_edge_is_not_measured(point, move, usable):
    lm = person(move={point: move})
    assert EDGE_MARGIN * lm.body_scale() == pytest.approx(30.0)
    reason = lm.unusable(point, 0.5)
    assert (reason is None) == usable, reason
    b = measure(lm)
    metric = "head_tilt_deg" if point == L.LEFT_EAR else "knee_tilt_deg"
    if usable:
        assert b.metrics[metric].measured
    else:
        name = point.name.lower().replace("_", " ")
        assert reason == f"{name} at the photo's edge"
        assert b.metrics[metric].value is None and f"{name} at the photo's edge" in b.metrics[metric].reason


def test_the_edge_margin_scales_with_the_body():
    small = person()
    half = Landmarks(
        xy=(small.xy - CENTER) * 0.5 + CENTER, visibility=small.visibility, presence=small.presence, width=W, height=H
    )
    assert half.body_scale() == pytest.approx(small.body_scale() / 2)


def test_body_lines_all_tilting_alike_warn_of_a_camera_tilt():
    rolled = person()
    rolled_xy = g.rotate_points(rolled.xy, 12.0, CENTER)
    lm = Landmarks(xy=rolled_xy, visibility=rolled.visibility, presence=rolled.presence, width=W, height=H)
    b = measure(lm)
    assert any("all tilt the same way, by about 12°" in w for w in b.warnings), b.warnings
    # ... and not once the roll is corrected, nor for one tilted line
    assert not any("same way" in w for w in measure(lm, MeasureOptions(roll_deg=12.0)).warnings)
    assert not any("same way" in w for w in measure(person(move={L.LEFT_SHOULDER: (0, -40)})).warnings)
    # ... nor when only two lines are seen (eyes, knees and ankles hidden): two say too little
    hidden = {p: 0.1 for p in (L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE)}
    two = person(vis=hidden)
    two = Landmarks(xy=rolled_xy, visibility=two.visibility, presence=two.presence, width=W, height=H)
    assert not any("same way" in w for w in measure(two).warnings)
    three = person(vis={L.LEFT_EYE: 0.1, L.RIGHT_EYE: 0.1, L.LEFT_ANKLE: 0.1, L.RIGHT_ANKLE: 0.1})
    three = Landmarks(xy=rolled_xy, visibility=three.visibility, presence=three.presence, width=W, height=H)
    assert any("the shoulder, hip and knee lines all tilt the same way" in w for w in measure(three).warnings)


def test_centimetres_are_plain_floats_whatever_numbers_they_come_from():
    m = with_height_diff(Metric(value=2.0, unit="deg", uncertainty=0.5), np.float64(200.0), np.float32(0.2))
    assert type(m.height_diff_cm) is float and type(m.height_diff_cm_uncertainty) is float
