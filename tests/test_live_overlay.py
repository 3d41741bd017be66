"""The live overlay: a new frame, L/R on the person's own sides, guidance and alerts drawn."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from _live_fakes import FakeDetector, as_seen_in_mirror, person

from posture.landmarks import PoseLandmark
from posture.live.overlay import draw_live
from posture.live.session import AlertRule, LiveConfig, LiveSession
from posture.measure import MeasureOptions
from posture.render.primitives import label_centre
from posture.render.styles import DEFAULT_LIVE_STYLE

L = PoseLandmark
GREY = np.full((480, 640, 3), 90, np.uint8)


def one_record(people, config: LiveConfig = LiveConfig(), n: int = 1):
    s = LiveSession(FakeDetector(people), config)
    return [rec for _, rec in s.run([GREY] * n, fps=10.0)][-1]


def disc_colour(img: np.ndarray, rec, point: PoseLandmark, other: PoseLandmark) -> tuple[int, ...]:
    f = img.shape[1] / GREY.shape[1]  # the frame is enlarged to the style's min_long_side
    r = max(7, round(DEFAULT_LIVE_STYLE.base.label_px * img.shape[1] / 1000 * 0.6))
    c = label_centre(rec.landmarks[point] * f, rec.landmarks[other] * f, r)
    x, y = int(c[0] + 0.5 * r), int(c[1] - 0.5 * r)  # upper right of the disc, clear of the letter
    return tuple(int(v) for v in img[y, x])


@pytest.mark.parametrize("mirrored", [False, True])
def test_left_label_sits_at_the_persons_left_shoulder(mirrored: bool) -> None:
    people = (lambda i: [as_seen_in_mirror(person(2.0))]) if mirrored else (lambda i: [person(2.0)])
    rec = one_record(people, LiveConfig(MeasureOptions(mirrored=mirrored)))
    img = draw_live(GREY, rec, mirrored=mirrored)
    style = DEFAULT_LIVE_STYLE.base
    assert disc_colour(img, rec, L.LEFT_SHOULDER, L.RIGHT_SHOULDER) == style.left_rgb
    assert disc_colour(img, rec, L.RIGHT_SHOULDER, L.LEFT_SHOULDER) == style.right_rgb
    # In a mirror view the person's left appears on the screen's left; unmirrored, on the right.
    on_left = bool(rec.landmarks[L.LEFT_SHOULDER][0] < 320)
    assert on_left is mirrored


@pytest.mark.parametrize("mirrored", [False, True])
@pytest.mark.parametrize("tilt", [2.0, -2.0])
def test_letters_and_arrows_name_the_persons_own_sides(mirrored: bool, tilt: float, monkeypatch) -> None:
    """The L and R drawn nearest each shoulder and hip are that side's, and each line's number says
    which side is higher: tilted +2 degrees the person's left is higher, -2 their right."""
    from posture.live import overlay

    drawn: list[tuple[int, int, str]] = []
    original = overlay._blit

    def spy(img, x, y, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append((x, y, text))
        return original(img, x, y, text, *args, **kwargs)

    monkeypatch.setattr(overlay, "_blit", spy)
    people = (lambda i: [as_seen_in_mirror(person(tilt))]) if mirrored else (lambda i: [person(tilt)])
    rec = one_record(people, LiveConfig(MeasureOptions(mirrored=mirrored)))
    img = draw_live(GREY, rec, mirrored=mirrored)
    f = img.shape[1] / GREY.shape[1]
    letters = [(x, y, t) for x, y, t in drawn if t in ("L", "R")]
    for point, letter in ((L.LEFT_SHOULDER, "L"), (L.RIGHT_SHOULDER, "R"), (L.LEFT_HIP, "L"), (L.RIGHT_HIP, "R")):
        px, py = rec.landmarks[point] * f
        assert min(letters, key=lambda d: np.hypot(d[0] - px, d[1] - py))[2] == letter, (point.name, mirrored)
    arrows = [t for _, _, t in drawn if t.endswith("↑")]
    assert len(arrows) == 2 and all(t.endswith("L↑" if tilt > 0 else "R↑") for t in arrows), arrows


def test_draws_a_new_frame_and_leaves_the_input_alone() -> None:
    rec = one_record(lambda i: [person(2.0)])
    before = GREY.copy()
    img = draw_live(GREY, rec, mirrored=False, hint="space: capture")
    assert np.array_equal(GREY, before)
    assert img.shape == GREY.shape and img.dtype == np.uint8
    assert (img != GREY).any(axis=2).mean() > 0.01
    small = np.full((240, 320, 3), 90, np.uint8)
    assert draw_live(small, rec, mirrored=False).shape == (480, 640, 3)  # small frames are enlarged


def test_guidance_and_alert_banners_are_drawn() -> None:
    yellow, red = DEFAULT_LIVE_STYLE.guidance_rgb, DEFAULT_LIVE_STYLE.alert_rgb

    def count(img: np.ndarray, rgb: tuple[int, int, int]) -> int:
        return int((np.abs(img.astype(int) - rgb).sum(axis=2) < 60).sum())

    calm = draw_live(GREY, one_record(lambda i: [person(0.0)]), mirrored=False)
    no_one = draw_live(GREY, one_record(lambda i: []), mirrored=False)
    rule = AlertRule("shoulder_tilt_deg", 3.0, 0.0)
    alarmed = draw_live(GREY, one_record(lambda i: [person(5.0)], LiveConfig(alerts=(rule,)), n=3), mirrored=False)
    assert count(no_one, yellow) > 50 and count(calm, yellow) == 0
    assert count(alarmed, red) > 50 and count(calm, red) == 0
