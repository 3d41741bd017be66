"""Marker mode: stickers drawn onto real photos, found, named and levelled (posture.markers,
posture.marker_metrics, analyze --markers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ROOT, photo
from marker_support import DrawnSticker, degrade, draw_stickers, framed, palpated_points, sticker_px
from PIL import Image

from posture import geometry as g
from posture.analyze import Analyzer
from posture.images import load_image
from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.marker_colors import parse_color
from posture.marker_metrics import MARKER_UNCERTAINTY_FLOOR, apply_markers
from posture.markers import (
    Rejected,
    Sticker,
    StickerSearch,
    extra_stickers,
    find_stickers,
    on_body,
    pair_stickers,
)
from posture.measure import MeasureOptions, measure
from posture.pose import rank_people
from posture.result import PostureMeasurement
from posture.settings import Settings

L = PoseLandmark

# Different people, skin tones, clothing and views; 1000 px high after framing.
PHOTOS = {
    "front_arms_down__icon_seg_003883.jpg": "front",  # T-shirt, pyjama trousers, door
    "front_apose__impersonator_iper_019_2_1_000.jpg": "front",  # T-shirt and jeans
    "front_arms_down__infonioknight_g-m1-front_t04s.jpg": "front",  # bare legs, cluttered room
    "back_arms_down__pixie_IMG_1331_frame18120.jpg": "back",  # denim jacket
}


def protocol(name: str) -> Path:
    return photo(f"../protocol/images/{name}")


@pytest.fixture(scope="module")
def marker_analyzer():
    with Analyzer(Settings(fast=True, markers=True)) as a:
        yield a


def _scene(analyzer, name, cm=2.0, rise=(0.03, -0.02), blur=0.8, quality=90, drop=(), extra=()):
    """A framed 1000 px photo with stickers drawn at the palpated points; the drawn centres."""
    im = load_image(protocol(name))
    lm = rank_people(analyzer._detector.detect(im.rgb))[0]
    img, _, _ = framed(im.rgb, lm, 1000)
    lm = rank_people(analyzer._detector.detect(img))[0]
    pts = {k: v for k, v in palpated_points(lm, PHOTOS.get(name, "front"), rise).items() if k not in drop}
    d = sticker_px(cm, lm)
    rng = np.random.default_rng(len(name))
    stickers = [
        DrawnSticker(
            p[0],
            p[1],
            d,
            rng.uniform(0.8, 1.0),
            rng.uniform(0, 180),
            shade=rng.uniform(0.1, 0.35),
            shade_angle=rng.uniform(0, 360),
        )
        for p in list(pts.values()) + [pts_extra for pts_extra in extra]
    ]
    return degrade(draw_stickers(img, stickers), blur, quality), pts


def _true_tilts(pts):
    return float(g.tilt_deg(pts["left_shoulder"], pts["right_shoulder"])), float(
        g.tilt_deg(pts["left_pelvis"], pts["right_pelvis"])
    )


@pytest.mark.parametrize(
    "text, hue",
    [("green", 110.6), ("GREEN", 110.6), ("pink", 327.6), ("#00ff00", 120.0), (" #FF0000 ", 0.0)],
)
def test_parse_color_accepts_names_and_hex(text, hue):
    assert parse_color(text).hue_deg == pytest.approx(hue, abs=0.1)


@pytest.mark.parametrize("text", ["mauve", "#12345", "00ff00", "#gg0000", "#808080", "#ffffff", "#202020", "#e0c0b0"])
def test_parse_color_refuses_unknown_or_unsaturated(text):
    with pytest.raises(ValueError, match="colour"):
        parse_color(text)


def test_settings_refuse_a_bad_colour():
    with pytest.raises(ValueError, match="unknown sticker colour"):
        Settings(markers=True, marker_color="mauve")


def _sticker(x, y):
    return Sticker((x, y), 0.05, (x, y), 10.0, 1.0, 1.0)


GREEN = parse_color("green")
LEFT, RIGHT = (300.0, 200.0), (100.0, 200.0)  # a subject facing the camera: their left on the image right


@pytest.mark.parametrize(
    "points, rejected, reason",
    [
        ([(302, 190), (98, 195)], [], None),
        ([(302, 190)], [], "no sticker found near the right shoulder"),
        ([], [], "no sticker found near the right shoulder; no sticker found near the left shoulder"),
        ([(302, 190), (290, 215), (98, 195)], [], "two stickers near the left shoulder"),
        ([(302, 190), (310, 180), (290, 215), (98, 195)], [], "three stickers near the left shoulder"),
        ([(302, 190), (180, 200)], [], "no sticker found near the right shoulder"),  # too far from the landmark
        (
            [(302, 190)],
            [Rejected((100.0, 205.0), 40.0, "too large (40 px across)")],
            "no sticker found near the right shoulder (a green patch there is too large (40 px across))",
        ),
    ],
)
def test_pair_stickers_names_or_says_why(points, rejected, reason):
    search = StickerSearch(GREEN, tuple(_sticker(*p) for p in points), tuple(rejected))
    pair = pair_stickers(search, LEFT, RIGHT, 60.0, "shoulder", "acromion")
    assert pair.reason == reason
    assert pair.found == (reason is None)
    several = "stickers near" in (reason or "")
    assert len(pair.ambiguous) == (len(points) - 1 if several else 0)
    named = {id(s) for s in (pair.left, pair.right, *pair.ambiguous) if s is not None}
    assert {id(s) for s in extra_stickers(search, [pair])} == {id(s) for s in search.stickers} - named
    if pair.found:
        assert pair.left.xy == (302, 190) and pair.right.xy == (98, 195)
        with pytest.raises(ValueError):
            pair_stickers(StickerSearch(GREEN, (), ()), LEFT, RIGHT, 60.0, "shoulder", "acromion").tilt()


@pytest.mark.parametrize("mirror", [False, True])
def test_a_sticker_past_the_midline_belongs_to_the_other_side(mirror):
    """Hips 120 px apart searched 80 px around each (the pelvic radius is wider than half the hip
    line): a sticker just past the midline is within reach of both landmarks and is the left one."""
    flip = (lambda x: 400.0 - x) if mirror else (lambda x: x)
    left_hip, right_hip = (flip(260.0), 300.0), (flip(140.0), 300.0)
    stray, right = (flip(205.0), 300.0), (flip(135.0), 292.0)
    assert g.distance(stray, right_hip) < 80.0 and g.distance(stray, left_hip) < 80.0
    search = StickerSearch(GREEN, (_sticker(*stray), _sticker(*right)), ())
    pair = pair_stickers(search, left_hip, right_hip, 80.0, "hip", "ASIS")
    assert pair.reason is None and pair.ambiguous == ()
    assert pair.left.xy == stray and pair.right.xy == right


@pytest.mark.parametrize("angle", [-20.0, -3.0, 0.0, 7.5, 30.0])
def test_pair_tilt_follows_rotation_and_mirror(angle):
    pts = g.rotate_points(np.array([[302.0, 190.0], [98.0, 195.0]]), angle, np.array([200.0, 200.0]))
    lm = g.rotate_points(np.array([LEFT, RIGHT]), angle, np.array([200.0, 200.0]))
    search = StickerSearch(GREEN, tuple(_sticker(*p) for p in pts), ())
    base = float(g.tilt_deg([302.0, 190.0], [98.0, 195.0]))
    tilt, sigma, _ = pair_stickers(search, lm[0], lm[1], 60.0, "shoulder", "acromion").tilt()
    assert tilt == pytest.approx(base + angle, abs=1e-9)
    assert sigma == pytest.approx(np.degrees(np.hypot(0.05, 0.05) / np.linalg.norm(pts[0] - pts[1])))
    mirrored = StickerSearch(GREEN, tuple(_sticker(400.0 - x, y) for x, y in pts), ())
    flip = pair_stickers(
        mirrored, (400.0 - lm[0][0], lm[0][1]), (400.0 - lm[1][0], lm[1][1]), 60.0, "shoulder", "acromion"
    )
    assert flip.tilt()[0] == pytest.approx(tilt, abs=1e-9)  # the same person mirrored: same anatomy, same tilt
    # and a levelled camera roll of `angle` gives back the unrotated tilt
    assert pair_stickers(search, lm[0], lm[1], 60.0, "shoulder", "acromion").tilt(angle, (200.0, 200.0))[
        0
    ] == pytest.approx(base, abs=1e-9)


# A person drawn as landmarks alone on a plain background, stickers at the acromions and the pelvic
# points: the left acromion 8 px higher over 200 px, the left pelvic point 6 px higher over 144 px.
W_IMG, H_IMG = 600, 800
BODY_PX = {
    L.LEFT_SHOULDER: (400.0, 250.0),
    L.RIGHT_SHOULDER: (200.0, 250.0),
    L.LEFT_HIP: (360.0, 500.0),
    L.RIGHT_HIP: (240.0, 500.0),
}
STICKERS_PX = {"ls": (400.0, 236.0), "rs": (200.0, 244.0), "lp": (372.0, 470.0), "rp": (228.0, 476.0)}
TRUE_SHOULDERS, TRUE_PELVIS = float(np.degrees(np.arctan(8 / 200))), float(np.degrees(np.arctan(6 / 144)))


def _sticker_body(roll: float = 0.0, back: bool = False):
    """The drawn photo and the landmarks, rotated by ``roll`` degrees about the centre (a camera
    roll); ``back``: mirrored left to right, the same person seen from behind."""
    center = np.array([W_IMG / 2, H_IMG / 2])

    def place(p):
        q = np.array([W_IMG - p[0] if back else p[0], p[1]])
        return g.rotate_points(q, roll, center)

    xy = np.full((N_LANDMARKS, 2), np.nan)
    for k, p in BODY_PX.items():
        xy[k] = place(p)
    vis = np.where(np.isfinite(xy).all(axis=1), 0.99, 0.0)
    lm = Landmarks(xy=xy, visibility=vis, presence=vis, width=W_IMG, height=H_IMG)
    img = np.full((H_IMG, W_IMG, 3), (200, 150, 120), np.uint8)
    d = 2.0 * 200.0 / 36.0  # 2 cm stickers
    rgb = draw_stickers(img, [DrawnSticker(*place(p), d, shade=0.0) for p in STICKERS_PX.values()])
    return rgb, lm


@pytest.mark.parametrize("roll", [0.0, 6.0, -11.0])
@pytest.mark.parametrize("back", [False, True], ids=["front", "back"])
def test_sticker_tilts_replace_the_landmark_tilts(roll: float, back: bool) -> None:
    """The stickers' tilts become the headlines, levelled by the stated camera roll, with the
    landmarks' tilt kept beside them; their difference carries both uncertainties."""
    rgb, lm = _sticker_body(roll, back)
    options = MeasureOptions(roll_deg=roll)
    body = measure(lm, options)
    assert body.view == ("back" if back else "front")
    silhouette_read = replace(body.metrics["shoulder_tilt_deg"], method="silhouette")
    body = replace(body, metrics={**body.metrics, "shoulder_tilt_deg": silhouette_read})
    out, markers, notes = apply_markers(rgb, body, options, "green", compressed=False)
    assert notes == [] and markers.stickers_found == 4 and markers.extra == ()
    sh, pv, both = (out.metrics[k] for k in ("shoulder_tilt_deg", "pelvic_tilt_deg", "shoulder_pelvis_tilt_deg"))
    for got, truth in ((sh, TRUE_SHOULDERS), (pv, TRUE_PELVIS)):
        assert got.method == "markers" and got.higher_side == "left"
        assert got.value == pytest.approx(truth, abs=0.05)  # sharp stickers, the roll removed
        assert got.landmark_value == pytest.approx(0.0, abs=1e-9)  # the landmarks are level
        # A sharp sticker's own spread is far below the floor: the floor is what is reported.
        assert got.uncertainty == MARKER_UNCERTAINTY_FLOOR == 0.2
    assert sh.silhouette_value == pytest.approx(0.0, abs=1e-9) and pv.silhouette_value is None
    assert both.value == pytest.approx(sh.value - pv.value)
    assert both.uncertainty == pytest.approx(np.hypot(0.2, 0.2))
    # The height difference is over the stickers' horizontal separation, not their distance.
    assert out.widths_px["shoulder_tilt_deg"] == pytest.approx(200.0, abs=0.1)
    assert out.widths_px["pelvic_tilt_deg"] == pytest.approx(144.0, abs=0.1)
    assert markers.shoulders.landmark == "acromion"
    assert markers.pelvis.landmark == ("PSIS" if back else "ASIS")
    assert markers.shoulders.tilt_deg == pytest.approx(sh.value, abs=0.005)


