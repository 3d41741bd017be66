"""Showing photos at the same body scale: similarity transforms and the skeleton overlay.

Each photo is mapped by a similarity transform (scale, rotation, shift) that
puts the hips' midpoint at the same place of a fixed-size panel and gives
the torso (hips' midpoint to shoulders' midpoint) the same length, so a
different camera distance does not look like a change. The rotation only
undoes a camera roll the measurement corrected (none by default): the
body's own lean is never rotated away. When a torso is not visible in
every photo, the shoulders' midpoint and shoulder width are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from posture.compare import Anchor, body_anchor
from posture.geometry import apply_affine
from posture.landmarks import POSE_CONNECTIONS, Landmarks, PoseLandmark
from posture.render.styles import DEFAULT_REPORT_STYLE, ReportStyle

L = PoseLandmark

Affine = NDArray[np.float64]
"""A ``(2, 3)`` affine matrix mapping ``(x, y, 1)`` to panel pixels."""


def similarity(anchor: Anchor, roll_deg: float = 0.0, style: ReportStyle = DEFAULT_REPORT_STYLE) -> Affine:
    """The transform from a photo's pixels to the panel for a body with ``anchor``.

    ``roll_deg`` is the camera roll the measurement corrected (see
    :mod:`posture.geometry`); the panel shows the photo levelled by it.
    """
    if anchor.kind == "hips":
        target = np.array([style.panel_width / 2.0, style.hip_y * style.panel_height])
        scale = style.torso_px / anchor.length
    else:
        target = np.array([style.panel_width / 2.0, style.hip_y * style.panel_height - style.torso_px])
        scale = style.shoulder_px / anchor.length
    center = np.asarray(anchor.center, dtype=np.float64)
    m = cv2.getRotationMatrix2D((float(center[0]), float(center[1])), -roll_deg, scale).astype(np.float64)
    m[:, 2] += target - center
    return m


def fit(width: int, height: int, style: ReportStyle = DEFAULT_REPORT_STYLE) -> Affine:
    """The transform that fits a whole ``width`` x ``height`` photo in the panel (no body to align on)."""
    s = min(style.panel_width / width, style.panel_height / height)
    return np.array([[s, 0.0, (style.panel_width - s * width) / 2], [0.0, s, (style.panel_height - s * height) / 2]])


def flip_x(m: Affine, style: ReportStyle = DEFAULT_REPORT_STYLE) -> Affine:
    """``m`` followed by a left-right flip about the panel's vertical centre line."""
    f = np.array([[-1.0, 0.0, float(style.panel_width)], [0.0, 1.0, 0.0]])
    return np.asarray(f[:, :2] @ m + np.array([[0.0, 0.0, f[0, 2]], [0.0, 0.0, 0.0]]), dtype=np.float64)


def left_on_right(lm: Landmarks, m: Affine) -> bool | None:
    """Whether the person's left shoulder lies right of the right one after ``m`` (None: unknown)."""
    xy = apply_affine(m, lm.xy)
    dx = xy[L.LEFT_SHOULDER][0] - xy[L.RIGHT_SHOULDER][0]
    return None if not np.isfinite(dx) or dx == 0 else bool(dx > 0)


