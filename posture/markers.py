r"""Coloured stickers on palpated landmarks: find them in a photo, name them, level them.

A practitioner palpates the acromions (shoulders) and the ASIS (pelvis, seen
from the front) or the PSIS (the dimples above the buttocks, seen from
behind) and puts a round coloured sticker on each; the tilt of the line
through two stickers is the clinical shoulder or pelvic tilt, which no pose
model sees. Conventions are :mod:`posture.geometry`'s (pixels, y down; tilt
positive when the subject's left point is higher).

Finding (:func:`find_stickers`)
    Each pixel gets a soft colour membership in [0, 1] (:func:`membership`):
    a Gaussian in hue around the sticker colour's hue (sigma ``HUE_SIGMA_DEG``)
    times smooth ramps in HSV saturation and value, so shading across a
    sticker on a curved body changes it little. Pixels with membership >= 0.5
    form connected blobs; a blob is a sticker when its equivalent diameter
    (from the area of its coverage matte, below, which blur does not shrink) is
    ``MIN_DIAMETER_REL``-``MAX_DIAMETER_REL`` of the body scale (the shoulder
    landmarks' distance, about 36 cm; so 0.6-5 cm), at least
    ``MIN_DIAMETER_PX``, and it is round: the overlap (IoU) of its shape
    (the membership upsampled 4x, >= 0.5) with the ellipse of the same
    second moments is at least ``MIN_ELLIPSE_IOU`` and the ellipse's
    axis ratio at least ``MIN_AXIS_RATIO`` (a round sticker on a curved body
    images as an ellipse), and it stands alone: the mean membership in each
    eighth of a ring around it is at most ``MAX_SURROUND`` (a fragment of a green background
    or garment has its colour around it), and its centre is uncertain by at
    most ``MAX_CENTRE_REL`` of its diameter (below). Larger, smaller, ragged
    or edgeless blobs of the colour (clothing, a background) are rejected
    and listed with the reason.

Centre
    Around each blob (dilated by 0.4 diameters, other blobs excluded) a
    coverage matte: 1 inside, 0 outside, and across the edge each pixel
    unmixed linearly between the sticker's colour (a plane fitted to the
    interior, so shading is extrapolated to the edge) and the nearest
    background colour. A colour threshold alone pulls the centre towards the
    lit side of a shaded sticker; unmixing is linear, so blur and shading
    move the matte symmetrically. Each channel of JPEG's YCbCr (luma, two
    colour differences) unmixes the pixel on its own; a lossless photo's
    matte is their least-squares combination, each weighted by its contrast
    squared over its noise variance (the mean square of the background just
    outside the edge and of the sticker's interior about their planes, and
    8-bit rounding): a background textured in brightness (skin, cloth)
    leaves the colour differences clean, so they dominate there. A
    compressed photo's noise is mostly JPEG's, at the edge itself, where it
    cannot be told from texture or a background that differs from its
    nearest pixel; weights from the texture alone or from the unmixing's
    residuals measured no better on JPEGs (``benchmarks/markers.py``), so
    there each pixel is projected on the RGB difference of the two colours.
    Two sub-pixel estimates on the matte: its
    centroid (each pixel weighted by its soft coverage), and the centre of an
    ellipse fitted to its 0.5 contour traced on a 4x bilinear upsampling
    (for comparison). The centroid (``colour_xy``) is the centre of a
    lossless photo.

    A JPEG stores colour at half resolution and quantises it more coarsely
    than brightness, so the matte's centroid inherits the colour's blocks
    (``benchmarks/markers.py``: the same photos with colour at full
    resolution halve the centre error). Brightness (luma, JPEG's Y) is
    stored at full resolution: in a window centred on the matte's centroid,
    reaching 2 px beyond the blurred edge, each pixel's luma is unmixed
    between a plane fitted to the sticker's core and a plane fitted to a
    ring around the window, and the centroid of that coverage is re-centred
    ``LUMA_ITERATIONS`` times; from there an ellipse with a blurred edge and
    planes inside and outside (:func:`posture.marker_fit.fit_edge`) is fitted to
    the window's luma: its centre is the luma centre (``luma_xy``; the centroid
    where the fit does not converge). It is used
    where the sticker's luma differs from its background's all round by at
    least ``LUMA_MIN_CONTRAST`` and ``LUMA_MIN_RATIO`` times the background's
    own unevenness: textured clothing moves a luma centroid more than coarse
    colour moves the matte's. Fluorescent green is about as bright as light
    skin, so there the colour alone locates it (``luma_note`` says why). A
    compressed photo's centre is then the mean of the two (``centre_from``
    ``colour and luma``); the two err largely independently. Weighting the
    two by variances predicted from each one's contrast and background
    roughness, without the rule, measured worse: one channel alone cannot
    tell its noise from a background its model does not fit.

    The uncertainty (one sigma per axis, pixels) is the root sum of squares
    of ``EDGE_NOISE * edge_px / sqrt(perimeter_px)`` (a blurred edge on a
    small sticker), for a compressed photo ``COMPRESSION_NOISE / contrast /
    sqrt(perimeter_px)`` (JPEG's coarse colour moves the edge, more so where
    the sticker differs from its background in colour only) and
    ``ROUGHNESS_FACTOR * edge_rms_px`` (the rms scatter of the matte's 0.5
    crossings along 48 rays about their fitted ellipse: JPEG's blocks make
    the edge ragged, the more so the lower the quality), and half the larger
    distance of the reported centre's estimates from each other (centroid
    and ellipse; colour and luma): disagreement shows an asymmetric edge. At
    least ``MIN_CENTRE_PX``.

Naming (:func:`pair_stickers`)
    The landmarks say which sticker is which: for each side the candidates
    lie within ``radius`` (a fraction of the body scale) of that side's
    landmark and on that side of the pair's midpoint. Exactly one each: a
    pair. None or several on a side: no pair, and the reason says which
    ("no sticker found near the right shoulder", "two stickers near the left
    hip"), never a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from posture import geometry as g
from posture.marker_colors import MarkerColor
from posture.marker_fit import fit_edge
from posture.marker_result import RejectedBlob, StickerPair, StickerPoint

FloatArray = NDArray[np.float64]


HUE_SIGMA_DEG = 16.0
"""Spread of the hue membership, degrees of hue: white balance and JPEG shift a sticker's hue."""

