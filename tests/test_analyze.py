"""Analysis of real photos (../shared/photos): properties, not copied outputs.

The landmarks come from one pass of MediaPipe's full pose model, which is
noisy: the same person moved, rotated, padded or mirrored in the image gets
landmarks a few pixels off, so a tilt moves by a degree or two. Each
tolerance below was set from errors measured on these photos (numbers in
the comments: MediaPipe 0.10.33, pose_landmarker_full, IMAGE mode; the
model's output for a given array is deterministic).
"""

from __future__ import annotations

import functools
from dataclasses import replace

import cv2
import numpy as np
import pytest
from conftest import PHOTOS, photo, photos

from posture import wording
from posture.analyze import MIN_VARIANTS, Analyzer
from posture.errors import InputError
from posture.geometry import box_iou
from posture.images import load_image
from posture.landmarks import PoseLandmark
from posture.measure import METRIC_NAMES
from posture.settings import Settings
from posture.view import MAX_TURN_DEG, turn_refusal

L = PoseLandmark
SH, PE, SP = "shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"


@functools.cache
def rgb_of(name: str) -> np.ndarray:
    return load_image(photo(name)).rgb


@pytest.fixture(scope="module")
def analyzers():
    """Analysers with other settings, opened on demand and closed at the end."""
    opened: dict[tuple, Analyzer] = {}

    def get(**kw) -> Analyzer:
        key = tuple(sorted(kw.items()))
        if key not in opened:
            opened[key] = Analyzer(Settings(**{"fast": True, **kw})).__enter__()
        return opened[key]

    yield get
    for a in opened.values():
        a.__exit__(None, None, None)


def rotate(rgb: np.ndarray, angle: float) -> np.ndarray:
    """Rotate the content counter-clockwise by ``angle`` about the centre, same size, edges replicated."""
    h, w = rgb.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def tilts(result) -> tuple[float, float, float]:
    vals = tuple(result.metrics[n].value for n in (SH, PE, SP))
    assert None not in vals, {n: result.metrics[n].reason for n in (SH, PE, SP)}
    return vals  # type: ignore[return-value]


def xy_of(result) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in result.landmarks.xy_px], dtype=float)


# ------------------------------------------------------------------ rotation

# Rotating the photo by +-5 degrees about its centre (edges replicated; the
# bodies stay in frame) must change both tilts by +-5 degrees. Measured error
# (change minus expected change), degrees, shoulders / hip line:
#   front_full__posenet_yoga            +5: +0.18 / +1.11   -5: -0.72 / +1.08
#   front_full__h36m_S7_Greeting_000396 +5: -0.76 / -0.52   -5: -1.74 / +0.35
#   back_full__pose2sim_static_cam02    +5: -0.29 / -0.48   -5: -0.39 / +0.56
# Largest 1.74, so 2.5 degrees: a wrong sign (an error of 10) or a missing
# rotation (an error of 5) fails. The shoulder-vs-hip-line difference moved by
# at most 2.09 (h36m, -5 degrees): tolerance 3.0.
ROTATION_TOL = 2.5
ROTATION_DIFF_TOL = 3.0
ROTATION_PHOTOS = [
    ("front_full__posenet_yoga.jpg", "front"),
    ("front_full__h36m_S7_Greeting_000396.jpg", "front"),
    ("back_full__pose2sim_static_cam02_f005.jpg", "back"),
]


@pytest.mark.parametrize("angle", [5.0, -5.0])
@pytest.mark.parametrize("name, view", ROTATION_PHOTOS)
def test_rotating_the_photo_changes_tilts_by_the_angle(analyzer, name, view, angle):
    rgb = rgb_of(name)
    base = analyzer.analyze(rgb)
    rotated = analyzer.analyze(rotate(rgb, angle))
    assert base.subject.view == rotated.subject.view == view
    sh0, pe0, sp0 = tilts(base)
    sh1, pe1, sp1 = tilts(rotated)
    # Counter-clockwise rotation lifts the image-right side: the subject's LEFT
    # when facing the camera (tilt grows), their RIGHT when facing away.
    expected = angle if view == "front" else -angle
    assert sh1 - sh0 == pytest.approx(expected, abs=ROTATION_TOL)
    assert pe1 - pe0 == pytest.approx(expected, abs=ROTATION_TOL)
    assert sp1 - sp0 == pytest.approx(0.0, abs=ROTATION_DIFF_TOL)


