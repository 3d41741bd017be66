"""The blurred-edge ellipse fitted to a sticker's luma (posture.marker_fit) and its use as the luma
centre of a JPEG's sticker (posture.markers)."""

from __future__ import annotations

import numpy as np
import pytest
from marker_support import DrawnSticker, degrade, draw_stickers

from posture import markers
from posture.marker_colors import parse_color
from posture.marker_fit import fit_edge
from posture.markers import YCBCR, find_stickers

GREEN = parse_color("green")
SIZE = 64
DIAMETER = 16.0


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) @ np.asarray(YCBCR[0])


def _sticker(
    cx: float, cy: float, ratio: float = 0.85, angle: float = 30.0, blur: float = 0.0, shade: float = 0.25
) -> np.ndarray:
    """A soft-edged, slightly elliptical green sticker at ``(cx, cy)``, ``shade`` darker at one side,
    on dark cloth with a luma gradient, lossless (blurred by ``blur`` px)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    cloth = np.stack([40 + 0.3 * xs, 45 + 0.2 * ys, 70 + 0.0 * xs], axis=-1)
    s = DrawnSticker(cx, cy, DIAMETER, ratio, angle, shade=shade, shade_angle=120.0)
    return degrade(draw_stickers(np.clip(np.rint(cloth), 0, 255).astype(np.uint8), [s]), blur)


def _window(luma: np.ndarray, start: tuple[float, float], reach: float = DIAMETER / 2 + 4.0):
    """The pixels within ``reach`` of ``start``: values and coordinates, as the luma centre takes them."""
    ys, xs = np.mgrid[0 : luma.shape[0], 0 : luma.shape[1]].astype(np.float64)
    win = np.hypot(xs - start[0], ys - start[1]) <= reach
    return luma[win], xs[win], ys[win]


def _fit(rgb: np.ndarray, start: tuple[float, float]) -> tuple[float, float] | None:
    return fit_edge(*_window(_luma(rgb), start), start, DIAMETER / 2)


@pytest.mark.parametrize(
    "cx, cy, ratio, angle, blur, shade, tol_px",
    [
        (31.5, 32.0, 1.0, 0.0, 0.0, 0.0, 0.01),
        (32.27, 31.61, 0.85, 30.0, 0.0, 0.25, 0.01),
        (31.83, 32.41, 0.75, 110.0, 1.0, 0.0, 0.01),
        (32.05, 31.12, 0.9, 70.0, 2.0, 0.0, 0.01),
        (31.83, 32.41, 0.75, 110.0, 1.0, 0.25, 0.05),
        (32.05, 31.12, 0.9, 70.0, 1.5, 0.25, 0.1),
    ],
)
def test_a_drawn_sticker_is_recovered_at_its_sub_pixel_centre(cx, cy, ratio, angle, blur, shade, tol_px):
    """Lossless, on a luma gradient, from a start 1 px off: the centre within 0.01 px, whatever the
    shape and blur; a shaded sticker blurred is off by a few hundredths (the model's planes shade
    the sticker after the blur, the camera before it: 0.03 px at 1 px blur, 0.07 px at 1.5)."""
    got = _fit(_sticker(cx, cy, ratio, angle, blur, shade), (cx + 0.8, cy - 0.6))
    assert got is not None
    assert np.hypot(got[0] - cx, got[1] - cy) < tol_px


@pytest.mark.parametrize("dx, dy", [(0.3, 0.0), (0.0, -0.45), (1.7, 2.25), (-3.1, 0.6)])
def test_shifting_the_sticker_shifts_the_centre(dx, dy):
    """The same sticker drawn (dx, dy) px further, started as far off: the centre moves by (dx, dy)."""
    a = _fit(_sticker(31.3, 32.2), (31.0, 32.0))
    b = _fit(_sticker(31.3 + dx, 32.2 + dy), (31.0 + dx, 32.0 + dy))
    assert a is not None and b is not None
    assert b[0] - a[0] == pytest.approx(dx, abs=0.03)
    assert b[1] - a[1] == pytest.approx(dy, abs=0.03)


@pytest.mark.parametrize("axis", [0, 1])
def test_mirroring_the_window_mirrors_the_centre(axis):
    """Flipped left-right (axis 1) or upside down (axis 0), with the start flipped: the centre is the
    flipped one (the blurred JPEG-like edge of a real sticker, not a symmetric drawing)."""
    rgb = degrade(_sticker(31.3, 32.7, 0.8, 20.0), 1.0, 75)
    start = (31.9, 32.2)
    got = _fit(rgb, start)
    flip = (lambda x, y: (SIZE - 1 - x, y)) if axis == 1 else (lambda x, y: (x, SIZE - 1 - y))
    mirrored = _fit(np.ascontiguousarray(np.flip(rgb, axis)), flip(*start))
    assert got is not None and mirrored is not None
    assert np.hypot(*np.subtract(mirrored, flip(*got))) < 0.01


@pytest.mark.parametrize(
    "case",
    ["flat window", "noise", "too few pixels", "not finite", "start beyond half the radius", "no size"],
)
def test_a_window_that_cannot_locate_the_edge_gives_none(case):
    """The fit says when it has nothing (its caller keeps the centroid): a window of one value or of
    noise alone (no edge above the noise), too small to fit, with a missing value, or started so far
    off that it ends more than half a radius away."""
    rgb = _sticker(32.0, 32.0)
    luma = _luma(rgb)
    start, radius = (32.0, 32.0), DIAMETER / 2
    v, xs, ys = _window(luma, start)
    if case == "flat window":
        v = np.full_like(v, 87.0)
    elif case == "noise":
        v = 80.0 + np.random.default_rng(3).normal(0.0, 5.0, v.shape)
    elif case == "too few pixels":
        v, xs, ys = _window(luma, start, reach=2.0)
    elif case == "not finite":
        v = v.copy()
        v[3] = np.nan
    elif case == "start beyond half the radius":
        start = (32.0 + 0.7 * radius, 32.0)
        v, xs, ys = _window(luma, start)
    else:
        radius = 0.0
    assert fit_edge(v, xs, ys, start, radius) is None


def test_a_fit_that_falls_back_leaves_the_luma_centroid(monkeypatch):
    """Where the fit gives nothing, a JPEG sticker's luma centre is the luma centroid the fit was
    started from, still averaged with the colour centre; where it converges, the fitted centre."""
    img = degrade(
        draw_stickers(np.full((90, 90, 3), (40, 45, 70), np.uint8), [DrawnSticker(45.3, 44.6, 16.0)]), 1.0, 75
    )
    fitted = find_stickers(img, GREEN, 180.0).stickers[0]
    starts: list[tuple[float, float]] = []

    def fails(v, xs, ys, start, radius):
        starts.append(start)
        return None

    monkeypatch.setattr(markers, "fit_edge", fails)
    fallen = find_stickers(img, GREEN, 180.0).stickers[0]
    assert len(starts) == 1 and fallen.luma_xy == starts[0]
    assert fallen.centre_from == fitted.centre_from == "colour and luma"
    assert fallen.colour_xy == fitted.colour_xy and fallen.luma_xy != fitted.luma_xy
    assert fallen.xy == pytest.approx(np.add(fallen.colour_xy, fallen.luma_xy) / 2)
