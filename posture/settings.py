"""Typed settings: the single source of defaults for the library and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from posture.images import DEFAULT_MAX_PIXELS, MIN_SIDE
from posture.landmarks import MIN_SCORE

if TYPE_CHECKING:
    from posture.measure import MeasureOptions


@dataclass(frozen=True)
class Settings:
    """How to analyse a photo.

    Attributes
    ----------
    mirrored : bool
        The photo is a mirror image (a mirror selfie): the subject's left
        appears where an ordinary photo shows their right.
    roll_deg : float or None
        Camera roll to correct, degrees; positive when a truly horizontal
        line appears with its right end higher. None: angles are relative to
        the image's edges.
    height_cm : float or None
        The subject's stature, to express height differences in centimetres.
    min_score : float
        Lowest landmark visibility and presence (0-1) a metric may rely on.
    person : int
        Which person to measure, 0 being the most prominent (largest).
    model : str or None
        A MediaPipe pose landmarker ``.task`` file; None for the bundled one.
    max_pixels, min_side : int
        Images above ``max_pixels`` pixels or with a shorter side below
        ``min_side`` pixels are refused.
    num_poses : int
        How many people the detector looks for.
    fast : bool
        One landmark pass instead of test-time augmentation, and no silhouette
        refinement: the fastest mode (no uncertainty; tilts from the joint
        landmarks only).
    auto_level : bool
        Estimate the camera roll from vertical lines in the scene and correct
        it when the estimate is confident (``roll_deg`` must then be None).
    markers : bool
        Find round coloured stickers on the acromions and the ASIS (or PSIS)
        and make their tilts the headlines (:mod:`posture.marker_metrics`).
    marker_color : str
        The stickers' colour: a name from :data:`posture.marker_colors.COLORS` or ``#RRGGBB``.
    """

    mirrored: bool = False
    roll_deg: float | None = None
    height_cm: float | None = None
    min_score: float = MIN_SCORE
    person: int = 0
    model: str | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_side: int = MIN_SIDE
    num_poses: int = 4
    fast: bool = False
    auto_level: bool = False
    markers: bool = False
    marker_color: str = "green"

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"min_score must be in [0, 1], got {self.min_score}")
        if self.person < 0:
            raise ValueError(f"person must be 0 or more, got {self.person}")
        if self.height_cm is not None and not 50.0 <= self.height_cm <= 260.0:
            raise ValueError(f"height_cm must be between 50 and 260, got {self.height_cm}")
        if self.roll_deg is not None and not -45.0 <= self.roll_deg <= 45.0:
            raise ValueError(f"roll_deg must be between -45 and 45, got {self.roll_deg}")
        if self.auto_level and self.roll_deg is not None:
            raise ValueError("give either roll_deg or auto_level, not both")
        from posture.marker_colors import parse_color

        parse_color(self.marker_color)  # raises ValueError with the accepted colours
        if self.num_poses < 1:
            raise ValueError(f"num_poses must be at least 1, got {self.num_poses}")

    def measure_options(self, roll_deg: float | None = None) -> MeasureOptions:
        """What :func:`posture.measure.measure` assumes under these settings; ``roll_deg`` is the
        roll corrected (an automatic estimate), by default ``self.roll_deg`` (None: 0)."""
        from posture.measure import MeasureOptions

        roll = self.roll_deg if roll_deg is None else roll_deg
        return MeasureOptions(
            mirrored=self.mirrored, roll_deg=roll or 0.0, height_cm=self.height_cm, min_score=self.min_score
        )
