"""Estimating the camera's roll from the scene's near-vertical lines.

Door frames, wall corners, window and mirror edges are vertical in the world.
With a rolled camera they lean by the roll; with a camera pitched up or down
they also converge towards a vanishing point above or below the picture.
Both are captured by one model: every vertical edge passes through the
vertical vanishing point ``v``, and the roll is the angle between the image's
vertical and the direction from the image centre to ``v`` (a point at
infinity when the camera is not pitched).

Line segments are found with OpenCV (Canny edges, probabilistic Hough);
segments within ``MAX_LEAN_DEG`` of vertical and longer than ``MIN_LENGTH``
of the image height are kept, and those on the person dropped. ``v`` is
found by RANSAC over pairs of segments (inliers: segments whose direction
points at ``v`` within ``INLIER_DEG``; ``v`` at least ``MIN_VP_DISTANCE``
image sizes from the centre, i.e. a camera pitched by less than about 35
degrees), then refined by weighted least squares on the inliers.

The estimate fails safe: a wrong roll applied with confidence reverses which
side reads higher, so it is confident only when the lines it used are spread
across the photo (at least ``MIN_SPAN`` of its width, and on both sides of
the person), one of them is long (``MIN_LONGEST`` of the height), no other
set of lines agrees on a different roll nearly as well (``COMPETING``), and
no long line that is vertical in the photo within ``PLUMB_DEG`` contradicts
it, and leaving any one segment out moves the estimate by at most
``MAX_LEAVE_ONE_OUT_DEG``. A cluster of parallel edges on one side (a radiator's slats, floor
boards receding in depth) looks like a roll but is often the convergence of
a pitched camera or lens distortion.

Roll sign (as everywhere in posture): positive when a truly horizontal line
appears with its right end higher, i.e. the photo's content is rotated
counter-clockwise; a vertical line's top then leans to the left.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from posture.result import LevelEstimate, rounded

MAX_LEAN_DEG = 15.0
MIN_LENGTH = 0.08
MIN_LINES = 3
MIN_TOTAL_LENGTH = 0.6
MAX_SPREAD_DEG = 0.5
INLIER_DEG = 1.0
MIN_VP_DISTANCE = 1.5
MAX_ROLL_DEG = 10.0
MIN_SPAN = 0.3
MIN_LONGEST = 0.15
COMPETING = 0.5
PLUMB_DEG = 0.5
PLUMB_LENGTH = 0.1
MAX_LEAVE_ONE_OUT_DEG = 0.25


@dataclass(frozen=True)
class RollEstimate:
    """``roll_deg`` (NaN when no lines), the distinct lines used, their spread, whether to trust
    it and, when not, why; ``segments`` are the segments used, ``(x0, y0, x1, y1)`` in pixels."""

    roll_deg: float
    lines: int
    spread_deg: float
    confident: bool
    reason: str | None = None
    segments: tuple[tuple[float, float, float, float], ...] = ()

    def record(self) -> LevelEstimate:
        """As stored in the result's assumptions, rounded (a roll that rounds to zero is 0.0, not -0.0)."""
        return LevelEstimate(
            roll_deg=rounded(self.roll_deg, 2),
            lines=self.lines,
            spread_deg=rounded(self.spread_deg, 2),
            confident=self.confident,
            reason=self.reason,
            segments_px=tuple(
                (round(float(x0), 1), round(float(y0), 1), round(float(x1), 1), round(float(y1), 1))
                for x0, y0, x1, y1 in self.segments
            ),
        )

    def not_applied(self) -> str:
        """Why the roll is not corrected, for the result's warnings: the reason, then the estimate
        and the lines it comes from when there are any, e.g. ``camera level not corrected: too few
        vertical lines, estimate +1.7° from 2 lines; ...``."""
        estimate = ""
        shown = rounded(self.roll_deg, 1)
        if self.lines and shown is not None:
            estimate = f", estimate {shown:+.1f}° from {self.lines} line{'s' if self.lines > 1 else ''}"
        return f"camera level not corrected: {self.reason}{estimate}; angles are relative to the photo's edges"


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    c = np.cumsum(w)
    return float(v[np.searchsorted(c, c[-1] / 2.0)])