SATURATION_RAMP = (0.28, 0.45)
"""HSV saturation below the first value scores 0, above the second 1 (skin is 0.2-0.5 in hue far from green)."""

VALUE_RAMP = (0.12, 0.25)
"""HSV value below the first value scores 0 (hue is noise in the dark), above the second 1."""

SHOULDER_CM = 36.0
"""Assumed distance of the shoulder landmarks, centimetres: converts sticker sizes to the body scale."""

MIN_DIAMETER_REL = 0.6 / SHOULDER_CM
MAX_DIAMETER_REL = 5.0 / SHOULDER_CM
"""A sticker's diameter as a fraction of the body scale (0.6-5 cm; stickers are 1.5-3 cm)."""

MIN_DIAMETER_PX = 4.0
"""Smaller blobs have too few pixels for a sub-pixel centre."""

MIN_ELLIPSE_IOU = 0.7
MIN_AXIS_RATIO = 0.5
"""Roundness gate: overlap with the blob's moment ellipse, and its minor/major axis ratio."""

MAX_SURROUND = 0.25
"""A sticker stands alone: in each eighth of a ring around it (0.4-0.8 diameters out) the mean
membership is at most this (a sticker touching a background of its colour is refused too)."""

EDGE_NOISE = 0.25
MIN_CENTRE_PX = 0.02
"""Centre uncertainty model (module docstring), pixels."""

MAX_CENTRE_REL = 0.15
"""A blob whose centre is uncertain by more than this fraction of its diameter has no clear edge: not a sticker."""

COMPRESSION_NOISE = 140.0
"""JPEG term of the centre uncertainty: this over the sticker's contrast with its background
(RGB distance, 0-255 scale) and the square root of its perimeter (pixels). Calibrated on drawn
stickers at JPEG quality 85 (blurred 1 pixel), where a sticker 10 px across is off by about
0.2 px rms on light skin (low contrast) and 0.1 px on dark skin, dark cloth or white."""

ROUGHNESS_FACTOR = 1.5
"""Roughness term of a compressed photo's centre uncertainty: this times the rms scatter of the
edge about its fitted ellipse (pixels). JPEG's blocks make the edge ragged, more so the lower the
quality; calibrated on drawn stickers at JPEG quality 60-92 so that 95% of centres are within
twice the uncertainty at every quality."""

UPSAMPLE = 4
"""Upsampling of the membership for the ellipse fit's contour."""

YCBCR = ((0.299, 0.587, 0.114), (-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312))
"""JPEG's (JFIF) RGB to Y, Cb, Cr: luma (stored at full resolution) and the two colour differences."""

LUMA_MIN_CONTRAST = 25.0
LUMA_MIN_RATIO = 20.0
"""The luma centre is used when the sticker's luma differs from its background's by at least
``LUMA_MIN_CONTRAST`` (0-255) all round its edge, with the same sign, and by at least
``LUMA_MIN_RATIO`` times the background's own luma roughness (rms about a plane around it)."""

LUMA_ITERATIONS = 3
"""Re-centrings of the luma window on its own centroid."""


def _ramp(x: NDArray[np.float32], lo: float, hi: float) -> NDArray[np.float32]:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def membership(rgb: NDArray[np.uint8], color: MarkerColor) -> NDArray[np.float32]:
    """Soft membership ``(H, W)`` float32 in [0, 1] of each pixel in the sticker colour (module docstring)."""
    hsv = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)
    dh = np.abs(hsv[..., 0] - np.float32(color.hue_deg))
    dh = np.minimum(dh, 360.0 - dh)
    hue = np.exp(-0.5 * (dh / np.float32(HUE_SIGMA_DEG)) ** 2)
    return (hue * _ramp(hsv[..., 1], *SATURATION_RAMP) * _ramp(hsv[..., 2], *VALUE_RAMP)).astype(np.float32)