@pytest.mark.parametrize("name, view", ROTATION_PHOTOS)
def test_level_setting_corrects_a_known_camera_roll(analyzer, analyzers, name, view):
    # The photo rotated by +5 degrees is what a camera rolled by +5 degrees
    # sees; --level 5 must give back the unrotated tilts (same errors as above).
    rgb = rgb_of(name)
    sh0, pe0, _ = tilts(analyzer.analyze(rgb))
    levelled = analyzers(roll_deg=5.0).analyze(rotate(rgb, 5.0))
    sh1, pe1, _ = tilts(levelled)
    assert sh1 == pytest.approx(sh0, abs=ROTATION_TOL)
    assert pe1 == pytest.approx(pe0, abs=ROTATION_TOL)
    a = levelled.assumptions
    assert a.level_mode == "manual" and a.roll_deg == 5.0 and a.angles_relative_to == "true horizontal"


# -------------------------------------------------------------------- mirror

# A horizontally flipped photo shows the subject's sides exchanged, so the
# shoulder tilt changes sign. Measured |tilt(flipped) + tilt(original)|:
#   pose2sim_static_cam04 0.35 (22.3 deg)  tfex_businessman 1.01 (10.1)
#   posenet_looking_at_computer 0.07 (-26.9)  h36m_S7 0.16 (2.0)
#   posenet_yoga 2.70 (-1.1)  posenet_backpackman 2.37 (-3.0)  pose2sim_cam02 1.97 (-1.9)
# Tolerance 3.5 degrees; the sign itself is checked where the tilt is larger
# than that. The businessman is turned about 40 degrees from the camera and no
# longer measured (posture.view.MAX_TURN_DEG); tests/test_view.py checks that
# refusal in both orientations.
MIRROR_TOL = 3.5
MIRROR_PHOTOS = [
    "front_full__pose2sim_static_cam04_f005.jpg",
    "seated_desk__posenet_looking_at_computer.jpg",
    "front_full__h36m_S7_Greeting_000396.jpg",
    "front_full__posenet_yoga.jpg",
    "back_full__posenet_backpackman.jpg",
    "back_full__pose2sim_static_cam02_f005.jpg",
]


@pytest.mark.parametrize("name", MIRROR_PHOTOS)
def test_mirror_image_flips_the_shoulder_tilt(analyzer, analyzers, name):
    rgb = rgb_of(name)
    flipped = np.ascontiguousarray(rgb[:, ::-1])
    orig = analyzer.analyze(rgb)
    plain = analyzer.analyze(flipped)
    assert plain.subject.view == orig.subject.view  # flipping does not turn anyone around
    t0 = orig.metrics[SH].value
    t1 = plain.metrics[SH].value
    assert t1 == pytest.approx(-t0, abs=MIRROR_TOL)
    if abs(t0) > MIRROR_TOL:
        assert np.sign(t1) == -np.sign(t0)
        assert plain.metrics[SH].higher_side != orig.metrics[SH].higher_side
    # Declared as a mirror image, the sides are the subject's own again.
    declared = analyzers(mirrored=True).analyze(flipped)
    t2 = declared.metrics[SH].value
    assert t2 == pytest.approx(t0, abs=MIRROR_TOL)
    assert t2 == pytest.approx(-t1, abs=1e-9)  # same landmarks, labels swapped
    if abs(t0) > MIRROR_TOL:
        assert np.sign(t2) == np.sign(t0)
        assert declared.metrics[SH].higher_side == orig.metrics[SH].higher_side
    assert declared.assumptions.mirrored is True


# ------------------------------------------------------- padding and scaling

