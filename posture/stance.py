"""Whether the stance itself tilts the pelvis: one leg bent, lifted or stepping (pure; no I/O).

A pelvis is level on two straight legs standing on one floor. When one knee is bent, one foot
lifted or set forward in a step, the hip over that leg drops or rises with the leg, whatever the
person's posture: the hip line then measures the stance. Two measures on the levelled landmark
pixels, each independent of where the person is in the photo, of its scale and (within the margin
the thresholds leave) of a small camera roll:

``shortfall``
    How much shorter the shorter leg's hip-to-ankle distance is than the other's, as a fraction
    of the longer. A bent knee shortens it whichever way it bends (sideways, or towards the
    camera, which foreshortens the leg); a lifted foot brought up by the knee shortens it too.
``lift``
    How much higher one ankle is than the other, as a fraction of the legs' mean hip-to-ankle
    distance: a foot lifted with a straight leg, or a step.

Both need the hips, knees and ankles usable (:meth:`posture.landmarks.Landmarks.unusable`);
without them nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

import numpy as np
from numpy.typing import NDArray

from posture.landmarks import Landmarks, PoseLandmark

L = PoseLandmark

Side = Literal["left", "right"]

LEGS: dict[Side, tuple[PoseLandmark, PoseLandmark, PoseLandmark]] = {
    "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}
"""Each leg's hip, knee and ankle (the subject's sides)."""

MAX_SHORTFALL = 0.10
"""A leg shorter hip to ankle than the other by more than this fraction is bent or lifted.

People standing evenly stay at half of it (``benchmarks/stance.py``, default analysis): at most
0.048 on the protocol photos, 0.028 on a still person's video, 0.018 on 140 rendered people whose
pelvis is tilted up to 4 degrees by a lift under one foot; a leg-length difference of 4 cm is about
0.05. Geometrically 0.10 is a knee bent by about 50 degrees (equal thigh and shank:
1 - cos 25 degrees), or a foot raised by about a tenth of the leg (8 to 9 cm) by the knee."""

MAX_LIFT = 0.10
"""One ankle higher than the other by more than this fraction of the leg is lifted or stepping.

People standing evenly stay at half of it: at most 0.028 on the protocol photos, 0.046 on the
still video, 0.025 on the rendered people. Feet level on the floor read a lift only through a
camera roll across the stance (feet a third of a leg apart, 5 degrees: 0.03) or a foot set ahead
of the other (nearer the camera, so lower in the photo: 10 cm at 2.5 m, camera at 1.2 m, about
0.05); 0.10 is a heel raised 8 to 9 cm, or a step of some 20 cm."""


STANCE_METRICS = ("pelvic_tilt_deg", "shoulder_pelvis_tilt_deg", "knee_tilt_deg", "pelvis_shift_pct")
"""The metrics an uneven stance moves (the hip and knee lines, the pelvis over the feet): a photo
with an uneven stance is not compared on them (:mod:`posture.compare`)."""


@dataclass(frozen=True)
class Stance:
    """The two legs compared: ``shortfall`` (the ``shorter`` leg's) and ``lift`` (the ``higher``
    foot's), fractions as the module says; the sides are the subject's."""

    shortfall: float
    shorter: Side
    lift: float
    higher: Side

    @property
    def uneven(self) -> tuple[Side, Literal["shortfall", "lift"]] | None:
        """The leg that makes the stance uneven and the measure that says so (the shortfall
        first, when both pass their limits), or None."""
        if self.shortfall > MAX_SHORTFALL:
            return self.shorter, "shortfall"
        if self.lift > MAX_LIFT:
            return self.higher, "lift"
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the two measures (to 0.001) with their sides, and ``uneven``, the side of the
        leg that makes the stance uneven by those rounded measures (None: even)."""
        shown = Stance(round(self.shortfall, 3), self.shorter, round(self.lift, 3), self.higher)
        return {
            "shortfall": shown.shortfall,
            "shorter": self.shorter,
            "lift": shown.lift,
            "higher": self.higher,
            "uneven": None if shown.uneven is None else shown.uneven[0],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Stance:
        """Inverse of :meth:`to_dict` (``uneven`` follows from the measures)."""
        return cls(float(d["shortfall"]), d["shorter"], float(d["lift"]), d["higher"])

    def warning(self) -> str | None:
        """One sentence: the side, what was seen, what it means for the hip line (None: even)."""
        if self.uneven is None:
            return None
        side, seen = self.uneven
        other = "right" if side == "left" else "left"
        if seen == "shortfall":
            what = (
                f"the {side} knee is bent or the {side} foot lifted "
                f"(hip to ankle {100 * self.shortfall:.0f}% shorter than the {other} leg)"
            )
        else:
            what = (
                f"the {side} foot is higher than the {other} by {100 * self.lift:.0f}% of a leg's length "
                "(lifted, or further from the camera in a step)"
            )
        return f"{what}: the pelvis and knees tilt with the stance, so the hip and knee lines are not a standing posture; stand evenly on both feet"


def compare_legs(lm: Landmarks, xy: NDArray[np.float64], min_score: float) -> Stance | None:
    """The two legs compared, or None when a hip, knee or ankle is not usable.

    ``lm`` says which landmarks are usable (:meth:`posture.landmarks.Landmarks.usable` at
    ``min_score``) and names their sides; ``xy`` ``(33, 2)`` are their pixels with the camera roll
    removed (y down).
    """
    if not lm.usable([p for leg in LEGS.values() for p in leg], min_score):
        return None
    reach = {s: float(np.hypot(*(xy[hip] - xy[ankle]))) for s, (hip, _, ankle) in LEGS.items()}
    longer = max(reach.values())
    if not longer > 0:
        return None
    drop = float(xy[L.RIGHT_ANKLE][1] - xy[L.LEFT_ANKLE][1])  # > 0: the left ankle is higher (y down)
    return Stance(  # to 0.001, as stored: the decision is the one the JSON shows
        shortfall=round(1.0 - min(reach.values()) / longer, 3),
        shorter="left" if reach["left"] < reach["right"] else "right",
        lift=round(abs(drop) / ((reach["left"] + reach["right"]) / 2), 3),
        higher="left" if drop > 0 else "right",
    )
