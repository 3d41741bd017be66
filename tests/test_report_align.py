"""posture.report.align: same body scale whatever the camera distance; skeleton overlay."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import photo
from matplotlib.figure import Figure

from posture.compare import Anchor, body_anchor, compare, landmarks_of
from posture.geometry import apply_affine
from posture.landmarks import PoseLandmark
from posture.render.styles import DEFAULT_REPORT_STYLE as S
from posture.report import align

L = PoseLandmark


def test_similarity_puts_hips_and_torso_in_place():
    a = Anchor("hips", (400.0, 700.0), 250.0)
    m = align.similarity(a)
    hip = apply_affine(m, np.array([400.0, 700.0]))
    shoulder = apply_affine(m, np.array([400.0, 450.0]))
    assert hip == pytest.approx([S.panel_width / 2, S.hip_y * S.panel_height])
    assert np.linalg.norm(shoulder - hip) == pytest.approx(S.torso_px)


def test_similarity_levels_a_corrected_camera_roll():
    # Roll +5 deg: a truly vertical torso appears rotated counter-clockwise by 5 deg.
    t = np.radians(5.0)
    hip = np.array([300.0, 600.0])
    shoulder = hip + 200 * np.array([-np.sin(t), -np.cos(t)])
    m = align.similarity(Anchor("hips", tuple(hip), 200.0), roll_deg=5.0)
    d = apply_affine(m, shoulder) - apply_affine(m, hip)
    assert d[0] == pytest.approx(0.0, abs=1e-9) and d[1] == pytest.approx(-S.torso_px)


def test_flip_keeps_the_panel_centre_line():
    m = align.similarity(Anchor("hips", (100.0, 100.0), 50.0))
    f = align.flip_x(m)
    p = np.array([130.0, 80.0])
    assert apply_affine(f, p)[0] == pytest.approx(S.panel_width - apply_affine(m, p)[0])
    assert apply_affine(f, p)[1] == pytest.approx(apply_affine(m, p)[1])


def test_warp_fills_outside_with_background():
    img = np.full((50, 40, 3), 255, np.uint8)
    panel = align.warp(img, align.fit(40, 50))
    assert panel.shape == (S.panel_height, S.panel_width, 3)
    assert tuple(panel[0, 0]) == S.background_rgb or tuple(panel[S.panel_height // 2, 0]) == S.background_rgb
    assert tuple(panel[S.panel_height // 2, S.panel_width // 2]) == (255, 255, 255)


@pytest.fixture(scope="module")
def near_and_far(analyzer):
    """One real photo, and the same photo with the person at half the size in the same frame
    (as if the camera were twice as far away)."""
    img = analyzer.load(photo("front_full__tfex_businessman.jpeg")).rgb
    h, w = img.shape[:2]
    small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    far = np.full_like(img, 255)
    far[h // 4 : h // 4 + small.shape[0], w // 3 : w // 3 + small.shape[1]] = small
    return img, far, analyzer.analyze(img), analyzer.analyze(far)


def test_camera_distance_does_not_look_like_a_change(near_and_far):
    _, _, near, far = near_and_far
    c = compare([near, far])
    assert c.anchor == "hips"
    assert any("Camera distance" in w for w in c.warnings)
    placed = []
    for m in (near, far):
        lm = landmarks_of(m)
        placed.append(apply_affine(align.place(lm, c.anchor, 0.0, 0.5, lm.width, lm.height).matrix, lm.xy))
    # The model's own estimates move a little at half the resolution: within 4% of the torso
    # length for the torso, 8% for the knees, where unaligned they would be half a torso apart.
    for p, tol in (
        (L.LEFT_SHOULDER, 0.04),
        (L.RIGHT_SHOULDER, 0.04),
        (L.LEFT_HIP, 0.04),
        (L.RIGHT_HIP, 0.04),
        (L.LEFT_KNEE, 0.08),
        (L.RIGHT_KNEE, 0.08),
    ):
        assert np.linalg.norm(placed[0][p] - placed[1][p]) < tol * S.torso_px, p.name


def test_skeleton_overlay_draws_both(near_and_far):
    _, _, near, far = near_and_far
    skeletons = []
    for m in (near, far):
        lm = landmarks_of(m)
        a = body_anchor(lm, "hips")
        skeletons.append((lm, align.similarity(a), 0.5))
    fig = Figure()
    ax = fig.add_subplot()
    align.draw_skeletons(ax, skeletons, ["Before", "After"], [S.before_color, S.after_color])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Before", "After"]
    assert {t.get_text() for t in ax.texts} >= {"L", "R"}
    # A front view keeps the person's left on the right of the panel.
    lm = skeletons[1][0]
    assert align.left_on_right(lm, skeletons[1][1]) is True


# --- every line of a panel on the same body points as in the annotated image ------------------

SEGMENTS = (
    ("shoulder_tilt_deg", "shoulders", L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    ("pelvic_tilt_deg", "pelvis", L.LEFT_HIP, L.RIGHT_HIP),
    ("head_tilt_deg", None, L.LEFT_EAR, L.RIGHT_EAR),
)


def tilt_lines(m) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Each tilt line the annotated image draws, as (metric, right end, left end) in the photo's
    pixels: through the refined outline points for a silhouette tilt, else the landmarks."""
    lm = landmarks_of(m)
    out = []
    for name, key, left, right in SEGMENTS:
        metric = m.metrics[name]
        if metric.value is None:
            continue
        if metric.method == "silhouette":
            pair = m.refinement.pair(key)
            out.append((name, np.array(pair.right_px), np.array(pair.left_px)))
        else:
            out.append((name, lm.xy[right], lm.xy[left]))
    return out


