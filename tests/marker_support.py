"""Stickers drawn onto photos, for the marker tests and ``benchmarks/markers.py``.

A drawn sticker is an anti-aliased ellipse (8x8 supersampling) with a soft
edge, shaded darker towards one side as on a curved body, composited onto
the photo; :func:`degrade` then blurs and JPEG-compresses the whole photo as
a camera would. The true centre is the ellipse's centre, in pixel
coordinates whose integer values are pixel centres (as the detector's).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from posture.landmarks import Landmarks, PoseLandmark

L = PoseLandmark

FLUO_GREEN = (70, 235, 60)
"""A fluorescent green sticker as a camera records it (RGB)."""

SHOULDER_CM = 36.0
"""Shoulder landmarks' distance assumed to convert sticker sizes to pixels (as posture.markers)."""


@dataclass(frozen=True)
class DrawnSticker:
    """A sticker to draw: centre (pixels), diameter (pixels), axis ratio, major-axis angle (degrees),
    colour, shading (0: flat; 0.4: 40% darker at one edge) and the shading direction (degrees)."""

    x: float
    y: float
    diameter: float
    axis_ratio: float = 1.0
    angle: float = 0.0
    rgb: tuple[int, int, int] = FLUO_GREEN
    shade: float = 0.3
    shade_angle: float = 45.0
    edge: float = 0.6


def draw_stickers(rgb: NDArray[np.uint8], stickers: Sequence[DrawnSticker], ss: int = 8) -> NDArray[np.uint8]:
    """A copy of ``rgb`` with the stickers drawn on."""
    out = rgb.astype(np.float32)
    h, w = rgb.shape[:2]
    for s in stickers:
        r = s.diameter / 2.0 + 2.0 + 2.0 * s.edge
        x0, x1 = max(0, int(s.x - r)), min(w, int(s.x + r) + 2)
        y0, y1 = max(0, int(s.y - r)), min(h, int(s.y + r) + 2)
        off = (np.arange(ss) + 0.5) / ss - 0.5
        xs = (np.arange(x0, x1)[:, None] + off[None, :]).ravel()
        ys = (np.arange(y0, y1)[:, None] + off[None, :]).ravel()
        X, Y = np.meshgrid(xs - s.x, ys - s.y)
        t = math.radians(s.angle)
        u = X * math.cos(t) + Y * math.sin(t)
        v = -X * math.sin(t) + Y * math.cos(t)
        a, b = s.diameter / 2.0, s.diameter / 2.0 * s.axis_ratio
        rho = np.sqrt((u / a) ** 2 + (v / b) ** 2)  # 1 on the edge
        inside = np.clip(0.5 - (rho - 1.0) * a / max(s.edge, 1e-3), 0.0, 1.0)  # soft edge, `edge` px wide
        ta = math.radians(s.shade_angle)
        along = (X * math.cos(ta) + Y * math.sin(ta)) / a
        light = 1.0 - s.shade * np.clip((along + 1.0) / 2.0, 0.0, 1.0)
        alpha = inside.reshape(y1 - y0, ss, x1 - x0, ss).mean(axis=(1, 3))
        lum = (light * inside).reshape(y1 - y0, ss, x1 - x0, ss).sum(axis=(1, 3)) / np.maximum(
            inside.reshape(y1 - y0, ss, x1 - x0, ss).sum(axis=(1, 3)), 1e-6
        )
        colour = np.array(s.rgb, dtype=np.float32)[None, None, :] * lum[..., None]
        patch = out[y0:y1, x0:x1]
        out[y0:y1, x0:x1] = patch * (1.0 - alpha[..., None]) + colour * alpha[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def degrade(
    rgb: NDArray[np.uint8], blur_sigma: float = 0.0, jpeg_quality: int | None = None, full_colour: bool = False
) -> NDArray[np.uint8]:
    """The photo blurred (Gaussian, sigma in pixels) and JPEG-compressed as a camera would: colour
    at half resolution (4:2:0), or at full resolution (4:4:4) with ``full_colour``."""
    out = cv2.GaussianBlur(rgb, (0, 0), blur_sigma) if blur_sigma > 0 else rgb.copy()
    if jpeg_quality is not None:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=jpeg_quality, subsampling=0 if full_colour else 2)
        out = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return out


def framed(rgb: NDArray[np.uint8], lm: Landmarks, height: int) -> tuple[NDArray[np.uint8], float, tuple[float, float]]:
    """The photo cropped to the person (10% margin) and scaled to ``height`` pixels, with the scale
    factor and the crop's origin (to map landmarks: ``(xy - origin) * factor``)."""
    x0, y0, x1, y1 = lm.bbox()
    m = 0.1 * (y1 - y0)
    H, W = rgb.shape[:2]
    x0, y0, x1, y1 = max(0, int(x0 - m)), max(0, int(y0 - m)), min(W, int(x1 + m)), min(H, int(y1 + m))
    f = height / (y1 - y0)
    crop = cv2.resize(
        rgb[y0:y1, x0:x1], (round((x1 - x0) * f), height), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    )
    return crop, f, (float(x0), float(y0))


def palpated_points(lm: Landmarks, view: str, rise: tuple[float, float] = (0.0, 0.0)) -> dict[str, NDArray[np.float64]]:
    """Plausible sticker centres from the landmarks: acromions just above the shoulder landmarks,
    ASIS (front) above and outside the hip landmarks, PSIS (back) above and inside them. ``rise``
    lifts the left shoulder and left pelvic sticker by that fraction of the shoulder distance."""
    ls, rs, lh, rh = lm[L.LEFT_SHOULDER], lm[L.RIGHT_SHOULDER], lm[L.LEFT_HIP], lm[L.RIGHT_HIP]
    s = float(np.linalg.norm(ls - rs))
    out_l = np.sign(lh[0] - rh[0])  # image direction of the subject's left
    lateral = 0.07 if view == "front" else -0.13
    up = np.array([0.0, -1.0])
    return {
        "left_shoulder": ls + up * s * (0.04 + rise[0]),
        "right_shoulder": rs + up * s * 0.04,
        "left_pelvis": lh + np.array([out_l * lateral * s, 0.0]) + up * s * (0.15 + rise[1]),
        "right_pelvis": rh - np.array([out_l * lateral * s, 0.0]) + up * s * 0.15,
    }


def sticker_px(cm: float, lm: Landmarks) -> float:
    """A sticker's diameter in pixels for its size in centimetres, from the shoulder landmarks' distance."""
    return cm * float(np.linalg.norm(lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER])) / SHOULDER_CM
