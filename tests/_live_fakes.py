"""Synthetic people and a fake detector for the live tests (no MediaPipe)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posture.geometry import rotate_points
from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark

L = PoseLandmark
W, H = 640, 480
FRAME = np.zeros((H, W, 3), np.uint8)

# A person facing the camera, unmirrored: their left is on the image's right.
_POSE = {
    L.NOSE: (320, 90), L.LEFT_EYE: (330, 80), L.RIGHT_EYE: (310, 80), L.LEFT_EAR: (345, 88), L.RIGHT_EAR: (295, 88),
    L.LEFT_SHOULDER: (380, 150), L.RIGHT_SHOULDER: (260, 150), L.LEFT_ELBOW: (395, 220), L.RIGHT_ELBOW: (245, 220),
    L.LEFT_WRIST: (400, 280), L.RIGHT_WRIST: (240, 280), L.LEFT_HIP: (355, 290), L.RIGHT_HIP: (285, 290),
    L.LEFT_KNEE: (355, 370), L.RIGHT_KNEE: (285, 370), L.LEFT_ANKLE: (355, 440), L.RIGHT_ANKLE: (285, 440),
    L.LEFT_HEEL: (355, 450), L.RIGHT_HEEL: (285, 450),
}


def person(tilt: float = 0.0, hips: bool = True, shoulders: bool = True, dx: float = 0.0) -> Landmarks:
    """The pose rotated counter-clockwise by ``tilt`` degrees (so the shoulder tilt is ``tilt``)."""
    xy = np.full((N_LANDMARKS, 2), 320.0)
    for lm, p in _POSE.items():
        xy[lm] = p
    xy = rotate_points(xy, tilt, (320.0, 220.0)) + [dx, 0.0]
    vis = np.full(N_LANDMARKS, 0.99)
    if not hips:
        vis[[L.LEFT_HIP, L.RIGHT_HIP]] = 0.1
    if not shoulders:
        vis[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = 0.1
    return Landmarks(xy=xy, visibility=vis, presence=np.full(N_LANDMARKS, 0.99), width=W, height=H)


def as_seen_in_mirror(lm: Landmarks) -> Landmarks:
    """What a model reports for a horizontally flipped frame: flipped x, sides labelled by appearance."""
    xy = lm.xy.copy()
    xy[:, 0] = lm.width - xy[:, 0]
    flipped = Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=lm.width, height=lm.height)
    return flipped.swap_sides()


class FakeDetector:
    """Returns ``people(i)`` for the i-th call and records the timestamps."""

    def __init__(self, people: Callable[[int], list[Landmarks]]) -> None:
        self.people = people
        self.timestamps: list[int] = []

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> list[Landmarks]:
        assert timestamp_ms is not None
        self.timestamps.append(timestamp_ms)
        return self.people(len(self.timestamps) - 1)
