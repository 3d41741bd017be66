"""Reading image files: every file is generated here, in tmp_path.

Bad files must give an InputError whose message names the problem; odd but
valid files (16-bit, CMYK, palette, alpha, EXIF-rotated) must become upright
8-bit RGB with their content intact.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import protocol
from PIL import Image

from posture.errors import InputError
from posture.images import MIN_SIDE, LoadedImage, load_image

RNG = np.random.default_rng(3)


def noise(h: int = 240, w: int = 320) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def save(tmp_path: Path, name: str, arr: np.ndarray, mode: str | None = None, **kw) -> Path:
    p = tmp_path / name
    (Image.fromarray(arr, mode) if mode else Image.fromarray(arr)).save(p, **kw)
    return p


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width x height`` RGB pixels, with a tiny (wrong) IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def refused(path, match: str, **kw) -> str:
    with pytest.raises(InputError, match=match) as ei:
        load_image(path, **kw)
    msg = str(ei.value)
    assert "\n" not in msg  # one line for the CLI
    assert str(path) in msg  # names the file
    return msg


# -------------------------------------------------------------- refusals


def test_truncated_jpeg(tmp_path):
    good = save(tmp_path, "good.jpg", noise(), quality=90)
    data = good.read_bytes()
    half = tmp_path / "half.jpg"
    half.write_bytes(data[: len(data) // 2])
    refused(half, r"truncated|corrupt")
    stub = tmp_path / "stub.jpg"
    stub.write_bytes(data[:300])  # headers only
    refused(stub, r"truncated|corrupt")


def test_zero_bytes(tmp_path):
    p = tmp_path / "empty.jpg"
    p.write_bytes(b"")
    refused(p, "empty")


def test_random_bytes_named_jpg(tmp_path):
    p = tmp_path / "random.jpg"
    p.write_bytes(RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    refused(p, "not an image")


def _avi(path):
    import cv2

    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (64, 48))
    for _ in range(3):
        out.write(np.zeros((48, 64, 3), np.uint8))
    out.release()
    return path


@pytest.mark.parametrize(
    ("make", "video"),
    [
        (lambda d: protocol("videos/front_arms_down__infonioknight_g-m1-front.mp4"), True),
        (lambda d: _avi(d / "clip.avi"), True),
        (lambda d: _written(d / "clip.webm", b"\x1a\x45\xdf\xa3" + bytes(200)), True),
        (lambda d: _written(d / "clip.mov", bytes(4) + b"ftypqt  " + bytes(200)), True),
        (lambda d: _written(d / "random.mp4", RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes()), False),
    ],
    ids=["mp4", "avi", "webm", "mov", "random bytes"],
)
def test_a_video_is_refused_as_a_video(tmp_path, make, video):
    # "posture analyze clip.mp4" said "not an image, or a format posture cannot read".
    msg = refused(make(tmp_path), "video" if video else "not an image")
    assert ("posture live --source" in msg) == video


def _written(path, data):
    path.write_bytes(data)
    return path


def test_text_file_named_jpg(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("shoulder notes, not a photo\n" * 20)
    refused(p, "not an image")


def test_png_header_claiming_huge_size_is_refused_without_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    p.write_bytes(png_header_only(100_000, 100_000))  # 10^10 pixels, 30 GB decoded
    t0 = time.perf_counter()
    refused(p, "too large")
    # Decoding would need 30 GB and fail on the junk IDAT; refusing from the
    # header is instant.
    assert time.perf_counter() - t0 < 2.0


def test_header_over_max_pixels_names_the_limit(tmp_path):
    p = tmp_path / "big.png"
    p.write_bytes(png_header_only(9000, 9000))  # 81 MP: over the 60 MP default, junk data
    msg = refused(p, "too large")
    assert "9000x9000" in msg and "60,000,000" in msg


def test_image_over_a_small_max_pixels(tmp_path):
    p = save(tmp_path, "a.png", noise(240, 320))
    msg = refused(p, "too large", max_pixels=50_000)
    assert "320x240" in msg and "50,000" in msg
    assert load_image(p, max_pixels=320 * 240).width == 320  # the limit itself is allowed


def test_one_pixel_image_is_too_small(tmp_path):
    p = save(tmp_path, "dot.png", noise(1, 1))
    msg = refused(p, "too small")
    assert "1x1" in msg


def test_min_side_boundary(tmp_path):
    refused(save(tmp_path, "thin.png", noise(MIN_SIDE - 1, 600)), "too small")
    assert load_image(save(tmp_path, "ok.png", noise(MIN_SIDE, MIN_SIDE))).height == MIN_SIDE
    assert load_image(save(tmp_path, "tiny.png", noise(20, 20)), min_side=16).width == 20


def test_folder(tmp_path):
    d = tmp_path / "photos.jpg"
    d.mkdir()
    refused(d, "folder")


def test_missing_file(tmp_path):
    refused(tmp_path / "nope.jpg", "no such file")


def test_broken_symlink(tmp_path):
    link = tmp_path / "link.jpg"
    link.symlink_to(tmp_path / "gone.jpg")
    refused(link, "no such file")


# ------------------------------------------------------------ conversions


def test_plain_rgb_png_is_exact_and_described(tmp_path):
    arr = noise()
    p = save(tmp_path, "x.png", arr)
    im = load_image(p)
    assert isinstance(im, LoadedImage)
    assert im.rgb.dtype == np.uint8 and im.rgb.shape == (240, 320, 3)
    np.testing.assert_array_equal(im.rgb, arr)
    assert (im.width, im.height) == (320, 240)
    assert im.format == "PNG"
    assert im.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert im.taken_at is None and im.exif_rotated is False
    assert im.path == str(p)


def test_16bit_grayscale_maps_full_range(tmp_path):
    g = np.tile(np.linspace(0, 65535, 256).round().astype(np.uint16), (200, 1))
    g[:, 100] = 1000  # a dark value: must stay dark (1000/65535*255 = 3.9), not clip to 255
    p = tmp_path / "g16.png"
    Image.fromarray(g).save(p)
    assert Image.open(p).mode.startswith("I")  # really a 16-bit file
    rgb = load_image(p).rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (200, 256, 3)
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
    assert rgb[0, 0, 0] == 0
    assert rgb[0, 255, 0] == 255
    assert rgb[0, 100, 0] == 4
    row = rgb[0, :, 0].astype(int)
    row = np.delete(row, 100)
    assert (np.diff(row) >= 0).all()  # monotonic
    expected = np.round(np.delete(g[0], 100) / 65535 * 255)
    assert np.abs(row - expected).max() <= 1


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    arr = np.zeros((200, 300, 3), np.uint8)
    arr[:, :100] = (255, 0, 0)
    arr[:, 100:200] = (0, 255, 0)
    arr[:, 200:] = (0, 0, 255)
    p = tmp_path / "cmyk.jpg"
    Image.fromarray(arr).convert("CMYK").save(p, quality=95)
    assert Image.open(p).mode == "CMYK"
    rgb = load_image(p).rgb
    assert rgb.shape == (200, 300, 3)
    for x, colour in ((50, (255, 0, 0)), (150, (0, 255, 0)), (250, (0, 0, 255))):
        np.testing.assert_allclose(rgb[100, x].astype(int), colour, atol=40)


def test_palette_becomes_rgb(tmp_path):
    idx = np.zeros((150, 200), np.uint8)
    idx[:, 100:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([10, 200, 30, 250, 5, 90] + [0] * (256 * 3 - 6))
    p = tmp_path / "pal.png"
    im.save(p)
    rgb = load_image(p).rgb
    assert tuple(rgb[0, 0]) == (10, 200, 30)
    assert tuple(rgb[0, 150]) == (250, 5, 90)


def test_palette_with_transparency_composited_on_white(tmp_path):
    idx = np.zeros((150, 200), np.uint8)
    idx[:, 100:] = 1
    im = Image.fromarray(idx, "P")
    im.putpalette([0, 0, 0, 250, 5, 90] + [0] * (256 * 3 - 6))
    p = tmp_path / "palt.png"
    im.save(p, transparency=0)  # index 0 (black) is transparent
    rgb = load_image(p).rgb
    assert tuple(rgb[0, 0]) == (255, 255, 255)
    assert tuple(rgb[0, 150]) == (250, 5, 90)


def test_rgba_transparent_becomes_white(tmp_path):
    a = np.zeros((150, 300, 4), np.uint8)
    a[..., 0] = 200  # red everywhere in the colour channels
    a[:, 100:200, 3] = 128  # half transparent
    a[:, 200:, 3] = 255  # opaque
    p = save(tmp_path, "rgba.png", a, "RGBA")
    rgb = load_image(p).rgb
    assert rgb.shape == (150, 300, 3)
    assert tuple(rgb[0, 0]) == (255, 255, 255)  # fully transparent: white, not red or black
    np.testing.assert_allclose(rgb[0, 150].astype(int), (228, 127, 127), atol=2)  # half over white
    assert tuple(rgb[0, 250]) == (200, 0, 0)


def test_grayscale_becomes_rgb(tmp_path):
    g = RNG.integers(0, 256, (150, 200), dtype=np.uint8)
    p = save(tmp_path, "g.png", g, "L")
    rgb = load_image(p).rgb
    assert rgb.shape == (150, 200, 3)
    for c in range(3):
        np.testing.assert_array_equal(rgb[..., c], g)


def test_gray_with_alpha_becomes_rgb_on_white(tmp_path):
    la = np.zeros((150, 200, 2), np.uint8)  # black
    la[:, 100:, 1] = 255  # right half opaque
    rgb = load_image(save(tmp_path, "la.png", la, "LA")).rgb
    assert tuple(rgb[0, 0]) == (255, 255, 255)
    assert tuple(rgb[0, 150]) == (0, 0, 0)


def _exif_jpeg(tmp_path: Path, name: str, orientation: int | None, date: str | None) -> Path:
    # Stored 300 wide x 200 high: a red block in the stored top-left corner, blue elsewhere.
    arr = np.zeros((200, 300, 3), np.uint8)
    arr[...] = (0, 0, 255)
    arr[:60, :60] = (255, 0, 0)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if date is not None:
        exif.get_ifd(0x8769)[0x9003] = date
    p = tmp_path / name
    Image.fromarray(arr).save(p, quality=95, exif=exif.tobytes())
    return p


def _red_corner(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    corners = {
        "top-left": rgb[10, 10],
        "top-right": rgb[10, w - 11],
        "bottom-left": rgb[h - 11, 10],
        "bottom-right": rgb[h - 11, w - 11],
    }
    reds = [k for k, v in corners.items() if v[0] > 200 and v[2] < 60]
    assert len(reds) == 1, corners
    return reds[0]


@pytest.mark.parametrize(
    "orientation, corner",
    [
        # 6: the camera was turned clockwise; display = stored rotated 90 degrees clockwise,
        # so the stored top-left lands at the top-right.
        (6, "top-right"),
        # 8: display = stored rotated 90 degrees counter-clockwise: top-left -> bottom-left.
        (8, "bottom-left"),
    ],
)
def test_exif_rotation_gives_upright_image(tmp_path, orientation, corner):
    im = load_image(_exif_jpeg(tmp_path, f"o{orientation}.jpg", orientation, None))
    assert (im.width, im.height) == (200, 300)  # portrait once upright
    assert im.exif_rotated is True
    assert _red_corner(im.rgb) == corner


def test_no_exif_rotation(tmp_path):
    im = load_image(_exif_jpeg(tmp_path, "o1.jpg", 1, None))
    assert (im.width, im.height) == (300, 200)
    assert im.exif_rotated is False
    assert _red_corner(im.rgb) == "top-left"


def test_exif_date_taken(tmp_path):
    im = load_image(_exif_jpeg(tmp_path, "d.jpg", None, "2021:03:04 05:06:07"))
    assert im.taken_at == "2021-03-04T05:06:07"


def test_malformed_exif_date_is_ignored(tmp_path):
    im = load_image(_exif_jpeg(tmp_path, "bad.jpg", None, "yesterday"))
    assert im.taken_at is None


@pytest.mark.parametrize(
    "fmt, suffix, kw, exact",
    [
        ("WEBP", ".webp", {"lossless": True}, True),
        ("WEBP", ".webp", {"quality": 80}, False),
        ("BMP", ".bmp", {}, True),
        ("TIFF", ".tif", {}, True),
        ("GIF", ".gif", {}, False),
    ],
)
def test_other_formats_decode(tmp_path, fmt, suffix, kw, exact):
    arr = np.zeros((160, 240, 3), np.uint8)
    arr[:, :120] = (30, 160, 220)
    arr[:, 120:] = (240, 200, 10)
    p = tmp_path / ("x" + suffix)
    Image.fromarray(arr).save(p, format=fmt, **kw)
    im = load_image(p)
    assert im.format == fmt
    assert im.rgb.shape == (160, 240, 3) and im.rgb.dtype == np.uint8
    if exact:
        np.testing.assert_array_equal(im.rgb, arr)
    else:
        np.testing.assert_allclose(im.rgb[80, [60, 180]].astype(int), arr[80, [60, 180]].astype(int), atol=12)


def test_file_extension_does_not_matter(tmp_path):
    arr = noise()
    p = tmp_path / "really_a_png.jpg"
    Image.fromarray(arr).save(p, format="PNG")
    im = load_image(p)
    assert im.format == "PNG"
    np.testing.assert_array_equal(im.rgb, arr)


def test_float_image_in_unit_range_keeps_its_brightness(tmp_path):
    from PIL import Image

    arr = np.tile(np.linspace(0.0, 1.0, 256, dtype=np.float32), (200, 1))
    p = tmp_path / "float.tif"
    Image.fromarray(arr, mode="F").save(p)
    rgb = load_image(p).rgb
    assert rgb[0, 0, 0] == 0 and rgb[0, -1, 0] == 255 and abs(int(rgb[0, 128, 0]) - 128) <= 1


@pytest.mark.parametrize(
    ("w", "h", "refused_as"),
    [(1400, 140, None), (1401, 140, "10 times longer than wide"), (140, 1500, "11 times longer than wide")],
)
def test_an_image_more_than_ten_times_longer_than_wide_is_refused(tmp_path, w, h, refused_as):
    p = save(tmp_path, "strip.png", noise(h, w))
    if refused_as is None:
        assert load_image(p).width == w and load_image(p).height == h
    else:
        msg = refused(p, "longer than wide")
        assert f"{w}x{h}, {refused_as}" in msg and "up to 10:1" in msg


def test_a_wav_file_is_not_called_a_video(tmp_path):
    # RIFF is AVI's container and WAV's: only an AVI is a video.
    p = _written(tmp_path / "sound.jpg", b"RIFF" + struct.pack("<I", 200) + b"WAVEfmt " + bytes(200))
    msg = refused(p, "not an image")
    assert "video" not in msg


@pytest.mark.parametrize(
    ("values", "mode", "expected"),
    [
        ([0, 128, 255], "I", [0, 128, 255]),  # 32-bit integers holding 8-bit values keep them
        ([0, 256, 65535], "I", [0, 1, 255]),  # past 255: a 16-bit range
        ([0, 100, 255], "I;16", [0, 0, 1]),  # a dark 16-bit photo stays dark
        ([0.0, 128.0, 255.0], "F", [0, 128, 255]),  # floats past 1: an 8-bit range
    ],
)
def test_integer_and_float_images_map_their_range_to_8_bits(tmp_path, values, mode, expected):
    dtype = {"I": np.int32, "I;16": np.uint16, "F": np.float32}[mode]
    arr = np.repeat(np.repeat(np.array(values, dtype)[None, :], 150, 0), 50, 1)
    p = tmp_path / "range.tif"
    Image.fromarray(arr).save(p)
    assert Image.open(p).mode.startswith(mode.split(";")[0])
    rgb = load_image(p).rgb
    assert [int(rgb[0, 50 * i + 25, 0]) for i in range(len(values))] == expected


def test_a_file_of_several_images_measures_the_first_and_says_so(tmp_path):
    frames = [Image.fromarray(noise(200, 200)) for _ in range(3)]
    p = tmp_path / "three.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    im = load_image(p)
    assert im.notes == ("the file holds 3 images (GIF); only the first was measured",)
    assert load_image(save(tmp_path, "one.gif", noise(200, 200))).notes == ()
