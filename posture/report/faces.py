"""Blurring heads for sharing, from the pose model's face landmarks.

The head is located from the nose, eyes, ears and mouth landmarks (whatever
their visibility score: a head seen from behind still identifies), and
covered by a generous ellipse; when no face landmark exists the shoulders
give its place and size. The region is pixelated and then blurred, so no
facial detail survives. Only people the pose model found are blurred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import cv2
import numpy as np
from numpy.typing import NDArray

from posture.landmarks import Landmarks, PoseLandmark

L = PoseLandmark

FACE_POINTS = (
    L.NOSE,
    L.LEFT_EYE_INNER,
    L.LEFT_EYE,
    L.LEFT_EYE_OUTER,
    L.RIGHT_EYE_INNER,
    L.RIGHT_EYE,
    L.RIGHT_EYE_OUTER,
    L.LEFT_EAR,
    L.RIGHT_EAR,
    L.MOUTH_LEFT,
    L.MOUTH_RIGHT,
)


@dataclass(frozen=True)
class Ellipse:
    """An upright ellipse: centre and semi-axes, pixels."""

    cx: float
    cy: float
    rx: float
    ry: float


def head_ellipse(lm: Landmarks) -> Ellipse | None:
    """A generous ellipse over the head of one person, or None when nothing locates it.

    The head's width is taken as the largest of 1.6 x the face landmarks'
    spread and 0.6 x the shoulder width; the ellipse is 1.3 times that wide
    and 1.7 times that tall, centred a little above the face landmarks.
    """
    face = np.array([lm.xy[p] for p in FACE_POINTS])
    face = face[np.isfinite(face).all(axis=1)]
    sh = np.array([lm.xy[L.LEFT_SHOULDER], lm.xy[L.RIGHT_SHOULDER]])
    sh_ok = bool(np.isfinite(sh).all())
    sh_w = float(np.linalg.norm(sh[0] - sh[1])) if sh_ok else 0.0
    if len(face):
        spread = float(np.ptp(face, axis=0).max()) if len(face) > 1 else 0.0
        head = max(1.6 * spread, 0.6 * sh_w)
        cx, cy = face.mean(axis=0)
    elif sh_ok and sh_w > 0:
        head = 0.6 * sh_w
        cx, cy = sh.mean(axis=0) - np.array([0.0, 0.9 * sh_w])
    else:
        return None
    if not head > 0:
        head = 0.05 * max(lm.width, lm.height)
    return Ellipse(float(cx), float(cy - 0.15 * head), 0.65 * head, 0.85 * head)


def blur_heads(rgb: NDArray[np.uint8], people: Iterable[Landmarks]) -> NDArray[np.uint8]:
    """A copy of ``rgb`` with every person's head region made unrecognisable.

    ``people`` are landmark sets in the pixels of ``rgb``; the input is not
    modified.
    """
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for lm in people:
        e = head_ellipse(lm)
        if e is None:
            continue
        x0, x1 = int(max(0, np.floor(e.cx - e.rx * 1.2))), int(min(w, np.ceil(e.cx + e.rx * 1.2)))
        y0, y1 = int(max(0, np.floor(e.cy - e.ry * 1.2))), int(min(h, np.ceil(e.cy + e.ry * 1.2)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        rh, rw = region.shape[:2]
        # Pixelate to about 6 cells across the head, then blur the blocks away.
        cell = max(2.0, 2 * e.rx / 6)
        small = cv2.resize(region, (max(1, round(rw / cell)), max(1, round(rh / cell))), interpolation=cv2.INTER_AREA)
        coarse = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_LINEAR)
        sigma = max(1.0, cell / 2)
        blurred = cv2.GaussianBlur(coarse, (0, 0), sigma)
        hard = np.zeros((rh, rw), np.float32)
        cv2.ellipse(
            hard, (round(e.cx - x0), round(e.cy - y0)), (max(1, round(e.rx)), max(1, round(e.ry))), 0, 0, 360, 1.0, -1
        )
        # Feather the edge outwards only: inside the ellipse the blur is complete.
        soft = cv2.GaussianBlur(hard, (0, 0), max(1.0, e.rx / 10))
        mask = np.maximum(soft, hard)[..., None]
        region[:] = np.clip(region * (1 - mask) + blurred * mask, 0, 255).astype(np.uint8)
    return out
