"""Which blobs of the sticker colour are stickers (posture.markers.find_stickers): the size gates
and where a rejected blob is said to be, the hue's wrap-around, and which rejected blob a missing
sticker's reason names."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posture.marker_colors import parse_color
from posture.markers import Rejected, Sticker, StickerSearch, find_stickers, membership, pair_stickers

GREEN, STICKER_GREEN = parse_color("green"), (70, 235, 60)
SCALE = 180.0  # shoulders 180 px apart: stickers are 4 to 25 px across


def scene(*shapes) -> np.ndarray:
    img = np.full((300, 300, 3), (200, 150, 120), np.uint8)
    for draw in shapes:
        draw(img)
    return img


def disc(x: float, y: float, d: float, colour=STICKER_GREEN):
    """A disc ``d`` px across centred on (x, y) (pixel centres at integers), antialiased."""
    return lambda img: cv2.circle(img, (round(x * 16), round(y * 16)), round(d * 8), colour, -1, cv2.LINE_AA, 4)


def box(x0: int, y0: int, x1: int, y1: int):
    return lambda img: cv2.rectangle(img, (x0, y0), (x1, y1), STICKER_GREEN, -1)


@pytest.mark.parametrize(
    ("what", "img", "found", "rejected"),
    [
        ("a 12 px sticker", scene(disc(100.3, 120.6, 12)), [(100.3, 120.6)], []),
        # Its part above half the colour is under 4 px: still measured, and its matte is a sticker's size.
        ("a 3 px sticker", scene(disc(100.3, 120.6, 3)), [(100.3, 120.6)], []),
        ("a 2 px speck", scene(disc(100.3, 120.6, 2)), [], [((100.3, 120.6), "too small")]),
        ("a 60 px disc", scene(disc(150, 150, 60)), [], [((150.0, 150.0), "too large")]),
        (
            "an L-shaped patch",
            scene(box(100, 100, 180, 125), box(100, 100, 125, 180)),
            [],
            [((140.0, 140.0), "too large")],
        ),
    ],
)
def test_the_size_gates(what, img, found, rejected) -> None:
    search = find_stickers(img, GREEN, SCALE)
    assert len(search.stickers) == len(found)
    for s, xy in zip(search.stickers, found, strict=True):
        np.testing.assert_allclose(s.xy, xy, atol=0.1)
    assert len(search.rejected) == len(rejected)
    for r, (xy, reason) in zip(search.rejected, rejected, strict=True):
        assert r.reason.startswith(reason), r.reason
        np.testing.assert_allclose(r.xy, xy, atol=0.1)


@pytest.mark.parametrize("rgb", [(255, 30, 0), (255, 0, 40)], ids=["hue 7", "hue 351"])
def test_a_red_sticker_is_found_either_side_of_the_hue_circles_zero(rgb) -> None:
    # The colour asked for is at hue 358: a hue of 7 is 9 degrees from it, not 351.
    search = find_stickers(scene(disc(100.3, 120.6, 12, rgb)), parse_color("#FF0008"), SCALE)
    assert len(search.stickers) == 1 and not search.rejected
    np.testing.assert_allclose(search.stickers[0].xy, (100.3, 120.6), atol=0.1)


@pytest.mark.parametrize(
    ("rgb", "member"),
    [
        ((70, 235, 60), True),  # the sticker's green
        ((25, 70, 20), True),  # the same green in shadow (value 0.27)
        ((120, 200, 110), True),  # washed out by light (saturation 0.45)
        ((10, 30, 8), False),  # nearly black (value 0.12): no colour to judge
        ((150, 170, 150), False),  # grey with a green cast (saturation 0.12)
        ((200, 230, 40), False),  # yellow-green, 42 degrees of hue away
        ((40, 200, 200), False),  # cyan
    ],
)
def test_membership_is_the_hue_for_colours_saturated_and_bright_enough(rgb, member: bool) -> None:
    m = float(membership(np.array([[rgb]], np.uint8), GREEN)[0, 0])
    assert (m >= 0.9) if member else (m <= 0.05), m


def test_a_missing_stickers_reason_names_the_nearest_rejected_blob() -> None:
    sticker = Sticker((302.0, 190.0), 0.05, (302.0, 190.0), 10.0, 1.0, 1.0)
    rejected = (
        Rejected((104.0, 203.0), 30.0, "too large (30 px across)"),  # 5 px from the landmark
        Rejected((100.0, 170.0), 8.0, "elongated (axis ratio 0.30)"),  # 30 px from it
    )
    for order in (rejected, rejected[::-1]):
        pair = pair_stickers(
            StickerSearch(GREEN, (sticker,), order), (300.0, 200.0), (100.0, 200.0), 60.0, "shoulder", "acromion"
        )
        assert (
            pair.reason == "no sticker found near the right shoulder (a green patch there is too large (30 px across))"
        )