@dataclass(frozen=True)
class Sticker:
    """One sticker found: centre and shape in the photo's pixels.

    ``xy`` is the reported centre with ``uncertainty_px`` (one sigma per
    axis); ``ellipse_xy`` the fitted ellipse's centre; ``diameter_px`` the
    equivalent diameter, ``axis_ratio`` minor/major of the fitted ellipse
    (1 = round), ``edge_px`` the width of the colour's edge ramp (blur).
    ``centre_from`` says how ``xy`` was found: ``colour`` (the coverage
    matte's centroid ``colour_xy``) or ``colour and luma`` (the mean of
    ``colour_xy`` and the luma centre ``luma_xy``); ``luma_note`` why the
    luma was not used; ``edge_rms_px`` the edge's rms scatter about its
    fitted ellipse (pixels). ``colour_xy`` None means ``xy``.
    """

    xy: tuple[float, float]
    uncertainty_px: float
    ellipse_xy: tuple[float, float]
    diameter_px: float
    axis_ratio: float
    edge_px: float
    centre_from: str = "colour"
    colour_xy: tuple[float, float] | None = None
    luma_xy: tuple[float, float] | None = None
    luma_note: str | None = None
    edge_rms_px: float = 0.0

    def record(self) -> StickerPoint:
        """As stored in the result, pixels rounded to 0.01."""
        return StickerPoint(
            xy_px=_xy(self.xy),
            uncertainty_px=round(self.uncertainty_px, 3),
            ellipse_xy_px=_xy(self.ellipse_xy),
            diameter_px=round(self.diameter_px, 1),
            axis_ratio=round(self.axis_ratio, 2),
            edge_px=round(self.edge_px, 2),
            centre_from=self.centre_from,
            colour_xy_px=_xy(self.xy if self.colour_xy is None else self.colour_xy),
            luma_xy_px=None if self.luma_xy is None else _xy(self.luma_xy),
            luma_note=self.luma_note,
            edge_rms_px=round(self.edge_rms_px, 3),
        )


def _xy(p: tuple[float, float]) -> tuple[float, float]:
    return (round(p[0], 2), round(p[1], 2))


@dataclass(frozen=True)
class Rejected:
    """A blob of the sticker colour that is not a sticker, and why."""

    xy: tuple[float, float]
    diameter_px: float
    reason: str

    def record(self) -> RejectedBlob:
        """As stored in the result."""
        return RejectedBlob((round(self.xy[0], 1), round(self.xy[1], 1)), round(self.diameter_px, 1), self.reason)


@dataclass(frozen=True)
class StickerSearch:
    """Everything :func:`find_stickers` saw: the stickers and the rejected blobs (sticker-sized or larger)."""

    color: MarkerColor
    stickers: tuple[Sticker, ...]
    rejected: tuple[Rejected, ...]


def _moment_ellipse(mask: NDArray[np.uint8]) -> tuple[float, float, NDArray[np.uint8]]:
    """Axis ratio and IoU of a blob with the ellipse of its second moments, and that ellipse's mask."""
    ys, xs = np.nonzero(mask)
    cx, cy = xs.mean(), ys.mean()
    cov = np.cov(np.stack([xs - cx, ys - cy]), bias=True) + np.eye(2) / 12.0  # pixels are squares
    evals, evecs = np.linalg.eigh(cov)
    a, b = 2.0 * np.sqrt(evals[1]), 2.0 * np.sqrt(evals[0])
    angle = math.degrees(math.atan2(evecs[1, 1], evecs[0, 1]))
    ell = np.zeros_like(mask)
    # cv2.ellipse takes integer geometry: draw at 16x with shift=4 for sub-pixel placement.
    cv2.ellipse(
        ell, (round(cx * 16), round(cy * 16)), (round(a * 16), round(b * 16)), angle, 0, 360, 1, -1, cv2.LINE_8, 4
    )
    inter = np.count_nonzero(ell & mask)
    union = np.count_nonzero(ell | mask)
    return float(b / a) if a > 0 else 0.0, inter / union if union else 0.0, ell


