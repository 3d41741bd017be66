"""Silhouette refinement: drawn bodies with known tilts, mirror and rotation, fallbacks, a render.

The drawn body is a frontal outline (head, neck, trapezius, shoulder caps,
waist, hips, legs, arms held away from the trunk) filled in a mask and in an
RGB image, with landmarks at its joints. A raised shoulder moves that side's
whole shoulder region (outline and arm) up by a known number of pixels; a
pelvic tilt rotates the outline from the iliac crest down, the hip
landmarks and the legs about the hips' midpoint.

Tolerances: 0.3 degrees for the drawn bodies (pixel quantisation of a
200-pixel shoulder width is about 0.15 degrees per pixel of height); for the
rendered person 1.0 degree at the shoulders and 0.5 at the pelvis, about twice
the mean absolute error of the refined tilts on the rendered set (README).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
from conftest import ROOT, SYNTHETIC

from posture import geometry as g
from posture.landmarks import SWAP_SIDES, Landmarks, PoseLandmark
from posture.refine import RefinedPair, refine

L = PoseLandmark
W, H = 600, 900
MID = 300.0
HIP_Y = 530.0
SKIN, BACKGROUND = (224, 184, 156), (196, 198, 200)

# One half of the outline (the image's left half = the subject's right for a front view),
# from the neck down to the crotch, in pixels. "region" says what moves the point.
_HALF = [
    # x, y, region
    (272, 150, "neck"),
    (272, 205, "neck"),
    (245, 221, "shoulder"),
    (215, 230, "shoulder"),
    (195, 236, "shoulder"),
    (180, 246, "shoulder"),
    (170, 262, "shoulder"),
    (166, 280, "shoulder"),
    (196, 300, "shoulder"),  # armpit
    (203, 360, "trunk"),
    (212, 420, "trunk"),  # waist
    (214, 445, "pelvis"),
    (206, 470, "pelvis"),
    (197, 495, "pelvis"),
    (191, 520, "pelvis"),
    (188, 545, "pelvis"),
    (189, 570, "pelvis"),
    (195, 600, "pelvis"),
    (300, 610, "pelvis"),  # crotch
]


def _rot(p: np.ndarray, deg: float, c: np.ndarray) -> np.ndarray:
    """Rotate so that the subject's left (image right) goes up for positive ``deg``."""
    return g.rotate_points(p, deg, c)