# Padding the photo with a grey border (10% of the shorter side on every
# edge) or rescaling it must leave tilts nearly unchanged, and the landmarks,
# mapped back, in place. Measured |change|, degrees, shoulders / hip line:
#   pad 10%:  yoga 0.30/2.85  backpackman 0.57/1.83  cam04 0.17/0.46  businessman 1.37/0.52
#   x0.75:    yoga 0.93/1.00  backpackman 0.89/0.24  cam04 0.02/1.18  businessman 0.05/0.01  h36m 0.40/0.10
#   x1.5:     yoga 0.29/0.71  backpackman 0.64/0.16  cam04 0.34/1.07  businessman 0.19/0.45  h36m 0.23/0.02
# Shoulders: 2.5 degrees. Hip line: 4.0 (the yoga tree pose's hips move by
# ~3 degrees whenever the person's size in the frame changes). Landmark
# positions moved by at most 0.07 shoulder widths: 0.15.
# Not included: back_full__pose2sim_static_cam02 (a small T-posed figure in a
# tall frame) is lost or mislabelled by the detector once padded (no person,
# a side view, or a 40-degree shoulder tilt): a model limitation. The h36m
# photo (person 40% of the frame) is not padded for the same reason. The
# businessman (turned about 40 degrees: not measured) is no longer in the list.
SHIFT_TOL_SH, SHIFT_TOL_PE, POSITION_TOL = 2.5, 4.0, 0.15
STABLE_PHOTOS = [
    "front_full__posenet_yoga.jpg",
    "back_full__posenet_backpackman.jpg",
    "front_full__pose2sim_static_cam04_f005.jpg",
]
TORSO = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]


def _compare(orig, moved, back_to_orig) -> None:
    sh0, pe0, _ = tilts(orig)
    sh1, pe1, _ = tilts(moved)
    assert sh1 == pytest.approx(sh0, abs=SHIFT_TOL_SH)
    assert pe1 == pytest.approx(pe0, abs=SHIFT_TOL_PE)
    assert moved.subject.view == orig.subject.view
    xy0, xy1 = xy_of(orig), back_to_orig(xy_of(moved))
    shoulder_w = np.linalg.norm(xy0[L.LEFT_SHOULDER] - xy0[L.RIGHT_SHOULDER])
    err = np.linalg.norm(xy1[TORSO] - xy0[TORSO], axis=1).max()
    assert err < POSITION_TOL * shoulder_w