def warp(img: NDArray[np.uint8], m: Affine, style: ReportStyle = DEFAULT_REPORT_STYLE) -> NDArray[np.uint8]:
    """The panel: ``img`` mapped through ``m``, the rest filled with the background.

    Strong reductions are done by area averaging first, so thin lines and
    text in an annotated photo do not alias.
    """
    s = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    src = np.ascontiguousarray(img)
    if s < 0.8:
        h, w = img.shape[:2]
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        src = np.asarray(cv2.resize(src, (nw, nh), interpolation=cv2.INTER_AREA), dtype=np.uint8)
        m = m.copy()
        m[:, 0] *= w / nw
        m[:, 1] *= h / nh
    out = cv2.warpAffine(
        src,
        m,
        (style.panel_width, style.panel_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=style.background_rgb,
    )
    return np.asarray(out, dtype=np.uint8)


@dataclass(frozen=True)
class Placement:
    """How one photo is placed in its panel: the transform and whether it is body-aligned."""

    matrix: Affine
    aligned: bool


def place(
    lm: Landmarks | None,
    kind: str | None,
    roll_deg: float,
    min_score: float,
    width: int,
    height: int,
    *,
    mirrored: bool = False,
    style: ReportStyle = DEFAULT_REPORT_STYLE,
) -> Placement:
    """Align on the body when its ``kind`` anchor is usable, else fit the whole photo.

    A mirror image (``mirrored``) is flipped back, so every panel shows the
    person as a camera facing them does.
    """
    m, aligned = fit(width, height, style), False
    if lm is not None and kind is not None:
        a = body_anchor(lm, kind, min_score)
        if a is not None:
            m, aligned = similarity(a, roll_deg, style), True
    return Placement(flip_x(m, style) if mirrored else m, aligned)


_FACE_LINE = (L.LEFT_EAR, L.RIGHT_EAR)
_THICK = {
    frozenset((L.LEFT_SHOULDER, L.RIGHT_SHOULDER)),
    frozenset((L.LEFT_HIP, L.RIGHT_HIP)),
    frozenset(_FACE_LINE),
}


def draw_skeletons(
    ax: Axes,
    skeletons: Sequence[tuple[Landmarks, Affine, float]],
    labels: Sequence[str],
    colors: Sequence[str],
    style: ReportStyle = DEFAULT_REPORT_STYLE,
) -> None:
    """Draw aligned skeletons over one another on ``ax``.

    Each skeleton is ``(landmarks, transform to the panel, min_score)``;
    only landmarks scoring at least ``min_score`` are drawn. A skeleton is
    flipped left-right when needed so that every one is seen from the front
    (the person's left on the right), whether it comes from a back view or a
    mirror image. The shoulder, hip and ear lines are thicker, the first
    skeleton dashed. The person's own left and right are marked at the last
    skeleton's shoulders.
    """
    skeletons = [(lm, flip_x(m, style) if left_on_right(lm, m) is False else m, s) for lm, m, s in skeletons]
    W, H = style.panel_width, style.panel_height
    hip_y = style.hip_y * H
    ax.axhline(hip_y, color="0.75", linewidth=0.8, linestyle=":", zorder=0)
    ax.axvline(W / 2, color="0.75", linewidth=0.8, linestyle=":", zorder=0)
    for k, ((lm, m, min_score), label, color) in enumerate(zip(skeletons, labels, colors, strict=True)):
        xy = apply_affine(m, lm.xy)
        dash = (0, (4, 2)) if k == 0 and len(skeletons) > 1 else "solid"
        first = True
        for a, b in (*POSE_CONNECTIONS, _FACE_LINE):
            if not (lm.usable((a,), min_score) and lm.usable((b,), min_score)):
                continue
            thick = frozenset((a, b)) in _THICK
            ax.plot(
                [xy[a][0], xy[b][0]],
                [xy[a][1], xy[b][1]],
                color=color,
                linewidth=3.2 if thick else 1.6,
                linestyle=dash,
                solid_capstyle="round",
                label=label if first else None,
                zorder=3 + k,
            )
            first = False
        pts = [p for p in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP) if lm.usable((p,), min_score)]
        if pts:
            ax.plot([xy[p][0] for p in pts], [xy[p][1] for p in pts], "o", color=color, markersize=5, zorder=4 + k)
    if skeletons:
        lm, m, min_score = skeletons[-1]
        xy = apply_affine(m, lm.xy)
        for p, text in ((L.LEFT_SHOULDER, "L"), (L.RIGHT_SHOULDER, "R")):
            other = L.RIGHT_SHOULDER if p == L.LEFT_SHOULDER else L.LEFT_SHOULDER
            if lm.usable((p,), min_score) and lm.usable((other,), min_score):
                away = np.sign(xy[p][0] - xy[other][0]) or 1.0
                ax.text(
                    xy[p][0] + away * 22,
                    xy[p][1] - 22,
                    text,
                    ha="center",
                    va="center",
                    fontsize=11,
                    fontweight="bold",
                    color="0.2",
                )
    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("0.8")
    ax.legend(loc="lower center", fontsize="small", frameon=True, ncols=1)
