"""Estimating the camera's roll from the scene's near-vertical lines.

Door frames, wall corners, window and mirror edges are vertical in the world;
in a photo taken with a rolled camera they all lean by the roll. Line
segments are found with OpenCV (Canny edges, probabilistic Hough), segments
within ``MAX_LEAN_DEG`` of vertical and longer than ``MIN_LENGTH`` of the
image height are kept, segments on the person are dropped, and the roll is
the length-weighted median of their lean.

Roll sign (as everywhere in posture): positive when a truly horizontal line
appears with its right end higher, i.e. the photo's content is rotated
counter-clockwise; a vertical line's top then leans to the left.

A camera tilted up or down makes verticals converge (perspective), leaning
in opposite directions left and right of the centre; the median over lines
on both sides partly cancels that, and the spread of the leans enters the
confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

MAX_LEAN_DEG = 12.0
MIN_LENGTH = 0.12
MIN_LINES = 3
MAX_SPREAD_DEG = 1.0
MAX_ROLL_DEG = 10.0


@dataclass(frozen=True)
class RollEstimate:
    """``roll_deg`` (NaN when no lines), the lines used, their spread and whether to trust it."""

    roll_deg: float
    lines: int
    spread_deg: float
    confident: bool

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        ok = np.isfinite(self.roll_deg)
        return {
            "roll_deg": round(self.roll_deg, 2) if ok else None,
            "lines": self.lines,
            "spread_deg": round(self.spread_deg, 2) if np.isfinite(self.spread_deg) else None,
            "confident": self.confident,
        }


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    c = np.cumsum(w)
    return float(v[np.searchsorted(c, c[-1] / 2.0)])


def estimate_roll(
    rgb: NDArray[np.uint8], exclude: tuple[float, float, float, float] | None = None
) -> RollEstimate:
    """Estimate the camera roll of an ``(H, W, 3)`` RGB photo.

    ``exclude`` is a box (x0, y0, x1, y1) in pixels whose lines are ignored
    (the person: limbs are not vertical references). Confident when at least
    ``MIN_LINES`` lines agree within ``MAX_SPREAD_DEG`` (weighted median
    absolute deviation) and the roll is at most ``MAX_ROLL_DEG``.
    """
    h, w = rgb.shape[:2]
    f = min(1.0, 1000.0 / max(h, w))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if f < 1.0:
        gray = cv2.resize(gray, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    gh = gray.shape[0]
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150)
    min_len = MIN_LENGTH * gh
    segs = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=60, minLineLength=min_len, maxLineGap=max(4, gh // 150))
    if segs is None:
        return RollEstimate(float("nan"), 0, float("nan"), False)
    s = segs.reshape(-1, 4).astype(np.float64) / f
    top_is_first = s[:, 1] < s[:, 3]
    xt = np.where(top_is_first, s[:, 0], s[:, 2])
    yt = np.where(top_is_first, s[:, 1], s[:, 3])
    xb = np.where(top_is_first, s[:, 2], s[:, 0])
    yb = np.where(top_is_first, s[:, 3], s[:, 1])
    lean = np.degrees(np.arctan2(xb - xt, yb - yt))  # positive: top leans left
    length = np.hypot(xb - xt, yb - yt)
    keep = np.abs(lean) <= MAX_LEAN_DEG
    if exclude is not None and np.isfinite(exclude).all():
        x0, y0, x1, y1 = exclude
        pad = 0.1 * (x1 - x0)
        mx, my = (xt + xb) / 2, (yt + yb) / 2
        keep &= ~((mx > x0 - pad) & (mx < x1 + pad) & (my > y0) & (my < y1))
    lean, length = lean[keep], length[keep]
    if len(lean) == 0:
        return RollEstimate(float("nan"), 0, float("nan"), False)
    roll = _weighted_median(lean, length)
    spread = _weighted_median(np.abs(lean - roll), length)
    confident = len(lean) >= MIN_LINES and spread <= MAX_SPREAD_DEG and abs(roll) <= MAX_ROLL_DEG
    return RollEstimate(roll, int(len(lean)), spread, bool(confident))