@pytest.mark.parametrize("name", STABLE_PHOTOS)
def test_padding_changes_little(analyzer, name):
    rgb = rgb_of(name)
    p = round(0.10 * min(rgb.shape[:2]))
    padded = cv2.copyMakeBorder(rgb, p, p, p, p, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    moved = analyzer.analyze(padded)
    assert (moved.source.width, moved.source.height) == (rgb.shape[1] + 2 * p, rgb.shape[0] + 2 * p)
    _compare(analyzer.analyze(rgb), moved, lambda xy: xy - p)


@pytest.mark.parametrize("scale", [0.75, 1.5])
@pytest.mark.parametrize("name", STABLE_PHOTOS + ["front_full__h36m_S7_Greeting_000396.jpg"])
def test_rescaling_changes_little(analyzer, name, scale):
    rgb = rgb_of(name)
    h, w = rgb.shape[:2]
    size = (round(w * scale), round(h * scale))
    resized = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    sx, sy = size[0] / w, size[1] / h
    _compare(analyzer.analyze(rgb), analyzer.analyze(resized), lambda xy: xy / [sx, sy])


# ------------------------------------------------------ kinds of photos


@pytest.mark.parametrize("path", photos("none__"), ids=lambda p: p.name)
def test_nobody_in_the_photo(analyzer, path):
    m = analyzer.analyze_file(path)
    assert m.status == "no_person"
    assert m.subject is None and m.landmarks is None
    assert set(m.metrics) == set(METRIC_NAMES)
    assert all(v.value is None and v.reason for v in m.metrics.values())


@pytest.mark.parametrize("path", photos("none__"), ids=lambda p: p.name)
def test_nobody_in_the_photo_in_the_default_mode(augmented_analyzer, path):
    # The default mode's closer look on tiles took a dark corner of the wine-and-pasta photo for a
    # person (found in 2 of 20 variants, nothing measurable): "not measured", exit 5, "facing the camera".
    m = augmented_analyzer.analyze_file(path)
    assert m.status == "no_person", (m.message, m.warnings)
    assert m.subject is None and m.landmarks is None
    assert all(v.value is None for v in m.metrics.values())


@pytest.mark.parametrize("path", photos("side_"), ids=lambda p: p.name)
def test_side_views_are_not_measured(analyzer, path):
    m = analyzer.analyze_file(path)
    assert m.status == "not_measurable"
    assert m.subject.view == "side"
    assert m.subject.turn_deg > MAX_TURN_DEG
    assert m.message == turn_refusal(m.subject.turn_deg)
    assert all(v.value is None for v in m.metrics.values())


@pytest.mark.parametrize("path", photos("back_full__"), ids=lambda p: p.name)
def test_back_views_are_recognised(analyzer, path):
    m = analyzer.analyze_file(path)
    assert m.status == "measured"
    assert m.subject.view == "back"
    xy = xy_of(m)
    # facing away, the subject's left shoulder is on the image left
    assert xy[L.LEFT_SHOULDER][0] < xy[L.RIGHT_SHOULDER][0]


@pytest.mark.parametrize("path", photos("front_upper__") + photos("seated_webcam__"), ids=lambda p: p.name)
def test_upper_body_photos_have_no_hip_line(analyzer, path):
    m = analyzer.analyze_file(path)
    assert m.status == "measured"
    assert m.metrics[SH].value is not None
    hip = m.metrics[PE]
    assert hip.value is None
    assert "hip" in hip.reason
    assert "hip" in m.metrics[SP].reason


def test_source_describes_the_file(analyzer):
    import hashlib

    p = photo("front_full__posenet_yoga.jpg")
    m = analyzer.analyze_file(p)
    assert m.source.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert (m.source.width, m.source.height) == (513, 513)
    assert m.model.bundled is True
    assert m.assumptions.mirrored is False and m.assumptions.angles_relative_to == "image"
    assert m.landmarks.width == 513 and len(m.landmarks.xy_px) == 33
    assert m.subject.people_detected == 1
    assert len(m.warnings) == 1 and "tilt with the stance, so the hip and knee lines" in m.warnings[0]  # on one leg


# -------------------------------------------------------------- several people

# Only photos in which the detector finds two or more people on the whole photo.
# In multi_front_full__yolov5_bus.jpg it finds one of the four people (its raw
# output has a single pose); the second look on strips is checked below.


def _multi_photos():
    return [p for p in photos("multi_") if "yolov5_bus" not in p.name]


@pytest.mark.parametrize("path", _multi_photos(), ids=lambda p: p.name)
def test_several_people_warns_and_measures_one_whole_person(analyzer, detector, path):
    m = analyzer.analyze_file(path)
    people = detector.detect(load_image(path).rgb)
    assert len(people) >= 2
    assert m.subject.people_detected >= len(people)  # the strips' second look may find more
    assert m.subject.index == 0
    assert m.warnings and m.warnings[0].startswith(f"{m.subject.people_detected} people in the photo: measured")
    assert any("--person N" in t for t in wording.tips(m))  # how to measure another: a tip

    # The measured landmarks are one detected person's, the most prominent.
    xy = xy_of(m)
    np.testing.assert_allclose(xy, people[0].xy, atol=0.051)  # JSON keeps 0.1 px
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in (p.bbox() for p in people)]
    assert np.argmax(areas) == 0
    np.testing.assert_allclose(m.subject.bbox_px, people[0].bbox(), atol=1e-6)

    # Never mixed: the torso points lie in that person's box, and the
    # shoulders' midpoint sits above the hips (within half a shoulder width).
    x0, y0, x1, y1 = m.subject.bbox_px
    for lm in TORSO:
        assert x0 - 1 <= xy[lm][0] <= x1 + 1 and y0 - 1 <= xy[lm][1] <= y1 + 1, lm.name
    mid_x = (xy[L.LEFT_SHOULDER][0] + xy[L.RIGHT_SHOULDER][0]) / 2
    shoulder_w = abs(xy[L.LEFT_SHOULDER][0] - xy[L.RIGHT_SHOULDER][0])
    hips = sorted([xy[L.LEFT_HIP][0], xy[L.RIGHT_HIP][0]])
    assert hips[0] - shoulder_w / 2 <= mid_x <= hips[1] + shoulder_w / 2
    # and no other detected person's shoulders are the measured ones
    for other in people[1:]:
        d = np.linalg.norm(
            other.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] - xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]], axis=1
        )
        assert d.min() > shoulder_w / 4


