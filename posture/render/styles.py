"""Overlay styles: frozen data, so a shared default is safe."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class OverlayStyle:
    """Colours (RGB) and sizes of the annotated image.

    Sizes are for an image whose longer side is 1000 pixels and scale with
    the image (with the longer side counted as at most twice the shorter); smaller images are enlarged to ``min_long_side`` first so text
    stays legible.
    """

    left_rgb: RGB = (255, 140, 0)
    right_rgb: RGB = (0, 200, 255)
    skeleton_rgb: RGB = (235, 235, 235)
    reference_rgb: RGB = (255, 255, 255)
    other_person_rgb: RGB = (160, 160, 160)
    level_line_rgb: RGB = (120, 255, 120)
    """The scene's vertical lines that the automatic level used (applied) or found (refused)."""
    panel_rgba: tuple[int, int, int, int] = (0, 0, 0, 170)
    text_rgb: RGB = (255, 255, 255)
    line_px: float = 3.0
    point_px: float = 6.0
    font_px: float = 22.0
    label_px: float = 30.0
    min_long_side: int = 1000


DEFAULT_STYLE = OverlayStyle()


@dataclass(frozen=True)
class ReportStyle:
    """Sizes and colours of the comparison report (``posture compare``).

    Each photo panel is ``panel_width`` x ``panel_height`` pixels; bodies are
    scaled so the torso (hips' midpoint to shoulders' midpoint) is
    ``torso_px`` long with the hips' midpoint at ``(panel_width / 2,
    hip_y * panel_height)``. When a torso is not visible in every photo, the
    shoulder width is scaled to ``shoulder_px`` instead, with the shoulders'
    midpoint ``torso_px`` above that point. Colours are CSS/matplotlib
    strings except ``background_rgb``.
    """

    panel_width: int = 600
    panel_height: int = 900
    torso_px: float = 190.0
    shoulder_px: float = 150.0
    hip_y: float = 0.47
    background_rgb: RGB = (72, 72, 72)
    jpeg_quality: int = 85
    before_color: str = "#0072B2"
    after_color: str = "#D55E00"
    improved_color: str = "#1a7f37"
    worse_color: str = "#b42318"
    reversed_color: str = "#8250df"
    neutral_color: str = "#57606a"
    not_comparable_color: str = "#9a6700"
    chart_dpi: int = 110

    def verdict_color(self, verdict: str) -> str:
        """Colour of a verdict's text."""
        return {
            "improved": self.improved_color,
            "worse": self.worse_color,
            "reversed": self.reversed_color,
            "not_comparable": self.not_comparable_color,
        }.get(verdict, self.neutral_color)


DEFAULT_REPORT_STYLE = ReportStyle()
"""The report's default look."""


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
