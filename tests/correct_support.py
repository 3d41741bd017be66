"""A measurement built from landmarks placed by hand (no pose model), for the correction and app tests."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.measure import MeasureOptions, measure
from posture.provenance import Method, Model, Source
from posture.refinement_result import OutlineReading, PairReading
from posture.result import Assumptions, PostureMeasurement, Subject

L = PoseLandmark

# A person facing the camera, 640x480 photo: the person's left is on the image right.
FRONT: dict[PoseLandmark, tuple[float, float]] = {
    L.LEFT_EYE: (330, 70),
    L.RIGHT_EYE: (310, 70),
    L.LEFT_EAR: (345, 80),
    L.RIGHT_EAR: (295, 80),
    L.LEFT_SHOULDER: (380, 130),
    L.RIGHT_SHOULDER: (260, 130),
    L.LEFT_HIP: (355, 270),
    L.RIGHT_HIP: (285, 270),
    L.LEFT_KNEE: (352, 360),
    L.RIGHT_KNEE: (288, 360),
    L.LEFT_ANKLE: (350, 440),
    L.RIGHT_ANKLE: (290, 440),
    L.LEFT_HEEL: (350, 450),
    L.RIGHT_HEEL: (290, 450),
}


def landmarks(
    points: Mapping[PoseLandmark, tuple[float, float]] = FRONT, size: tuple[int, int] = (640, 480)
) -> Landmarks:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    for p, v in points.items():
        xy[int(p)] = v
    score = np.where(np.isfinite(xy[:, 0]), 0.99, np.nan)
    return Landmarks(xy=xy, visibility=score, presence=score, width=size[0], height=size[1])


def measured(
    lm: Landmarks | None = None,
    *,
    roll_deg: float = 0.0,
    height_cm: float | None = None,
    refinement: OutlineReading | None = None,
    sha256: str = "0" * 64,
    path: str = "me.png",
) -> PostureMeasurement:
    """What the analyser returns for these landmarks (single pass), with an optional refinement
    whose ``tilt``-giving pairs get ``method`` ``silhouette``."""
    lm = lm or landmarks()
    body = measure(lm, MeasureOptions(roll_deg=roll_deg, height_cm=height_cm))
    metrics = dict(body.metrics)
    if refinement:
        from dataclasses import replace

        from posture import geometry as g

        for name, key in (("shoulder_tilt_deg", "shoulders"), ("pelvic_tilt_deg", "pelvis")):
            pair = refinement.pair(key)
            if pair.refined and pair.points is not None:
                value = float(g.tilt_deg(*pair.points))
                metrics[name] = replace(
                    metrics[name], value=value, method="silhouette", landmark_value=metrics[name].value
                )
    return PostureMeasurement(
        status="measured",
        message="measured",
        source=Source(path=path, width=lm.width, height=lm.height, sha256=sha256),
        model=Model(name="test"),
        assumptions=Assumptions(level_mode="manual" if roll_deg else "none", roll_deg=roll_deg, height_cm=height_cm),
        subject=Subject(view="front", people_detected=1),
        metrics=metrics,
        method=Method(passes=1, min_score=0.5),
        landmarks=lm.to_points(),
        refinement=refinement,
    )


def silhouette(shoulders: tuple[tuple[float, float], tuple[float, float]]) -> OutlineReading:
    """A refinement whose shoulder pair came from the outline at these (left, right) points."""
    left, right = shoulders
    return OutlineReading(
        variants_tried=12,
        shoulders=PairReading(
            refined=True,
            method="silhouette",
            variants_refined=12,
            variants_tried=12,
            reason=None,
            left_px=left,
            right_px=right,
            contour_left_px=(left,),
            contour_right_px=(right,),
        ),
        pelvis=PairReading(
            refined=False, method="landmarks", variants_refined=0, variants_tried=12, reason="no segmentation mask"
        ),
    )
