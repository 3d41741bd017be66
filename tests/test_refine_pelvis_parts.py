"""The pelvis refinement's parts (posture.refine.pelvis): the registration's rotation, the free stretch,
the landmark-only arm test, where the points sit, and which cause a pelvis that cannot be read gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from test_refine import HIP_Y, MID, draw_body

from posture.landmarks import Landmarks
from posture.refine import Cause, refine
from posture.refine.pelvis import _longest_run, _register, arms_against_hips


def test_the_registration_finds_the_rotation_between_the_grid_points() -> None:
    # A wavy outline and copies turned by -phi and shifted: turning a copy by +phi carries it back.
    s = np.linspace(0.0, 120.0, 241)
    c = 60.0 + 8.0 * np.sin(s / 25.0)  # its direction changes unevenly, so a rotation is not a shift
    errors = []
    for phi in np.linspace(-9.0, 9.0, 27):
        t = np.radians(-phi)  # counter-clockwise in the (lateral, up) = (c, s) plane
        cb = 70.0 + np.cos(t) * (c - 70.0) - np.sin(t) * (s - 40.0) + 3.0
        sb = 40.0 + np.sin(t) * (c - 70.0) + np.cos(t) * (s - 40.0) - 2.5
        got, rms, se = _register(s, c, sb, cb)
        errors.append(abs(got - phi))
        assert rms < 0.1 and 0 < se < 0.05
    # Between the search's 0.05-degree grid points (measured: median 0.013, 0.022 on the grid alone).
    assert max(errors) < 0.05 and np.median(errors) < 0.018


@pytest.mark.parametrize(
    ("ok", "expected"),
    [
        ([], (0, 0)),
        ([0, 0, 0], (0, 0)),
        ([1, 1, 0, 1, 1, 1, 0], (3, 6)),
        ([1, 1, 1, 0, 1, 1, 1], (0, 3)),  # the first of two as long
        ([0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1], (4, 8)),
        ([1, 1, 1, 1], (0, 4)),
    ],
)
def test_the_longest_free_stretch(ok: list[int], expected: tuple[int, int]) -> None:
    run = _longest_run(np.array(ok, bool))
    assert (run.start, run.stop) == expected


@pytest.mark.parametrize(
    ("body", "sides"),
    [
        ({}, ()),
        ({"arms_down": True}, ("left", "right")),
        ({"left_arm_down": True}, ("left",)),
        ({"arms_up": True}, ()),
    ],
)
def test_the_landmarks_alone_say_which_arm_would_hide_the_hip(body: dict, sides: tuple[str, ...]) -> None:
    _, _, lm = draw_body(**body)
    assert arms_against_hips(lm) == sides


def test_the_points_sit_on_the_outline_not_on_the_landmarks() -> None:
    rgb, mask, lm = draw_body(pelvis_deg=6.0)
    at = refine(mask, lm, rgb).pelvis
    for off in (-25.0, 25.0):
        moved = Landmarks(xy=lm.xy + (off, 0.0), visibility=lm.visibility, presence=lm.presence, width=600, height=900)
        r = refine(mask, moved, rgb).pelvis
        assert r.refined, r.reason
        # The outline has not moved: neither have the points where the tilted line meets it.
        np.testing.assert_allclose(np.r_[r.left, r.right], np.r_[at.left, at.right], atol=0.5)


def with_mask(change) -> tuple[np.ndarray, np.ndarray, Landmarks]:
    rgb, mask, lm = draw_body()
    mask = mask.copy()
    change(mask)
    return rgb, mask, lm


def tiny() -> tuple[np.ndarray, np.ndarray, Landmarks]:
    rgb, mask, lm = draw_body()
    xy = (lm.xy - (MID, HIP_Y)) * 0.12 + (MID, HIP_Y)  # trunk 32 px
    return rgb, mask, Landmarks(xy=xy, visibility=lm.visibility, presence=lm.presence, width=600, height=900)


@pytest.mark.parametrize(
    ("what", "body", "causes", "words"),
    [
        (
            "a gap at the hips' midline",
            lambda: with_mask(lambda m: cv2.rectangle(m, (290, 380), (310, 620), 0.0, -1)),
            [Cause("midline_outside")],
            "midline is not inside",
        ),
        (
            "a skirt standing out from the hips",  # 150 px out; the outline may be at most 143 (2.2 x 65)
            lambda: with_mask(lambda m: cv2.rectangle(m, (150, 430), (450, 600), 1.0, -1)),
            [Cause("loose_outline", "left"), Cause("loose_outline", "right")],
            "far outside the hip",
        ),
        (
            "an outline beyond the search on half the band",
            lambda: with_mask(lambda m: cv2.rectangle(m, (110, 497), (490, 600), 1.0, -1)),
            [Cause("no_outline", "left"), Cause("no_outline", "right")],
            "no clear left hip outline",
        ),
        ("too small", tiny, [Cause("too_small")], "too small"),
    ],
)
def test_a_pelvis_that_cannot_be_read_gives_its_causes(what, body, causes, words) -> None:
    rgb, mask, lm = body()
    r = refine(mask, lm, rgb).pelvis
    assert not r.refined and np.isnan(r.tilt_deg)
    assert list(r.causes) == causes
    assert words in (r.reason or ""), r.reason
