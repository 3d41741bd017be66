"""Test-time augmentation: measure several geometric variants of one photo.

A single landmark pass is noisy: the same body, rotated by a few degrees or
mirrored, gets landmarks that move by more than the asymmetries people care
about. Each variant here is an exact, invertible transform of the photo
(horizontal mirror, small rotations about the centre on an enlarged canvas,
a crop around the person). The landmarks found in a variant are mapped back
into the original frame (and, for mirrored variants, their left/right labels
swapped back), so every variant estimates the same quantities.

The variant set is closed under mirroring (every variant appears with and
without the flip, rotations in +/- pairs), so a mirrored photo gets the
mirrored set of estimates: the result is symmetric by construction.

Default set (``VARIANTS``): {no flip, flip} x {rotations of 0, +-2, +-5
and +-8 degrees; a crop around the person, unrotated and rotated +-5
degrees}: 20 landmark passes, 12 of them also refined (``REFINE_VARIANTS``).
On benchmarks/cost.py (rotation recovery and mirror symmetry on 29 real
photos, rendered people with known tilts), every smaller set of those tried
(4 to 16 passes, 4 to 12 refined) reads at least one figure more than 10%
worse: with fewer or smaller rotations the tilts follow a camera roll less
closely (shoulder p95 0.73-1.64 degrees against 0.55).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from posture.geometry import box_cover, box_iou
from posture.landmarks import SWAP_SIDES, Landmarks

Affine = NDArray[np.float64]  # (2, 3) maps original pixels -> variant pixels


@dataclass(frozen=True)
class Variant:
    """One geometric variant: optional horizontal flip, then a rotation or a crop."""

    flip: bool = False
    rotate_deg: float = 0.0
    crop: bool = False

    @property
    def label(self) -> str:
        """Short name, e.g. ``flip+rot-4``."""
        parts = ["flip" if self.flip else "orig"]
        if self.rotate_deg:
            parts.append(f"rot{self.rotate_deg:+g}")
        if self.crop:
            parts.append("crop")
        return "+".join(parts)


VARIANTS: tuple[Variant, ...] = tuple(
    Variant(flip=f, rotate_deg=r, crop=c)
    for f in (False, True)
    for r, c in (
        (0.0, False),
        (-2.0, False),
        (2.0, False),
        (-5.0, False),
        (5.0, False),
        (-8.0, False),
        (8.0, False),
        (0.0, True),
        (-5.0, True),
        (5.0, True),
    )
)
"""The default augmentation set (identity first)."""

REFINE_VARIANTS: tuple[Variant, ...] = tuple(v for v in VARIANTS if v.rotate_deg in (0.0, -5.0, 5.0))
"""The variants on which :mod:`posture.analyze` runs the silhouette refinement
(:mod:`posture.refine`): rotations of 0 and +-5 degrees, uncropped and cropped,
each with and without the flip (12 of the 20). Like ``VARIANTS`` the subset is
closed under mirroring (every variant with its flipped twin, rotations in +-
pairs), so the refined tilts keep the result's mirror symmetry. Refining all 20
reads no better, refining 6 or 8 of them follows a camera roll less closely
(benchmarks/cost.py)."""

VARIANT_SETS: dict[str, tuple[tuple[Variant, ...], tuple[Variant, ...]]] = {
    "fast": ((Variant(),), ()),
    "default": (VARIANTS, REFINE_VARIANTS),
}
"""Per mode of :class:`posture.analyze.Analyzer`: the variants measured (the photo itself
first) and those refined."""

CROP_MARGIN = 0.35
"""A crop variant keeps the person's box enlarged by this fraction on every side."""


def _flip_affine(width: int) -> Affine:
    return np.array([[-1.0, 0.0, float(width)], [0.0, 1.0, 0.0]])


def compose(a: Affine, b: Affine) -> Affine:
    """The affine ``a`` applied after ``b``."""
    a3 = np.vstack([a, [0, 0, 1]])
    b3 = np.vstack([b, [0, 0, 1]])
    return (a3 @ b3)[:2]


WORK_LONG_SIDE = 2048
"""Larger photos are analysed at this long side (the landmark model sees a 256-pixel crop)."""


def working_copy(
    rgb: NDArray[np.uint8], region: tuple[int, int, int, int] | None = None
) -> tuple[NDArray[np.uint8], Affine]:
    """The photo, or its ``region`` (x0, y0, x1, y1 in pixels, x1 and y1 excluded), reduced to at
    most ``WORK_LONG_SIDE`` pixels, and the affine original -> working copy."""
    shift = np.zeros(2)
    if region is not None:
        x0, y0, x1, y1 = region
        rgb = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        shift = np.array([-float(x0), -float(y0)])
    h, w = rgb.shape[:2]
    f = min(1.0, WORK_LONG_SIDE / max(h, w))
    if f < 1.0:
        rgb = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    fx, fy = rgb.shape[1] / w, rgb.shape[0] / h
    return rgb, np.array([[fx, 0.0, fx * shift[0]], [0.0, fy, fy * shift[1]]])


def closer_region(
    box: tuple[float, float, float, float], width: int, height: int, side: float
) -> tuple[int, int, int, int]:
    """The square around a person's box ``(x0, y0, x1, y1)`` that a closer look reads: ``side``
    times the box's larger side, centred on the box, cut to the ``width`` x ``height`` photo."""
    x0, y0, x1, y1 = box
    half = side * max(x1 - x0, y1 - y0) / 2.0
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return (
        max(0, int(np.floor(cx - half))),
        max(0, int(np.floor(cy - half))),
        min(width, int(np.ceil(cx + half))),
        min(height, int(np.ceil(cy + half))),
    )


