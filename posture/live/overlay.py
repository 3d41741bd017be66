"""The live overlay: one video frame annotated with a :class:`~posture.live.session.FrameRecord`.

Unlike the photo overlay (:func:`posture.render.draw_overlay`), the frame
gets no caption band: the text sits in panels on the picture, and only
small frames are enlarged (to ``LiveStyle.min_long_side``). It reads the record and draws; it never
measures. Lines, L/R discs and angles come from the record's smoothed
landmarks and metrics, whose sides are the subject's own (a mirror view was
measured as one), so "L" is drawn at the person's left shoulder wherever it
appears on screen. The per-frame numbers are a preview (one landmark pass,
no uncertainty) shown to whole units (:mod:`posture.wording`'s precision
rule) under a "Preview" heading; a capture is a measurement (its frames
analysed as photos) and carries its uncertainty and method.

Text is rendered with Pillow once per distinct string and size and cached
as an alpha mask, so drawing a frame costs a few blits.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from posture import wording
from posture.landmarks import MIN_SCORE, POSE_CONNECTIONS, Landmarks, PoseLandmark
from posture.live.session import CaptureResult, FrameRecord
from posture.metrics import METRICS
from posture.render.primitives import bilateral_line, font, label_centre, pt
from posture.render.styles import DEFAULT_LIVE_STYLE, RGB, LiveStyle

L = PoseLandmark

_PANEL_METRICS = ("shoulder_tilt_deg", "pelvic_tilt_deg")
_LINES = {name: METRICS[name].points for name in _PANEL_METRICS}


@functools.lru_cache(maxsize=512)
def _text_mask(text: str, size: int) -> NDArray[np.float32]:
    """Alpha mask ``(h, w)`` in [0, 1] of ``text`` at ``size`` pixels."""
    f = font(size)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("L", (max(1, int(x1) + 1), max(1, int(y1) + 2)))
    ImageDraw.Draw(im).text((0, 0), text, fill=255, font=f)
    return np.asarray(im, dtype=np.float32) / 255.0


@functools.lru_cache(maxsize=512)
def _sprite(text: str, size: int, rgb: RGB) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.uint8]]:
    """``(alpha, 1 - alpha, solid colour)`` of ``text``, ready for :func:`cv2.blendLinear`."""
    alpha = _text_mask(text, size)
    colour = np.empty(alpha.shape + (3,), np.uint8)
    colour[:] = rgb
    return alpha, 1.0 - alpha, colour


def _blit(
    img: NDArray[np.uint8], x: int, y: int, text: str, size: int, rgb: RGB, panel: bool = True
) -> tuple[int, int]:
    """Draw ``text`` with its top-left at ``(x, y)`` (kept inside the image); returns its (width, height)."""
    alpha, inverse, colour = _sprite(text, size, rgb)
    h, w = alpha.shape
    H, W = img.shape[:2]
    pad = max(2, size // 5)
    x = int(min(max(pad, x), max(pad, W - w - pad)))
    y = int(min(max(pad, y), max(pad, H - h - pad)))
    if panel:
        box = img[y - pad : y + h + pad, x - pad : x + w + pad]
        box >>= 2  # darken to a quarter: a translucent black panel
    roi = img[y : y + h, x : x + w]
    rh, rw = roi.shape[:2]
    roi[:] = cv2.blendLinear(roi, colour[:rh, :rw], inverse[:rh, :rw], alpha[:rh, :rw])
    return w, h


def _usable_mask(lm: Landmarks, min_score: float) -> NDArray[np.bool_]:
    """``(33,)``: landmarks placed and scoring at least ``min_score`` (as :meth:`Landmarks.score`, vectorised)."""
    score = np.minimum(np.nan_to_num(lm.visibility, nan=0.0), np.nan_to_num(lm.presence, nan=0.0))
    return np.isfinite(lm.xy).all(axis=1) & (score >= min_score)


def _sizes(img: NDArray[np.uint8], style: LiveStyle) -> tuple[float, int, int, int]:
    """Scale factor, line width, font size and small font size for this frame."""
    k = max(img.shape[:2]) / 1000.0
    b = style.base
    size = max(style.min_font_px, round(b.font_px * k))
    small = max(style.min_font_px - 2, round(size * style.small_text_scale))
    return k, max(1, round(b.line_px * k)), size, small


def _draw_body(
    img: NDArray[np.uint8], rec: FrameRecord, scale: float, roll_deg: float, min_score: float, style: LiveStyle
) -> None:
    lm = rec.landmarks
    if lm is None:
        return
    b = style.base
    k, lw, size, _ = _sizes(img, style)
    xy = lm.xy * scale
    ok = _usable_mask(lm, min_score).tolist()
    ixy = np.rint(np.nan_to_num(xy)).astype(np.int32)
    bones = [ixy[[a, c]] for a, c in POSE_CONNECTIONS if ok[a] and ok[c]]
    if bones:
        cv2.polylines(img, bones, False, b.skeleton_rgb, max(1, lw // 2), cv2.LINE_AA)
    roll = np.radians(roll_deg)
    horizontal = np.array([np.cos(roll), -np.sin(roll)])
    labels = []
    for name, (left, right) in _LINES.items():
        m = rec.metric(name)
        if m.value is None or not (ok[left] and ok[right]):
            continue
        pl, pr = xy[left], xy[right]
        bilateral_line(img, pl, pr, horizontal, b.left_rgb, b.right_rgb, b.reference_rgb, lw)
        arrow = {"left": " L↑", "right": " R↑"}.get(m.higher_side or "", "")
        outer = pl if pl[0] > pr[0] else pr
        labels.append(
            (
                int(outer[0] + 12 * k + 0.5 * size),
                int(outer[1] - 0.6 * size),
                wording.number(m.value, None, "deg") + arrow,
            )
        )
    r = max(7, round(b.label_px * k * 0.6))
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        for p, letter, color in ((left, "L", b.left_rgb), (right, "R", b.right_rgb)):
            if not ok[p]:
                continue
            cv2.circle(img, pt(xy[p]), max(2, round(b.point_px * k)), color, -1, cv2.LINE_AA)
            centre = label_centre(xy[p], xy[right if p == left else left], r)
            cv2.circle(img, pt(centre), r, color, -1, cv2.LINE_AA)
            mask = _text_mask(letter, int(r * 1.3))
            _blit(
                img,
                int(centre[0] - mask.shape[1] / 2),
                int(centre[1] - mask.shape[0] * 0.6),
                letter,
                int(r * 1.3),
                (0, 0, 0),
                panel=False,
            )
    for x, y, text in labels:
        _blit(img, x, y, text, size, b.text_rgb)


def draw_live(
    rgb: NDArray[np.uint8],
    rec: FrameRecord,
    *,
    mirrored: bool,
    roll_deg: float = 0.0,
    min_score: float = MIN_SCORE,
    last_capture: CaptureResult | None = None,
    hint: str | None = None,
    style: LiveStyle = DEFAULT_LIVE_STYLE,
) -> NDArray[np.uint8]:
    """Return a new RGB frame: ``rgb`` annotated with ``rec`` (enlarged first if smaller than ``style.min_long_side``).

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        The frame that was measured (already flipped for a mirror view); not modified.
    rec : FrameRecord
        What the session made of it.
    mirrored : bool
        Whether the frame is a mirror view (said on screen).
    roll_deg, min_score : float
        The session's camera roll correction and landmark threshold.
    last_capture : CaptureResult, optional
        The latest finished capture, shown until the next one.
    hint : str, optional
        A line of key help, e.g. ``space: capture   q: quit``.
    """
    h, w = rgb.shape[:2]
    f = max(1.0, style.min_long_side / max(h, w))
    img = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_LINEAR) if f > 1 else rgb.copy()
    b = style.base
    k, _, size, small = _sizes(img, style)
    H, W = img.shape[:2]
    x0, y, gap = round(10 * k) + 4, round(10 * k) + 4, max(3, size // 4)

    # A top corner: the live readings, then capture progress or the last capture.
    lines: list[tuple[str, RGB]] = []
    if rec.people:
        preview = [
            (wording.describe(name, m), b.text_rgb)
            for name in _PANEL_METRICS
            if (m := rec.metric(name)).value is not None
        ]
        if preview:
            lines += [("Preview (single frames, not a measurement):", b.text_rgb)] + preview
    if rec.capture is not None:
        lines.append((rec.capture.text(), style.capture_rgb))
    elif last_capture is not None:
        lines += [(t, style.capture_rgb) for t in [last_capture.headline()] + last_capture.metric_lines(_PANEL_METRICS)]
    # The panel goes on the side away from the person, so it covers as little of them as it can.
    body_x = np.nan if rec.landmarks is None else float(np.nanmean(rec.landmarks.xy[:, 0])) * f
    on_right = bool(np.isfinite(body_x) and body_x < W / 2)
    for text, color in lines:
        x = W - x0 - _text_mask(text, small).shape[1] if on_right else x0
        _, h = _blit(img, x, y, text, small, color)
        y += h + gap

    # Bottom: what the picture assumes, and the keys.
    view = "Mirror view: your left is on the left of the screen" if mirrored else "Not mirrored: shown as recorded"
    angles = "angles relative to the image edges" if not roll_deg else f"camera roll {roll_deg:+.1f}° corrected"
    footer = [f"{view}.", f"L/R = the person's own sides; {angles}."]
    if hint:
        footer.append(hint)
    hb = _text_mask(footer[0], small).shape[0] + gap + round(4 * k)
    for i, text in enumerate(reversed(footer)):
        _blit(img, x0, H - (i + 1) * hb, text, small, b.text_rgb)

    # The body goes over the panels: its lines and L/R labels must never be hidden.
    _draw_body(img, rec, f, roll_deg, min_score, style)

    # Centre: guidance; below it, active alerts.
    y = max(y, round(H * 0.12))
    if rec.guidance:
        text = rec.guidance[0].upper() + rec.guidance[1:]
        w = _text_mask(text, size).shape[1]
        _, h = _blit(img, (W - w) // 2, y, text, size, style.guidance_rgb)
        y += h + gap
    for a in rec.alerts:
        if a.active:
            text = f"ALERT: {a.rule.describe()}"
            w = _text_mask(text, size).shape[1]
            _, h = _blit(img, (W - w) // 2, y, text, size, style.alert_rgb)
            y += h + gap

    return img