def draw_body(
    raise_right: float = 0.0,
    raise_left: float = 0.0,
    pelvis_deg: float = 0.0,
    arms_down: bool = False,
    left_out: float = 0.0,
    left_arm_down: bool | None = None,
    arms_up: bool = False,
) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """RGB image, mask and landmarks of a front-facing drawn body.

    ``left_out`` moves the left shoulder region (outline, arm, landmark) that many pixels outwards;
    ``left_arm_down`` overrides ``arms_down`` for the left arm; ``arms_up`` holds both arms out
    horizontally (a T-pose).
    """
    hip_c = np.array([MID, HIP_Y])
    outline = {}
    for side, sign in (("right", -1.0), ("left", 1.0)):
        pts = []
        lift = raise_right if side == "right" else raise_left
        for x, y, region in _HALF:
            p = np.array([MID + sign * (MID - x), y], float)
            if region == "shoulder":
                p[1] -= lift
                if side == "left":
                    p[0] += left_out
            if region == "pelvis":
                p = _rot(p, pelvis_deg, hip_c)
            pts.append(p)
        outline[side] = np.array(pts)
    poly = np.concatenate([outline["right"], outline["left"][::-1]])
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    cv2.ellipse(mask, (int(MID), 110), (42, 52), 0, 0, 360, 255, -1, cv2.LINE_AA)
    xy = np.full((33, 2), np.nan)
    xy[L.NOSE] = (MID, 115)
    for name, x in (("LEFT_EYE", 318), ("RIGHT_EYE", 282), ("LEFT_EAR", 340), ("RIGHT_EAR", 260)):
        xy[L[name]] = (x, 105)
    for side, sign in (("RIGHT", -1.0), ("LEFT", 1.0)):
        lift = raise_right if side == "RIGHT" else raise_left
        shoulder = np.array([MID + sign * (100 + (left_out if side == "LEFT" else 0.0)), 262 - lift])
        down = left_arm_down if side == "LEFT" and left_arm_down is not None else arms_down
        if arms_up:
            elbow, wrist = shoulder + (sign * 120, 8), shoulder + (sign * 230, 12)
        elif down:
            elbow, wrist = shoulder + (sign * 10, 120), shoulder + (sign * 14, 235)
        else:
            elbow, wrist = shoulder + (sign * 70, 110), shoulder + (sign * 115, 210)
        hand = wrist + (sign * 8, 30)
        cv2.line(mask, tuple(np.round(shoulder).astype(int)), tuple(np.round(elbow).astype(int)), 255, 44, cv2.LINE_AA)
        cv2.line(mask, tuple(np.round(elbow).astype(int)), tuple(np.round(wrist).astype(int)), 255, 34, cv2.LINE_AA)
        cv2.line(mask, tuple(np.round(wrist).astype(int)), tuple(np.round(hand).astype(int)), 255, 26, cv2.LINE_AA)
        hip = _rot(np.array([MID + sign * 65, HIP_Y]), pelvis_deg, hip_c)
        knee, ankle = hip + (0, 200), hip + (0, 330)
        cv2.line(mask, tuple(np.round(hip).astype(int)), tuple(np.round(knee).astype(int)), 255, 70, cv2.LINE_AA)
        cv2.line(mask, tuple(np.round(knee).astype(int)), tuple(np.round(ankle).astype(int)), 255, 60, cv2.LINE_AA)
        for name, p in (
            ("SHOULDER", shoulder),
            ("ELBOW", elbow),
            ("WRIST", wrist),
            ("INDEX", hand),
            ("PINKY", hand),
            ("THUMB", hand),
            ("HIP", hip),
            ("KNEE", knee),
            ("ANKLE", ankle),
            ("HEEL", ankle + (0, 15)),
            ("FOOT_INDEX", ankle + (sign * 10, 25)),
        ):
            xy[L[f"{side}_{name}"]] = p
    xy[np.isnan(xy).any(axis=1)] = (MID, 100)
    m = mask.astype(np.float32) / 255.0
    m = cv2.GaussianBlur(m, (0, 0), 1.5)  # soft edge, like a segmentation network's
    rgb = np.empty((H, W, 3), np.uint8)
    for c in range(3):
        rgb[..., c] = np.round(BACKGROUND[c] + (SKIN[c] - BACKGROUND[c]) * (mask / 255.0)).astype(np.uint8)
    lm = Landmarks(xy=xy, visibility=np.ones(33), presence=np.ones(33), width=W, height=H)
    return rgb, m, lm


def mirror(rgb: np.ndarray, mask: np.ndarray, lm: Landmarks) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """The mirrored photo; the landmarks mirrored and, as a landmark model would, relabelled."""
    xy = lm.xy.copy()
    xy[:, 0] = lm.width - xy[:, 0]
    out = Landmarks(
        xy=xy[SWAP_SIDES],
        visibility=lm.visibility[SWAP_SIDES],
        presence=lm.presence[SWAP_SIDES],
        width=lm.width,
        height=lm.height,
    )
    return np.ascontiguousarray(rgb[:, ::-1]), np.ascontiguousarray(mask[:, ::-1]), out


def rotate(rgb: np.ndarray, mask: np.ndarray, lm: Landmarks, deg: float) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """Rotated counter-clockwise by ``deg`` about the image centre (same canvas)."""
    c = (lm.width / 2.0, lm.height / 2.0)
    m = cv2.getRotationMatrix2D(c, deg, 1.0)
    size = (lm.width, lm.height)
    rgb2 = cv2.warpAffine(rgb, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask2 = cv2.warpAffine(mask, m, size, flags=cv2.INTER_LINEAR, borderValue=0.0)
    xy = g.rotate_points(lm.xy, deg, np.array(c))
    return (
        rgb2,
        mask2,
        Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=lm.width, height=lm.height),
    )


