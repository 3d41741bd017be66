"""Pelvis refinement with the arms against the hips: the part of the outline free of them is read.

The drawn body is :func:`test_refine.draw_body`'s (arms held away from the trunk); a forearm
and hand are painted over it touching one hip outline low in the band (the hand hanging at
the side of the hip) or high in it (an elbow at the waist), or a whole arm hangs against it; a
bulge on one hip only breaks the mirror symmetry. A real protocol photo with the arms hanging
down, a gap between arms and hips, is read from the outline too.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from conftest import protocol
from test_refine import HIP_Y, MID, SKIN, TOL, draw_body, mirror, rotate

from posture.landmarks import Landmarks, PoseLandmark
from posture.refine import refine
from posture.refine.pelvis import PELVIS_BAND_T, PELVIS_MAX_UNCERTAINTY_DEG

L = PoseLandmark
TRUNK = HIP_Y - 262.0  # draw_body: hips' midpoint to shoulders' midpoint, pixels
BAND_TOP, BAND_BOTTOM = HIP_Y - PELVIS_BAND_T[1] * TRUNK, HIP_Y - PELVIS_BAND_T[0] * TRUNK


def _outline_x(mask: np.ndarray, y: float, sign: float) -> float:
    """Where the mask's row ``y`` leaves the body, going from the midline to that side (pixels)."""
    row = mask[int(round(y))]
    xs = np.arange(int(MID), len(row)) if sign > 0 else np.arange(int(MID), -1, -1)
    return float(xs[np.argmax(row[xs] < 0.5)])


def arm_touching(
    rgb: np.ndarray, mask: np.ndarray, lm: Landmarks, side: str, wrist_y: float, hand: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """That side's forearm from its elbow to a wrist touching the hip outline at height ``wrist_y``,
    and a hand from the wrist by ``hand`` (lateral outwards, down), painted over the body."""
    sign = 1.0 if side == "LEFT" else -1.0
    wrist = np.array([_outline_x(mask, wrist_y, sign) + sign * 17.0, wrist_y])  # the forearm is 34 px thick
    tip = wrist + (sign * hand[0], hand[1])
    elbow = lm[L[f"{side}_ELBOW"]]
    paint = np.zeros(mask.shape, np.uint8)
    cv2.line(paint, tuple(np.round(elbow).astype(int)), tuple(np.round(wrist).astype(int)), 255, 34, cv2.LINE_AA)
    cv2.line(paint, tuple(np.round(wrist).astype(int)), tuple(np.round(tip).astype(int)), 255, 26, cv2.LINE_AA)
    on = paint / 255.0
    out = rgb.copy()
    for c in range(3):
        out[..., c] = np.round(rgb[..., c] * (1 - on) + SKIN[c] * on).astype(np.uint8)
    m = np.maximum(mask, cv2.GaussianBlur(on.astype(np.float32), (0, 0), 1.5))
    xy = lm.xy.copy()
    xy[L[f"{side}_WRIST"]] = wrist
    for finger in ("INDEX", "PINKY", "THUMB"):
        xy[L[f"{side}_{finger}"]] = tip
    return out, m, Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=lm.width, height=lm.height)


def hand_low_on_hip(pelvis_deg: float = 0.0, side: str = "LEFT") -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """A hand hanging against the side of one hip over the band's lowest third."""
    rgb, mask, lm = draw_body(pelvis_deg=pelvis_deg)
    return arm_touching(rgb, mask, lm, side, BAND_BOTTOM - 0.3 * (BAND_BOTTOM - BAND_TOP), (2.0, 40.0))


@pytest.mark.parametrize("deg", [0.0, 3.0, -2.0])
def test_a_hand_low_on_one_hip_leaves_the_outline_above_it_to_read(deg: float) -> None:
    rgb, mask, lm = hand_low_on_hip(deg)
    r = refine(mask, lm, rgb).pelvis
    assert r.refined, r.reason
    # A pixel's error turns a shorter outline more: the whole band's tolerance, scaled by its length.
    used = np.ptp(r.contour_left[:, 1])
    assert r.tilt_deg == pytest.approx(deg, abs=TOL * (BAND_BOTTOM - BAND_TOP) / used)
    # Both sides are read over the same heights, all above the hand (and its clearance).
    wrist_y = lm[L.LEFT_WRIST][1]
    for contour in (r.contour_left, r.contour_right):
        assert contour[:, 1].max() < wrist_y - 0.03 * TRUNK
        assert contour[:, 1].min() == pytest.approx(BAND_TOP, abs=2.0 + 2 * abs(deg))
    assert abs(r.contour_left[:, 1].max() - r.contour_right[:, 1].max()) < 2.0 + 4 * abs(deg)
    # A shorter outline fixes the angle less well: its uncertainty is larger than the whole band's.
    full_rgb, full_mask, full_lm = draw_body(pelvis_deg=deg)
    assert r.uncertainty_deg > refine(full_mask, full_lm, full_rgb).pelvis.uncertainty_deg