def _residual_deg(
    top: NDArray[np.float64], bottom: NDArray[np.float64], vp: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Angle between each segment and the direction from its midpoint to the vanishing point
    (homogeneous ``vp``), in degrees in [0, 90]."""
    mid = (top + bottom) / 2.0
    seg = bottom - top
    to_vp = vp[:2] - mid * vp[2]  # works for points at infinity (vp[2] == 0) too
    cross = seg[:, 0] * to_vp[:, 1] - seg[:, 1] * to_vp[:, 0]
    dot = np.abs((seg * to_vp).sum(axis=1))
    return np.degrees(np.arctan2(np.abs(cross), dot))


def _vanishing_point(lines: NDArray[np.float64], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted least-squares point closest to all homogeneous lines (unit vector)."""
    a = (lines * weights[:, None]).T @ lines
    _, vecs = np.linalg.eigh(a)
    return vecs[:, 0]


def _distinct_lines(top: NDArray[np.float64], bottom: NDArray[np.float64], y: float, gap: float) -> int:
    """How many separate lines the segments belong to (the two edges of one door frame,
    or pieces of one broken edge, count once): distinct crossings of the row ``y``."""
    t = (y - top[:, 1]) / np.where(bottom[:, 1] == top[:, 1], 1.0, bottom[:, 1] - top[:, 1])
    xs = np.sort(top[:, 0] + t * (bottom[:, 0] - top[:, 0]))
    return int(1 + np.sum(np.diff(xs) > gap)) if len(xs) else 0


def estimate_roll(rgb: NDArray[np.uint8], exclude: tuple[float, float, float, float] | None = None) -> RollEstimate:
    """Estimate the camera roll of an ``(H, W, 3)`` RGB photo.

    ``exclude`` is a box (x0, y0, x1, y1) in pixels whose lines are ignored
    (the person: limbs are not vertical references). Confident when at least
    ``MIN_LINES`` distinct lines, together at least ``MIN_TOTAL_LENGTH`` of the image
    height long, agree with one vertical vanishing point within
    ``MAX_SPREAD_DEG`` (weighted median residual) and the roll is at most
    ``MAX_ROLL_DEG``.
    """
    h, w = rgb.shape[:2]
    f = min(1.0, 1000.0 / max(h, w))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if f < 1.0:
        gray = cv2.resize(gray, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    gh = gray.shape[0]
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150)
    segs = cv2.HoughLinesP(
        edges, 1, np.pi / 720, threshold=60, minLineLength=MIN_LENGTH * gh, maxLineGap=max(4, gh // 150)
    )
    none = RollEstimate(float("nan"), 0, float("nan"), False, "no vertical lines")
    if segs is None:
        return none
    s = segs.reshape(-1, 4).astype(np.float64) / f
    first_on_top = s[:, 1] < s[:, 3]
    top = np.where(first_on_top[:, None], s[:, :2], s[:, 2:])
    bottom = np.where(first_on_top[:, None], s[:, 2:], s[:, :2])
    lean = np.degrees(np.arctan2(bottom[:, 0] - top[:, 0], bottom[:, 1] - top[:, 1]))
    keep = np.abs(lean) <= MAX_LEAN_DEG
    # Lines along the photo's own border (padding, replicated edges) are not scene lines.
    border = 3.0
    keep &= ~((np.minimum(top[:, 0], bottom[:, 0]) < border) | (np.maximum(top[:, 0], bottom[:, 0]) > w - border))
    if exclude is not None and np.isfinite(exclude).all():
        x0, y0, x1, y1 = exclude
        pad = 0.1 * (x1 - x0)
        mx, my = (top[:, 0] + bottom[:, 0]) / 2, (top[:, 1] + bottom[:, 1]) / 2
        keep &= ~((mx > x0 - pad) & (mx < x1 + pad) & (my > y0) & (my < y1))
    top, bottom = top[keep], bottom[keep]
    if len(top) == 0:
        return none
    length = np.hypot(*(bottom - top).T)
    # Homogeneous lines, in coordinates centred on the image and scaled by its size.
    c, scale = np.array([w / 2.0, h / 2.0]), float(max(w, h))
    pt, pb = (top - c) / scale, (bottom - c) / scale
    lines = np.cross(np.c_[pt, np.ones(len(pt))], np.c_[pb, np.ones(len(pb))])
    lines /= np.linalg.norm(lines[:, :2], axis=1, keepdims=True)
    candidates: list[tuple[float, NDArray[np.bool_], NDArray[np.float64]]] = []
    rng = np.random.default_rng(0)
    for _ in range(min(200, len(lines) * (len(lines) - 1) // 2)):
        i, j = rng.choice(len(lines), 2, replace=False)
        vp = np.cross(lines[i], lines[j])
        if not np.isfinite(vp).all() or np.linalg.norm(vp) == 0:
            continue
        vp = vp / np.linalg.norm(vp)
        if abs(vp[2]) * MIN_VP_DISTANCE > np.linalg.norm(vp[:2]):
            continue  # too close: verticals cannot converge that fast for a plausible camera pitch
        inliers = _residual_deg(pt, pb, vp) <= INLIER_DEG
        candidates.append((float(length[inliers].sum()), inliers, vp))
    if (
        not candidates
        or max(c[0] for c in candidates) == 0
        or candidates[int(np.argmax([c[0] for c in candidates]))][1].sum() < 2
    ):
        # No two segments agree on a plausible vanishing point: report their median lean.
        return RollEstimate(_weighted_median(lean[keep], length), 0, float("nan"), False, "no two lines agree")
    best = max(candidates, key=lambda c: c[0])[1]
    vp = _vanishing_point(lines[best], length[best])
    roll = _roll_of(vp)
    # Leave-one-out: how far the roll moves when any one segment is left out.
    idx = np.flatnonzero(best)
    loo = [abs(_roll_of(_vanishing_point(lines[idx[idx != k]], length[idx[idx != k]])) - roll) for k in idx]
    stability = max(loo)
    resid = _residual_deg(pt[best], pb[best], vp)
    spread = _weighted_median(resid, length[best])
    n = _distinct_lines(top[best], bottom[best], h / 2.0, 0.01 * w)
    segments = tuple(
        (float(t[0]), float(t[1]), float(b[0]), float(b[1])) for t, b in zip(top[best], bottom[best], strict=True)
    )
    # The strongest other consensus, on segments the chosen one does not use.
    rival = max(
        (c for c in candidates if not (c[1] & best).any() and abs(_roll_of(c[2]) - roll) > 2 * INLIER_DEG),
        key=lambda c: c[0],
        default=None,
    )
    mx = (top[best, 0] + bottom[best, 0]) / 2
    plumb = (
        (np.abs(lean[keep]) <= PLUMB_DEG) & (length >= PLUMB_LENGTH * h) & (_residual_deg(pt, pb, vp) > 2 * INLIER_DEG)
    )
    reason = None
    if n < MIN_LINES or length[best].sum() < MIN_TOTAL_LENGTH * h:
        reason = "too few vertical lines"
    elif spread > MAX_SPREAD_DEG:
        reason = f"the lines disagree by {spread:.1f}°"
    elif abs(roll) > MAX_ROLL_DEG:
        reason = f"a roll of {roll:+.1f}° is beyond {MAX_ROLL_DEG:.0f}°"
    elif mx.max() - mx.min() < MIN_SPAN * w or (
        exclude is not None and np.isfinite(exclude).all() and not ((mx < exclude[0]).any() and (mx > exclude[2]).any())
    ):
        reason = "the lines are bunched on one side of the photo"
    elif length[best].max() < MIN_LONGEST * h:
        reason = "no long line"
    elif stability > MAX_LEAVE_ONE_OUT_DEG:
        reason = f"leaving out one line moves the estimate by {stability:.1f}°"
    elif rival is not None and rival[0] >= COMPETING * length[best].sum():
        reason = f"another set of lines gives {_roll_of(rival[2]):+.1f}°"
    elif plumb.any():
        reason = "a long line that is vertical in the photo contradicts it"
    return RollEstimate(roll, n, spread, reason is None, reason, segments)


def _roll_of(vp: NDArray[np.float64]) -> float:
    """Degrees: the angle between the image's vertical and the direction from the image centre
    (the origin of the normalised coordinates) to the vanishing point ``vp`` (homogeneous)."""
    down = vp[:2] / vp[2] if abs(vp[2]) > 1e-12 else vp[:2]
    if down[1] < 0:
        down = -down
    return float(np.degrees(np.arctan2(down[0], down[1])))