TOL = 0.3


@pytest.mark.parametrize("use_rgb", [True, False])
def test_level_body_reads_level(use_rgb: bool) -> None:
    rgb, mask, lm = draw_body()
    r = refine(mask, lm, rgb if use_rgb else None)
    assert r.shoulders.refined and r.pelvis.refined, (r.shoulders.reason, r.pelvis.reason)
    assert abs(r.shoulders.tilt_deg) < TOL
    assert abs(r.pelvis.tilt_deg) < TOL
    assert r.frame == "trunk axis"


@pytest.mark.parametrize("lift", [4.0, 10.0, -7.0])
def test_raised_right_shoulder_is_recovered(lift: float) -> None:
    # Raising the right shoulder region by `lift` pixels raises its joint by as much: the line
    # through the joints, 2 H = 200 px apart, tilts by atan(lift / 200), right side up (negative).
    rgb, mask, lm = draw_body(raise_right=lift)
    r = refine(mask, lm, rgb)
    assert r.shoulders.refined, r.shoulders.reason
    expected = -math.degrees(math.atan2(lift, 200.0))
    assert r.shoulders.tilt_deg == pytest.approx(expected, abs=TOL)
    # The landmarks moved with the shoulder too, but the refined points are on the outline:
    assert r.shoulders.left[1] < lm[L.LEFT_SHOULDER][1] and r.shoulders.right[1] < lm[L.RIGHT_SHOULDER][1]


@pytest.mark.parametrize("lift", [6.0, -4.0])
def test_shoulder_lift_is_read_when_one_shoulder_is_farther_out(lift: float) -> None:
    # A body turned a little, or a wider shoulder: the left cap (and its joint) 10 px farther from
    # the midline. Heights read at the same distance either side of the neck would see the sloping
    # outline at different places; registering the caps follows the cap wherever it is.
    rgb, mask, lm = draw_body(raise_left=lift, left_out=10.0)
    r = refine(mask, lm, rgb)
    assert r.shoulders.refined, r.shoulders.reason
    expected = math.degrees(math.atan2(lift, 210.0))  # joints 210 px apart
    assert r.shoulders.tilt_deg == pytest.approx(expected, abs=TOL)


def test_a_nearly_straight_sloping_cap_reads_its_lift_not_a_sideways_slide() -> None:
    from posture.refine.shoulders import _register_shift

    # Sloping shoulders: caps that turn only 3 degrees over 40 px, each with its own smooth
    # 0.4 px wiggle. Lifted by 2 px, such a cap could as well have slid 3.5 px along itself;
    # without a prior on the sideways shift the lift read was off by 3.9 px (median of 20).
    x = np.arange(0.0, 40.0, 0.5)
    errors = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        cap = np.stack([x, -np.tan(np.radians(30 + 3 * x / 40)) * x], axis=1)
        a, b = cap.copy(), cap - (0.0, 2.0)
        for c in (a, b):
            c[:, 1] += 0.4 * np.sin(2 * np.pi * x / rng.uniform(15, 30) + rng.uniform(0, 6))
        d, _, se = _register_shift(a, b, lateral_sd=3.0)
        errors.append(abs(d[1] - 2.0))
        assert np.isfinite(se) and se > 0
    assert np.median(errors) < 1.0
    assert max(errors) < 3.0


def _bump_on_left_shoulder(dx: float, width: int, height: int) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    """The drawn body, left shoulder 4 px higher, with a skin-coloured bump ``width`` x ``height`` px
    on the outline ``dx`` px left of the midline (a pad or a knot under the shirt): the caps are no
    longer mirror images."""
    rgb, mask, lm = draw_body(raise_left=4.0)
    top = int(np.argmax(mask[:, int(MID + dx)] > 0.5))
    paint = np.zeros(mask.shape, np.uint8)
    cv2.ellipse(paint, (int(MID + dx), top), (width, height), 0, 0, 360, 255, -1, cv2.LINE_AA)
    on = paint / 255.0
    for c in range(3):
        rgb[..., c] = np.round(rgb[..., c] * (1 - on) + SKIN[c] * on).astype(np.uint8)
    return rgb, np.maximum(mask, cv2.GaussianBlur(on.astype(np.float32), (0, 0), 1.5)), lm


