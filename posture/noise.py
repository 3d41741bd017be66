"""Measurement noise: the minimal detectable change (MDC95) of each metric.

A change between two measurements is larger than the measurement's own noise,
with 95% confidence, when it exceeds

.. math:: \\mathrm{MDC}_{95} = 1.96 \\times \\sqrt{2} \\times \\mathrm{SEM}

where SEM, the standard error of measurement, is the spread of repeated
measurements of an unchanged body. Here SEM is the pooled within-window
standard deviation of the default (augmented) analysis over windows of 5
consecutive video frames in which the body is still (its shoulders' and hips'
centre moves less than 3% of shoulder width), measured by
``python benchmarks/validate.py --sections repeatability`` on the videos in
../shared/photos/videos (results in benchmarks/results/validate.json).

What these numbers are and are not:

* They cover the measuring chain (landmarks, augmentation) on an unchanged
  body in one session. They do not cover standing differently on another
  day, other clothes, or another camera position, which add to the noise
  between photos weeks apart: treat a change just above the MDC with care.
* Shoulder and head figures pool 53 windows of two head-and-shoulders videos
  and one full-body video; the hip, trunk, pelvis-shift and knee figures
  rest on the 2 still windows (10 frames) of one full-body video, and are
  correspondingly rough. In those two windows the arms swing a little while
  the body's centre stays put; the shoulder tilt, read from the shoulder caps
  that ride with the arms, follows them (standard deviation 1.5 degrees
  there, against 0.05 and 0.35 in the head-and-shoulders videos), so the
  shoulder and shoulders-vs-hip-line figures are on the cautious side.

The comparison report also uses each photo's own uncertainty: a change must
exceed both the MDC and 1.96 x the combined uncertainty of the two photos.
"""

from __future__ import annotations

MDC95: dict[str, float] = {
    "shoulder_tilt_deg": 1.2,
    "pelvic_tilt_deg": 2.0,
    "shoulder_pelvis_tilt_deg": 3.3,
    "head_tilt_deg": 1.6,
    "head_shift_pct": 1.0,
    "trunk_lean_deg": 2.1,
    "pelvis_shift_pct": 3.9,
    "knee_tilt_deg": 2.2,
}
"""MDC95 per metric, in the metric's own unit (degrees, or % of shoulder width)."""

SEM_WINDOWS: dict[str, int] = {
    "shoulder_tilt_deg": 53,
    "pelvic_tilt_deg": 2,
    "shoulder_pelvis_tilt_deg": 2,
    "head_tilt_deg": 53,
    "head_shift_pct": 53,
    "trunk_lean_deg": 2,
    "pelvis_shift_pct": 2,
    "knee_tilt_deg": 2,
}
"""How many still 5-frame windows each figure rests on."""


def mdc95(name: str) -> float | None:
    """The minimal detectable change of a metric (None for an unknown metric)."""
    return MDC95.get(name)


LANDMARK_ERROR_DEG: dict[str, float] = {"shoulder_tilt_deg": 0.7, "pelvic_tilt_deg": 1.7}
"""Smallest uncertainty of a landmark-only shoulder or pelvic tilt (degrees): the mean absolute
error of the augmented landmark-only tilt on the rendered people (benchmarks/results/
refine_validate.json, section ``synthetic``, mode ``augmented``). Landmarks see only part of a
shoulder or pelvic tilt, which the spread over augmentation variants misses."""
