"""Overlay styles: frozen data, so a shared default is safe."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class OverlayStyle:
    """Colours (RGB) and sizes of the annotated image.

    Sizes are for an image whose longer side is 1000 pixels and scale with
    the image; smaller images are enlarged to ``min_long_side`` first so text
    stays legible.
    """

    left_rgb: RGB = (255, 140, 0)
    right_rgb: RGB = (0, 200, 255)
    skeleton_rgb: RGB = (235, 235, 235)
    reference_rgb: RGB = (255, 255, 255)
    other_person_rgb: RGB = (160, 160, 160)
    panel_rgba: tuple[int, int, int, int] = (0, 0, 0, 170)
    text_rgb: RGB = (255, 255, 255)
    line_px: float = 3.0
    point_px: float = 6.0
    font_px: float = 22.0
    label_px: float = 30.0
    min_long_side: int = 1000


DEFAULT_STYLE = OverlayStyle()


@dataclass(frozen=True)
class LiveStyle:
    """The live overlay: the photo overlay's colours and sizes, plus banner colours.

    Sizes in ``base`` are for a frame whose longer side is 1000 pixels and
    scale with the frame; frames whose longer side is below ``min_long_side``
    are enlarged to it first, and text never gets smaller than ``min_font_px``.
    """

    base: OverlayStyle = OverlayStyle()
    guidance_rgb: RGB = (255, 214, 10)
    alert_rgb: RGB = (255, 70, 70)
    capture_rgb: RGB = (90, 230, 120)
    min_font_px: int = 13
    small_text_scale: float = 0.8
    min_long_side: int = 640


DEFAULT_LIVE_STYLE = LiveStyle()