def test_a_shoulder_reading_is_used_only_within_its_uncertainty_limit() -> None:
    """Bumps of a few sizes: a reading is used only with a standard error within the 2-degree limit,
    and one beyond it is refused saying so, with that error (measured: 1.6 to 2.0 used, 2.0 to 2.2
    refused in this table)."""
    from posture.refine.shoulders import SHOULDER_MAX_UNCERTAINTY_DEG

    refused = 0
    for dx, width, height in [(100, 24, 8), (105, 24, 7), (105, 24, 8), (105, 30, 6), (105, 30, 7), (110, 18, 8)]:
        rgb, mask, lm = _bump_on_left_shoulder(dx, width, height)
        r = refine(mask, lm, rgb).shoulders
        if r.refined:
            assert r.uncertainty_deg <= SHOULDER_MAX_UNCERTAINTY_DEG == 2.0, (dx, width, height)
        elif "too uneven" in (r.reason or ""):
            assert r.uncertainty_deg > SHOULDER_MAX_UNCERTAINTY_DEG and "within 2 degrees" in r.reason
            refused += 1
    assert refused >= 2  # the table reaches past the limit


def test_arms_held_differently_fall_back_at_the_shoulders() -> None:
    rgb, mask, lm = draw_body(left_arm_down=True)  # left arm down, right arm away from the body
    r = refine(mask, lm, rgb)
    assert not r.shoulders.refined
    assert "arms are held differently" in (r.shoulders.reason or "")


def test_arms_raised_sideways_fall_back_at_the_shoulders() -> None:
    rgb, mask, lm = draw_body(raise_left=6.0, arms_up=True)  # a T-pose: no shoulder corner to register
    r = refine(mask, lm, rgb)
    assert not r.shoulders.refined
    assert "arm is raised" in (r.shoulders.reason or "")
    assert r.pelvis.refined, r.pelvis.reason  # the hips are unaffected


@pytest.mark.parametrize("deg", [3.0, -2.0])
def test_pelvic_tilt_is_recovered(deg: float) -> None:
    rgb, mask, lm = draw_body(pelvis_deg=deg)
    r = refine(mask, lm, rgb)
    assert r.pelvis.refined, r.pelvis.reason
    assert r.pelvis.tilt_deg == pytest.approx(deg, abs=TOL)
    assert 0 < r.pelvis.uncertainty_deg < 0.5


def assert_mirrored(a: RefinedPair, b: RefinedPair, width: int) -> None:
    """``b`` is ``a`` mirrored about the vertical of a ``width``-pixel image, to float32 sampling's
    rounding: its points (sides swapped), uncertainty and residual, or the same reason."""
    assert a.reason == b.reason
    assert [c.swapped() for c in a.causes] == list(b.causes)
    m = np.array([-1.0, 1.0])
    for p, q in ((a.left, b.right), (a.right, b.left)):
        np.testing.assert_allclose(p, m * q + (width, 0.0), atol=1e-3)
    np.testing.assert_allclose([a.uncertainty_deg, a.fit_rms_px], [b.uncertainty_deg, b.fit_rms_px], atol=1e-3)


