"""Sticker tilts as headline metrics (``Settings.markers``; stickers found by :mod:`posture.markers`).

For each pair (shoulders: the acromions; pelvis: the ASIS facing the
camera, the PSIS facing away) whose two stickers are found, the shoulder or
pelvic tilt becomes the tilt of the line through the sticker centres
(``method`` ``markers``), levelled like the landmarks, with the uncertainty
propagated from the centres (at least ``MARKER_UNCERTAINTY_FLOOR``). The
metric keeps ``landmark_value`` (the joint landmarks' tilt) and gains
``silhouette_value`` when the outline refinement measured it. A pair not
found keeps the previous headline, and its ``method_reason`` and a warning
say why the stickers were not used. ``shoulder_pelvis_tilt_deg`` is then the
difference of the two headlines.

Which sticker is which comes from the landmarks: within ``SHOULDER_RADIUS``
(acromions) or ``PELVIS_RADIUS`` (ASIS, PSIS) times the shoulder landmarks'
distance of that side's shoulder or hip landmark, on that side of the body.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from posture.landmarks import PoseLandmark
from posture.marker_colors import parse_color
from posture.marker_result import Markers, StickerPair
from posture.markers import MarkerPair, extra_stickers, find_stickers, on_body, pair_stickers
from posture.measure import BodyMeasurement, MeasureOptions, retilt

L = PoseLandmark

MARKER_UNCERTAINTY_FLOOR = 0.2
"""Smallest sticker-tilt uncertainty reported, degrees: on drawn 2 cm stickers 1000 px apart in height,
slightly blurred and JPEG-compressed, errors reach 0.2 (``benchmarks/markers.py``); manual
digitising of marked points is quoted at 0.11."""

SHOULDER_RADIUS = 0.3
PELVIS_RADIUS = 0.4
"""Search radius around each landmark, as a fraction of the shoulder landmarks' distance."""

PELVIC_POINT = {"front": "ASIS", "back": "PSIS"}

_PAIRS = {
    "shoulder_tilt_deg": ("shoulders", L.LEFT_SHOULDER, L.RIGHT_SHOULDER, SHOULDER_RADIUS, "shoulder"),
    "pelvic_tilt_deg": ("pelvis", L.LEFT_HIP, L.RIGHT_HIP, PELVIS_RADIUS, "hip"),
}


def apply_markers(
    rgb: NDArray[np.uint8],
    body: BodyMeasurement,
    options: MeasureOptions,
    color: str,
    compressed: bool = True,
    silhouette: NDArray[np.float32] | None = None,
) -> tuple[BodyMeasurement, Markers, list[str]]:
    """``body`` with the sticker tilts as headlines where found (module docstring), the result's
    ``markers`` and the warnings for the pairs not used. ``compressed``: the photo was
    stored with lossy compression (see :func:`posture.markers.find_stickers`); ``silhouette``: the
    person's segmentation mask in the photo's pixels, where read (stickers off it are refused:
    :func:`posture.markers.on_body`)."""
    lm = body.landmarks
    c = parse_color(color)
    out = Markers(color=c.name, hex=c.hex, compressed=compressed)
    scale = float(np.linalg.norm(lm[L.LEFT_SHOULDER] - lm[L.RIGHT_SHOULDER]))
    if not math.isfinite(scale) or scale <= 0:
        return (
            body,
            replace(out, reason="no shoulder landmarks to size and name the stickers"),
            ["stickers not used: the shoulder landmarks are missing"],
        )
    search = on_body(find_stickers(rgb, c, scale, compressed), silhouette)
    found: dict[str, StickerPair] = {}
    center = (lm.width / 2.0, lm.height / 2.0)  # as measure() levels the landmarks
    metrics = dict(body.metrics)
    widths = dict(body.widths_px)
    notes: list[str] = []
    pairs: list[MarkerPair] = []
    for name, (key, left, right, radius, part) in _PAIRS.items():
        point = "acromion" if key == "shoulders" else PELVIC_POINT.get(body.view, "pelvic")
        m = metrics[name]
        if m.value is None:
            reason = f"landmarks needed to name the stickers: {m.reason}"
            found[key] = StickerPair(landmark=point, found=False, reason=reason, searched=False)
            continue
        pair = pair_stickers(search, lm[left], lm[right], radius * scale, part, point)
        pairs.append(pair)
        found[key] = pair.record()
        if not pair.found:
            what = f"{point} stickers not used: {pair.reason}"
            metrics[name] = replace(m, method_reason="; ".join(x for x in (what, m.method_reason) if x))
            notes.append(f"{what}; {name.split('_')[0]} tilt from the {m.method or 'landmarks'}")
            continue
        tilt, sigma, width = pair.tilt(options.roll_deg, center)
        unc = max(sigma, MARKER_UNCERTAINTY_FLOOR)
        found[key] = replace(found[key], tilt_deg=round(tilt, 2), uncertainty_deg=round(unc, 3))
        metrics[name] = retilt(
            m,
            tilt,
            unc,
            width,
            body.cm_per_px,
            "markers",
            silhouette_value=m.value if m.method == "silhouette" else None,
        )
        widths[name] = width
    out = replace(
        out,
        stickers_found=len(search.stickers),
        rejected=tuple(r.record() for r in search.rejected),
        extra=tuple(s.record() for s in extra_stickers(search, pairs)),
        shoulders=found.get("shoulders"),
        pelvis=found.get("pelvis"),
    )
    if not search.stickers:
        notes = [f"no {c.name} stickers found in the photo: tilts from the silhouette or the joint landmarks"]
    sh, pv = metrics["shoulder_tilt_deg"], metrics["pelvic_tilt_deg"]
    if "markers" in (sh.method, pv.method) and sh.value is not None and pv.value is not None:
        both = None if sh.uncertainty is None or pv.uncertainty is None else math.hypot(sh.uncertainty, pv.uncertainty)
        metrics["shoulder_pelvis_tilt_deg"] = replace(
            metrics["shoulder_pelvis_tilt_deg"], value=sh.value - pv.value, uncertainty=both
        )
    return replace(body, metrics=metrics, widths_px=widths), out, notes


def no_markers(reason: str, color: str) -> Markers:
    """The result's ``markers`` when the stickers were not looked for (side view, nobody)."""
    c = parse_color(color)
    return Markers(color=c.name, hex=c.hex, reason=reason)
