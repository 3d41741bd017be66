"""The outline primitives the refinements share (posture.refine.outline): where a scan crosses a level,
how wide a mask's edge is, snapping to the photo's own edge, and the refined pair's JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posture.refine.outline import (
    EDGE_SNAP_MIN_CONTRAST,
    EdgeImage,
    RefinedPair,
    edge_width,
    first_crossing,
    snap_to_edge,
)

POSITIONS = np.array([0.0, 0.5, 1.5, 3.0, 5.0])


@pytest.mark.parametrize(
    ("values", "level", "expected"),
    [
        ([0.0, 0.2, 0.4, 0.6, 1.0], 0.5, 2.25),  # between 1.5 and 3.0, halfway from 0.4 to 0.6
        ([0.0, 0.2, 0.4, 0.6, 1.0], 0.8, 4.0),
        ([0.0, 0.0, 0.0, 1.0, 1.0], 0.5, 2.25),
        ([0.0, 0.0, 0.0, 0.0, 0.5], 0.5, 5.0),  # reached at the last point exactly
        ([0.0, 0.9, 0.0, 0.0, 1.0], 0.5, 0.5 * 0.5 / 0.9),  # the first of two crossings
        ([0.6, 0.7, 0.8, 0.9, 1.0], 0.5, math.nan),  # already above at the scan's start: no crossing seen
        ([0.0, 0.1, 0.2, 0.3, 0.4], 0.5, math.nan),  # never reached
    ],
)
def test_first_crossing_interpolates_between_the_positions(values, level, expected) -> None:
    got = float(first_crossing(np.array(values), POSITIONS, level))
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-12)


def test_first_crossing_reads_each_scan_of_a_batch_on_its_own() -> None:
    values = np.array([[[0.0, 0.2, 0.4, 0.6, 1.0], [0.6, 0.7, 0.8, 0.9, 1.0]], [[0.0, 0.0, 0.0, 1.0, 1.0], [0.0] * 5]])
    got = first_crossing(values, POSITIONS)
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, [[2.25, np.nan], [2.25, np.nan]])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 0.2, 0.4, 0.6, 1.0], 4.0 - 0.5),  # 0.2 at 0.5, 0.8 at 4.0
        ([0.0, 0.0, 0.0, 1.0, 1.0], (0.8 - 0.2) * 1.5),  # a sharp step: the width of its interpolation
        ([0.3, 0.5, 0.7, 0.9, 1.0], math.inf),  # never below 0.2: the person is not separated from the background
        ([0.0, 0.1, 0.3, 0.5, 0.7], math.inf),  # never reaches 0.8
    ],
)
def test_edge_width_is_infinite_when_the_mask_does_not_separate(values, expected) -> None:
    assert float(edge_width(np.array(values), POSITIONS)) == pytest.approx(expected, abs=1e-12)


def step_image(edge: float, low: float = 40.0, high: float = 200.0, width: int = 60, height: int = 20) -> np.ndarray:
    """A photo dark left of ``edge`` (pixels, x) and bright right of it; the pixel the edge cuts is mixed."""
    x = np.arange(width)
    row = low + (high - low) * np.clip(x + 1 - edge, 0.0, 1.0)
    return np.repeat(np.repeat(row[None, :, None], height, 0), 3, 2).round().astype(np.uint8)


@pytest.mark.parametrize("edge", [20.0, 20.25, 20.5, 20.75])
@pytest.mark.parametrize("start", [-2.8, -0.4, 1.7, 2.8])
def test_a_point_snaps_to_the_photos_edge_to_a_tenth_of_a_pixel(edge: float, start: float) -> None:
    image = EdgeImage(step_image(edge))
    for direction in ([1.0, 0.0], [-1.0, 0.0]):
        got = snap_to_edge(image, np.array([[edge + start, 10.3]]), np.array(direction), 4.0)
        assert got[0, 0] == pytest.approx(edge, abs=0.1)
        assert got[0, 1] == 10.3  # moved along its direction only


@pytest.mark.parametrize(
    ("what", "edge", "low", "high"),
    [
        ("an edge just beyond the reach", 26.5, 40.0, 200.0),
        ("an edge fainter than the smallest contrast", 22.5, 100.0, 100.0 + EDGE_SNAP_MIN_CONTRAST - 1),
        ("no edge at all", 22.5, 100.0, 100.0),
    ],
)
def test_a_point_without_a_clear_edge_within_reach_stays(what: str, edge: float, low: float, high: float) -> None:
    image = EdgeImage(step_image(edge, low, high))
    pts = np.array([[20.0, 10.0]])
    np.testing.assert_array_equal(snap_to_edge(image, pts, np.array([1.0, 0.0]), 5.0), pts)


def test_a_faint_edge_just_above_the_smallest_contrast_is_snapped_to() -> None:
    image = EdgeImage(step_image(22.5, 100.0, 100.0 + 3 * EDGE_SNAP_MIN_CONTRAST))
    assert snap_to_edge(image, np.array([[20.0, 10.0]]), np.array([1.0, 0.0]), 5.0)[0, 0] == pytest.approx(
        22.5, abs=0.1
    )


def test_the_pairs_json_rounds_and_spreads_its_outline_points() -> None:
    contour = np.stack([np.arange(100.0), np.full(100, 7.0)], axis=1)
    pair = RefinedPair(
        np.array([110.04, 50.0]), np.array([10.0, 50.0]), True, True, None, contour, contour[:3], 0.5, 0.1234
    )
    d = pair.to_dict(contour_points=12)
    assert d["uncertainty_deg"] == 0.12 and d["tilt_deg"] == 0.0 and d["left_px"] == [110.0, 50.0]
    xs = [p[0] for p in d["contour_left_px"]]
    # Twelve points from the first to the last, evenly spaced: the drawing spans the whole outline.
    assert len(xs) == 12 and xs[0] == 0.0 and xs[-1] == 99.0
    assert max(np.diff(xs)) - min(np.diff(xs)) <= 1.0
    assert [p[0] for p in d["contour_right_px"]] == [0.0, 1.0, 2.0]
    assert "contour_left_px" not in pair.to_dict(contour_points=0)


# --- the entry point ------------------------------------------------------------------------------


def test_a_photo_of_another_size_than_the_mask_is_refused() -> None:
    from test_refine import draw_body

    from posture.refine import refine

    rgb, mask, lm = draw_body()
    with pytest.raises(ValueError, match="rgb must have shape"):
        refine(mask, lm, rgb[:, :-1])
