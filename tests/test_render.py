"""The annotated photo (posture.render): label placement and what the overlay leaves alone."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES

from posture import wording
from posture.analyze import Analyzer
from posture.images import load_image
from posture.metrics import METRICS
from posture.render import draw_overlay
from posture.render.overlay import _caption_lines
from posture.render.primitives import free_offset
from posture.result import LevelEstimate


def _overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def test_a_free_label_stays_where_it_is() -> None:
    assert free_offset((10, 10, 50, 30), [(60, 0, 80, 20)], step=24, bottom=400) == 0.0


def test_a_label_on_a_disc_moves_off_it_downwards_first() -> None:
    disc = (40, 15, 70, 45)
    box = (10, 10, 60, 30)
    dy = free_offset(box, [disc], step=24, bottom=400)
    assert dy > 0
    assert not _overlaps((box[0], box[1] + dy, box[2], box[3] + dy), disc)


def test_a_label_at_the_bottom_moves_up() -> None:
    disc = (40, 370, 70, 400)
    box = (10, 372, 60, 392)
    dy = free_offset(box, [disc], step=24, bottom=400)
    assert dy < 0
    assert not _overlaps((box[0], box[1] + dy, box[2], box[3] + dy), disc)


def test_no_room_leaves_the_label_in_place() -> None:
    wall = (0, 0, 100, 400)
    assert free_offset((10, 100, 60, 120), [wall], step=24, bottom=400) == 0.0


@pytest.fixture(scope="module")
def measured():
    from posture.settings import Settings

    image = load_image(SAMPLES / "astronaut.png")
    with Analyzer(Settings(fast=True)) as a:
        return image.rgb, a.analyze(image)


def test_overlay_is_a_new_image_with_a_caption_band(measured) -> None:
    rgb, m = measured
    before = rgb.copy()
    out = draw_overlay(rgb, m)
    assert np.array_equal(rgb, before)  # the photo is not drawn on
    assert out.shape[1] >= rgb.shape[1] and out.shape[0] > out.shape[1] * rgb.shape[0] / rgb.shape[1]
    assert out.dtype == np.uint8


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_the_level_lines_used_are_drawn(measured, mode) -> None:
    # A vertical segment in the empty top-left corner: drawn in the level colour, solid when the
    # roll was applied, dashed (some of its pixels untouched) when it was refused.
    from dataclasses import replace

    from posture.render.styles import DEFAULT_STYLE

    rgb, m = measured
    seg = (20.0, 10.0, 20.0, 110.0)
    estimate = LevelEstimate(roll_deg=0.5, lines=3, spread_deg=0.1, confident=mode == "auto", segments_px=(seg,))
    with_lines = replace(m, assumptions=replace(m.assumptions, level_mode=mode, roll_estimate=estimate))
    plain, drawn = (
        draw_overlay(rgb, replace(m, assumptions=replace(m.assumptions, roll_estimate=None))),
        draw_overlay(rgb, with_lines),
    )
    f = drawn.shape[1] / rgb.shape[1]
    column = drawn[round(15 * f) : round(105 * f), round(20 * f)]
    green = np.all(np.abs(column.astype(int) - DEFAULT_STYLE.level_line_rgb) < 60, axis=1)
    assert green.mean() > (0.9 if mode == "auto" else 0.3)
    if mode == "none":
        assert green.mean() < 0.9
    assert not np.array_equal(plain, drawn)


def test_every_tilt_number_drawn_has_its_caption_line() -> None:
    # Each measured tilt gets a line and a number on the photo; the caption says in words what each is.
    from posture.settings import Settings

    image = load_image(SAMPLES / "standing.png")  # the whole body: every tilt measured
    with Analyzer(Settings(fast=True)) as a:
        m = a.analyze(image)
    lines = _caption_lines(m)
    drawn = [n for n, spec in METRICS.items() if spec.kind == "tilt" and m.metrics[n].value is not None]
    assert "knee_tilt_deg" in drawn
    for name in drawn:
        assert wording.describe(name, m.metrics[name]) in lines, name


def _drawn(view: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """The synthetic person of tests/test_measure.py, left shoulder and right hip raised, drawn on
    a grey photo: the annotated image, its scale over the photo, the landmarks and every text
    drawn on it with its position."""
    from PIL import ImageDraw
    from test_measure import H, W, person

    from posture.landmarks import PoseLandmark as L
    from posture.measure import measure
    from posture.provenance import Method, Model, Source
    from posture.result import Assumptions, PostureMeasurement, Subject

    body = measure(person(view, move={L.LEFT_SHOULDER: (0, -20), L.RIGHT_HIP: (0, -12)}))
    m = PostureMeasurement(
        status="measured",
        message="measured",
        source=Source(path=None, width=W, height=H),
        model=Model(),
        assumptions=Assumptions(),
        subject=Subject(view=body.view, people_detected=1),  # type: ignore[arg-type]
        metrics=body.metrics,
        warnings=(),
        method=Method(passes=1, min_score=0.5),
        landmarks=body.landmarks.to_points(),
    )
    texts: list[tuple[tuple[float, float], str]] = []
    original = ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        texts.append((tuple(xy), str(text)))
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", spy)
    out = draw_overlay(np.full((H, W, 3), 90, np.uint8), m)
    return out, out.shape[1] / W, body.landmarks, texts


@pytest.mark.parametrize("view", ["front", "back"])
def test_each_side_is_drawn_in_its_colour_and_letter_whichever_way_the_person_faces(view, monkeypatch) -> None:
    """The subject's left points get the left colour and an L beside them, the right ones the right
    colour and an R, and a tilt's number names the side that is higher, facing the camera or away."""
    from posture.landmarks import PoseLandmark as L
    from posture.render.styles import DEFAULT_STYLE as S

    out, f, lm, texts = _drawn(view, monkeypatch)
    assert (lm[L.LEFT_SHOULDER][0] > lm[L.RIGHT_SHOULDER][0]) == (view == "front")
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        for point, rgb in ((left, S.left_rgb), (right, S.right_rgb)):
            x, y = (round(v * f) for v in lm[point])
            assert np.abs(out[y, x].astype(int) - rgb).max() < 30, (view, point.name, out[y, x])
        # the letter drawn nearest each point is its side's
        for point, letter in ((left, "L"), (right, "R")):
            nearest = min(
                (t for t in texts if t[1] in ("L", "R")),
                key=lambda t: np.hypot(t[0][0] - lm[point][0] * f, t[0][1] - lm[point][1] * f),
            )
            assert nearest[1] == letter, (view, point.name)
    # Each tilt's number sits by its line: the shoulders' says the left is higher, the hip line's
    # the right; the ears and knees are level (no arrow).
    numbers = [(xy, t) for xy, t in texts if t.endswith("↑")]
    assert len(numbers) == 2, numbers
    for point, arrow in ((L.LEFT_SHOULDER, "L↑"), (L.RIGHT_HIP, "R↑")):
        (_, text) = min(numbers, key=lambda n: abs(n[0][1] - lm[point][1] * f))
        assert text.endswith(arrow), (view, point.name, numbers)


