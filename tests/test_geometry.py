"""Pure geometry: hand-computed values and the conventions of posture.geometry.

Conventions under test: pixels with y down, degrees, tilt positive when the
subject's LEFT point is higher, lateral quantities positive towards the
subject's left, rotate_points counter-clockwise on screen like OpenCV.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from posture import geometry as g

RNG = np.random.default_rng(20240501)
ATAN_01 = math.degrees(math.atan(0.1))  # 5.7106 degrees, by hand


# --------------------------------------------------------------------- tilt


def test_tilt_hand_computed_left_higher_is_positive():
    # Left point at (10, 0), right point at (0, 1): the left one is 1 px higher
    # (y down) over a run of 10 px -> atan(1/10) = +5.71 degrees.
    assert g.tilt_deg([10, 0], [0, 1]) == pytest.approx(ATAN_01, abs=1e-9)


def test_tilt_right_higher_is_negative():
    assert g.tilt_deg([10, 1], [0, 0]) == pytest.approx(-ATAN_01, abs=1e-9)


def test_tilt_level_is_zero_and_45_degrees():
    assert g.tilt_deg([100, 50], [0, 50]) == 0.0
    assert g.tilt_deg([10, 0], [0, 10]) == pytest.approx(45.0)
    assert g.tilt_deg([0, 0], [0, 10]) == pytest.approx(90.0)  # vertical pair, left on top


def test_tilt_sign_does_not_depend_on_facing():
    # Facing away swaps which image side the left point is on; the tilt must not
    # change (no +180, no sign flip): it depends on the heights alone.
    front = g.tilt_deg([10, 0], [0, 1])  # left point at the image right
    back = g.tilt_deg([0, 0], [10, 1])  # left point at the image left
    assert back == pytest.approx(front)
    pts_l = RNG.uniform(-500, 500, (50, 2))
    pts_r = RNG.uniform(-500, 500, (50, 2))
    swapped_l = pts_l.copy()
    swapped_r = pts_r.copy()
    swapped_l[:, 0], swapped_r[:, 0] = pts_r[:, 0], pts_l[:, 0]  # exchange x only
    np.testing.assert_allclose(g.tilt_deg(swapped_l, swapped_r), g.tilt_deg(pts_l, pts_r))


def test_tilt_range_is_within_plus_minus_90():
    t = g.tilt_deg(RNG.uniform(-1e3, 1e3, (500, 2)), RNG.uniform(-1e3, 1e3, (500, 2)))
    assert np.all(np.abs(t) <= 90.0)


def test_tilt_translation_and_scale_invariant():
    left = RNG.uniform(0, 1000, (100, 2))
    right = RNG.uniform(0, 1000, (100, 2))
    base = g.tilt_deg(left, right)
    shift = np.array([123.4, -56.7])
    np.testing.assert_allclose(g.tilt_deg(left + shift, right + shift), base, atol=1e-9)
    for s in (0.01, 0.75, 3.0, 1e4):
        np.testing.assert_allclose(g.tilt_deg(left * s, right * s), base, atol=1e-9)


def test_nan_in_gives_nan_out_without_raising():
    nan = [np.nan, np.nan]  # a missing landmark
    assert np.isnan(g.tilt_deg(nan, [0, 0]))
    assert np.isnan(g.tilt_deg([np.nan, 5.0], [0, 0]))  # x alone missing: no run, no tilt
    assert np.isnan(g.tilt_deg([0, 0], [1.0, np.nan]))
    assert np.isnan(g.height_difference(nan, [0, 0]))
    assert np.isnan(g.distance(nan, [0, 0]))
    assert np.isnan(g.midpoint(nan, [0, 0])[0])
    assert np.isnan(g.left_direction(nan, [0, 0]))
    assert np.isnan(g.lateral_offset(nan, [0, 0], 1.0))
    assert np.isnan(g.lateral_offset([1, 1], [0, 0], np.nan))
    assert np.isnan(g.lean_deg(nan, [0, 0], 1.0))
    assert np.isnan(g.rotate_points(nan, 10.0, [0, 0])).all()
    assert np.isnan(g.frontal_deviation_deg([np.nan, 0, 0], [0, 0, 0]))


def test_nan_only_affects_its_own_row():
    left = RNG.uniform(0, 100, (5, 2))
    right = RNG.uniform(0, 100, (5, 2))
    left[2, 1] = np.nan
    t = g.tilt_deg(left, right)
    assert np.isnan(t[2])
    assert np.isfinite(np.delete(t, 2)).all()


def test_vectorises_over_leading_axes():
    left = RNG.uniform(0, 1000, (4, 3, 2))
    right = RNG.uniform(0, 1000, (4, 3, 2))
    direction = np.where(RNG.random((4, 3)) > 0.5, 1.0, -1.0)
    t = g.tilt_deg(left, right)
    lean = g.lean_deg(left, right, direction)
    lat = g.lateral_offset(left, right, direction)
    assert t.shape == lean.shape == lat.shape == (4, 3)
    assert g.rotate_points(left, 7.0, [500, 500]).shape == (4, 3, 2)
    for i in range(4):
        for j in range(3):
            assert t[i, j] == pytest.approx(float(g.tilt_deg(left[i, j], right[i, j])))
            assert lean[i, j] == pytest.approx(float(g.lean_deg(left[i, j], right[i, j], direction[i, j])))
            assert lat[i, j] == pytest.approx(float(g.lateral_offset(left[i, j], right[i, j], direction[i, j])))


def test_points_must_have_two_coordinates():
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        g.tilt_deg([1, 2, 3], [0, 0, 0])
    with pytest.raises(ValueError):
        g.rotate_points(np.zeros((4, 3)), 5, [0, 0])


# ------------------------------------------------------- simple quantities


def test_height_difference_distance_midpoint():
    assert g.height_difference([0, 10], [5, 30]) == 20.0  # left 20 px higher
    assert g.height_difference([0, 30], [5, 10]) == -20.0
    assert g.distance([0, 0], [3, 4]) == pytest.approx(5.0)
    np.testing.assert_allclose(g.midpoint([0, 0], [4, -2]), [2, -1])


def test_left_direction():
    assert g.left_direction([10, 0], [0, 0]) == 1.0  # facing the camera
    assert g.left_direction([0, 0], [10, 0]) == -1.0  # facing away
    assert np.isnan(g.left_direction([5, 0], [5, 9]))  # coincide in x


def test_lateral_offset_sign_follows_the_subjects_left():
    # Point 10 px to the image right of the reference.
    assert g.lateral_offset([110, 0], [100, 0], 1.0) == 10.0  # facing: image right = subject's left
    assert g.lateral_offset([110, 0], [100, 0], -1.0) == -10.0  # facing away: it's their right
    assert g.lateral_offset([90, 7], [100, 0], 1.0) == -10.0


def test_lean_deg_signs_and_values():
    lower, upper = [0, 100], [10, 0]  # upper point 10 px to the image right, 100 px up
    assert g.lean_deg(lower, upper, 1.0) == pytest.approx(ATAN_01)
    assert g.lean_deg(lower, upper, -1.0) == pytest.approx(-ATAN_01)
    assert g.lean_deg([0, 100], [0, 0], 1.0) == pytest.approx(0.0)  # upright
    assert g.lean_deg([0, 0], [0, 100], 1.0) == pytest.approx(180.0)  # upside down
    assert g.lean_deg([0, 100], [100, 0], 1.0) == pytest.approx(45.0)


# ---------------------------------------------------------------- rotation


@pytest.mark.parametrize("angle", [5.0, -5.0, 30.0, -72.5, 180.0])
def test_rotate_points_matches_opencv(angle):
    center = (321.5, 187.25)
    pts = RNG.uniform(0, 640, (20, 2))
    m = cv2.getRotationMatrix2D(center, angle, 1.0)
    expected = cv2.transform(pts.reshape(-1, 1, 2), m).reshape(-1, 2)
    np.testing.assert_allclose(g.rotate_points(pts, angle, center), expected, atol=1e-6)


def test_rotate_points_positive_angle_moves_right_point_up():
    # Counter-clockwise on screen: a point right of the centre goes up (y smaller).
    p = g.rotate_points([10, 0], 90.0, [0, 0])
    np.testing.assert_allclose(p, [0, -10], atol=1e-12)
    # and a horizontal pair, left point at the image right, gets a positive tilt
    left, right = g.rotate_points([[10, 0], [-10, 0]], 5.0, [0, 0])
    assert g.tilt_deg(left, right) == pytest.approx(5.0)


def test_level_points_undoes_rotate_points():
    pts = RNG.uniform(-100, 900, (3, 7, 2))
    center = np.array([400.0, 300.0])
    for roll in (-30.0, -2.5, 0.0, 4.0, 44.0):
        rolled = g.rotate_points(pts, roll, center)
        np.testing.assert_allclose(g.level_points(rolled, roll, center), pts, atol=1e-9)


def test_level_points_removes_a_camera_roll_from_a_tilt():
    # A truly level shoulder line photographed with a +8 degree roll appears
    # with its right end higher; levelling by roll_deg=8 makes it level again.
    center = [500, 500]
    left, right = g.rotate_points([[600, 400], [400, 400]], 8.0, center)
    assert g.tilt_deg(left, right) == pytest.approx(8.0)
    lv = g.level_points(np.stack([left, right]), 8.0, center)
    assert g.tilt_deg(lv[0], lv[1]) == pytest.approx(0.0, abs=1e-9)


def test_rotation_preserves_distances():
    a, b = RNG.uniform(0, 500, (2, 30, 2))
    ra, rb = g.rotate_points(a, 23.0, [10, 20]), g.rotate_points(b, 23.0, [10, 20])
    np.testing.assert_allclose(g.distance(ra, rb), g.distance(a, b))


# ------------------------------------------------------------ 3-D turn


def test_frontal_deviation():
    # Frontal pair: left shoulder at +x, right at -x, same depth.
    assert g.frontal_deviation_deg([0.2, -0.5, 0.0], [-0.2, -0.5, 0.0]) == pytest.approx(0.0)
    # Facing away (x reversed) is square to the camera too.
    assert g.frontal_deviation_deg([-0.2, -0.5, 0.0], [0.2, -0.5, 0.0]) == pytest.approx(0.0)
    # Side view: the pair lies along the camera axis.
    assert g.frontal_deviation_deg([0.0, -0.5, -0.2], [0.0, -0.5, 0.2]) == pytest.approx(90.0)
    assert g.frontal_deviation_deg([0.1, 0, 0.1], [0, 0, 0]) == pytest.approx(45.0)
    # Height difference (y) does not count as turning.
    assert g.frontal_deviation_deg([0.2, -0.9, 0.0], [-0.2, 0.3, 0.0]) == pytest.approx(0.0)
    out = g.frontal_deviation_deg(RNG.normal(size=(10, 3)), RNG.normal(size=(10, 3)))
    assert out.shape == (10,) and np.all((out >= 0) & (out <= 90))


def _turned(half_width: float, deg: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """A bilateral pair ``half_width`` either side of the vertical axis, turned ``deg`` about it."""
    t = np.radians(deg)
    left = np.array([half_width * np.cos(t), y, half_width * np.sin(t)])
    return left, left * np.array([-1.0, 1.0, -1.0])


def test_trunk_deviation_of_one_segment_is_its_frontal_deviation():
    left, right = RNG.normal(size=(40, 3)), RNG.normal(size=(40, 3))
    for a, b in zip(left, right, strict=True):
        assert g.trunk_deviation_deg(a, b) == pytest.approx(float(g.frontal_deviation_deg(a, b)), abs=1e-9)
    assert np.isnan(g.trunk_deviation_deg(np.zeros((0, 3)), np.zeros((0, 3))))


@pytest.mark.parametrize("deg", [0.0, 12.0, 29.0, 45.0, 70.0, 90.0, 160.0, 200.0])
def test_a_rigid_trunk_turned_reads_its_turn_whatever_its_lines_lengths(deg):
    shoulders, hips = _turned(0.18, deg, -0.5), _turned(0.07, deg, 0.0)
    expected = float(g.frontal_deviation_deg(*shoulders))
    lefts, rights = [shoulders[0], hips[0]], [shoulders[1], hips[1]]
    assert g.trunk_deviation_deg(lefts, rights) == pytest.approx(expected, abs=1e-6)
    # Mirror image (x negated, sides swapped), sides exchanged, and scale change nothing.
    flip = np.array([-1.0, 1.0, 1.0])
    for a, b in (
        (np.array(rights) * flip, np.array(lefts) * flip),
        (rights, lefts),
        (np.array(lefts) * 3, np.array(rights) * 3),
    ):
        assert g.trunk_deviation_deg(a, b) == pytest.approx(expected, abs=1e-6)


def test_a_depth_error_on_the_short_line_moves_the_trunk_less_than_on_the_long_one():
    shoulders, hips = _turned(0.18, 10.0, -0.5), _turned(0.07, 10.0, 0.0)
    error = np.array([0.0, 0.0, 0.06])
    on_hips = g.trunk_deviation_deg([shoulders[0], hips[0] + error], [shoulders[1], hips[1]])
    on_shoulders = g.trunk_deviation_deg([shoulders[0] + error, hips[0]], [shoulders[1], hips[1]])
    alone = float(g.frontal_deviation_deg(hips[0] + error, hips[1]))
    assert 10.0 < on_hips < on_shoulders and on_hips < alone
    assert on_hips - 10.0 < (alone - 10.0) / 3  # the line a third as long counts about a ninth as much


def test_box_iou_hand_computed_and_undefined_boxes():
    from posture.geometry import box_iou

    assert box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert box_iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert box_iou((0, 0, 1, 1), (np.nan,) * 4) == 0.0


@pytest.mark.parametrize(
    ("inner", "outer", "cover"),
    [
        ((1, 1, 2, 2), (0, 0, 10, 10), 1.0),  # a part inside the whole, however small
        ((0, 0, 10, 10), (1, 1, 2, 2), 0.01),  # not the other way round
        ((0, 0, 2, 2), (1, 1, 3, 3), 0.25),
        ((0, 0, 1, 1), (2, 2, 3, 3), 0.0),
        ((0, 0, 0, 5), (0, 0, 5, 5), 0.0),  # an empty box
        ((0, 0, 1, 1), (np.nan,) * 4, 0.0),
    ],
)
def test_box_cover_is_the_share_of_the_inner_box_inside(inner, outer, cover):
    from posture.geometry import box_cover, box_iou

    assert box_cover(inner, outer) == pytest.approx(cover)
    assert box_cover(inner, outer) >= box_iou(inner, outer)


def test_apply_affine_matches_opencv_and_keeps_nan():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(2, 3))
    pts = rng.normal(size=(7, 2)) * 100
    expected = cv2.transform(pts[None].astype(np.float64), m)[0]
    assert np.allclose(g.apply_affine(m, pts), expected)
    assert np.isnan(g.apply_affine(m, [np.nan, 1.0])).all()
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        g.apply_affine(np.eye(3), pts)


@pytest.mark.parametrize(
    "tilts, min_deg, spread, expected",
    [
        ([22.4, 24.5, 22.0], 5.0, 0.5, 22.97),  # every line rolled alike
        ([-22.4, -24.5, -22.0], 5.0, 0.5, -22.97),  # mirrored: the sign flips
        ([27.4, 22.4, 24.5, 22.0, 12.8], 5.0, 0.5, None),  # spread 14.6 > half the mean
        ([27.4, 22.4, 24.5, 22.0, 12.8], 5.0, 1.0, 21.82),  # ... within the mean
        ([6.0, -6.0, 6.0], 5.0, 1.0, None),  # not the same way
        ([6.0, 4.0, 6.0], 5.0, 1.0, None),  # one below the threshold
        ([6.0], 5.0, 1.0, None),  # one line says nothing
    ],
)
def test_common_tilt(tilts, min_deg, spread, expected):
    got = g.common_tilt(tilts, min_deg, spread)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert got == pytest.approx(expected, abs=0.01)