@pytest.mark.parametrize(
    "cm, blur, quality, tol_px",
    [(1.5, 0.0, None, 0.06), (2.0, 0.0, None, 0.06), (2.0, 0.7, 92, 0.3), (3.0, 1.0, 85, 0.4)],
)
def test_find_stickers_centres_on_a_plain_background(cm, blur, quality, tol_px):
    """Stickers on skin- and cloth-coloured flat backgrounds: every one found, centre within tol."""
    rng = np.random.default_rng(int(cm * 10))
    img = np.zeros((300, 600, 3), np.uint8)
    img[:, :300] = (200, 150, 120)  # skin
    img[:, 300:] = (40, 45, 70)  # dark cloth
    img = np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    scale = 180.0
    truth = [(rng.uniform(40, 260) + 300 * (i % 2), rng.uniform(40, 260)) for i in range(6)]
    drawn = [
        DrawnSticker(
            x,
            y,
            cm * scale / 36.0,
            rng.uniform(0.75, 1.0),
            rng.uniform(0, 180),
            shade=0.3,
            shade_angle=rng.uniform(0, 360),
        )
        for x, y in truth
    ]
    found = find_stickers(degrade(draw_stickers(img, drawn), blur, quality), GREEN, scale).stickers
    assert len(found) == len(truth)
    for x, y in truth:
        best = min(found, key=lambda s: np.hypot(s.xy[0] - x, s.xy[1] - y))
        err = np.hypot(best.xy[0] - x, best.xy[1] - y)
        assert err < tol_px
        assert err < 4.0 * np.hypot(
            best.uncertainty_px, best.uncertainty_px
        )  # the stated uncertainty is not overconfident


