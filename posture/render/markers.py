"""Draw the stickers found (``posture analyze --markers``): a ring on each, its name, and the extras.

Reads a measurement's ``markers`` (:class:`posture.marker_result.Markers`), so a stored
measurement draws the same; never measures. The line through each pair is drawn by the overlay,
as for the other methods.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from posture.geometry import apply_affine
from posture.marker_result import Markers, StickerPoint
from posture.render.primitives import font, pt
from posture.render.styles import DEFAULT_STYLE, RGB, OverlayStyle

Label = tuple[tuple[int, int], str, RGB, int]


def _ring(img: NDArray[np.uint8], c: tuple[int, int], r: int, color: RGB, width: int) -> None:
    cv2.circle(img, c, r, (40, 40, 40), width + 2, cv2.LINE_AA)
    cv2.circle(img, c, r, color, width, cv2.LINE_AA)
    cv2.drawMarker(img, c, color, cv2.MARKER_CROSS, max(3, r // 2), 1, cv2.LINE_AA)


def draw_markers(
    rgb: NDArray[np.uint8],
    markers: Markers,
    transform: ArrayLike | None = None,
    style: OverlayStyle = DEFAULT_STYLE,
    left_direction: float = 1.0,
) -> tuple[NDArray[np.uint8], list[Label]]:
    """A new image with a ring around every sticker found (the person's left/right colour for the
    named ones, grey with "?" for the ambiguous ones, grey for extras), and the name labels to
    print beside them, on the outer side of a pair (``(x, y)`` of the text's top-left corner, text,
    colour, font size). ``transform``, a ``(2, 3)`` affine matrix, maps the stickers' pixels onto
    ``rgb`` (default: the identity); ``left_direction`` is +1 when the person's left lies towards
    the right of ``rgb``, -1 otherwise. ``rgb`` is not modified."""
    to_img = np.eye(2, 3) if transform is None else np.asarray(transform, dtype=np.float64)
    scale = float(np.sqrt(abs(np.linalg.det(to_img[:, :2]))))
    img = rgb.copy()
    k = max(img.shape[:2]) / 1000.0
    lw = max(1, round(style.line_px * k * 0.6))
    size = max(11, round(style.font_px * k * 0.7))
    labels: list[Label] = []

    def ring(s: StickerPoint, color: RGB, text: str, away: float = 1.0) -> None:
        """``away``: +1 puts the label right of the ring, -1 left of it."""
        c = pt(apply_affine(to_img, s.xy_px))
        r = max(4, int(round(s.diameter_px * scale * 0.5)) + lw + 2)
        _ring(img, c, r, color, lw)
        x = c[0] + r + 3 if away > 0 else c[0] - r - 3 - round(font(size).getlength(text))
        labels.append(((x, c[1] - size), text, color, size))

    for pair in (markers.shoulders, markers.pelvis):
        if pair is None:
            continue
        for sticker, letter, color, away in (
            (pair.left, "L", style.left_rgb, left_direction),
            (pair.right, "R", style.right_rgb, -left_direction),
        ):
            if sticker is not None:
                ring(sticker, color, f"{letter} {pair.landmark}".strip(), away)
        for s in pair.ambiguous or ():
            ring(s, style.other_person_rgb, "?")
    for s in markers.extra:
        ring(s, style.other_person_rgb, "extra")
    return img, labels
