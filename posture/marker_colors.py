"""Sticker colours for marker mode: names, ``#RRGGBB``, and the check that a colour can be told
from skin and clothing. Pure Python, so the command line can check ``--marker-color`` without
loading the image libraries."""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

COLORS: dict[str, str] = {
    "green": "#39FF14",
    "yellow": "#FFF200",
    "pink": "#FF1493",
    "blue": "#0090FF",
}
"""Named sticker colours (fluorescent, as sold for clinical photo assessment)."""

MIN_SATURATION = 0.5
"""A sticker colour must be at least this saturated to be told from skin, grey and white."""


@dataclass(frozen=True)
class MarkerColor:
    """A sticker colour: its name or ``#RRGGBB`` as given, and its hue in degrees [0, 360)."""

    name: str
    hex: str
    hue_deg: float


def parse_color(text: str) -> MarkerColor:
    """A colour from :data:`COLORS` by name, or ``#RRGGBB``.

    Raises
    ------
    ValueError
        Unknown name, malformed hex, or a colour too pale or dark to tell from skin and clothing.
    """
    key = text.strip().lower()
    hexcode = COLORS.get(key, key).lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", hexcode):
        raise ValueError(f"unknown sticker colour {text!r}: give one of {', '.join(COLORS)} or #RRGGBB")
    r, g_, b = (int(hexcode[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    h, s, v = colorsys.rgb_to_hsv(r, g_, b)
    if s < MIN_SATURATION or v < 0.4:
        raise ValueError(
            f"sticker colour {text} is too pale or dark (HSV saturation {s:.2f}, value {v:.2f}): "
            f"stickers must be a saturated colour, saturation at least {MIN_SATURATION}"
        )
    return MarkerColor(name=key, hex=hexcode.upper(), hue_deg=360.0 * h)