@pytest.mark.parametrize("hide_neck", [False, True], ids=["neck seen", "neck hidden"])
def test_mirror_mirrors_the_refinement(hide_neck: bool) -> None:
    rgb, mask, lm = draw_body(raise_left=8.0, pelvis_deg=-2.5)
    if hide_neck:
        rgb, mask = collar(rgb, mask)
    a = refine(mask, lm, rgb)
    rgb2, mask2, lm2 = mirror(rgb, mask, lm)
    b = refine(mask2, lm2, rgb2)
    assert a.shoulders.refined, a.shoulders.reason
    assert_mirrored(a.shoulders, b.shoulders, W)
    assert a.pelvis.refined and b.pelvis.refined
    assert b.pelvis.tilt_deg == pytest.approx(-a.pelvis.tilt_deg, abs=0.1)


@pytest.mark.parametrize("deg", [-8.0, 5.0])
def test_rotation_adds_the_rotation(deg: float) -> None:
    rgb, mask, lm = draw_body(raise_right=6.0, pelvis_deg=2.0)
    a = refine(mask, lm, rgb)
    rgb2, mask2, lm2 = rotate(rgb, mask, lm, deg)
    b = refine(mask2, lm2, rgb2)
    for pa, pb in ((a.shoulders, b.shoulders), (a.pelvis, b.pelvis)):
        assert pa.refined and pb.refined, (pa.reason, pb.reason)
        # Counter-clockwise on screen lifts the image's right side: the subject's left, facing us.
        assert pb.tilt_deg - pa.tilt_deg == pytest.approx(deg, abs=TOL)


def test_arms_against_the_body_fall_back_at_the_pelvis() -> None:
    rgb, mask, lm = draw_body(arms_down=True)
    r = refine(mask, lm, rgb)
    assert not r.pelvis.refined
    assert "arm" in (r.pelvis.reason or "")
    assert not r.pelvis.left_ok and not r.pelvis.right_ok
    assert math.isnan(r.pelvis.tilt_deg)
    assert r.shoulders.refined  # the shoulders' tops are still clear


def test_no_contrast_falls_back() -> None:
    rgb, mask, lm = draw_body()
    flat_rgb = np.full_like(rgb, 128)
    weak = cv2.GaussianBlur(mask, (0, 0), 40.0) * 0.9  # a mask that cannot separate the person
    r = refine(weak, lm, flat_rgb)
    assert not r.shoulders.refined and not r.pelvis.refined
    assert r.shoulders.reason and r.pelvis.reason


@pytest.mark.parametrize(
    ("box", "neck_hidden"),
    [(((150, 120), (215, 330)), False), (((150, 120), (330, 330)), True)],
    ids=["over the right shoulder", "over the neck and the right shoulder"],
)
def test_hair_over_one_shoulder_falls_back_and_says_which(box: tuple, neck_hidden: bool) -> None:
    # Hair falling over the right shoulder (and over the neck: then the landmarks give the midline,
    # but the shoulder is still covered).
    rgb, mask, lm = draw_body()
    hair = mask.copy()
    cv2.rectangle(hair, *box, 1.0, -1)
    r = refine(hair, lm, None)
    assert not r.shoulders.refined
    reason = r.shoulders.reason or ""
    assert "right shoulder" in reason and "left shoulder" not in reason, reason
    assert r.shoulders.left_ok and not r.shoulders.right_ok
    assert ("neck not found" in reason) == neck_hidden, reason


