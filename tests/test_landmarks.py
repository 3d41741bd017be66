"""The Landmarks container: validation, side swapping, JSON round trip, scaling."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from posture.landmarks import N_LANDMARKS, SWAP_SIDES, Landmarks, PoseLandmark
from posture.result import LandmarkPoints

L = PoseLandmark
RNG = np.random.default_rng(7)


def random_landmarks(width: int = 640, height: int = 480) -> Landmarks:
    return Landmarks(
        xy=RNG.uniform(0, [width, height], (N_LANDMARKS, 2)),
        visibility=RNG.uniform(0, 1, N_LANDMARKS),
        presence=RNG.uniform(0, 1, N_LANDMARKS),
        width=width,
        height=height,
        world=RNG.normal(size=(N_LANDMARKS, 3)),
    )


# ------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "field, bad",
    [
        ("xy", np.zeros((32, 2))),
        ("xy", np.zeros((33, 3))),
        ("xy", np.zeros(66)),
        ("visibility", np.zeros(32)),
        ("visibility", np.zeros((33, 1))),
        ("presence", np.zeros(34)),
        ("world", np.zeros((33, 2))),
    ],
)
def test_wrong_shapes_are_refused(field, bad):
    kwargs = dict(
        xy=np.zeros((33, 2)),
        visibility=np.ones(33),
        presence=np.ones(33),
        width=10,
        height=10,
        world=np.zeros((33, 3)),
    )
    kwargs[field] = bad
    with pytest.raises(ValueError, match=field):
        Landmarks(**kwargs)


@pytest.mark.parametrize("w, h", [(0, 10), (10, 0), (-5, 10)])
def test_non_positive_image_size_is_refused(w, h):
    with pytest.raises(ValueError, match="size"):
        Landmarks(xy=np.zeros((33, 2)), visibility=np.ones(33), presence=np.ones(33), width=w, height=h)


def test_arrays_are_copied_and_read_only():
    xy = np.zeros((33, 2))
    lm = Landmarks(xy=xy, visibility=np.ones(33), presence=np.ones(33), width=10, height=10)
    xy[0, 0] = 99.0  # the caller's array changing later must not change the landmarks
    assert lm.xy[0, 0] == 0.0
    with pytest.raises(ValueError):
        lm.xy[0, 0] = 1.0
    assert np.isnan(lm.world).all()  # no 3-D estimate by default


def test_enum_covers_33_blazepose_points_with_twins():
    assert len(L) == N_LANDMARKS
    for lm in L:
        if lm.name.startswith("LEFT_"):
            assert "RIGHT_" + lm.name[5:] in L.__members__


# ------------------------------------------------------------ swap_sides


def test_swap_sides_exchanges_left_and_right():
    lm = random_landmarks()
    s = lm.swap_sides()
    for left in L:
        if not left.name.startswith("LEFT_"):
            continue
        right = L["RIGHT_" + left.name[5:]]
        np.testing.assert_array_equal(s[left], lm[right])
        np.testing.assert_array_equal(s[right], lm[left])
        assert s.visibility[left] == lm.visibility[right]
        assert s.presence[right] == lm.presence[left]
        np.testing.assert_array_equal(s.world[left], lm.world[right])
    # unpaired landmarks stay put
    np.testing.assert_array_equal(s[L.NOSE], lm[L.NOSE])
    assert (s.width, s.height) == (lm.width, lm.height)


def test_swap_sides_twice_is_identity():
    lm = random_landmarks()
    twice = lm.swap_sides().swap_sides()
    np.testing.assert_array_equal(twice.xy, lm.xy)
    np.testing.assert_array_equal(twice.visibility, lm.visibility)
    np.testing.assert_array_equal(twice.presence, lm.presence)
    np.testing.assert_array_equal(twice.world, lm.world)
    np.testing.assert_array_equal(SWAP_SIDES[SWAP_SIDES], np.arange(N_LANDMARKS))


# ------------------------------------------------------------- accessors


def test_score_in_frame_and_bbox():
    xy = np.full((33, 2), 50.0)
    vis = np.full(33, 0.9)
    pres = np.full(33, 0.8)
    xy[L.LEFT_WRIST] = [-5, 50]  # outside on the left
    xy[L.RIGHT_WRIST] = [100, 20]  # x == width: outside (pixels run 0..width-1)
    xy[L.NOSE] = [10, 5]
    xy[L.LEFT_ANKLE] = [90, 95]
    vis[L.LEFT_ANKLE] = 0.2  # low score: not in the box
    pres[L.NOSE] = np.nan  # NaN counts as 0
    lm = Landmarks(xy=xy, visibility=vis, presence=pres, width=100, height=100)
    assert lm.score(L.LEFT_SHOULDER) == pytest.approx(0.8)
    assert lm.score(L.LEFT_ANKLE) == pytest.approx(0.2)
    assert lm.score(L.NOSE) == 0.0
    assert lm.in_frame(L.LEFT_SHOULDER)
    assert not lm.in_frame(L.LEFT_WRIST)
    assert not lm.in_frame(L.RIGHT_WRIST)
    x0, y0, x1, y1 = lm.bbox(min_score=0.5)
    # Nose and ankle score too low; the wrists lie outside the image: only in-frame points count.
    assert (x0, y0, x1, y1) == (50.0, 50.0, 50.0, 50.0)
    assert np.isnan(lm.bbox(min_score=0.95)).all()


# ----------------------------------------------------------- round trip


def test_points_json_round_trip_with_nan():
    lm = random_landmarks(width=333, height=777)
    xy = lm.xy.copy()
    vis = lm.visibility.copy()
    xy[L.LEFT_HIP] = np.nan
    vis[L.RIGHT_EAR] = np.nan
    lm = Landmarks(xy=xy, visibility=vis, presence=lm.presence, width=333, height=777, world=lm.world)
    d = lm.to_points().to_dict()
    text = json.dumps(d, allow_nan=False)  # valid JSON: NaN must have become null
    d2 = json.loads(text)
    assert d2["xy_px"][L.LEFT_HIP] == [None, None]
    assert d2["visibility"][L.RIGHT_EAR] is None
    assert d2["names"][L.LEFT_SHOULDER] == "left_shoulder"
    back = Landmarks.from_points(LandmarkPoints.from_dict(d2))
    assert (back.width, back.height) == (333, 777)
    assert np.isnan(back.xy[L.LEFT_HIP]).all()
    assert np.isnan(back.visibility[L.RIGHT_EAR])
    finite = np.isfinite(xy)
    np.testing.assert_allclose(back.xy[finite], xy[finite], atol=0.05 + 1e-9)  # rounded to 0.1 px
    np.testing.assert_allclose(np.nan_to_num(back.visibility), np.nan_to_num(vis), atol=0.0005 + 1e-9)
    np.testing.assert_allclose(back.presence, lm.presence, atol=0.0005 + 1e-9)
    # and the round trip is stable
    assert back.to_points().to_dict() == d2


# -------------------------------------------------------- from_normalized


def test_from_normalized_scales_by_width_and_height():
    w, h = 1000, 250  # non-square: x and y must use different scales
    pts = [SimpleNamespace(x=i / 40, y=1 - i / 40, visibility=0.5, presence=0.25) for i in range(33)]
    pts[5] = SimpleNamespace(x=0.5, y=0.5, visibility=None, presence=None)
    world = [SimpleNamespace(x=i, y=-i, z=2 * i) for i in range(33)]
    lm = Landmarks.from_normalized(pts, w, h, world)
    assert (lm.width, lm.height) == (w, h)
    np.testing.assert_allclose(lm.xy[10], [10 / 40 * w, (1 - 10 / 40) * h])
    np.testing.assert_allclose(lm.xy[5], [500, 125])
    assert np.isnan(lm.visibility[5]) and np.isnan(lm.presence[5])
    assert lm.visibility[0] == 0.5 and lm.presence[0] == 0.25
    np.testing.assert_allclose(lm.world[3], [3, -3, 6])
    # a 45-degree line in normalised units is NOT 45 degrees in pixels here
    from posture.geometry import tilt_deg

    a = Landmarks.from_normalized([SimpleNamespace(x=0.6, y=0.4)] + [SimpleNamespace(x=0.5, y=0.5)] * 32, w, h)
    assert tilt_deg(a.xy[0], a.xy[1]) == pytest.approx(np.degrees(np.arctan2(0.1 * h, 0.1 * w)))
    assert np.isnan(a.world).all() and np.isnan(a.visibility).all()


def test_from_normalized_needs_33_points():
    with pytest.raises(ValueError, match="33"):
        Landmarks.from_normalized([SimpleNamespace(x=0, y=0)] * 17, 10, 10)
