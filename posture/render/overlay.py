"""The annotated image: landmark lines, horizontal references, angles, L/R labels.

Reads a :class:`~posture.result.PostureMeasurement` and draws it; it never
measures. The photo is enlarged first when small so that text stays legible,
and a caption band below the photo carries the plain-language results and
every assumption, so the picture is self-explanatory when shared.

A shoulder or pelvic tilt measured on the silhouette (``method``
``silhouette``, see :mod:`posture.analyze`) is drawn through the refined
outline points, with the outline points used, instead of the joint landmarks;
the caption says which method each headline used. With stickers
(``--markers``) each sticker found is ringed and named, and a tilt measured
on them (``method`` ``markers``) is drawn through the two sticker centres.
With ``--level auto`` the scene's vertical lines the level estimate used are
drawn in green: solid when the roll was applied, dashed when it was refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image, ImageDraw, ImageFont

from posture import wording
from posture.geometry import apply_affine
from posture.landmarks import POSE_CONNECTIONS, Landmarks, PoseLandmark
from posture.metrics import METRICS, REFINED
from posture.refinement_result import PairReading
from posture.render.markers import draw_markers
from posture.render.primitives import Box, bilateral_line, free_offset, label_centre
from posture.render.primitives import dashed_line as _dashed
from posture.render.primitives import font as _font
from posture.render.primitives import pt as _pt
from posture.render.refinement import draw_refinement
from posture.render.styles import DEFAULT_STYLE, RGB, OverlayStyle
from posture.result import PostureMeasurement

L = PoseLandmark

MAX_SCALE_RATIO = 2.0
"""Drawing sizes scale with the longer side up to this many times the shorter side."""

_CAPTION_METRICS = (
    "shoulder_tilt_deg",
    "pelvic_tilt_deg",
    "shoulder_pelvis_tilt_deg",
    "trunk_lean_deg",
    "head_tilt_deg",
    "knee_tilt_deg",
)

_CAPTION_ONLY_MEASURED = ("shoulder_pelvis_tilt_deg", "knee_tilt_deg")
"""Caption metrics left out when not measured: their reason repeats another line's (the hips), or
the photo was not meant to show them (the knees of a head-and-shoulders selfie)."""


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if cur and font.getlength(trial) > width:
            lines.append(cur)
            cur = "  " + w
        else:
            cur = trial if not cur.startswith("  ") or trial.startswith("  ") else "  " + trial
    if cur:
        lines.append(cur)
    return lines


def draw_overlay(
    rgb: NDArray[np.uint8],
    m: PostureMeasurement,
    style: OverlayStyle = DEFAULT_STYLE,
    transform: ArrayLike | None = None,
) -> NDArray[np.uint8]:
    """Return a new RGB image: the photo annotated with ``m``, plus a caption band.

    ``rgb`` is the ``(H, W, 3)`` uint8 image that was measured, or that image
    mapped by ``transform``: a ``(2, 3)`` affine matrix from the measured photo's
    pixels to ``rgb``'s (e.g. a report panel's alignment; default: the identity).
    Every point drawn (landmarks, person box, refined outline points) and every
    reference direction goes through that one transform. ``rgb`` is not modified.
    """
    h, w = rgb.shape[:2]
    f = max(1.0, style.min_long_side / max(h, w))
    img = cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC) if f > 1 else rgb.copy()
    to_img = f * (np.eye(2, 3) if transform is None else np.asarray(transform, dtype=np.float64))

    def direction(v: NDArray[np.float64]) -> NDArray[np.float64]:
        d = to_img[:, :2] @ v
        return np.asarray(d / np.linalg.norm(d), dtype=np.float64)

    H, W = img.shape[:2]
    # Sizes follow the longer side, but at most twice the shorter: a long narrow photo
    # does not get text (and a caption band) scaled to its length.
    k = min(max(H, W), MAX_SCALE_RATIO * min(H, W)) / 1000.0
    lw = max(1, round(style.line_px * k))
    min_score = m.min_score
    labels: list[tuple[tuple[int, int], str, RGB, int]] = []
    occupied: list[Box] = []  # the L/R discs, then each number's panel: numbers are moved off them

    if m.subject is not None and m.subject.people_detected > 1:
        labels.append(
            (
                (int(8 * k), int(8 * k)),
                wording.people_note(m.subject, m.status == "measured", "the outlined one"),
                style.text_rgb,
                round(style.font_px * k),
            )
        )

    level = m.assumptions.roll_estimate
    for x0, y0, x1, y1 in () if level is None else level.segments_px or ():
        a, b = np.array([x0, y0]) * f, np.array([x1, y1]) * f
        if m.assumptions.level_mode == "auto":
            cv2.line(img, _pt(a), _pt(b), style.level_line_rgb, max(1, lw // 2), cv2.LINE_AA)
        else:  # found but not applied
            _dashed(img, a, b, style.level_line_rgb, max(1, lw // 2))

    lm = None if m.landmarks is None else Landmarks.from_points(m.landmarks)
    if lm is not None:
        xy = apply_affine(to_img, lm.xy)
        for a, b in POSE_CONNECTIONS:
            if lm.usable((a, b), min_score):
                cv2.line(img, _pt(xy[a]), _pt(xy[b]), style.skeleton_rgb, max(1, lw // 2), cv2.LINE_AA)
        x0, y0, x1, y1 = _box(to_img, m.subject.bbox_px) if m.subject and m.subject.bbox_px else (np.nan,) * 4
        if m.subject is not None and m.subject.people_detected > 1 and np.isfinite([x0, y0, x1, y1]).all():
            pad = 20 * k
            cv2.rectangle(
                img,
                (int(x0 - pad), int(y0 - pad)),
                (int(x1 + pad), int(y1 + pad)),
                style.reference_rgb,
                lw,
                cv2.LINE_AA,
            )

        roll = np.radians(m.assumptions.roll_deg)
        horizontal = direction(np.array([np.cos(roll), -np.sin(roll)]))  # true horizontal in the image,
        horizontal *= np.sign(horizontal[0]) or 1.0  # pointing right even when ``transform`` flips
        font_px = round(style.font_px * k)
        refined = _silhouette_pairs(m)
        if refined:
            # The outline points used (the tilt lines through the refined points are drawn below).
            outline = {
                key: {"contour_left_px": pair.contour_left_px, "contour_right_px": pair.contour_right_px}
                for key, pair in refined.items()
            }
            img = draw_refinement(img, outline, to_img, style)
        if m.markers is not None:
            left_direction = float(np.sign(xy[L.LEFT_SHOULDER][0] - xy[L.RIGHT_SHOULDER][0])) or 1.0
            img, sticker_labels = draw_markers(
                img, m.markers, to_img, style, left_direction if np.isfinite(left_direction) else 1.0
            )
            labels += sticker_labels
        for name, spec in METRICS.items():
            metric = m.metrics.get(name)
            if spec.kind != "tilt":
                continue
            left, right = spec.points
            if metric is None or metric.value is None:
                continue
            pl, pr = xy[left], xy[right]
            key = REFINED.get(name)
            if key in refined and (points := refined[key].points) is not None:
                pl, pr = apply_affine(to_img, points[0]), apply_affine(to_img, points[1])
            pair = None if m.markers is None or key is None else m.markers.pair(key)
            if m.analysed_method(name) == "markers" and pair is not None and pair.left and pair.right:
                pl, pr = apply_affine(to_img, pair.left.xy_px), apply_affine(to_img, pair.right.xy_px)
            if not (np.isfinite(pl).all() and np.isfinite(pr).all()):
                continue  # a value without its points (a measurement edited by hand): nothing to draw it on
            bilateral_line(img, pl, pr, horizontal, style.left_rgb, style.right_rgb, style.reference_rgb, lw)
            text = f"{wording.number(metric.value, metric.uncertainty, 'deg')}"
            side = {"left": " L↑", "right": " R↑"}.get(metric.higher_side or "", "")
            outer = pl if pl[0] > pr[0] else pr
            anchor = (int(outer[0] + 14 * k), int(outer[1] + (0.4 if name != "head_tilt_deg" else -0.5) * font_px))
            labels.append((anchor, text + side, style.text_rgb, font_px))

        for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
            for p, letter, color in ((left, "L", style.left_rgb), (right, "R", style.right_rgb)):
                if not lm.usable((p,), min_score):
                    continue
                r = round(style.label_px * k * 0.75)
                c = xy[p]
                cv2.circle(img, _pt(c), round(style.point_px * k), color, -1, cv2.LINE_AA)
                centre = label_centre(c, xy[right if p == left else left], r)
                cv2.circle(img, _pt(centre), r, color, -1, cv2.LINE_AA)
                occupied.append((centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r))
                labels.append(
                    (
                        (int(centre[0] - r * 0.45), int(centre[1] - r * 0.75)),
                        letter,
                        (0, 0, 0),
                        round(style.label_px * k),
                    )
                )

        if m.metrics.get("trunk_lean_deg") and m.metrics["trunk_lean_deg"].value is not None:
            hip_mid = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
            sh_mid = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
            up = direction(np.array([-np.sin(roll), -np.cos(roll)]))  # true vertical, upwards
            length = float(np.linalg.norm(sh_mid - hip_mid))
            _dashed(img, hip_mid, hip_mid + up * length, style.reference_rgb, max(1, lw // 2))
            cv2.line(img, _pt(hip_mid), _pt(sh_mid), (40, 40, 40), max(1, lw // 2) + 3, cv2.LINE_AA)
            cv2.line(img, _pt(hip_mid), _pt(sh_mid), style.text_rgb, max(1, lw // 2) + 1, cv2.LINE_AA)

    photo = Image.fromarray(img)
    draw = ImageDraw.Draw(photo, "RGBA")
    for (x, y), text, color, size in labels:
        font = _font(size)
        if color == (0, 0, 0):
            draw.text((x, y), text, fill=color, font=font)
            continue
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        x = min(max(0, x), W - (x1 - x0) - 4)
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        y += round(free_offset((x0 - 4, y0 - 3, x1 + 4, y1 + 3), occupied, (y1 - y0) + 8, H))
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        occupied.append((x0 - 4, y0 - 3, x1 + 4, y1 + 3))
        draw.rectangle((x0 - 4, y0 - 3, x1 + 4, y1 + 3), fill=style.panel_rgba)
        draw.text((x, y), text, fill=color, font=font)

    return _with_caption(np.asarray(photo), m, style, k)


def _box(to_img: NDArray[np.float64], box: Sequence[float]) -> tuple[float, float, float, float]:
    """The axis-aligned box around the image of the ``(x0, y0, x1, y1)`` box ``box``."""
    x0, y0, x1, y1 = box
    corners = apply_affine(to_img, [[x0, y0], [x1, y0], [x0, y1], [x1, y1]])
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _silhouette_pairs(m: PostureMeasurement) -> dict[str, PairReading]:
    """The refinement's pairs whose headline tilt is the silhouette's (as analysed: a tilt corrected
    by hand on its outline points is drawn through them, moved), with both points."""
    if m.refinement is None:
        return {}
    out = {}
    for name, key in REFINED.items():
        pair = m.refinement.pair(key)
        if m.analysed_method(name) == "silhouette" and pair.points is not None:
            out[key] = pair
    return out


def _caption_lines(m: PostureMeasurement) -> list[str]:
    if m.status == "no_person":
        lines = ["No person found in the photo."]
    elif m.status == "not_measurable":
        lines = [f"Not measured: {m.message}."]
    else:
        lines = [
            wording.describe(n, m.metrics[n])
            for n in _CAPTION_METRICS
            if n in m.metrics and (m.metrics[n].value is not None or n not in _CAPTION_ONLY_MEASURED)
        ]
    lines.append("Assumed: " + "; ".join(wording.assumption_lines(m)) + ".")
    lines += ["Warning: " + w for w in m.warnings]
    lines += ["Tip: " + t for t in wording.tips(m)]
    lines.append("L/R = the person's own left/right. Not a diagnosis.")
    return lines


def _with_caption(img: NDArray[np.uint8], m: PostureMeasurement, style: OverlayStyle, k: float) -> NDArray[np.uint8]:
    W = img.shape[1]
    font = _font(max(12, round(style.font_px * k)))
    margin = round(14 * k)
    wrapped: list[str] = []
    for line in _caption_lines(m):
        wrapped += _wrap(line, font, W - 2 * margin)
    line_h = round(font.size * 1.35) if hasattr(font, "size") else 18
    band = Image.new("RGB", (W, 2 * margin + line_h * len(wrapped)), (24, 24, 24))
    draw = ImageDraw.Draw(band)
    for i, line in enumerate(wrapped):
        draw.text((margin, margin + i * line_h), line, fill=style.text_rgb, font=font)
    return np.vstack([img, np.asarray(band)])