@pytest.mark.parametrize("path", _multi_photos(), ids=lambda p: p.name)
def test_person_1_is_a_different_person(analyzer, analyzers, detector, path):
    first = analyzer.analyze_file(path)
    second = analyzers(person=1).analyze_file(path)
    people = detector.detect(load_image(path).rgb)
    assert second.subject.index == 1
    assert second.subject.people_detected == first.subject.people_detected
    np.testing.assert_allclose(second.subject.bbox_px, people[1].bbox(), atol=1e-6)
    a, b = np.array(first.subject.bbox_px), np.array(second.subject.bbox_px)
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih
    assert iw * ih / union < 0.5  # not the same body
    assert any("person 1" in w for w in second.warnings)


def test_warning_for_person_1_reads_well(analyzers):
    m = analyzers(person=1).analyze_file(photo("multi_front_full__mediapipe_coupleanddog.jpeg"))
    assert m.warnings
    assert "person 1 one" not in m.warnings[0]


def test_person_index_beyond_the_people_found(analyzers):
    # --fast looks once: the default's second look may find more (it finds 3 of 4 at the bus, --fast 1)
    with pytest.raises(
        InputError,
        match=r"person 9 requested, but only one person was found \(--person 0\); "
        r"without --fast a second look may find people the one pass missed$",
    ):
        analyzers(person=9).analyze_file(photo("front_full__posenet_yoga.jpg"))


def _several_people_photos() -> list:
    return [*photos("multi_"), *(p for p in photos("seated_") if "_multi" in p.name)]


@pytest.mark.slow
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "default"])
@pytest.mark.parametrize("path", _several_people_photos(), ids=lambda p: p.name)
def test_the_people_count_is_one_count_in_every_output_and_choice(analyzers, path, fast):
    # The warning, subject.people_detected, the annotated image's label (the same words) and
    # --person agree: "N people" lets one choose --person 0 to N-1, each a person of its own.
    first = analyzers(fast=fast).analyze_file(path)
    assert first.subject is not None  # someone is found in each
    n = first.subject.people_detected
    if n < 2:
        assert not any("people in the photo" in w for w in first.warnings)
        more = "; without --fast a second look may find people the one pass missed" if fast else ""
        with pytest.raises(
            InputError, match=rf"person 1 requested, but only one person was found \(--person 0\){more}$"
        ):
            analyzers(fast=fast, person=1).analyze_file(path)
        return
    count = wording.people_count(first.subject)
    assert count == f"{'at least ' if first.subject.people_at_least else ''}{n} people"
    assert first.subject.people_at_least <= (not fast)  # only the default mode's second look finds more
    # "measured" only when someone was measured (the largest may be refused: turned, not found again)
    done = {"measured": "measured", "not_measurable": "could not measure"}[first.status]
    assert first.warnings[0] == f"{count} in the photo: {done} the most prominent (largest) one"
    choices = "0 or 1" if n == 2 else f"0 to {n - 1}"
    assert wording.tips(first)[-1] == f"to measure another person, add --person N ({choices}; 0 is the largest)"
    last = analyzers(fast=fast, person=n - 1).analyze_file(path)
    assert (last.subject.people_detected, last.subject.people_at_least, last.subject.index) == (
        n,
        first.subject.people_at_least,
        n - 1,
    )
    done = {"measured": "measured", "not_measurable": "could not measure"}[last.status]
    assert last.warnings[0] == f"{count} in the photo: {done} person {n - 1}"
    for m in (first, last):  # nobody is measured whom the variants do not find again
        assert fast or m.status != "measured" or m.method.passes >= MIN_VARIANTS
    a, b = np.array(first.subject.bbox_px), np.array(last.subject.bbox_px)
    assert box_iou(tuple(a), tuple(b)) < 0.5  # another body
    assert np.prod(a[2:] - a[:2]) >= np.prod(b[2:] - b[:2])  # person 0 is the largest, whichever look found them
    with pytest.raises(InputError, match=rf"person {n} requested, but {count} were found: choose --person {choices} "):
        analyzers(fast=fast, person=n).analyze_file(path)


