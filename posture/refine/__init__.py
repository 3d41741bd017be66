r"""Silhouette refinement of shoulder and pelvic tilt (image evidence, no MediaPipe types).

MediaPipe's shoulder and hip landmarks estimate joint centres and are drawn
towards symmetry: on rendered people with known tilts one pass sees 60-90% of
the shoulder tilt and about a third of the pelvic tilt. A clinician levels the
tops of the shoulders and the pelvic rim, which a frontal photo shows as the
body's outline. This package reads that outline from a person's segmentation
mask (``(H, W)`` float in [0, 1], 1 on the person; MediaPipe's, see
:meth:`posture.pose.PoseDetector.detect_segmented`) and uses the landmarks only
to place the search. Given the photo, each outline point found on the mask is
moved along its scan line to the photo's strongest colour edge within
``max(2 px, 0.03 H)``: the mask is upsampled from a small network output and
is smooth, the photo's edge is sharp (on the rendered people this takes the
pelvic tilt's mean error from about 0.5 to 0.1-0.2 degrees).

The work is split by what it reads: :mod:`posture.refine.outline` (mask and
edge sampling, the body frame, :class:`~posture.refine.outline.RefinedPair`),
:mod:`posture.refine.shoulders` (the shoulder caps) and
:mod:`posture.refine.pelvis` (the hip outline); each module's docstring gives
its method and the geometric reason for it.

Fallback
    A pair is not refined when its evidence is unusable: something above the
    shoulder (hair, a raised arm, a background the mask merged with), an arm
    raised sideways or the arms held differently, an arm against
    the hip, an outline much wider than the hips (loose clothing, an object), a
    weak or ragged mask edge, outlines too different to register, or a refined
    tilt whose standard error exceeds its limit (2 degrees at the shoulders, 1 at
    the pelvis; see each module). ``refined`` is then
    False and ``reason`` says why; the caller keeps the landmark value, widens
    its uncertainty and says so. A neck that is not found does not stop the
    shoulders: the shoulder landmarks then give the midline, its error carried
    into the tilt's uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posture.landmarks import MIN_SCORE, Landmarks
from posture.refine.outline import Cause, EdgeImage, RefinedPair, body_frame
from posture.refine.pelvis import refine_pelvis
from posture.refine.shoulders import refine_shoulders

__all__ = [
    "Cause",
    "EdgeImage",
    "RefinedPair",
    "Refinement",
    "prepare_image",
    "refine",
    "refine_pelvis",
    "refine_shoulders",
]


@dataclass(frozen=True)
class Refinement:
    """Refined shoulder and pelvis points of one person.

    ``frame`` says how the body frame was oriented: ``trunk axis`` or
    ``image vertical`` (no usable hips).
    """

    shoulders: RefinedPair
    pelvis: RefinedPair
    frame: str

    def to_dict(self, contour_points: int = 12) -> dict[str, Any]:
        """JSON form (see :meth:`RefinedPair.to_dict`)."""
        return {
            "frame": self.frame,
            "shoulders": self.shoulders.to_dict(contour_points),
            "pelvis": self.pelvis.to_dict(contour_points),
        }


def prepare_image(rgb: NDArray[np.uint8], box: tuple[float, float, float, float] | None = None) -> EdgeImage:
    """The photo for snapping outlines to its edges: smoothed (sigma 1 pixel) where it is read.

    With ``box`` (x0, y0, x1, y1), only that region counts (the rest reads 0), which is all
    the snapping needs when the box holds the person with a margin.
    """
    return EdgeImage(rgb, box)


def refine(
    mask: NDArray[np.floating[Any]],
    lm: Landmarks,
    rgb: NDArray[np.uint8] | None = None,
    min_score: float = MIN_SCORE,
) -> Refinement:
    """Refine one person's shoulder and pelvis points from their silhouette.

    Parameters
    ----------
    mask : (H, W) float
        The person's segmentation mask in [0, 1] (1 on the person), the same
        size as the image ``lm`` refers to.
    lm : Landmarks
        The person's landmarks in that image, with anatomical sides (swap
        them first for a mirrored selfie).
    rgb : (H, W, 3) uint8, optional
        The photo. When given, each outline point found on the mask is moved
        to the photo's strongest colour edge within a few pixels (the mask is
        computed at a lower resolution and is smooth).
    min_score : float
        Landmarks scoring below this do not place a search.

    Raises
    ------
    ValueError
        When the mask's shape does not match the landmarks' image.
    """
    m = np.asarray(mask, dtype=np.float32)
    if m.shape != (lm.height, lm.width):
        raise ValueError(f"mask must have shape ({lm.height}, {lm.width}) like the landmarks' image, got {m.shape}")
    image = None
    if rgb is not None:
        if np.shape(rgb) != (lm.height, lm.width, 3):
            raise ValueError(f"rgb must have shape ({lm.height}, {lm.width}, 3), got {np.shape(rgb)}")
        x0, y0, x1, y1 = lm.bbox(min_score=0.0)
        pad = 0.3 * max(x1 - x0, y1 - y0)  # the outline lies within this of the landmarks' box
        image = prepare_image(rgb, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    if not (np.isfinite(m).all() and m.min() >= 0.0 and m.max() <= 1.0):  # a detector's mask already is
        m = np.clip(np.nan_to_num(m), 0.0, 1.0)
    m = np.ascontiguousarray(m)
    f = body_frame(lm, min_score)
    return Refinement(
        shoulders=refine_shoulders(m, lm, image, min_score),
        pelvis=refine_pelvis(m, lm, image, min_score),
        frame="trunk axis" if f.trunk else "image vertical",
    )
