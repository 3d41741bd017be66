"""posture.report.align: same body scale whatever the camera distance; skeleton overlay."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import photo
from matplotlib.figure import Figure

from posture.compare import Anchor, body_anchor, compare, landmarks_of
from posture.landmarks import PoseLandmark
from posture.render.styles import DEFAULT_REPORT_STYLE as S
from posture.report import align

L = PoseLandmark


def test_similarity_puts_hips_and_torso_in_place():
    a = Anchor("hips", (400.0, 700.0), 250.0)
    m = align.similarity(a)
    hip = align.apply(m, np.array([400.0, 700.0]))
    shoulder = align.apply(m, np.array([400.0, 450.0]))
    assert hip == pytest.approx([S.panel_width / 2, S.hip_y * S.panel_height])
    assert np.linalg.norm(shoulder - hip) == pytest.approx(S.torso_px)


def test_similarity_levels_a_corrected_camera_roll():
    # Roll +5 deg: a truly vertical torso appears rotated counter-clockwise by 5 deg.
    t = np.radians(5.0)
    hip = np.array([300.0, 600.0])
    shoulder = hip + 200 * np.array([-np.sin(t), -np.cos(t)])
    m = align.similarity(Anchor("hips", tuple(hip), 200.0), roll_deg=5.0)
    d = align.apply(m, shoulder) - align.apply(m, hip)
    assert d[0] == pytest.approx(0.0, abs=1e-9) and d[1] == pytest.approx(-S.torso_px)


def test_flip_keeps_the_panel_centre_line():
    m = align.similarity(Anchor("hips", (100.0, 100.0), 50.0))
    f = align.flip_x(m)
    p = np.array([130.0, 80.0])
    assert align.apply(f, p)[0] == pytest.approx(S.panel_width - align.apply(m, p)[0])
    assert align.apply(f, p)[1] == pytest.approx(align.apply(m, p)[1])


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
        placed.append(align.apply(align.place(lm, c.anchor, 0.0, 0.5, lm.width, lm.height).matrix, lm.xy))
    # The model's own estimates move a little at half the resolution: within 4% of the torso
    # length for the torso, 8% for the knees, where unaligned they would be half a torso apart.
    for p, tol in ((L.LEFT_SHOULDER, 0.04), (L.RIGHT_SHOULDER, 0.04), (L.LEFT_HIP, 0.04), (L.RIGHT_HIP, 0.04),
                   (L.LEFT_KNEE, 0.08), (L.RIGHT_KNEE, 0.08)):
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