@pytest.mark.slow
def test_a_person_the_variants_do_not_find_again_is_not_measured(analyzers):
    # Person 1 of the default mode is the standing man's shoulder joined to the seated man's head,
    # found in 1 of the 20 variants: it read "measured, right shoulder higher by 19°".
    m = analyzers(fast=False, person=1).analyze_file(photo("multi_front_upper__tfjs_three_people.jpg"))
    assert m.status == "not_measurable"
    assert m.message.startswith("seen in only 1 of 20 variants of the photo")
    assert all(v.value is None and v.reason == m.message for v in m.metrics.values())
    assert not any("uncertainty not estimated" in w for w in m.warnings)


def test_analyze_accepts_an_array_and_a_loaded_image_alike(analyzer):
    img = load_image(photo("front_full__tfex_businessman.jpeg"))
    from_array = analyzer.analyze(img.rgb)
    from_image = analyzer.analyze(img)
    assert from_array.source.path is None and from_image.source.path == img.path
    assert from_array.metrics == from_image.metrics
    assert replace(from_array, source=from_image.source) == from_image


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "checked"),
    [
        # Not measured (turned), its roll estimated on the photo and on the copy turned by -3 degrees.
        ("front_full__coco2014_000000000241.jpg", (1, 0)),
        # Measured, its roll estimated on the photo and both copies: roll differences measured -2.19 and
        # +3.14 degrees, tilts moved by at most 1.26.
        ("../protocol/images/front_arms_down__infonioknight_g-m1-front_t04s.jpg", (2, 4)),
    ],
)
def test_auto_level_measures_and_removes_a_camera_roll(analyzers, name, checked):
    # When the estimate is confident on the photo and on a rotated copy, the rolls differ by the
    # rotation and the tilts relative to true horizontal do not move; when either refuses,
    # nothing was applied to it. ``checked``: how many rolls and tilts are compared at least (the
    # comparisons wait for confident estimates: without a count an estimator that always refused,
    # or a photo never measured, would pass).
    a = analyzers(auto_level=True)
    rgb = rgb_of(name)
    base = a.analyze(rgb)
    rolls = tilts_compared = 0
    for angle in (-3.0, 3.0):
        rolled = a.analyze(rotate(rgb, angle))
        for m in (base, rolled):
            assert m.assumptions.level_mode in ("auto", "none")
            if m.assumptions.level_mode == "none":
                assert m.assumptions.roll_deg == 0.0
                assert any("camera level not corrected" in w for w in m.warnings)
        if base.assumptions.level_mode == rolled.assumptions.level_mode == "auto":
            assert rolled.assumptions.roll_deg - base.assumptions.roll_deg == pytest.approx(angle, abs=1.2)
            rolls += 1
            for n in (SH, PE):
                if base.metrics[n].value is not None and rolled.metrics[n].value is not None:
                    assert rolled.metrics[n].value == pytest.approx(base.metrics[n].value, abs=2.5)
                    tilts_compared += 1
    assert rolls >= checked[0] and tilts_compared >= checked[1]


@pytest.mark.parametrize(
    "name", ["front_full__h36m_S7_Greeting_000396.jpg", "hard_lying__h36m_S5_SittingDown_002061.jpg"]
)
def test_auto_level_refuses_lines_bunched_on_one_side(analyzers, name):
    # Radiator slats and a receding carpet edge on one side lean about 7° from the convergence of a
    # pitched camera; a cable hanging in the S7 scene shows the roll is about 0-1°. Applying 7.5°
    # reversed which shoulder reads higher.
    m = analyzers(auto_level=True).analyze_file(photo(name))
    assert m.assumptions.level_mode == "none" and m.assumptions.roll_deg == 0.0
    est = m.assumptions.roll_estimate
    assert est is not None and not est.confident and est.reason
    assert any(est.reason in w for w in m.warnings)


def test_auto_level_without_vertical_lines_says_so(analyzers):
    m = analyzers(auto_level=True).analyze_file(photo("front_full__posenet_yoga.jpg"))
    assert m.assumptions.level_mode == "none" and m.assumptions.roll_estimate is not None
    assert any("camera level not corrected" in w for w in m.warnings)