def drawn_in_side_colours(img: np.ndarray, right: np.ndarray, left: np.ndarray) -> bool:
    """Whether ``img`` shows a line from ``right`` to ``left`` (its pixels) drawn half in the
    person's right colour, half in the left one, as the overlay draws a tilt."""
    from posture.render.styles import DEFAULT_STYLE

    for t in (0.2, 0.35, 0.65, 0.8):  # clear of the ends (markers, labels) and the middle (trunk line)
        x, y = np.rint(right + t * (left - right)).astype(int)
        if not (1 <= x < img.shape[1] - 1 and 1 <= y < img.shape[0] - 1):
            return False
        colour = DEFAULT_STYLE.right_rgb if t < 0.5 else DEFAULT_STYLE.left_rgb
        patch = img[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).astype(int)
        if np.abs(patch - np.array(colour)).max(axis=1).min() > 40:
            return False
    return True


@pytest.fixture(scope="module")
def refined_photos(augmented_analyzer):
    """Photos whose shoulder tilt comes from the silhouette, as (label, measurement, photo): the
    first frame of a squat video, a back view with a backpack, and a mirror selfie (analysed as one)."""
    from conftest import VIDEOS

    from posture.analyze import Analyzer
    from posture.settings import Settings

    video = VIDEOS / "front_full_squats__tfjs_pose_squats.mp4"
    if not video.is_file():
        pytest.skip("squat video not available (../shared/photos)")
    ok, bgr = cv2.VideoCapture(str(video)).read()
    assert ok
    squat = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    back = augmented_analyzer.load(photo("back_full__posenet_backpackman.jpg")).rgb
    with Analyzer(Settings(mirrored=True)) as mirror_analyzer:
        selfie = mirror_analyzer.load(photo("mirror_selfie__coco2014_000000000459.jpg")).rgb
        mirrored = mirror_analyzer.analyze(selfie)
    return [
        ("squat frame", augmented_analyzer.analyze(squat), squat),
        ("back view", augmented_analyzer.analyze(back), back),
        ("mirror selfie", mirrored, selfie),
    ]


def test_panel_lines_land_on_the_same_body_points_as_in_the_annotated_image(refined_photos):
    from posture.inputs import ComparedPhoto
    from posture.render import draw_overlay
    from posture.report.content import build_content

    # Flat grey photos: every coloured pixel is a drawn line.
    photos = [ComparedPhoto(label, m, np.full_like(rgb, 128)) for label, m, rgb in refined_photos]
    c = compare([p.measurement for p in photos])
    panels = build_content(photos, c).panels
    for p, panel in zip(photos, panels, strict=True):
        m = p.measurement
        assert m.metrics["shoulder_tilt_deg"].method == "silhouette", p.label  # the case that went wrong
        h, w = p.rgb.shape[:2]
        annotated = draw_overlay(p.rgb, m)
        f = annotated.shape[1] / w  # the annotated image's enlargement
        lm = landmarks_of(m)
        placement = align.place(lm, c.anchor, m.assumptions.roll_deg, 0.5, w, h, mirrored=m.assumptions.mirrored)
        assert placement.aligned
        for name, right, left in tilt_lines(m):
            assert drawn_in_side_colours(annotated, f * right, f * left), (p.label, name, "annotated image")
            on_panel = apply_affine(placement.matrix, np.stack([right, left]))
            assert drawn_in_side_colours(panel.image, *on_panel), (p.label, name, "report panel")