@pytest.mark.parametrize("outline", [True, False])
def test_a_tilt_corrected_by_hand_is_drawn_through_the_points_it_was_measured_on(outline: bool) -> None:
    # The shoulder tilt from the outline (or the joint landmarks); the practitioner lifts the right
    # outline point (or the right shoulder joint) by 30 px: the line drawn goes through it. The
    # outline's correction was drawn through the untouched joint landmarks, level, under "R↑".
    from correct_support import measured, silhouette

    from posture.correct import correct, correctable_points

    m = measured(refinement=silhouette(((385.0, 120.0), (255.0, 120.0))) if outline else None)
    moved, left = ("shoulders.right", (385.0, 120.0)) if outline else ("right_shoulder", (380.0, 130.0))
    x, y = correctable_points(m)[moved]
    c = correct(m, {moved: [x, y - 30]})
    assert c.metrics["shoulder_tilt_deg"].higher_side == "right"
    out = draw_overlay(np.full((480, 640, 3), 128, np.uint8), c)
    k = out.shape[1] / 640
    at = np.array([x, y - 30]) * 0.8 + np.array(left) * 0.2  # on the right half of the line drawn
    r, g, b = out[int(round(at[1] * k)), int(round(at[0] * k))].astype(int)
    assert b > 200 and r < 100, (r, g, b)  # the right side's colour, not the grey photo