# ------------------------------------------------------------------ faults seen on real photos


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["front_full__posenet_yoga.jpg", "front_full__h36m_S7_Greeting_000396.jpg", "front_full__tfex_businessman.jpeg"],
)
def test_height_cm_carries_the_tilt_uncertainty(name):
    # Some variants lose the heels (no scale) while the median landmarks keep them: the centimetres
    # come from the final tilt, and their uncertainty is at least the tilt's share of it.
    import math

    from posture.measure import SCALE_REL_ERROR

    with Analyzer(Settings(height_cm=170.0)) as a:
        m = a.analyze_file(photo(name))  # this crashed
    if m.status != "measured":
        assert "turned" in m.message  # the businessman stands turned 40° from the camera
        return
    with_cm = [t for t in m.metrics.values() if t.height_diff_cm is not None]
    assert with_cm
    for t in with_cm:
        assert t.uncertainty is not None and t.height_diff_cm_uncertainty is not None
        width_cm = t.height_diff_cm / math.tan(math.radians(t.value)) if t.value else None
        if width_cm:
            from_tilt = abs(width_cm) * math.radians(t.uncertainty)
            assert t.height_diff_cm_uncertainty >= 0.99 * max(from_tilt, abs(t.height_diff_cm) * SCALE_REL_ERROR)


@pytest.mark.slow
def test_hips_on_the_bottom_edge_are_not_measured(augmented_analyzer):
    m = augmented_analyzer.analyze_file(photo("front_upper__mediapipe_business_person.png"))
    assert m.metrics[SH].value is not None
    for name in (PE, "trunk_lean_deg", SP):
        assert m.metrics[name].value is None, name
    assert "left hip at the photo's edge" in m.metrics[PE].reason
    assert "right hip at the photo's edge" in m.metrics[PE].reason


@pytest.mark.slow
def test_people_the_whole_photo_pass_misses_are_counted(augmented_analyzer):
    # MediaPipe finds one of the four people in front of the bus on the whole photo.
    m = augmented_analyzer.analyze_file(photo("multi_front_full__yolov5_bus.jpg"))
    assert m.subject.people_detected >= 2
    assert m.warnings[0].startswith(f"at least {m.subject.people_detected} people in the photo")


def _manifest_persons() -> dict[str, int]:
    """Photo name -> number of people in it, from the photo set's MANIFEST.tsv."""
    import csv

    from conftest import SHARED

    path = SHARED / "photos" / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {
        r["local_file"].removeprefix("images/"): int(r["persons"])
        for r in rows
        if r["local_file"].startswith("images/") and r["persons"].isdigit()
    }


