"""posture.report.faces: the head region is made unrecognisable, nothing else changes."""

from __future__ import annotations

import cv2
import numpy as np

from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.report.faces import blur_heads, head_ellipse

L = PoseLandmark


def _person(cx: float = 200.0, eye_y: float = 100.0, ear_gap: float = 40.0, face: bool = True) -> Landmarks:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    if face:
        xy[L.NOSE] = (cx, eye_y + 10)
        xy[L.LEFT_EYE] = (cx + 8, eye_y)
        xy[L.RIGHT_EYE] = (cx - 8, eye_y)
        xy[L.LEFT_EAR] = (cx + ear_gap / 2, eye_y + 3)
        xy[L.RIGHT_EAR] = (cx - ear_gap / 2, eye_y + 3)
        xy[L.MOUTH_LEFT] = (cx + 6, eye_y + 20)
        xy[L.MOUTH_RIGHT] = (cx - 6, eye_y + 20)
    xy[L.LEFT_SHOULDER] = (cx + 45, eye_y + 70)
    xy[L.RIGHT_SHOULDER] = (cx - 45, eye_y + 70)
    score = np.full(N_LANDMARKS, 0.9)
    return Landmarks(xy=xy, visibility=score, presence=score, width=400, height=400)


def _detail(img: np.ndarray) -> float:
    return float(np.abs(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_64F)).mean())


def test_head_is_blurred_and_the_rest_untouched():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (400, 400, 3), dtype=np.uint8)
    before = img.copy()
    out = blur_heads(img, [_person()])
    assert np.array_equal(img, before), "the input must not be modified"
    e = head_ellipse(_person())
    assert e is not None
    face = (slice(int(e.cy - e.ry / 2), int(e.cy + e.ry / 2)), slice(int(e.cx - e.rx / 2), int(e.cx + e.rx / 2)))
    assert _detail(out[face]) < 0.05 * _detail(img[face])
    assert np.array_equal(out[300:], img[300:]), "pixels far from the head must not change"
    # Generous: the ellipse covers the ears and reaches well above the eyes.
    assert e.rx > 20 and e.cy - e.ry < 100 - 30


def test_head_found_from_shoulders_without_face_landmarks():
    e = head_ellipse(_person(face=False))
    assert e is not None and e.cy < 170 and e.rx > 20


def test_every_person_is_blurred():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (400, 400, 3), dtype=np.uint8)
    out = blur_heads(img, [_person(cx=100), _person(cx=300)])
    for cx in (100, 300):
        region = (slice(95, 120), slice(cx - 10, cx + 10))
        assert _detail(out[region]) < 0.05 * _detail(img[region])
