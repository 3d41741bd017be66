"""What the user can change in the photo when the body's outline could not be read.

:data:`HINTS` maps a fallback's cause code (:class:`posture.refine.outline.Cause`) to one short
sentence; ``{side}`` is the subject's side the cause concerns and ``{part}`` the pair's body part
(``shoulder`` or ``hip``). Causes the user cannot change in the photo (an outline that merely did
not fit well enough) have no hint.
"""

from __future__ import annotations

from typing import Mapping

HINTS: Mapping[str, str] = {
    "arm_against_hip": "hold your arms a hand's width away from your hips",
    "arm_raised": "let both arms hang by your sides",
    "arms_differ": "hold both arms the same way, hanging by your sides",
    "covered": "keep hair and straps off the {side} shoulder: tie long hair up or move it behind",
    "neck_not_found": "keep your neck visible: tie long hair up, no hood or high collar",
    "neck_uneven": "keep your neck visible: tie long hair up, no hood or high collar",
    "weak_edge": "stand in front of a plain background that contrasts with your clothes",
    "no_outline": "stand in front of a plain background that contrasts with your clothes",
    "loose_outline": "wear close-fitting clothes at the hips, with nothing beside you",
    "not_shoulder": "wear close-fitting clothes at the shoulders, with long hair tied up",
    "ragged": "wear close-fitting clothes at the {part}s and keep long hair off them",
    "too_small": "step closer: you are small in the photo",
    "landmarks_not_visible": "make sure your shoulders and hips are in the photo and not covered",
}
"""One sentence per cause code the user can do something about."""

PARTS: Mapping[str, str] = {"shoulders": "shoulder", "pelvis": "hip"}
"""A refined pair's key (``refinement`` in the JSON) as the body part a hint names."""


def hint(code: str, side: str | None, pair: str) -> str | None:
    """The hint for a cause of pair ``pair`` (``shoulders`` or ``pelvis``), None when there is none."""
    text = HINTS.get(code)
    if text is None:
        return None
    return text.format(side=side, part=PARTS[pair])