@pytest.mark.slow
def test_people_are_never_over_counted(detector):
    # The second look on strips finds people the whole-photo pass missed; never one who is not there
    # (a tripod, or one person counted twice). Measured: 6 of the 10 photos with several people gain
    # one or two (bus 1 -> 2 of 4), none exceeds its count.
    from conftest import PROTOCOL

    from posture.pose import rank_people

    persons = {PHOTOS / name: n for name, n in _manifest_persons().items()}
    if not persons:
        pytest.skip("photo MANIFEST.tsv not available")
    # The protocol photos show one person each, standing as users do (one cut by a strip's edge
    # was once completed by the model into a second person beside them).
    persons |= {p: 1 for p in sorted((PROTOCOL / "images").glob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
    gained = 0
    for path, n in sorted(persons.items()):
        name = path.name
        if n == 0 or not path.is_file():
            continue
        rgb = load_image(path).rgb
        found = rank_people(detector.detect(rgb))
        more = detector.others_in_strips(rgb, found)
        assert len(found) + len(more) <= n, name
        gained += bool(more)
    assert gained >= 3


@pytest.mark.slow
def test_parts_of_people_side_by_side_are_not_counted_as_one_lying_across_them(augmented_analyzer):
    # On a strip the model once joined three seated people into one "person" lying across them
    # (a landmark box 4.9 times wider than tall): counted, and as the largest, measured by default.
    m = augmented_analyzer.analyze_file(photo("seated_desk_multi__intel_classroom_f020.jpg"))
    assert m.subject.people_detected == 1 and not m.subject.people_at_least
    x0, y0, x1, y1 = m.subject.bbox_px
    assert x1 - x0 <= 1.5 * (y1 - y0) and m.status == "measured"


def test_a_rolled_camera_is_warned_of_on_a_single_photo(analyzer):
    # Every body line in this photo tilts about 20° the same way; mirrored, they tilt the other way.
    m = analyzer.analyze_file(photo("front_full__pose2sim_static_cam04_f005.jpg"))
    assert any("all tilt the same way" in w for w in m.warnings), m.warnings
    level = analyzer.analyze_file(photo("front_full__posenet_yoga.jpg"))
    assert not any("same way" in w for w in level.warnings)


# ------------------------------------------------------------------ combining the variants


def _variant_bodies(values: dict[str, list[float | None]]) -> tuple:
    """A body read on the median landmarks and one body per variant, each metric of ``values``
    measured (None: not found in that variant); the landmarks play no part in the combining."""
    from posture.landmarks import N_LANDMARKS, Landmarks
    from posture.measure import BodyMeasurement, higher_side, towards
    from posture.metrics import metric_unit
    from posture.result import Metric

    lm = Landmarks(
        xy=np.zeros((N_LANDMARKS, 2)), visibility=np.ones(N_LANDMARKS), presence=np.ones(N_LANDMARKS), width=9, height=9
    )

    def metric(name: str, v: float | None) -> Metric:
        unit = metric_unit(name)
        if v is None:
            return Metric.missing(unit, "not found")
        if unit == "deg" and name.endswith("_tilt_deg"):
            return Metric(value=v, unit=unit, higher_side=higher_side(v))
        return Metric(value=v, unit=unit, towards=towards(v, unit))

    def body(i: int | None) -> BodyMeasurement:
        # The body on the median landmarks reads -0.7 / -3.0: the other side from most variants.
        ms = {n: metric(n, (-0.7 if n.endswith("_deg") else -3.0) if i is None else vs[i]) for n, vs in values.items()}
        return BodyMeasurement("front", None, ms, (), None, lm)

    n = len(next(iter(values.values())))
    return body(None), [body(i) for i in range(n)]


def test_the_variants_combine_to_their_median_and_robust_spread():
    from posture.analyze import _aggregate
    from posture.noise import UNCERTAINTY_FLOOR

    # One variant reads far off (a mislabelled side): the median and the MAD ignore it, a mean
    # (-0.98) or a standard deviation (4.4) would not.
    base, variants = _variant_bodies(
        {
            SH: [1.0, 1.2, 0.8, 1.1, -9.0],
            PE: [2.0, 2.0, 2.0, 2.0, 2.0],
            "head_shift_pct": [4.0, 4.0, 4.0, 4.0, 4.0],
            "knee_tilt_deg": [1.0, 2.0, 3.0, None, None],
        }
    )
    got = _aggregate(base, variants).metrics
    sh = got[SH]
    assert sh.value == pytest.approx(1.0)
    assert sh.uncertainty == pytest.approx(1.4826 * 0.2)  # deviations 0, .2, .2, .1, 10: median 0.2
    assert sh.higher_side == "left"  # from the median, not from the body it replaces
    # Variants that agree exactly: the floor of each unit, not a zero uncertainty.
    assert got[PE].value == 2.0 and got[PE].uncertainty == UNCERTAINTY_FLOOR["deg"] == 0.2
    assert got["head_shift_pct"].uncertainty == UNCERTAINTY_FLOOR["%"] == 0.5
    assert got["head_shift_pct"].towards == "left"
    # Found in fewer than MIN_VARIANTS variants: left as read on the median landmarks, unestimated.
    assert MIN_VARIANTS == 4 and got["knee_tilt_deg"] == base.metrics["knee_tilt_deg"]
    assert got["knee_tilt_deg"].uncertainty is None


def test_combining_mirrored_variants_flips_the_value_and_keeps_the_uncertainty():
    from posture.analyze import _aggregate

    rng = np.random.default_rng(5)
    for _ in range(50):
        vals = [float(v) for v in rng.normal(rng.normal(0, 4), rng.uniform(0.1, 3), int(rng.integers(4, 20)))]
        a = _aggregate(*_variant_bodies({SH: vals})).metrics[SH]
        b = _aggregate(*_variant_bodies({SH: [-v for v in vals]})).metrics[SH]
        assert b.value == pytest.approx(-a.value) and b.uncertainty == pytest.approx(a.uncertainty)
        assert a.value == pytest.approx(float(np.median(vals)))
        assert a.higher_side == ("level" if abs(a.value) < 0.5 else "left" if a.value > 0 else "right")
