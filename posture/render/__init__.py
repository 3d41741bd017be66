"""Drawing measurements onto images (never measuring)."""

from posture.render.overlay import draw_overlay
from posture.render.refinement import draw_refinement
from posture.render.styles import DEFAULT_LIVE_STYLE, DEFAULT_STYLE, LiveStyle, OverlayStyle

__all__ = ["DEFAULT_LIVE_STYLE", "DEFAULT_STYLE", "LiveStyle", "OverlayStyle", "draw_overlay", "draw_refinement"]
