"""Drawing primitives shared by the photo overlay and the live overlay."""

from __future__ import annotations

import functools
import os
from typing import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import ImageFont

from posture.render.styles import RGB


@functools.lru_cache(maxsize=8)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib) at ``size`` pixels, or Pillow's default font."""
    import matplotlib

    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return ImageFont.load_default(size)


def pt(p: NDArray[np.float64]) -> tuple[int, int]:
    """A pixel position as OpenCV's integer point."""
    return int(round(p[0])), int(round(p[1]))


def dashed_line(img: NDArray[np.uint8], a: NDArray[np.float64], b: NDArray[np.float64], color: RGB, width: int) -> None:
    """Draw a dashed line from ``a`` to ``b`` with a dark outline, in place on ``img``."""
    length = float(np.linalg.norm(b - a))
    if not np.isfinite(length) or length < 1:
        return
    dash = max(6.0, 4.0 * width)
    n = int(length // dash)
    starts = np.arange(0, n, 2) * dash
    if len(starts) == 0:
        return
    ends = np.minimum(starts + dash, length)
    p = a + (b - a) * (starts / length)[:, None]
    q = a + (b - a) * (ends / length)[:, None]
    # One call per colour: every dash is a two-point polyline, rounded like cv2.line's points.
    segments = list(np.rint(np.stack([p, q], axis=1)).astype(np.int32))
    cv2.polylines(img, segments, False, (40, 40, 40), width + 2, cv2.LINE_AA)
    cv2.polylines(img, segments, False, color, width, cv2.LINE_AA)


def bilateral_line(
    img: NDArray[np.uint8],
    left: NDArray[np.float64],
    right: NDArray[np.float64],
    horizontal: NDArray[np.float64],
    left_rgb: RGB,
    right_rgb: RGB,
    reference_rgb: RGB,
    width: int,
) -> None:
    """Draw a left-right segment and its horizontal reference, in place on ``img``.

    The dashed reference starts at the subject's right point and runs along
    ``horizontal`` (a unit vector: true horizontal in the image) a little
    past the segment's length; the segment is drawn half in each side's
    colour over a dark outline.
    """
    span = float(np.linalg.norm(left - right))
    direction = np.sign(left[0] - right[0]) or 1.0
    thin = max(1, width // 2)
    dashed_line(
        img,
        right - horizontal * direction * span * 0.15,
        right + horizontal * direction * span * 1.15,
        reference_rgb,
        thin,
    )
    mid = (left + right) / 2
    cv2.line(img, pt(left), pt(right), (40, 40, 40), width + 3, cv2.LINE_AA)
    cv2.line(img, pt(right), pt(mid), right_rgb, width, cv2.LINE_AA)
    cv2.line(img, pt(mid), pt(left), left_rgb, width, cv2.LINE_AA)


def label_centre(point: NDArray[np.float64], other: NDArray[np.float64], radius: float) -> NDArray[np.float64]:
    """Where to put a side label (L/R disc) for ``point``: outside the body, away from ``other``."""
    away = np.sign(point[0] - other[0]) or 1.0
    return point + np.array([away * 2.2 * radius, -1.6 * radius])


Box = tuple[float, float, float, float]


def free_offset(box: Box, occupied: Sequence[Box], step: float, bottom: float, tries: int = 4) -> float:
    """Vertical offset (pixels) that moves ``box`` (x0, y0, x1, y1) off every ``occupied`` box:
    0 if it is free, else the nearest of +-step, +-2 step, ... (down first) that is free and keeps
    it within [0, ``bottom``]; 0 if none is."""

    def free(dy: float) -> bool:
        x0, y0, x1, y1 = box[0], box[1] + dy, box[2], box[3] + dy
        inside = y0 >= 0 and y1 <= bottom
        return inside and all(x1 <= a0 or x0 >= a1 or y1 <= b0 or y0 >= b1 for a0, b0, a1, b1 in occupied)

    for i in range(tries + 1):
        for dy in (0.0,) if i == 0 else (i * step, -i * step):
            if free(dy):
                return dy
    return 0.0
