"""Camera roll from near-vertical lines: recovers a known roll, refuses when unsure."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posture.level import estimate_roll


def _room(width: int = 900, height: int = 1200, seed: int = 0) -> np.ndarray:
    """A synthetic room: a door frame, wall corners and a mirror edge, plus sensor noise."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 200, np.uint8)
    for x in (90, 160, 700, 780, 860):
        cv2.line(img, (x, 60), (x, height - 60), (40, 40, 40), 4)
    cv2.rectangle(img, (300, 200), (600, 1000), (120, 90, 60), -1)  # a body-sized blob
    noise = rng.normal(0, 6, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _rotate(img: np.ndarray, deg: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("roll", [-6.0, -2.0, 0.0, 1.5, 4.0])
def test_recovers_a_known_roll(roll: float) -> None:
    est = estimate_roll(_rotate(_room(), roll))
    assert est.confident
    assert est.roll_deg == pytest.approx(roll, abs=0.3)
    assert est.lines >= 3


def test_no_lines_is_not_confident() -> None:
    flat = np.full((800, 600, 3), 128, np.uint8)
    est = estimate_roll(flat)
    assert not est.confident and est.lines == 0 and np.isnan(est.roll_deg)
    assert est.to_dict()["roll_deg"] is None


def test_lines_on_the_person_are_ignored() -> None:
    img = np.full((1000, 800, 3), 210, np.uint8)
    for x in (300, 350, 420, 480):  # limb-like edges inside the person's box, leaning 8 degrees
        cv2.line(img, (x, 150), (x + 120, 950), (30, 30, 30), 4)
    est = estimate_roll(img, exclude=(250.0, 100.0, 650.0, 980.0))
    assert est.lines == 0 and not est.confident


def test_disagreeing_lines_are_not_confident() -> None:
    # Four lines of four leans, neighbours leaning opposite ways: at most two of them
    # share a plausible vanishing point, and two lines are not enough to trust.
    img = np.full((1000, 800, 3), 210, np.uint8)
    for x, lean in ((100, 7), (300, -8), (500, 2), (700, -3)):
        dx = int(np.tan(np.radians(lean)) * 800)
        cv2.line(img, (x, 100), (x + dx, 900), (30, 30, 30), 4)
    assert not estimate_roll(img).confident


def test_roll_beyond_the_limit_is_reported_but_not_applied() -> None:
    est = estimate_roll(_rotate(_room(), 11.0))
    assert est.roll_deg == pytest.approx(11.0, abs=0.5)
    assert not est.confident