def collar(rgb: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The drawn body with a high collar hiding its neck (every neck row wider than the search reaches)."""
    rgb, mask = rgb.copy(), mask.copy()
    cv2.rectangle(mask, (228, 150), (372, 224), 1.0, -1)
    cv2.rectangle(rgb, (228, 150), (372, 224), SKIN, -1)
    return rgb, mask


@pytest.mark.parametrize("lift", [0.0, 6.0, -8.0])
def test_a_hidden_neck_reads_the_tilt_about_the_landmarks_midline(lift: float) -> None:
    from posture.refine.outline import body_frame
    from posture.refine.shoulders import MIDLINE_FALLBACK_SD_H, _neck_midline

    rgb, mask, lm = draw_body(raise_left=lift)
    seen = refine(mask, lm, rgb).shoulders
    rgb, mask = collar(rgb, mask)
    mid = g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER])
    assert "neck not found" in (_neck_midline(mask, None, mid, 100.0, body_frame(lm, 0.5))[1] or "")
    hidden = refine(mask, lm, rgb).shoulders
    assert hidden.refined, hidden.reason
    assert hidden.tilt_deg == pytest.approx(math.degrees(math.atan2(lift, 200.0)), abs=TOL)
    assert hidden.uncertainty_deg > seen.uncertainty_deg  # the stand-in midline's error is in it
    # The stand-in midline one standard error off either way moves the tilt within its uncertainty.
    for side in (-1.0, 1.0):
        xy = lm.xy + (side * MIDLINE_FALLBACK_SD_H * 100.0, 0.0)
        moved = Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=W, height=H)
        r = refine(mask, moved, rgb).shoulders
        assert r.refined, r.reason
        assert abs(r.tilt_deg - hidden.tilt_deg) <= 2 * hidden.uncertainty_deg
    m_rgb, m_mask, m_lm = mirror(rgb, mask, lm)
    assert refine(m_mask, m_lm, m_rgb).shoulders.tilt_deg == pytest.approx(-hidden.tilt_deg, abs=0.1)


@pytest.mark.parametrize(("bend", "moves"), [(0.0, True), (60.0, False)], ids=["straight cap", "rounded cap"])
def test_a_midline_error_reads_as_a_rise_only_where_the_cap_is_straight(bend: float, moves: bool) -> None:
    from posture.refine.shoulders import _mirror_rise

    # Caps sloping 40 degrees down outwards (k = tan 40), straight or bending down by `bend` degrees
    # over their length. A midline e off sets the mirrored caps 2 e apart sideways (the sideways
    # prior's mean): a straight cap cannot tell that from a lift and reads a rise of 2 k e; a rounded
    # one fixes the sideways shift itself.
    t = np.linspace(0.0, 1.0, 60)
    angle = np.radians(40.0 + bend * t)
    step = np.stack([np.cos(angle), -np.sin(angle)], axis=1) * 40.0 / len(t)
    cap = np.cumsum(step, axis=0) + (60.0, 0.0)
    e = 3.0
    rise = _mirror_rise(cap, cap, 10.0, 2 * e)[0] - _mirror_rise(cap, cap, 10.0)[0]
    if moves:
        assert abs(rise) == pytest.approx(2 * math.tan(math.radians(40.0)) * e, rel=0.1)
    else:
        assert abs(rise) < 0.2


def test_missing_hips_use_the_image_vertical_and_no_pelvis() -> None:
    rgb, mask, lm = draw_body(raise_right=6.0)
    vis = lm.visibility.copy()
    vis[[L.LEFT_HIP, L.RIGHT_HIP]] = 0.1
    lm2 = Landmarks(xy=lm.xy, visibility=vis, presence=lm.presence, width=W, height=H)
    r = refine(mask, lm2, rgb)
    assert r.frame == "image vertical"
    assert r.shoulders.refined
    assert not r.pelvis.refined and "not visible" in (r.pelvis.reason or "")


def test_bad_mask_shape_is_rejected() -> None:
    rgb, mask, lm = draw_body()
    with pytest.raises(ValueError, match="mask must have shape"):
        refine(mask[:-1], lm, rgb)


def test_to_dict_is_plain_json() -> None:
    rgb, mask, lm = draw_body(raise_left=5.0)
    d = refine(mask, lm, rgb).to_dict()
    json.dumps(d)
    assert set(d) == {"frame", "shoulders", "pelvis"}
    assert d["shoulders"]["refined"] is True and d["shoulders"]["reason"] is None
    failed = RefinedPair.failed("why").to_dict()
    assert failed["tilt_deg"] is None and failed["left_px"] is None and failed["reason"] == "why"
    # Without the photo the outline points stay where the mask puts them: on this sharp drawing,
    # where the colour edges are, so the same tilts.
    mask_only = refine(mask, lm)
    assert mask_only.shoulders.refined and mask_only.pelvis.refined
    assert mask_only.shoulders.tilt_deg == pytest.approx(refine(mask, lm, rgb).shoulders.tilt_deg, abs=0.05)
    assert mask_only.shoulders.tilt_deg > 1.0  # the left shoulder raised


# --- MediaPipe's mask, on a rendered person ---------------------------------------------------------


def test_mask_of_an_odd_width_photo_is_read_without_aborting() -> None:
    # mediapipe 0.10.30-0.10.33 abort the process when a padded-row mask is read; run in a child.
    code = textwrap.dedent(
        """
        import numpy as np
        from posture.pose import PoseDetector
        rgb = np.full((257, 199, 3), 200, np.uint8)
        rgb[60:230, 80:120] = (200, 150, 120)
        import cv2
        cv2.circle(rgb, (100, 40), 18, (200, 150, 120), -1)
        with PoseDetector(segmentation=True) as det:
            found = det.detect_segmented(rgb)
            assert det.detect(rgb) is not None
        for lm, mask in found:
            assert mask is None or mask.shape == (257, 199), mask.shape
            assert lm.width == 199
        print("ok", len(found))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("ok")


def test_rendered_person_against_its_truth(segmenter) -> None:
    f = SYNTHETIC / "base" / "s+4_p-2_r+0.png"
    if not f.is_file():
        pytest.skip("rendered people not available (../shared/synthetic)")
    from posture.images import load_image

    rgb = load_image(f).rgb[:, :-1]  # odd width on purpose: 719 pixels
    j = json.loads(f.with_suffix(".json").read_text())["joints_2d_px"]
    true_sh = float(g.tilt_deg(j["left_shoulder"], j["right_shoulder"]))
    true_hip = float(g.tilt_deg(j["left_hip"], j["right_hip"]))
    (lm, mask), *_ = segmenter.detect_segmented(rgb)
    assert mask is not None and mask.shape == rgb.shape[:2]
    r = refine(mask, lm, rgb)
    assert r.shoulders.refined and r.pelvis.refined
    assert r.shoulders.tilt_deg == pytest.approx(true_sh, abs=1.0)
    assert r.pelvis.tilt_deg == pytest.approx(true_hip, abs=0.5)
    landmark_hip = float(g.tilt_deg(lm[L.LEFT_HIP], lm[L.RIGHT_HIP]))
    assert abs(r.pelvis.tilt_deg - true_hip) < abs(landmark_hip - true_hip)


@pytest.mark.parametrize(
    ("folder", "name"),
    [("protocol", "images/front_arms_down__econ_2095f20b.png"), ("photos", "cgi_front_full__tfex_image1.png")],
    ids=["a high collar", "hair over the neck"],
)
def test_a_real_photo_without_a_readable_neck_reads_the_shoulders_from_the_outline(segmenter, folder, name) -> None:
    from conftest import photo, protocol

    from posture.images import load_image
    from posture.refine import prepare_image
    from posture.refine.outline import body_frame
    from posture.refine.shoulders import _neck_midline

    rgb = load_image(protocol(name) if folder == "protocol" else photo(name)).rgb

    def read(im: np.ndarray) -> tuple[Landmarks, np.ndarray, RefinedPair]:
        (lm, mask), *_ = segmenter.detect_segmented(np.ascontiguousarray(im))
        return lm, mask, refine(mask, lm, im).shoulders

    lm, mask, r = read(rgb)
    f = body_frame(lm, 0.5)
    half = float(abs((lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]) @ f.u)) / 2.0
    mid = g.midpoint(lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER])
    assert "neck not found" in (_neck_midline(mask, prepare_image(rgb), mid, half, f)[1] or "")
    assert r.refined, r.reason
    for deg in (5.0, -5.0):  # counter-clockwise lifts the image's right side: the subject's left, facing us
        b = read(rotate(rgb, mask, lm, deg)[0])[2]
        assert b.refined, b.reason
        assert abs(b.tilt_deg - r.tilt_deg - deg) <= 2 * math.hypot(r.uncertainty_deg, b.uncertainty_deg)
    m = read(rgb[:, ::-1])[2]
    assert m.refined, m.reason
    assert abs(m.tilt_deg + r.tilt_deg) <= 2 * math.hypot(r.uncertainty_deg, m.uncertainty_deg)


