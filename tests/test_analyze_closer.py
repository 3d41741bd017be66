"""A person small in the frame is looked at again, closer (posture.analyze.Analyzer._look_closer,
posture.augment.closer_region, posture.pose.PoseDetector.people_in_tiles).

Real photos padded with a plain or a blurred border make the person small; the measurement must
stay within its uncertainty of the unpadded photo's, and a photo without anyone must stay empty.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from conftest import photo, protocol

from posture import augment
from posture.analyze import SMALL_PERSON, small_in_photo
from posture.images import load_image
from posture.landmarks import Landmarks, PoseLandmark

L = PoseLandmark

SMALL = "front_full__h36m_S7_Greeting_000396.jpg"  # the person about a third of the photo's height
YOGA = "front_full__posenet_yoga.jpg"
TPOSE = "back_full__pose2sim_static_cam02_f005.jpg"  # arms held out, a portrait photo
EMPTY = ("none__mediapipe_cat.jpg", "none__tfex_table.jpg")
TILTS = ("shoulder_tilt_deg", "pelvic_tilt_deg")


def padded(rgb: np.ndarray, fraction: float, blurred: bool) -> np.ndarray:
    """``rgb`` with a border ``fraction`` of its size on every side: plain grey, or its edges
    spread outwards and blurred (a background out of focus)."""
    h, w = rgb.shape[:2]
    ph, pw = round(h * fraction), round(w * fraction)
    if blurred:
        big = cv2.GaussianBlur(cv2.copyMakeBorder(rgb, ph, ph, pw, pw, cv2.BORDER_REPLICATE), (0, 0), 25)
    else:
        big = np.full((h + 2 * ph, w + 2 * pw, 3), 200, np.uint8)
    big[ph : ph + h, pw : pw + w] = rgb
    return big


@pytest.mark.parametrize(
    ("box", "size"),
    [
        ((100.0, 200.0, 150.0, 400.0), (1000, 1000)),
        ((0.0, 10.0, 80.0, 60.0), (640, 480)),
        ((900, 0, 1000, 90), (1000, 500)),
    ],
)
@pytest.mark.parametrize("side", [2.0, 3.0])
def test_the_closer_region_holds_the_box_inside_the_photo(box, size, side) -> None:
    x0, y0, x1, y1 = augment.closer_region(box, *size, side)
    assert 0 <= x0 <= box[0] and 0 <= y0 <= box[1] and box[2] <= x1 <= size[0] and box[3] <= y1 <= size[1]
    assert max(x1 - x0, y1 - y0) <= side * max(box[2] - box[0], box[3] - box[1]) + 2


@pytest.mark.parametrize(
    ("box", "size", "small"),
    [
        ((0.0, 0.0, 250.0, 250.0), (1000, 1000), True),
        ((0.0, 0.0, 350.0, 100.0), (1000, 1000), False),
        # A T-pose in a portrait photo padded with wall: half its width, a quarter of its height.
        ((404.0, 836.0, 1107.0, 1549.0), (1524, 2688), True),
        # Standing half as tall as a landscape photo: the detector sees a quarter of its width.
        ((600.0, 100.0, 700.0, 460.0), (1280, 720), True),
        ((600.0, 0.0, 700.0, 720.0), (1280, 720), False),
    ],
)
def test_a_person_is_small_against_the_photos_longer_side(box, size, small) -> None:
    assert small_in_photo(box, *size) is small
    # The same photo at another size, or turned a quarter, gives the same answer.
    x0, y0, x1, y1 = box
    for k in (0.25, 3.0):
        assert small_in_photo((x0 * k, y0 * k, x1 * k, y1 * k), round(size[0] * k), round(size[1] * k)) is small
    assert small_in_photo((y0, x0, y1, x1), size[1], size[0]) is small


def test_small_means_under_the_share_of_the_longer_side() -> None:
    side = SMALL_PERSON * 1000
    assert small_in_photo((0.0, 0.0, side - 1, 10.0), 600, 1000)
    assert not small_in_photo((0.0, 0.0, 10.0, side + 1), 600, 1000)


@pytest.mark.parametrize("region", [None, (300, 200, 3500, 2900), (10, 20, 74, 90)])
def test_a_working_copy_of_a_region_maps_the_photo_into_it(region) -> None:
    rgb = np.random.default_rng(0).integers(0, 255, (3000, 4000, 3), dtype=np.uint8)
    copy, base = augment.working_copy(rgb, region)
    x0, y0, x1, y1 = region or (0, 0, 4000, 3000)
    assert max(copy.shape[:2]) <= augment.WORK_LONG_SIDE
    corners = np.array([[x0, y0], [x1, y1]], float) @ base[:, :2].T + base[:, 2]
    np.testing.assert_allclose(corners, [[0, 0], [copy.shape[1], copy.shape[0]]], atol=1e-6)
    if region and max(x1 - x0, y1 - y0) <= augment.WORK_LONG_SIDE:
        np.testing.assert_array_equal(copy, rgb[y0:y1, x0:x1])  # small regions are copied pixel for pixel


@pytest.fixture(scope="module")
def unpadded(augmented_analyzer):
    return {n: augmented_analyzer.analyze(load_image(photo(n)).rgb) for n in (SMALL, YOGA, TPOSE)}


@pytest.mark.parametrize(
    ("name", "fraction", "blurred"),
    [
        (SMALL, 0.2, False),
        (SMALL, 0.5, False),
        (SMALL, 1.0, False),
        (SMALL, 0.5, True),
        (SMALL, 1.0, True),
        (YOGA, 1.0, False),
        (YOGA, 1.0, True),
        (TPOSE, 0.2, False),
    ],
)
def test_a_person_made_small_by_a_border_is_measured_as_without_it(
    augmented_analyzer, unpadded, name, fraction, blurred
):
    ref = unpadded[name]
    m = augmented_analyzer.analyze(padded(load_image(photo(name)).rgb, fraction, blurred))
    assert m.status == "measured", m.message
    assert m.subject.view == ref.subject.view
    assert m.method.passes > len(augment.VARIANTS) // 2  # found in most variants
    for t in TILTS:
        a, b = m.metrics[t], ref.metrics[t]
        assert abs(a.value - b.value) <= math.hypot(a.uncertainty, b.uncertainty), (t, a.value, b.value)
    # The landmarks are in the padded photo's pixels: the joints move by the border.
    h, w = ref.source.height, ref.source.width
    shift = np.array([round(w * fraction), round(h * fraction)])
    joints = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    assert m.landmarks is not None and ref.landmarks is not None and h is not None and w is not None
    here, there = Landmarks.from_points(m.landmarks).xy[joints], Landmarks.from_points(ref.landmarks).xy[joints]
    assert np.abs(here - shift - there).max() < 0.03 * h


@pytest.mark.parametrize("name", EMPTY)
@pytest.mark.parametrize("fraction", [0.0, 0.5, 1.0])
def test_a_photo_without_anyone_stays_empty(analyzer, name, fraction) -> None:
    rgb = load_image(photo(name)).rgb
    m = analyzer.analyze(padded(rgb, fraction, False) if fraction else rgb)
    assert m.status == "no_person" and m.subject is None


def test_a_person_filling_the_photo_costs_no_second_look(analyzer, monkeypatch) -> None:
    passes = []
    monkeypatch.setattr(analyzer._detector, "people_in_tiles", lambda *a: passes.append("tiles") or [])
    real = analyzer._detect_mapped
    monkeypatch.setattr(analyzer, "_detect_mapped", lambda *a, **k: passes.append("pass") or real(*a, **k))
    for name in (YOGA, "front_full__tfex_yoga_tree.jpeg"):
        passes.clear()
        m = analyzer.analyze(load_image(photo(name)).rgb)
        assert m.status == "measured" and passes == ["pass"]


@pytest.mark.parametrize("name", [*EMPTY, SMALL])
def test_the_fast_mode_takes_one_pass_whatever_the_photo(analyzer, monkeypatch, name) -> None:
    # Nobody found, or a person small in the photo: --fast still makes its one pass, no closer look.
    passes = []
    monkeypatch.setattr(analyzer._detector, "people_in_tiles", lambda *a: passes.append("tiles") or [])
    real = analyzer._detect_mapped
    monkeypatch.setattr(analyzer, "_detect_mapped", lambda *a, **k: passes.append("pass") or real(*a, **k))
    analyzer.analyze(padded(load_image(photo(name)).rgb, 1.0, False))
    assert passes == ["pass"]


@pytest.mark.slow
def test_a_person_without_a_confident_landmark_gets_no_closer_look(augmented_analyzer) -> None:
    # The still video's last frames: the person leaving; the tiles find someone, but no landmark
    # scores enough to box them, so nobody is taken (it raised before).
    cap = cv2.VideoCapture(str(protocol("videos/front_arms_down__infonioknight_g-m1-front.mp4")))
    for _ in range(371):
        ok, frame = cap.read()
    cap.release()
    assert ok
    m = augmented_analyzer.analyze(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    assert m.status == "no_person" and m.message == "no person found in the photo"
