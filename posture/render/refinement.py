"""Draw the silhouette refinement: the outline points used and the refined shoulder/pelvis lines.

Reads the JSON form of :class:`posture.refine.Refinement` (``Refinement.to_dict()``), so the
annotated image can be drawn from a stored measurement; never measures.
"""

from __future__ import annotations

from typing import Any, Mapping

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from posture.geometry import apply_affine
from posture.render.primitives import pt
from posture.render.styles import DEFAULT_STYLE, OverlayStyle


def draw_refinement(
    rgb: NDArray[np.uint8],
    refinement: Mapping[str, Any],
    transform: ArrayLike | None = None,
    style: OverlayStyle = DEFAULT_STYLE,
) -> NDArray[np.uint8]:
    """Return a new RGB image with the outline points (small dots, the person's left/right colour)
    and, where refined, the line through the two refined points (thin, dark-outlined).

    ``refinement`` is ``Refinement.to_dict()``; ``transform``, a ``(2, 3)`` affine matrix, maps its
    pixel coordinates onto ``rgb`` (the overlay's enlargement, a report panel's alignment; default:
    the identity). ``rgb`` is not modified.
    """
    to_img = np.eye(2, 3) if transform is None else np.asarray(transform, dtype=np.float64)

    def _pt(p: Any) -> tuple[int, int] | None:
        if p is None or any(c is None for c in p):
            return None
        return pt(apply_affine(to_img, p))

    img = rgb.copy()
    k = max(img.shape[:2]) / 1000.0
    dot = max(1, round(style.point_px * k * 0.35))
    lw = max(1, round(style.line_px * k * 0.5))
    for part in ("shoulders", "pelvis"):
        pair = refinement.get(part) or {}
        for key, color in (("contour_left_px", style.left_rgb), ("contour_right_px", style.right_rgb)):
            for p in pair.get(key, []):
                q = _pt(p)
                if q is not None:
                    cv2.circle(img, q, dot + 1, (40, 40, 40), -1, cv2.LINE_AA)
                    cv2.circle(img, q, dot, color, -1, cv2.LINE_AA)
        a, b = _pt(pair.get("left_px")), _pt(pair.get("right_px"))
        if pair.get("refined") and a is not None and b is not None:
            cv2.line(img, a, b, (40, 40, 40), lw + 2, cv2.LINE_AA)
            cv2.line(img, a, b, style.reference_rgb, lw, cv2.LINE_AA)
            for q, color in ((a, style.left_rgb), (b, style.right_rgb)):
                cv2.drawMarker(img, q, color, cv2.MARKER_DIAMOND, 4 * dot + 4, max(1, lw), cv2.LINE_AA)
    return img