def test_a_real_photo_and_its_mirror_image_refine_as_mirror_images_of_what_the_model_gives(segmenter) -> None:
    # The person from behind in a high collar reads on the photo's variants, not on its mirror
    # image's: the model's mask differs there (a dent at the foot of the right cap), not the refinement.
    from conftest import protocol

    from posture.images import load_image

    rgb = load_image(protocol("images/back_apose__animnerf_iper_023_1_1_f27.png")).rgb
    for im in (rgb, np.ascontiguousarray(rgb[:, ::-1])):
        (lm, mask), *_ = segmenter.detect_segmented(im)
        a = refine(mask, lm, im).shoulders
        m_rgb, m_mask, m_lm = mirror(im, mask, lm)
        assert_mirrored(a, refine(m_mask, m_lm, m_rgb).shoulders, lm.width)
        # Caps that matched about the landmarks' midpoint but not about a midline within its error
        # leave the tilt unfixed: too uncertain, not outlines that differ.
        assert a.refined or "too_uncertain" in [c.code for c in a.causes], a.reason


def test_drawing_uses_the_json_and_leaves_the_input_alone() -> None:
    from posture.render.refinement import draw_refinement

    rgb, mask, lm = draw_body(raise_left=5.0)
    d = refine(mask, lm, rgb).to_dict()
    assert 0 < len(d["shoulders"]["contour_left_px"]) <= 12
    before = rgb.copy()
    out = draw_refinement(rgb, d)
    assert np.array_equal(rgb, before)
    assert out.shape == rgb.shape and not np.array_equal(out, rgb)
    assert "contour_left_px" not in refine(mask, lm, rgb).to_dict(contour_points=0)["pelvis"]


