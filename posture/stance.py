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
from typing import Literal

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

Standing evenly it stays well below: at most 0.055 on 21 standing photos of the protocol set (one
turned 30 degrees), 0.028 on a still person's video, 0.018 on 140 rendered people whose pelvis is
tilted up to 4 degrees by a lift under one foot; a leg-length difference of 4 cm is about 0.05.
Geometrically 0.10 is a knee bent by about 50 degrees (1 - cos 25), or a foot raised by about a
tenth of the leg (8 to 9 cm), by the knee."""

MAX_LIFT = 0.10
"""One ankle higher than the other by more than this fraction of the leg is lifted or stepping.

Standing evenly it stays well below: at most 0.031 on the standing protocol photos, 0.046 on the
still video, 0.025 on the rendered people. Feet level on the floor read higher or lower only by a
camera roll across the stance (feet a third of a leg apart, 5 degrees: 0.03) or by a foot set ahead
of the other (closer to the camera, so lower in the photo: 10 cm at 2.5 m, camera at 1.2 m, about
0.05); 0.10 is a heel raised 8 to 9 cm, or a step of some 20 cm."""


@dataclass(frozen=True)
class UnevenStance:
    """One leg bent, lifted or stepping.

    ``side`` is the subject's side of that leg; ``shortfall`` and ``lift`` are the two measures
    (fractions, see the module); ``seen`` names the one over its limit that ``side`` comes from
    (the shortfall first: the shorter leg; else the higher foot).
    """

    side: Side
    shortfall: float
    lift: float
    seen: Literal["shortfall", "lift"]

    def warning(self) -> str:
        """One sentence: the side, what was seen, what it means for the hip line."""
        side, other = self.side, "right" if self.side == "left" else "left"
        if self.seen == "shortfall":
            what = (
                f"the {side} knee is bent or the {side} foot lifted "
                f"(hip to ankle {100 * self.shortfall:.0f}% shorter than the {other} leg)"
            )
        else:
            what = f"the {side} foot is lifted or stepping ({100 * self.lift:.0f}% of a leg higher than the {other})"
        return f"{what}: the pelvis tilts with the stance, so the hip line is not a standing posture; stand evenly on both feet"


def uneven_stance(lm: Landmarks, xy: NDArray[np.float64], min_score: float) -> UnevenStance | None:
    """The leg that makes the stance uneven, or None (even, or the legs not usable).

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
    shortfall = 1.0 - min(reach.values()) / longer
    drop = float(xy[L.RIGHT_ANKLE][1] - xy[L.LEFT_ANKLE][1])  # > 0: the left ankle is higher (y down)
    lift = abs(drop) / ((reach["left"] + reach["right"]) / 2)
    if shortfall > MAX_SHORTFALL:
        return UnevenStance("left" if reach["left"] < reach["right"] else "right", shortfall, lift, "shortfall")
    if lift > MAX_LIFT:
        return UnevenStance("left" if drop > 0 else "right", shortfall, lift, "lift")
    return None