def test_a_hand_on_the_hip_read_mirrored_flips_the_sign() -> None:
    rgb, mask, lm = hand_low_on_hip(2.5)
    a = refine(mask, lm, rgb).pelvis
    rgb2, mask2, lm2 = mirror(rgb, mask, lm)  # the hand is now on the (subject's) right hip
    b = refine(mask2, lm2, rgb2).pelvis
    assert a.refined and b.refined, (a.reason, b.reason)
    assert b.tilt_deg == pytest.approx(-a.tilt_deg, abs=0.1)
    # The points drawn are placed alike on both sides: the mirror image's are the mirrored points.
    for p, q in ((b.left, a.right), (b.right, a.left)):
        assert p == pytest.approx([lm.width - q[0], q[1]], abs=1.0)


@pytest.mark.parametrize("deg", [-8.0, 5.0])
def test_a_hand_on_the_hip_read_rotated_adds_the_rotation(deg: float) -> None:
    rgb, mask, lm = hand_low_on_hip(2.0, side="RIGHT")
    a = refine(mask, lm, rgb).pelvis
    b = refine(*_mask_lm_rgb(rotate(rgb, mask, lm, deg))).pelvis
    assert a.refined and b.refined, (a.reason, b.reason)
    assert b.tilt_deg - a.tilt_deg == pytest.approx(deg, abs=TOL)


def _mask_lm_rgb(photo: tuple[np.ndarray, np.ndarray, Landmarks]) -> tuple[np.ndarray, Landmarks, np.ndarray]:
    rgb, mask, lm = photo
    return mask, lm, rgb


@pytest.mark.parametrize("bulge", [3, 8])
def test_a_bulge_on_one_hip_only_widens_the_uncertainty_past_the_limit(bulge: int) -> None:
    # Something on one hip that the other has not (a pocket's contents, a fold): the outlines are
    # no longer mirror images, so the registration cannot fix the angle and says so.
    rgb, mask, lm = draw_body(pelvis_deg=2.0)
    paint = np.zeros(mask.shape, np.uint8)
    y = 0.5 * (BAND_TOP + BAND_BOTTOM)
    cv2.ellipse(paint, (int(_outline_x(mask, y, 1.0)), int(y)), (bulge, 25), 0, 0, 360, 255, -1, cv2.LINE_AA)
    on = paint / 255.0
    for c in range(3):
        rgb[..., c] = np.round(rgb[..., c] * (1 - on) + SKIN[c] * on).astype(np.uint8)
    r = refine(np.maximum(mask, cv2.GaussianBlur(on.astype(np.float32), (0, 0), 1.5)), lm, rgb).pelvis
    assert not r.refined
    assert r.uncertainty_deg > PELVIS_MAX_UNCERTAINTY_DEG and "within 1 degree" in (r.reason or "")


ARMS = [
    # (what, body, reason expected, left usable, right usable)
    ("both arms hanging against the hips", lambda: draw_body(arms_down=True), "arm", False, False),
    ("the left arm against the whole hip", lambda: draw_body(left_arm_down=True), "left arm", False, True),
    (
        "a hand low on the left hip, an elbow high on the right",
        lambda: arm_touching(*hand_low_on_hip(), "RIGHT", BAND_TOP + 8.0, (40.0, 20.0)),
        "different heights",
        True,
        True,
    ),
]


@pytest.mark.parametrize(("what", "body", "reason", "left_ok", "right_ok"), ARMS, ids=[a[0] for a in ARMS])
def test_arms_hiding_too_much_of_the_hips_fall_back(what, body, reason, left_ok, right_ok) -> None:
    rgb, mask, lm = body()
    r = refine(mask, lm, rgb).pelvis
    assert not r.refined and math.isnan(r.tilt_deg)
    assert reason in (r.reason or ""), r.reason
    assert (r.left_ok, r.right_ok) == (left_ok, right_ok)


# --- a real photo ------------------------------------------------------------------------------------


ARMS_DOWN_PHOTO = "images/front_arms_down__infonioknight_g-m1-front_t04s.jpg"


def test_arms_hanging_down_a_gap_from_the_hips_are_read_from_the_outline(segmenter) -> None:
    from posture import geometry as g
    from posture.images import load_image

    rgb = load_image(protocol(ARMS_DOWN_PHOTO)).rgb
    (lm, mask), *_ = segmenter.detect_segmented(rgb)
    a = refine(mask, lm, rgb).pelvis
    assert a.refined, a.reason  # it used to fall back: "the ... arm or hand is against the hip"
    assert 0 < a.uncertainty_deg <= 1.0
    # The outline reads more of the tilt than the landmarks, which are drawn towards level.
    assert abs(a.tilt_deg) > abs(float(g.tilt_deg(lm[L.LEFT_HIP], lm[L.RIGHT_HIP])))
    rgb2, mask2, lm2 = mirror(rgb, mask, lm)
    b = refine(mask2, lm2, rgb2).pelvis
    assert b.refined and b.tilt_deg == pytest.approx(-a.tilt_deg, abs=0.2)
    for deg in (-5.0, 5.0):
        c = refine(*_mask_lm_rgb(rotate(rgb, mask, lm, deg))).pelvis
        assert c.refined, c.reason
        assert c.tilt_deg - a.tilt_deg == pytest.approx(deg, abs=0.3)