# --- edge sampling: reads of the lazily smoothed photo ------------------------------------------------


@pytest.mark.parametrize(
    ("centre", "spread"),
    [((80.0, 60.0), 70.0), ((80.0, 60.0), 3.0), ((12.0, 8.0), 4.0), ((158.0, 118.0), 6.0), ((-3.0, 60.0), 2.0)],
    ids=["everywhere", "middle", "box corner", "photo corner", "beyond the photo"],
)
def test_edge_image_reads_as_the_whole_box_smoothed(centre: tuple[float, float], spread: float) -> None:
    from posture.refine import EdgeImage

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    whole = np.zeros(rgb.shape, np.float32)
    whole[5:110, 10:150] = cv2.GaussianBlur(rgb[5:110, 10:150].astype(np.float32), (0, 0), 1.0)
    pts = np.array(centre) + rng.uniform(-spread, spread, size=(9, 7, 2))
    p = pts.astype(np.float32) - 0.5
    expected = cv2.remap(whole, p[..., 0], p[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    np.testing.assert_array_equal(EdgeImage(rgb, (10.2, 5.7, 149.5, 109.1)).sample(pts), expected)


def test_snapping_points_together_or_one_by_one_gives_the_same() -> None:
    from posture.refine import prepare_image
    from posture.refine.outline import snap_to_edge

    rgb, _, lm = draw_body(raise_left=5.0)
    image = prepare_image(rgb)
    rng = np.random.default_rng(2)
    pts = np.array([[164.0, 280.0], [436.0, 275.0], [203.0, 360.0], [300.0, 400.0], [np.nan, 1.0]]) + rng.normal(
        0, 0.7, (5, 2)
    )
    d = np.array([[-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    together = snap_to_edge(image, pts, d, 4.0)
    alone = np.concatenate([snap_to_edge(image, pts[i : i + 1], d[i], 4.0) for i in range(len(pts))])
    np.testing.assert_array_equal(together, alone)
    assert np.isnan(together[4, 0])
    assert not np.array_equal(together[:2], pts[:2])  # the body's outline is there: the points moved