def test_find_stickers_ignores_other_colours_and_shapes():
    img = np.full((300, 300, 3), (200, 150, 120), np.uint8)
    blue = parse_color("blue")
    cv2.circle(img, (80, 80), 6, (70, 235, 60), -1, cv2.LINE_AA)  # green: not the blue asked for
    cv2.rectangle(img, (150, 40), (190, 45), (20, 140, 255), -1)  # a blue bar: elongated
    cv2.circle(img, (220, 220), 60, (20, 140, 255), -1)  # a blue disc far too large
    search = find_stickers(img, blue, 180.0)
    assert search.stickers == ()
    assert sorted(r.reason.split(" ")[0] for r in search.rejected) == ["elongated", "too"]


def _plain(background, n=8, cm=2.0, blur=1.0, quality=75, seed=3, texture=0.0):
    """Stickers on a flat background of one colour (faint noise, and a texture of ``texture`` rms
    grey levels in brightness only, grain about 2 px), blurred and JPEG-compressed with the colour
    at half resolution (4:2:0); the drawn centres."""
    rng = np.random.default_rng(seed)
    img = np.zeros((160, 80 * n // 2, 3), np.float32)
    img[:] = background
    if texture:
        grain = cv2.GaussianBlur(rng.normal(0, 1, img.shape[:2]).astype(np.float32), (0, 0), 1.5)
        img += (texture * grain / grain.std())[..., None]  # equal in R, G and B: luma only
    img = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
    truth = [
        (40 + 80 * (i % (n // 2)) + rng.uniform(-0.5, 0.5), 40 + 80 * (i // (n // 2)) + rng.uniform(-0.5, 0.5))
        for i in range(n)
    ]
    drawn = [
        DrawnSticker(
            x,
            y,
            cm * 180.0 / 36.0,
            rng.uniform(0.8, 1.0),
            rng.uniform(0, 180),
            shade=0.2,
            shade_angle=rng.uniform(0, 360),
        )
        for x, y in truth
    ]
    return degrade(draw_stickers(img, drawn), blur, quality), truth


def _nearest(stickers, x, y):
    return min(stickers, key=lambda s: np.hypot(s.xy[0] - x, s.xy[1] - y))


@pytest.mark.parametrize(
    "background, luma, tol_px",
    [
        ((40, 45, 70), True, 0.25),
        ((110, 70, 50), True, 0.25),
        ((235, 235, 235), True, 0.25),
        ((200, 150, 120), False, 0.5),
    ],
)
def test_a_jpeg_sticker_is_located_within_its_uncertainty(background, luma, tol_px):
    """JPEG 75 with half-resolution colour (2 cm at 1000 px): every centre within ``tol_px`` and
    within twice its stated uncertainty per axis; the luma is used where the sticker stands out in
    brightness (dark cloth, dark skin, white) and not on light skin, where fluorescent green is as
    bright as the skin and only the coarse colour locates it."""
    img, truth = _plain(background)
    found = find_stickers(img, GREEN, 180.0).stickers
    assert len(found) == len(truth)
    for x, y in truth:
        s = _nearest(found, x, y)
        err = np.subtract(s.xy, (x, y))
        assert np.hypot(*err) < tol_px
        assert np.all(np.abs(err) <= 2 * s.uncertainty_px)
        assert s.centre_from == ("colour and luma" if luma else "colour")
        assert (s.luma_xy is not None) == luma and (s.luma_note is None) == luma
        assert s.record().centre_from == s.centre_from
    if not luma:
        assert all("luma contrast" in s.luma_note for s in found)


def test_the_luma_centre_beats_the_colour_centroid_on_a_jpeg():
    """Where the luma is used, the reported centre is nearer the truth than the colour matte's
    centroid alone (JPEG 75, 4:2:0, dark cloth: the colour is coarse, the luma full resolution)."""
    errs = {"xy": [], "colour_xy": []}
    for seed in range(3):
        img, truth = _plain((40, 45, 70), seed=seed)
        found = find_stickers(img, GREEN, 180.0).stickers
        for x, y in truth:
            s = _nearest(found, x, y)
            for k in errs:
                errs[k].append(float(np.hypot(*np.subtract(getattr(s, k), (x, y)))))
    assert np.mean(errs["xy"]) < 0.8 * np.mean(errs["colour_xy"])


def test_a_lossless_photo_weighs_each_channel_by_its_noise():
    """On a lossless photo a background textured in brightness (20 grey levels rms) leaves the
    colour differences clean: the unmixing weighs luma by its measured noise, so the centres stay
    within 0.05 px on average (an unweighted RGB unmixing is off by 0.09, up to 0.18)."""
    errs = []
    for seed in range(3):
        img, truth = _plain((200, 150, 120), quality=None, seed=seed, texture=20.0)
        found = find_stickers(img, GREEN, 180.0, compressed=False).stickers
        assert len(found) == len(truth)
        errs += [float(np.hypot(*np.subtract(_nearest(found, x, y).xy, (x, y)))) for x, y in truth]
    assert np.mean(errs) < 0.05 and max(errs) < 0.1


def test_a_lossless_photo_takes_its_centre_from_the_colour():
    img, truth = _plain((40, 45, 70), quality=None)
    for s in find_stickers(img, GREEN, 180.0, compressed=False).stickers:
        assert s.centre_from == "colour" and s.luma_xy is None and s.colour_xy == s.xy


@pytest.mark.parametrize("turn", ["mirror", "rot90", "rot180", "flip"])
@pytest.mark.parametrize("quality", [75, None])
def test_sticker_centres_follow_a_mirrored_or_turned_photo(turn, quality):
    """Mirroring or turning the photo moves every centre with it (to 0.02 px, 0.02 degrees on the
    PSIS) and changes nothing else, on a JPEG and on a lossless photo (textured in brightness, so
    the channel weights matter)."""
    img, _ = _plain((110, 70, 50), n=6, quality=quality, texture=0.0 if quality else 20.0)
    compressed = quality is not None
    h, w = img.shape[:2]
    ops = {
        "mirror": (lambda a: a[:, ::-1], lambda x, y: (w - 1 - x, y)),
        "flip": (lambda a: a[::-1], lambda x, y: (x, h - 1 - y)),
        "rot180": (lambda a: a[::-1, ::-1], lambda x, y: (w - 1 - x, h - 1 - y)),
        "rot90": (lambda a: np.rot90(a), lambda x, y: (y, w - 1 - x)),  # counter-clockwise
    }
    op, move = ops[turn]
    base = find_stickers(img, GREEN, 180.0, compressed).stickers
    moved = find_stickers(np.ascontiguousarray(op(img)), GREEN, 180.0, compressed).stickers
    assert len(base) == len(moved) == 6
    for s in base:
        x, y = move(*s.xy)
        t = _nearest(moved, x, y)
        assert np.hypot(t.xy[0] - x, t.xy[1] - y) < 0.02  # the nearest background pixel: ties break by scan order
        assert t.uncertainty_px == pytest.approx(s.uncertainty_px, rel=0.05)
        assert t.centre_from == s.centre_from


def test_a_green_garment_with_folds_gives_no_sticker():
    """A fluorescent green shirt, shaded in folds, with sticker-sized holes and light patches,
    JPEG-compressed: parts of a larger area of the colour, never stickers."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:300, 0:300].astype(np.float32)
    shade = 0.75 + 0.25 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    img = np.full((300, 300, 3), (200, 150, 120), np.float32)
    shirt = (np.abs(xx - 150) < 110) & (yy > 30)
    img[shirt] = np.array((70, 235, 60), np.float32) * shade[shirt, None]
    for _ in range(6):  # skin showing through, and pale creases
        cx, cy = rng.uniform(60, 240, 2)
        cv2.circle(img, (int(cx), int(cy)), int(rng.uniform(4, 8)), (200, 150, 120), -1)
        cv2.line(img, (int(cx) - 20, int(cy)), (int(cx) + 20, int(cy) + 5), (150, 200, 140), 2)
    img = degrade(np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8), 1.0, 75)
    search = find_stickers(img, GREEN, 180.0)
    assert search.stickers == ()
    assert search.rejected


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PHOTOS))
@pytest.mark.parametrize("blur, quality, tol", [(0.0, None, 0.1), (0.8, 90, 0.3)])
def test_analyze_markers_tilt_is_the_drawn_line(marker_analyzer, name, blur, quality, tol):
    """1000 px high, 2 cm stickers: the headline tilts equal the tilts of the lines through the drawn
    centres within 0.1 degrees on a sharp photo, 0.3 slightly blurred and JPEG-compressed (the
    figures by size are in docs/markers.md), with the landmarks' tilt beside them."""
    img, pts = _scene(marker_analyzer, name, blur=blur, quality=quality)
    m = marker_analyzer.analyze(img)
    sh, pv = _true_tilts(pts)
    for metric, truth in (("shoulder_tilt_deg", sh), ("pelvic_tilt_deg", pv)):
        got = m.metrics[metric]
        assert got.method == "markers", got.method_reason
        assert got.value == pytest.approx(truth, abs=tol)
        assert got.landmark_value is not None and got.uncertainty >= 0.2
    assert m.markers.pelvis.landmark == ("PSIS" if PHOTOS[name] == "back" else "ASIS")
    assert m.markers.extra == () and m.markers.stickers_found == 4


@pytest.mark.slow
def test_rotating_the_photo_moves_the_tilts_by_the_rotation(marker_analyzer):
    name = "front_arms_down__icon_seg_003883.jpg"
    img, pts = _scene(marker_analyzer, name, blur=0.0, quality=95)
    h, w = img.shape[:2]
    rot = cv2.warpAffine(
        img,
        cv2.getRotationMatrix2D((w / 2, h / 2), 5.0, 1.0),
        (w, h),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REFLECT,
    )
    a, b = marker_analyzer.analyze(img), marker_analyzer.analyze(rot)
    for metric in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
        assert b.metrics[metric].method == "markers"
        # Counter-clockwise on screen lifts the image right: the left side of a person facing the camera.
        assert b.metrics[metric].value - a.metrics[metric].value == pytest.approx(5.0, abs=0.1)
    flipped = marker_analyzer.analyze(np.ascontiguousarray(img[:, ::-1]))
    for metric in ("shoulder_tilt_deg", "pelvic_tilt_deg"):
        assert flipped.metrics[metric].value == pytest.approx(-a.metrics[metric].value, abs=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["front_apose__ankesh007_Krunal_2.JPG", "front_apose__ankesh007_final2.jpg"])
def test_a_green_background_invents_no_stickers(marker_analyzer, name):
    img = degrade(np.asarray(load_image(protocol(name)).rgb), 1.0, 85)
    m = marker_analyzer.analyze(img)
    assert m.markers.stickers_found == 0
    assert all(m.metrics[k].method != "markers" for k in ("shoulder_tilt_deg", "pelvic_tilt_deg"))


@pytest.mark.slow
def test_green_clothing_invents_no_stickers(marker_analyzer):
    """The T-shirt and trousers recoloured fluorescent green, their shading kept."""
    im = load_image(protocol("front_arms_down__icon_seg_003883.jpg"))
    x0, y0, x1, y1 = (int(v) for v in marker_analyzer.analyze(im).subject.bbox_px)
    hsv = cv2.cvtColor(im.rgb, cv2.COLOR_RGB2HSV)
    body = np.zeros(hsv.shape[:2], bool)
    body[y0:y1, x0:x1] = True
    light = body & (hsv[..., 2] > 120) & (hsv[..., 1] < 60)  # the white shirt and light trousers
    hsv[..., 0] = np.where(light, 56, hsv[..., 0])
    hsv[..., 1] = np.where(light, 200, hsv[..., 1])
    m = marker_analyzer.analyze(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))
    assert m.markers.stickers_found == 0, m.markers
    assert m.metrics["shoulder_tilt_deg"].method == "landmarks"


@pytest.mark.parametrize(
    ("x", "kept"),
    [
        (100.0, True),  # inside the body
        (150.0, True),  # its centre on the outline: half of it on the body
        (154.0, True),  # outside by 4 px, under its 5 px radius: it still touches the body
        (156.5, False),  # outside by 6.5 px: clear of the body
        (300.0, False),  # far away in the scene
    ],
)
def test_a_sticker_off_the_body_is_refused(x: float, kept: bool) -> None:
    silhouette = np.zeros((200, 300), np.float32)
    silhouette[:, :150] = 1.0  # the body fills x < 150
    st = Sticker((x, 80.0), 0.2, (x, 80.0), 10.0, 1.0, 1.0)
    search = StickerSearch(parse_color("green"), (st,), ())
    out = on_body(search, silhouette)
    assert (out.stickers == (st,)) is kept
    assert len(out.rejected) == (0 if kept else 1)
    if not kept:
        assert out.rejected[0].reason.startswith("not on the person")
    assert on_body(search, None) == search  # no silhouette read: nothing to judge by


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "back_full__posenet_backpackman.jpg",  # a hedge beside the shoulder
        "back_full__pose2sim_static_cam02_f005.jpg",
        "front_full__pose2sim_static_cam04_f005.jpg",
        "multi_front_full__ochuman_000817.jpg",
    ],
)
def test_green_things_in_the_scene_are_no_stickers(name):
    # The default analysis reads the person's outline (--fast reads none): stickers must be on it.
    with Analyzer(Settings(markers=True)) as a:
        m = a.analyze(load_image(photo(name)))
    assert m.markers.stickers_found == 0, m.markers
    assert not m.markers.extra


@pytest.mark.slow
def test_a_photo_without_stickers_says_so(marker_analyzer):
    m = marker_analyzer.analyze(load_image(protocol("front_arms_down__icon_seg_003883.jpg")))
    assert m.markers.stickers_found == 0
    assert any("no green stickers found in the photo" in w for w in m.warnings)
    reason = m.metrics["shoulder_tilt_deg"].method_reason
    assert "no sticker found near the right shoulder" in reason and "no sticker found near the left shoulder" in reason


@pytest.mark.slow
def test_missing_and_doubled_stickers_give_reasons_not_guesses(marker_analyzer):
    name = "front_arms_down__icon_seg_003883.jpg"
    img, pts = _scene(marker_analyzer, name, drop=("right_shoulder",))
    _, full = _scene(marker_analyzer, name)
    doubled = full["left_pelvis"] + np.array([0.0, 25.0])
    img2, _ = _scene(marker_analyzer, name, extra=(doubled,))
    m = marker_analyzer.analyze(img)
    assert m.metrics["shoulder_tilt_deg"].method != "markers"
    assert m.markers.shoulders.reason == "no sticker found near the right shoulder"
    assert m.markers.shoulders.left is not None and m.markers.extra == ()  # the other one is still named
    assert m.metrics["pelvic_tilt_deg"].method == "markers"
    assert any("acromion stickers not used: no sticker found near the right shoulder" in w for w in m.warnings)
    m2 = marker_analyzer.analyze(img2)
    assert m2.markers.pelvis.reason == "two stickers near the left hip"
    assert len(m2.markers.pelvis.ambiguous) == 2 and m2.markers.pelvis.left is None
    assert m2.metrics["pelvic_tilt_deg"].method != "markers"
    assert m2.metrics["shoulder_tilt_deg"].method == "markers"


@pytest.mark.slow
def test_markers_json_round_trips_and_the_cli_reports_them(marker_analyzer, tmp_path):
    img, pts = _scene(marker_analyzer, "front_arms_down__icon_seg_003883.jpg")
    m = marker_analyzer.analyze(img)
    back = PostureMeasurement.from_dict(json.loads(json.dumps(m.to_dict())))
    assert (
        back.markers == m.markers
        and back.to_dict()["markers"] == m.to_dict()["markers"]
        and back.metrics == {k: type(v).from_dict(v.to_dict()) for k, v in m.metrics.items()}
    )
    src = tmp_path / "stickers.png"
    Image.fromarray(img).save(src)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "posture",
            "analyze",
            str(src),
            "--fast",
            "--markers",
            "--json",
            "-o",
            str(tmp_path / "a.png"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    d = json.loads(run.stdout)
    assert d["metrics"]["shoulder_tilt_deg"]["method"] == "markers"
    assert d["markers"]["shoulders"]["left"]["xy_px"] is not None
    assert (tmp_path / "a.png").stat().st_size > 0
    Image.fromarray(img).save(tmp_path / "again.png")  # a batch goes through the same path
    batch = subprocess.run(
        [
            sys.executable,
            "-m",
            "posture",
            "analyze",
            str(src),
            str(tmp_path / "again.png"),
            "--fast",
            "--markers",
            "--json",
            "-j",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert batch.returncode == 0, batch.stderr
    rows = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [r["metrics"]["pelvic_tilt_deg"]["method"] for r in rows] == ["markers", "markers"]
    bad = subprocess.run(
        [sys.executable, "-m", "posture", "analyze", str(src), "--markers", "--marker-color", "beige"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "unknown sticker colour 'beige'" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_compare_treats_stickers_as_one_more_method(marker_analyzer):
    """Stickers in both photos: compared on the stickers; stickers in one only: on the landmarks
    in both, and the note says where each came from."""
    from dataclasses import replace

    from posture.compare import compare

    name = "front_arms_down__icon_seg_003883.jpg"
    with_stickers = marker_analyzer.analyze(_scene(marker_analyzer, name)[0])
    tilted = marker_analyzer.analyze(_scene(marker_analyzer, name, rise=(0.08, 0.04))[0])
    plain = marker_analyzer.analyze(
        _scene(marker_analyzer, name, drop=("left_shoulder", "right_shoulder", "left_pelvis", "right_pelvis"))[0]
    )
    outline = replace(
        plain,
        metrics={
            k: replace(v, method="silhouette") if k in ("shoulder_tilt_deg", "pelvic_tilt_deg") else v
            for k, v in plain.metrics.items()
        },
    )
    same = compare([with_stickers, tilted]).metric("shoulder_tilt_deg").overall
    assert same.compared_on == (("shoulder_tilt_deg", "markers"),) and not same.on_landmarks
    assert same.values == (with_stickers.metrics["shoulder_tilt_deg"].value, tilted.metrics["shoulder_tilt_deg"].value)
    for other, words in ((plain, "the joint landmarks"), (outline, "the body's outline")):
        p = compare([with_stickers, other]).metric("shoulder_tilt_deg").overall
        assert p.compared_on == (("shoulder_tilt_deg", "landmarks"),) and p.on_landmarks
        assert p.values[0] == with_stickers.metrics["shoulder_tilt_deg"].landmark_value
        assert f"came from stickers in one and from {words} in the other" in p.note