def _ellipse_centre(m: NDArray[np.float32], x0: int, y0: int) -> tuple[float, float] | None:
    """Centre of the ellipse fitted to the 0.5 contour of ``m`` (a crop at ``x0, y0``), photo pixels."""
    up = cv2.resize(m, (m.shape[1] * UPSAMPLE, m.shape[0] * UPSAMPLE), interpolation=cv2.INTER_LINEAR)
    contours, _ = cv2.findContours((up >= 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    c = max(contours, key=len)
    if len(c) < 5:
        return None
    (ux, uy), _, _ = cv2.fitEllipse(c.astype(np.float32))
    # Upsampled pixel u covers source coordinate (u + 0.5) / UPSAMPLE - 0.5.
    return x0 + (ux + 0.5) / UPSAMPLE - 0.5, y0 + (uy + 0.5) / UPSAMPLE - 0.5


def _edge_roughness(m: NDArray[np.float32], centre: tuple[float, float], radius: float, rays: int = 48) -> float:
    """Rms (pixels) of the 0.5 crossings of ``m`` along ``rays`` rays from ``centre`` (crop pixels)
    about the ellipse fitted to them: how ragged the sticker's edge is (JPEG's blocks, noise)."""
    phi = (np.arange(rays) + 0.5) * 2.0 * np.pi / rays
    t = np.arange(0.0, 2.0 * radius + 3.0, 0.1, dtype=np.float32)
    xs = (centre[0] + np.cos(phi)[:, None] * t).astype(np.float32)
    ys = (centre[1] + np.sin(phi)[:, None] * t).astype(np.float32)
    a = cv2.remap(m, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    out = a < 0.5
    out[:, 0] = False
    i = np.maximum(np.argmax(out, axis=1), 1)  # first sample outside along each ray
    k = np.arange(rays)
    f = np.clip((a[k, i - 1] - 0.5) / np.maximum(a[k, i - 1] - a[k, i], 1e-6), 0.0, 1.0)
    r = t[i - 1] + f * (t[i] - t[i - 1])
    pts = np.stack([centre[0] + np.cos(phi) * r, centre[1] + np.sin(phi) * r], axis=1).astype(np.float32)
    (ex, ey), (w, h), ang = cv2.fitEllipse(pts)
    th = math.radians(ang)
    u = (pts[:, 0] - ex) * math.cos(th) + (pts[:, 1] - ey) * math.sin(th)
    v = -(pts[:, 0] - ex) * math.sin(th) + (pts[:, 1] - ey) * math.cos(th)
    rho = np.sqrt((2.0 * u / max(w, 1e-6)) ** 2 + (2.0 * v / max(h, 1e-6)) ** 2)
    return float(np.sqrt(np.mean(((rho - 1.0) * np.hypot(u, v) / np.maximum(rho, 1e-6)) ** 2)))


def _nearest_colour(rgb: NDArray[np.float32], where: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Each pixel's colour of the nearest pixel of ``where`` (averaged over 3x3 of ``where``), ``(h, w, 3)``."""
    w = where.astype(np.float32)
    num = cv2.blur(rgb * w[..., None], (3, 3))
    den = cv2.blur(w, (3, 3))
    local = num / np.maximum(den, 1e-6)[..., None]
    _, lab = cv2.distanceTransformWithLabels(1 - where, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(where)
    table = np.zeros((len(ys) + 1, 3), np.float32)
    table[1:] = local[ys, xs]
    return table[lab]


def _plane(xs: NDArray[Any], ys: NDArray[Any], v: NDArray[Any]) -> FloatArray:
    """Coefficients ``(c, cx, cy)`` (each one per column of ``v``) of the least-squares plane
    ``c + cx * x + cy * y`` through ``v`` at ``xs, ys``; flat (the mean) through fewer than 6 points."""
    if len(xs) < 6:
        return np.stack([v.mean(axis=0), np.zeros_like(v[0]), np.zeros_like(v[0])])
    design = np.stack([np.ones(len(xs)), xs, ys], axis=1).astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, v.astype(np.float64), rcond=None)
    return np.asarray(coef, dtype=np.float64)


def _interior_colour(rgb: NDArray[np.float32], inner: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The sticker's colour at every pixel, ``(h, w, 3)``: a plane per channel fitted to the
    interior, so shading across the sticker is extrapolated to its edge."""
    ys, xs = np.nonzero(inner)
    coef = _plane(xs, ys, rgb[ys, xs])
    gy, gx = np.mgrid[0 : rgb.shape[0], 0 : rgb.shape[1]]
    return (coef[0] + gx[..., None] * coef[1] + gy[..., None] * coef[2]).astype(np.float32)


def _matte(
    rgb: NDArray[np.float32],
    m: NDArray[np.float32],
    blob: NDArray[np.uint8],
    allowed: NDArray[np.bool_],
    grow: int,
    compressed: bool,
) -> tuple[NDArray[np.float32], float]:
    """Sticker coverage in [0, 1] around one blob: 1 inside, 0 outside, and across the edge the
    linear unmixing of each pixel between the nearest sticker and nearest background colour
    (module docstring, "Centre"); background starts ``grow`` pixels outside the blob. Linear, so
    blur and shading move it symmetrically. Also the median contrast of sticker and background
    across the edge (RGB distance, 0-255 scale)."""
    kernel = _disc(grow)
    inner = (cv2.erode(blob, np.ones((3, 3), np.uint8)) & (m >= 0.9)).astype(np.uint8)
    if not inner.any():
        inner = blob & (m >= np.float32(m[blob > 0].max() * 0.95))
    outer = ((cv2.dilate(blob, kernel) == 0) & allowed).astype(np.uint8)
    alpha = np.zeros(m.shape, np.float32)
    ring = allowed & (inner == 0) & (outer == 0)
    if not outer.any():
        return np.where(allowed, m, 0.0).astype(np.float32), 0.0
    c_in, c_out = _interior_colour(rgb, inner), _nearest_colour(rgb, outer)
    d = c_in - c_out
    metric = np.eye(3, dtype=np.float32) if compressed else _channel_metric(rgb, inner, outer, blob, grow)
    md = d @ metric
    a = ((rgb - c_out) * md).sum(axis=2) / np.maximum((d * md).sum(axis=2), 1e-6)
    alpha[ring] = np.clip(a[ring], 0.0, 1.0)
    alpha[inner > 0] = 1.0
    contrast = float(np.sqrt(np.median((d * d).sum(axis=2)[ring]))) if ring.any() else 0.0
    return alpha, contrast


def _channel_metric(
    rgb: NDArray[np.float32], inner: NDArray[np.uint8], outer: NDArray[np.uint8], blob: NDArray[np.uint8], grow: int
) -> NDArray[np.float32]:
    """The RGB metric ``T' W T`` of the unmixing (module docstring, "Centre"): ``T`` is JPEG's RGB to
    YCbCr, ``W`` each channel's inverse noise variance, from the rms of the background just outside the
    edge and of the sticker's interior about their planes, and the 8-bit rounding (1/12)."""
    t = np.asarray(YCBCR, dtype=np.float32)
    ycc = rgb @ t.T
    near = (outer > 0) & (cv2.dilate(blob, _disc(grow + 4)) > 0)
    var = _plane_residual(ycc, near) + _plane_residual(ycc, inner > 0) + 1.0 / 12.0
    return np.asarray(t.T @ np.diag(1.0 / var) @ t, dtype=np.float32)


def _plane_residual(v: NDArray[np.float32], where: NDArray[np.bool_]) -> FloatArray:
    """Per channel of ``v`` ``(h, w, c)``, the mean square about its least-squares plane over ``where``
    (0 through fewer than 7 pixels: no estimate)."""
    ys, xs = np.nonzero(where)
    if len(xs) < 7:
        return np.zeros(v.shape[2])
    vals = v[ys, xs].astype(np.float64)
    coef = _plane(xs, ys, vals)
    res = vals - (coef[0] + xs[:, None] * coef[1] + ys[:, None] * coef[2])
    return np.asarray((res * res).mean(axis=0), dtype=np.float64)


def _sector_means(
    m: NDArray[np.float32], ring: NDArray[np.bool_], blob: NDArray[np.uint8], sectors: int = 8
) -> FloatArray:
    """Mean of ``m`` over the ring in each of ``sectors`` equal angles around the blob's centre
    (sectors without ring pixels left out)."""
    ys, xs = np.nonzero(blob)
    ry, rx = np.nonzero(ring)
    which = ((np.arctan2(ry - ys.mean(), rx - xs.mean()) + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    sums = np.bincount(which, weights=m[ry, rx], minlength=sectors)
    counts = np.bincount(which, minlength=sectors)
    return np.asarray(sums[counts > 0] / counts[counts > 0], dtype=np.float64)


def _disc(radius: int) -> NDArray[np.uint8]:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _luma_centre(
    rgb: NDArray[np.uint8], start: tuple[float, float], radius: float, edge: float
) -> tuple[float, float] | str:
    """The sticker's centre in the luma around ``start`` (photo pixels; module docstring, "Centre"):
    the blurred-edge ellipse fitted from the luma centroid, else that centroid; or why the luma
    cannot locate it."""
    H, W = rgb.shape[:2]
    c = np.asarray(start, dtype=np.float64)
    reach = radius + edge + 2.0  # the window: the blurred edge fades out inside it
    for _ in range(LUMA_ITERATIONS):
        lo, hi = np.floor(c - reach - 4.0).astype(int), np.ceil(c + reach + 4.0).astype(int) + 1
        if lo.min() < 0 or hi[0] > W or hi[1] > H:
            return "too near the photo's edge"
        y = rgb[lo[1] : hi[1], lo[0] : hi[0]].astype(np.float64) @ np.asarray(YCBCR[0])
        ys, xs = np.mgrid[lo[1] : hi[1], lo[0] : hi[0]].astype(np.float64)
        r = np.hypot(xs - c[0], ys - c[1])
        ring = (r >= reach + 1.0) & (r <= reach + 4.0)
        core = r <= max(1.0, radius - edge - 0.5)
        bg = _plane(xs[ring], ys[ring], y[ring])
        inside = _plane(xs[core], ys[core], y[core])
        diff = (inside[0] - bg[0]) + (inside[1] - bg[1]) * xs + (inside[2] - bg[2]) * ys
        rim = diff[(r >= radius - 1.0) & (r <= radius + 1.0)]
        contrast = float(np.abs(rim).min())
        if contrast < LUMA_MIN_CONTRAST or rim.min() * rim.max() < 0:
            return f"luma contrast with the background {contrast:.0f} (at least {LUMA_MIN_CONTRAST:.0f} needed)"
        rough = float(np.sqrt(np.mean((y[ring] - (bg[0] + bg[1] * xs[ring] + bg[2] * ys[ring])) ** 2)))
        if contrast < LUMA_MIN_RATIO * rough:
            return f"background too uneven in luma ({rough:.1f} rms against a contrast of {contrast:.0f})"
        a = (y - (bg[0] + bg[1] * xs + bg[2] * ys)) / diff * np.clip(reach + 0.5 - r, 0.0, 1.0)
        c = np.array([(a * xs).sum(), (a * ys).sum()]) / a.sum()
    win = np.hypot(xs - c[0], ys - c[1]) <= reach
    fitted = fit_edge(y[win], xs[win], ys[win], (float(c[0]), float(c[1])), radius)
    return (float(c[0]), float(c[1])) if fitted is None else fitted


def _measure_blob(
    rgb: NDArray[np.uint8],
    m: NDArray[np.float32],
    labels: NDArray[np.int32],
    k: int,
    box: tuple[int, int, int, int],
    diameter: float,
    compressed: bool,
) -> Sticker | str:
    """The sub-pixel sticker of blob ``k`` (module docstring, "Centre"), or why it is not one."""
    x, y, w, h = box
    pad, crop = max(4, math.ceil(0.4 * diameter)), max(12, math.ceil(0.9 * diameter))
    H, W = m.shape
    x0, y0, x1, y1 = max(0, x - crop), max(0, y - crop), min(W, x + w + crop), min(H, y + h + crop)
    lab = labels[y0:y1, x0:x1]
    blob = (lab == k).astype(np.uint8)
    mm = m[y0:y1, x0:x1]
    near = cv2.dilate(blob, _disc(pad)) > 0
    # Roundness on the membership upsampled 4x: a small blob's pixel outline is too coarse to judge.
    own = np.where(near & ((lab == 0) | (lab == k)), mm, 0.0).astype(np.float32)
    fine = cv2.resize(own, (own.shape[1] * UPSAMPLE, own.shape[0] * UPSAMPLE), interpolation=cv2.INTER_LINEAR) >= 0.5
    if np.count_nonzero(fine) < 5 * UPSAMPLE * UPSAMPLE:
        return "too faint (little of it is clearly the colour)"
    ratio, iou, _ = _moment_ellipse(fine.astype(np.uint8))
    if ratio < MIN_AXIS_RATIO:
        return f"elongated (axis ratio {ratio:.2f})"
    if iou < MIN_ELLIPSE_IOU:
        return f"not round (overlap with an ellipse {iou:.2f})"
    surround = (cv2.dilate(blob, _disc(2 * pad)) > 0) & ~(cv2.dilate(blob, _disc(pad + 1)) > 0)
    around = _sector_means(mm, surround, blob)
    if around.size and float(around.max()) > MAX_SURROUND:
        return f"part of a larger area of that colour (membership around it up to {float(around.max()):.2f})"
    perimeter = math.pi * diameter
    allowed = near & ((lab == 0) | (lab == k))
    edge = float(np.count_nonzero((mm > 0.1) & allowed) - np.count_nonzero((mm > 0.9) & allowed)) / perimeter
    grow = max(2, math.ceil(edge / 2.0) + 1)  # half the edge ramp, and a pixel: beyond it is background
    if grow + 3 > pad:  # a blurred edge needs background beyond it
        allowed = (cv2.dilate(blob, _disc(min(grow + 3, crop))) > 0) & ((lab == 0) | (lab == k))
    weights, contrast = _matte(rgb[y0:y1, x0:x1].astype(np.float32), mm, blob, allowed, grow, compressed)
    total = float(weights.sum())
    ys, xs = np.mgrid[y0:y1, x0:x1]
    cx, cy = float((weights * xs).sum() / total), float((weights * ys).sum() / total)
    ell = _ellipse_centre(weights, x0, y0)
    if ell is None:
        return "no contour"
    diameter = 2.0 * math.sqrt(total / math.pi)  # the matte's area: the sticker's own size
    perimeter = math.pi * diameter
    rough = _edge_roughness(weights, (cx - x0, cy - y0), diameter / 2.0)
    luma = _luma_centre(rgb, (cx, cy), diameter / 2.0, edge) if compressed else "the photo is not compressed"
    xy, gap = (cx, cy), 0.5 * math.hypot(cx - ell[0], cy - ell[1])
    if not isinstance(luma, str):
        xy = ((cx + luma[0]) / 2.0, (cy + luma[1]) / 2.0)
        gap = max(gap, 0.5 * math.hypot(cx - luma[0], cy - luma[1]))
    sigma = math.hypot(
        EDGE_NOISE * max(edge, 1.0) / math.sqrt(perimeter),
        (COMPRESSION_NOISE / max(contrast, 1.0) / math.sqrt(perimeter)) if compressed else 0.0,
        ROUGHNESS_FACTOR * rough if compressed else 0.0,
        gap,
    )
    return Sticker(
        xy=xy,
        uncertainty_px=max(sigma, MIN_CENTRE_PX),
        ellipse_xy=(float(ell[0]), float(ell[1])),
        diameter_px=diameter,
        axis_ratio=ratio,
        edge_px=edge,
        centre_from="colour" if isinstance(luma, str) else "colour and luma",
        colour_xy=(cx, cy),
        luma_xy=None if isinstance(luma, str) else luma,
        luma_note=luma if isinstance(luma, str) else None,
        edge_rms_px=rough,
    )


def find_stickers(
    rgb: NDArray[np.uint8], color: MarkerColor, scale_px: float, compressed: bool = True
) -> StickerSearch:
    """Round blobs of ``color`` of a sticker's size in an ``(H, W, 3)`` uint8 RGB photo.

    ``compressed``: the photo went through lossy compression (JPEG; assume so when unknown), which
    widens each centre's uncertainty (``COMPRESSION_NOISE``), adds the luma centre and leaves the
    channels of the matte unweighted (module docstring, "Centre").

    ``scale_px`` is the body scale (the shoulder landmarks' distance, pixels)
    that sets the size gate. Blobs at least half the smallest sticker size
    that fail a gate are returned as :class:`Rejected`.
    """
    m = membership(rgb, color)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((m >= 0.5).astype(np.uint8), connectivity=8)
    lo = max(MIN_DIAMETER_PX, MIN_DIAMETER_REL * scale_px)
    hi = MAX_DIAMETER_REL * scale_px
    stickers: list[Sticker] = []
    rejected: list[Rejected] = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        rough = 2.0 * math.sqrt(area / math.pi)  # blur shrinks the part above 0.5: the size is measured below
        if rough < lo / 3:
            continue
        centre = (x + w / 2.0 - 0.5, y + h / 2.0 - 0.5)
        if rough > hi:
            rejected.append(
                Rejected(centre, rough, f"too large ({rough:.0f} px across, stickers here are at most {hi:.0f} px)")
            )
            continue
        found = _measure_blob(rgb, m, labels, k, (x, y, w, h), max(rough, lo), compressed)
        if isinstance(found, str):
            if rough >= lo / 2:  # smaller specks are measured (blur shrinks a sticker) but not listed
                rejected.append(Rejected(centre, rough, found))
        elif found.uncertainty_px > MAX_CENTRE_REL * found.diameter_px:
            rejected.append(
                Rejected(
                    found.xy,
                    found.diameter_px,
                    f"too blurred to locate (centre uncertain by {found.uncertainty_px:.1f} px)",
                )
            )
        elif found.diameter_px < lo:
            if found.diameter_px >= lo / 2:
                rejected.append(
                    Rejected(
                        found.xy,
                        found.diameter_px,
                        f"too small ({found.diameter_px:.1f} px across, stickers here are at least {lo:.1f} px)",
                    )
                )
        elif found.diameter_px > hi:
            rejected.append(
                Rejected(
                    found.xy,
                    found.diameter_px,
                    f"too large ({found.diameter_px:.0f} px across, stickers here are at most {hi:.0f} px)",
                )
            )
        else:
            stickers.append(found)
    return StickerSearch(color, tuple(stickers), tuple(rejected))


_COUNT_WORDS = {2: "two", 3: "three"}


@dataclass(frozen=True)
class MarkerPair:
    """A left and right sticker, named after the landmark they mark, or why there is no pair.

    ``part`` is the body part in words (``shoulder``, ``hip``), ``landmark``
    the palpated point (``acromion``, ``ASIS``, ``PSIS``); the subject's sides.
    A side with one sticker names it even when the other side fails;
    ``ambiguous`` holds the stickers of a side with several.
    """

    part: str
    landmark: str
    left: Sticker | None
    right: Sticker | None
    reason: str | None
    ambiguous: tuple[Sticker, ...] = ()

    @property
    def found(self) -> bool:
        """Both stickers found, unambiguously."""
        return self.left is not None and self.right is not None

    def tilt(self, roll_deg: float = 0.0, center: Sequence[float] = (0.0, 0.0)) -> tuple[float, float, float]:
        """Tilt of the line through the two stickers, its one-sigma uncertainty (degrees)
        and the pair's horizontal separation (pixels), after undoing ``roll_deg`` about ``center``."""
        if self.left is None or self.right is None:
            raise ValueError(f"no {self.landmark} pair: {self.reason}")
        pts = np.array([self.left.xy, self.right.xy])
        if roll_deg:
            pts = g.level_points(pts, roll_deg, np.asarray(center, dtype=np.float64))
        sep = float(g.distance(pts[0], pts[1]))
        sigma = math.degrees(math.hypot(self.left.uncertainty_px, self.right.uncertainty_px) / sep)
        return float(g.tilt_deg(pts[0], pts[1])), sigma, abs(float(pts[0, 0] - pts[1, 0]))

    def record(self) -> StickerPair:
        """As stored in the result (without the tilt, which :mod:`posture.marker_metrics` adds)."""
        return StickerPair(
            landmark=self.landmark,
            found=self.found,
            reason=self.reason,
            left=None if self.left is None else self.left.record(),
            right=None if self.right is None else self.right.record(),
            ambiguous=tuple(s.record() for s in self.ambiguous),
        )


OFF_BODY_DIAMETERS = 0.5
"""A sticker whose centre lies farther than this many of its diameters outside the person's
silhouette does not even touch the body: a worn sticker lies wholly on it, so its centre is inside
the outline; the radius allowed is the margin for the mask's own error at its edge."""


def on_body(search: StickerSearch, silhouette: NDArray[np.float32] | None) -> StickerSearch:
    """``search`` with the stickers off the person moved to the rejected blobs.

    ``silhouette`` is the person's segmentation mask in the photo's pixels (>= 0.5 on the body), or
    None when none was read (the search is returned as it is). Stickers are worn: a blob of the
    colour in the scene (foliage, a sign) that passes every test of shape is no sticker unless it
    reaches the body (:data:`OFF_BODY_DIAMETERS`).
    """
    if silhouette is None or not search.stickers:
        return search
    h, w = silhouette.shape
    away = cv2.distanceTransform((silhouette < 0.5).astype(np.uint8), cv2.DIST_L2, 5)
    kept, off = [], []
    for st in search.stickers:
        x, y = (min(max(int(round(v)), 0), n - 1) for v, n in zip(st.xy, (w, h), strict=True))
        if float(away[y, x]) > OFF_BODY_DIAMETERS * st.diameter_px:
            off.append(
                Rejected(st.xy, st.diameter_px, f"not on the person ({away[y, x]:.0f} px outside the body's outline)")
            )
        else:
            kept.append(st)
    return StickerSearch(search.color, tuple(kept), search.rejected + tuple(off))


def pair_stickers(
    search: StickerSearch,
    left_lm: ArrayLike,
    right_lm: ArrayLike,
    radius_px: float,
    part: str,
    landmark: str,
) -> MarkerPair:
    """Name the stickers of one bilateral pair from its two landmarks (module docstring, "Naming").

    ``left_lm``, ``right_lm`` are the subject's left and right landmark
    (pixels); ``part`` names them in reasons ("no sticker found near the right
    shoulder").
    """
    lp, rp = np.asarray(left_lm, dtype=np.float64), np.asarray(right_lm, dtype=np.float64)
    mid, axis = (lp + rp) / 2.0, lp - rp
    pts = np.array([s.xy for s in search.stickers]).reshape(-1, 2)
    side = (pts - mid) @ axis  # > 0 on the subject's left of the midpoint
    found: dict[str, Sticker | None] = {}
    problems = []
    ambiguous: list[Sticker] = []
    for name, lm, sign in (("right", rp, -1.0), ("left", lp, 1.0)):
        near = (np.linalg.norm(pts - lm, axis=1) <= radius_px) & (side * sign > 0)
        hits = [s for s, ok in zip(search.stickers, near, strict=True) if ok]
        found[name] = hits[0] if len(hits) == 1 else None
        if not hits:
            problems.append(f"no sticker found near the {name} {part}" + _rejected_note(search, lm, radius_px))
        elif len(hits) > 1:
            ambiguous += hits
            problems.append(f"{_COUNT_WORDS.get(len(hits), str(len(hits)))} stickers near the {name} {part}")
    return MarkerPair(part, landmark, found["left"], found["right"], "; ".join(problems) or None, tuple(ambiguous))


def _rejected_note(search: StickerSearch, point: FloatArray, radius_px: float) -> str:
    """`` (a green patch there is too large ...)`` when a rejected blob lies within the radius."""
    near = [r for r in search.rejected if float(g.distance(r.xy, point)) <= radius_px]
    if not near:
        return ""
    closest = min(near, key=lambda r: float(g.distance(r.xy, point)))
    return f" (a {search.color.name} patch there is {closest.reason})"


def extra_stickers(search: StickerSearch, pairs: Sequence[MarkerPair]) -> tuple[Sticker, ...]:
    """The stickers near none of the pairs' landmarks (neither named nor ambiguous)."""
    used = {id(s) for p in pairs for s in (p.left, p.right, *p.ambiguous) if s is not None}
    return tuple(s for s in search.stickers if id(s) not in used)
