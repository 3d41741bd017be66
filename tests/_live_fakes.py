"""Synthetic people and a fake detector for the live tests (no MediaPipe)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posture.geometry import rotate_points
from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.measure import measure
from posture.provenance import Method, Model, Source
from posture.result import Assumptions, PostureMeasurement

L = PoseLandmark
W, H = 640, 480
FRAME = np.zeros((H, W, 3), np.uint8)

# A person facing the camera, unmirrored: their left is on the image's right.
_POSE = {
    L.NOSE: (320, 90),
    L.LEFT_EYE: (330, 80),
    L.RIGHT_EYE: (310, 80),
    L.LEFT_EAR: (345, 88),
    L.RIGHT_EAR: (295, 88),
    L.LEFT_SHOULDER: (380, 150),
    L.RIGHT_SHOULDER: (260, 150),
    L.LEFT_ELBOW: (405, 215),
    L.RIGHT_ELBOW: (235, 215),
    L.LEFT_WRIST: (425, 275),
    L.RIGHT_WRIST: (215, 275),
    L.LEFT_HIP: (355, 290),
    L.RIGHT_HIP: (285, 290),
    L.LEFT_KNEE: (355, 370),
    L.RIGHT_KNEE: (285, 370),
    L.LEFT_ANKLE: (355, 440),
    L.RIGHT_ANKLE: (285, 440),
    L.LEFT_HEEL: (355, 450),
    L.RIGHT_HEEL: (285, 450),
    L.LEFT_PINKY: (432, 290),
    L.RIGHT_PINKY: (208, 290),
    L.LEFT_INDEX: (430, 292),
    L.RIGHT_INDEX: (210, 292),
    L.LEFT_THUMB: (426, 288),
    L.RIGHT_THUMB: (214, 288),
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


def numbered_frames(n: int) -> list[np.ndarray]:
    """``n`` blank frames, frame i carrying i in its first pixel (for :class:`FakeAnalyzer`)."""
    frames = []
    for i in range(n):
        f = FRAME.copy()
        f[0, 0, :2] = (i % 256, i // 256)
        frames.append(f)
    return frames


class FakeAnalyzer:
    """Stands in for :class:`posture.analyze.Analyzer` on :func:`numbered_frames`: measures the
    landmarks of frame i (``people(i)[0]``), each metric with ``uncertainty`` and the tilts
    with method ``method(i)``; records the frames it saw."""

    def __init__(
        self,
        people: Callable[[int], list[Landmarks]],
        uncertainty: float = 0.3,
        method: Callable[[int], str] = lambda i: "silhouette",
    ) -> None:
        self.people, self.uncertainty, self.method = people, uncertainty, method
        self.seen: list[int] = []
        self.closed = False

    def analyze(self, rgb: np.ndarray) -> PostureMeasurement:
        from dataclasses import replace

        i = int(rgb[0, 0, 0]) + 256 * int(rgb[0, 0, 1])
        self.seen.append(i)
        body = measure(self.people(i)[0])
        metrics = {}
        for name, m in body.metrics.items():
            if m.value is not None:
                m = replace(m, uncertainty=self.uncertainty)
                if name in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
                    m = replace(m, method=self.method(i), landmark_value=m.value)
            metrics[name] = m
        return PostureMeasurement(
            status="measured",
            message="measured",
            source=Source(path=None, width=W, height=H),
            model=Model(name="fake"),
            assumptions=Assumptions(),
            subject=None,
            metrics=metrics,
            method=Method(passes=12),
            landmarks=body.landmarks.to_points(),
        )

    def close(self) -> None:
        self.closed = True
