"""Measurement noise: the minimal detectable change (MDC95) of each metric.

A change between two measurements is larger than the measurement's own noise,
with 95% confidence, when it exceeds

.. math:: \\mathrm{MDC}_{95} = 1.96 \\times \\sqrt{2} \\times \\mathrm{SEM}

where SEM, the standard error of measurement, is the spread of repeated
measurements of an unchanged body by the default (augmented, refined) analysis.
Each figure rests on the better of two bases (:data:`MDC_BASIS`):

* ``validate``: the pooled within-window standard deviation over windows of 5
  consecutive video frames in which the body is still (its shoulders' and
  hips' centre moves less than 3% of shoulder width), from
  ``python benchmarks/validate.py --sections repeatability`` on the videos in
  ../shared/photos/videos (benchmarks/results/validate.json). The head tilt
  pools 53 windows of two head-and-shoulders videos and one full-body video
  (3 people). The shoulder figures (``validate_shoulders``) pool the 14 of
  them in which both shoulders are inside the frame (2 videos, 2 people): in
  the other head-and-shoulders video one shoulder sits at the frame's edge and
  is not measured. In the full-body video's windows the arms swing a little
  and the shoulder reading, taken from the shoulder caps that ride with the
  arms, follows them, so the shoulder figure is on the cautious side.
* ``still_video``: the standard deviation over the 75 analysed frames (every
  3rd, 7.4 s) in which one person stands still, arms hanging, facing the
  camera in ../shared/photos/protocol/videos/front_arms_down__infonioknight_g-m1-front.mp4
  (``python benchmarks/still_video.py``, benchmarks/results/still_video.json).
  The hip-line, shoulders-vs-hip-line, trunk, pelvis-shift and knee figures
  use it: the ``validate`` videos have only 2 still full-body windows (10
  frames) for them. One person in one session, so these too are rough. The
  hip line is read from the outline on all 75 frames.

What these numbers are and are not:

* They cover the measuring chain (landmarks, augmentation, refinement) on an
  unchanged body in one session. They do not cover standing differently on
  another day, other clothes, or another camera position, which add to the
  noise between photos weeks apart: treat a change just above the MDC with care.

The comparison report also uses each photo's own uncertainty: a change must
exceed both the MDC and 1.96 x the combined uncertainty of the two photos.

A single pass (``--fast``: one landmark pass, no refinement) reads an unchanged
body less steadily and has no uncertainty of its own, so a pair with a photo
measured that way is judged against :data:`MDC95_SINGLE_PASS`
(:func:`posture.compare.mdc_table`):
per metric the larger of two bases, never below :data:`MDC95`, rounded up to 0.1:

* ``still_video``: 1.96 x sqrt(2) x the SD of a single pass over the same 75
  still frames (``python benchmarks/still_video.py --fast``, section ``fast``);
* ``invariance``: the 95th percentile over 30 photos (127 readings; 122 for the
  head) of |reading - the photo's own reading| when the same photo is another
  file (half and twice the size, JPEG at quality 70, a padded border:
  ``python benchmarks/invariance.py --fast``,
  benchmarks/results/invariance_fast.json): two readings of an unchanged body.
"""

from __future__ import annotations

UNCERTAINTY_FLOOR: dict[str, float] = {"deg": 0.2, "%": 0.5}
"""Smallest uncertainty a measured or corrected metric reports, by unit (degrees, % of shoulder width):
below it the landmarks' own pixel precision dominates."""

MDC95: dict[str, float] = {
    "shoulder_tilt_deg": 1.5,
    "pelvic_tilt_deg": 2.1,
    "shoulder_pelvis_tilt_deg": 2.1,
    "head_tilt_deg": 1.5,
    "head_shift_pct": 0.9,
    "trunk_lean_deg": 0.6,
    "pelvis_shift_pct": 2.1,
    "knee_tilt_deg": 1.7,
}
"""MDC95 per metric, in the metric's own unit (degrees, or % of shoulder width)."""

MDC_BASIS: dict[str, str] = {
    "shoulder_tilt_deg": "validate_shoulders",
    "pelvic_tilt_deg": "still_video",
    "shoulder_pelvis_tilt_deg": "still_video",
    "head_tilt_deg": "validate",
    "head_shift_pct": "validate_shoulders",
    "trunk_lean_deg": "still_video",
    "pelvis_shift_pct": "still_video",
    "knee_tilt_deg": "still_video",
}
"""Which benchmark each figure rests on (module docstring)."""

BASIS_TEXT: dict[str, str] = {
    "validate": "53 still 5-frame windows of 3 videos (3 people)",
    "validate_shoulders": "14 still 5-frame windows of 2 videos (2 people)",
    "still_video": "75 frames over 7.4 s of 1 person standing still",
}
"""How many frames and people each basis has."""


MDC95_SINGLE_PASS: dict[str, float] = {
    "shoulder_tilt_deg": 1.7,
    "pelvic_tilt_deg": 2.1,
    "shoulder_pelvis_tilt_deg": 2.5,
    "head_tilt_deg": 3.7,
    "head_shift_pct": 2.8,
    "trunk_lean_deg": 1.0,
    "pelvis_shift_pct": 3.8,
    "knee_tilt_deg": 4.4,
}
"""MDC95 per metric of a single pass (``--fast``), in the metric's own unit (module docstring)."""


def mdc95(name: str) -> float | None:
    """The minimal detectable change of a metric (None for an unknown metric)."""
    return MDC95.get(name)


LANDMARK_ERROR_DEG: dict[str, float] = {"shoulder_tilt_deg": 0.7, "pelvic_tilt_deg": 1.7}
"""Smallest uncertainty of a landmark-only shoulder or pelvic tilt (degrees): the mean absolute
error of the augmented landmark-only tilt on the rendered people (benchmarks/results/
refine_validate.json, section ``synthetic``, mode ``augmented``). Landmarks see only part of a
shoulder or pelvic tilt, which the spread over augmentation variants misses."""