def make_variant(
    rgb: NDArray[np.uint8], v: Variant, person_box: tuple[float, float, float, float] | None
) -> tuple[NDArray[np.uint8], Affine]:
    """The variant image and the affine that maps ``rgb``'s pixels into it.

    ``person_box`` (x0, y0, x1, y1), in ``rgb``'s pixels, is needed for
    crops; a crop without a box is the whole image.
    """
    h, w = rgb.shape[:2]
    img = rgb
    m: Affine = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if v.flip:
        img = cv2.flip(img, 1)  # numpy's reversed copy, pixel for pixel, 15-30x faster
        m = _flip_affine(w)
    if v.rotate_deg:
        t = np.radians(v.rotate_deg)
        nw = int(np.ceil(abs(w * np.cos(t)) + abs(h * np.sin(t))))
        nh = int(np.ceil(abs(w * np.sin(t)) + abs(h * np.cos(t))))
        r = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), v.rotate_deg, 1.0)
        r[0, 2] += (nw - w) / 2.0
        r[1, 2] += (nh - h) / 2.0
        img = cv2.warpAffine(img, r, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        m = compose(r, m)
    if v.crop and person_box is not None and np.isfinite(person_box).all():
        x0, y0, x1, y1 = person_box
        if v.flip:
            x0, x1 = w - x1, w - x0
        mx, my = (x1 - x0) * CROP_MARGIN, (y1 - y0) * CROP_MARGIN
        cx0, cy0 = int(max(0, np.floor(x0 - mx))), int(max(0, np.floor(y0 - my)))
        cx1, cy1 = int(min(w, np.ceil(x1 + mx))), int(min(h, np.ceil(y1 + my)))
        if cx1 - cx0 >= 32 and cy1 - cy0 >= 32:
            img = np.ascontiguousarray(img[cy0:cy1, cx0:cx1])
            m = compose(np.array([[1.0, 0.0, -cx0], [0.0, 1.0, -cy0]]), m)
    return img, m


def map_points_back(points: NDArray[np.float64], m: Affine) -> NDArray[np.float64]:
    """``(N, 2)`` points found in a variant, in the original image's pixels (``m`` maps original -> variant)."""
    inv = cv2.invertAffineTransform(m)
    return np.asarray(points, dtype=np.float64).reshape(-1, 2) @ inv[:, :2].T + inv[:, 2]


def map_image_back(image: NDArray[np.float32], m: Affine, size: tuple[int, int]) -> NDArray[np.float32]:
    """A variant's image (such as a mask) in the original's pixels: ``m`` maps original -> variant,
    ``size`` is the original's ``(width, height)``; outside the variant reads 0."""
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return np.asarray(cv2.warpAffine(image, m, size, flags=flags, borderValue=0.0), dtype=np.float32)


def map_back(lm: Landmarks, m: Affine, flip: bool, width: int, height: int) -> Landmarks:
    """Landmarks found in a variant, expressed in the original image.

    ``m`` maps original pixels into the variant; its inverse is applied to
    every point. A flipped variant's labels are swapped back to the
    original's sides.
    """
    xy = map_points_back(lm.xy, m)
    world = lm.world.copy()
    vis, pres = lm.visibility, lm.presence
    if flip:
        xy, vis, pres = xy[SWAP_SIDES], vis[SWAP_SIDES], pres[SWAP_SIDES]
        world = world[SWAP_SIDES] * np.array([-1.0, 1.0, 1.0])
    return Landmarks(xy=xy, visibility=vis, presence=pres, width=width, height=height, world=world)


def same_person(
    candidates: list[Landmarks], reference: tuple[float, float, float, float], min_iou: float = 0.5
) -> Landmarks | None:
    """The candidate whose landmark box overlaps ``reference`` most (None below ``min_iou``)."""
    best, best_iou = None, min_iou
    for c in candidates:
        iou = box_iou(c.bbox(), reference)
        if iou >= best_iou:
            best, best_iou = c, iou
    return best


def holding(candidates: list[Landmarks], part: tuple[float, float, float, float], min_cover: float) -> Landmarks | None:
    """The candidate whose landmark box holds the largest share of the box ``part`` (None below
    ``min_cover``): the whole person of whom an earlier look found only a part."""
    best, best_cover = None, min_cover
    for c in candidates:
        cover = box_cover(part, c.bbox())
        if cover >= best_cover:
            best, best_cover = c, cover
    return best


def median_landmarks(samples: list[Landmarks]) -> Landmarks:
    """Per-coordinate median of several estimates of one person's landmarks, 3-D ones included
    (so the turn estimated from them is as mirror-symmetric as the variants)."""
    first = samples[0]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            xy = np.nanmedian(np.stack([s.xy for s in samples]), axis=0)
            vis = np.nanmedian(np.stack([s.visibility for s in samples]), axis=0)
            pres = np.nanmedian(np.stack([s.presence for s in samples]), axis=0)
            world = np.nanmedian(np.stack([s.world for s in samples]), axis=0)
    return Landmarks(xy=xy, visibility=vis, presence=pres, width=first.width, height=first.height, world=world)


def robust_spread(values: NDArray[np.float64]) -> float:
    """Standard-deviation-like spread that ignores outliers: 1.4826 x median absolute deviation."""
    v = values[np.isfinite(values)]
    if len(v) < 2:
        return float("nan")
    return float(1.4826 * np.median(np.abs(v - np.median(v))))
