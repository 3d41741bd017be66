"""Reading photos into 8-bit RGB arrays, refusing what can't be measured.

Pillow decodes (JPEG, PNG, WebP, BMP, TIFF, and HEIC/HEIF when the optional
``pillow-heif`` is installed). The EXIF orientation is applied, so the array
is upright as a photo viewer shows it. Grayscale, palette, RGBA (composited
on white), 16-bit and CMYK images become 8-bit RGB.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from posture.errors import InputError, first_line
from posture.extras import needs_extra
from posture.files import read_regular

DEFAULT_MAX_PIXELS = 60_000_000
"""Larger images are refused (decompression bombs); about 60 megapixels."""

MIN_SIDE = 128
"""Images whose shorter side is below this many pixels are refused."""

MAX_ASPECT = 10.0
"""Images more than this many times wider than tall (or taller than wide) are refused:
no photo of a standing person has that shape, and the annotated image would not fit it."""

MAX_BYTES_PER_PIXEL = 8
"""The most an image file can need per pixel (uncompressed 16-bit RGBA)."""

MAX_METADATA_BYTES = 64 * 2**20
"""Room for what an image file holds besides its pixels (EXIF, ICC profile, previews)."""


def max_file_bytes(max_pixels: int) -> int:
    """The largest file an image of at most ``max_pixels`` pixels can be; larger files are
    refused before they are read."""
    return max_pixels * MAX_BYTES_PER_PIXEL + MAX_METADATA_BYTES


_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif")
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class LoadedImage:
    """An upright 8-bit RGB image and facts about its file.

    ``rgb`` is ``(H, W, 3)`` uint8. ``taken_at`` is the EXIF
    DateTimeOriginal as ISO 8601 (no time zone), or None. ``notes`` are
    warnings about the file for the measurement (e.g. only the first frame
    of an animation was read).
    """

    rgb: NDArray[np.uint8]
    path: str
    sha256: str
    format: str
    taken_at: str | None = None
    exif_rotated: bool = False
    notes: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        """Height in pixels."""
        return int(self.rgb.shape[0])


def check_dimensions(
    name: str, width: int, height: int, *, max_pixels: int = DEFAULT_MAX_PIXELS, error: type[InputError] = InputError
) -> None:
    """Refuse (``error``) an image or frame of more than ``max_pixels`` pixels, or more than
    :data:`MAX_ASPECT` times longer than wide: the pose model fails on such shapes (a frame
    40000 pixels wide aborts it), and the work and the drawing grow with the pixels."""
    w, h = int(width), int(height)
    if w * h > max_pixels:
        raise error(f"{name}: the image is too large ({w}x{h} = {w * h:,} pixels; the limit is {max_pixels:,})")
    if max(w, h) > MAX_ASPECT * max(1, min(w, h)):
        raise error(
            f"{name}: the image is {w}x{h}, {max(w, h) / max(1, min(w, h)):.0f} times longer than wide; "
            f"posture measures images up to {MAX_ASPECT:g}:1"
        )


def _is_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _is_video(head: bytes) -> bool:
    """Whether the file starts like a video container: MP4 or QuickTime (an ISO box that is not
    HEIF's), AVI, Matroska or WebM."""
    return (
        (head[4:8] == b"ftyp" and not _is_heif(head))
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or head[:4] == b"\x1a\x45\xdf\xa3"
    )


def _register_heif(name: str) -> None:
    try:
        import pillow_heif
    except ImportError:
        raise InputError(needs_extra(f"{name}: a HEIC/HEIF photo", "heif")) from None
    pillow_heif.register_heif_opener()


def _to_rgb8(im: "Image.Image") -> NDArray[np.uint8]:  # type: ignore[name-defined]  # noqa: F821
    from PIL import Image

    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        if im.mode.startswith("I;16") or arr.max() > 255:
            top = 65535.0
        elif im.mode == "F" and arr.max() <= 1.0:
            top = 1.0  # floating-point images usually hold 0..1
        else:
            top = 255.0
        gray = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if im.mode == "P" or im.mode in ("LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _taken_at(im: "Image.Image") -> str | None:  # type: ignore[name-defined]  # noqa: F821
    try:
        raw = im.getexif().get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL)
        if not raw:
            return None
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except (ValueError, KeyError, TypeError, OSError, SyntaxError):
        return None


def load_image(
    path: str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> LoadedImage:
    """Read an image file, or a URI of object storage (``s3://...``, see :mod:`posture.sources`),
    as upright 8-bit RGB (the bytes are decoded by :func:`load_image_bytes`).

    Raises
    ------
    InputError
        The path is missing, a folder or not a regular file (a device, a
        FIFO); the file is larger than an image of ``max_pixels`` can be
        (:func:`max_file_bytes`, checked before reading); or
        :func:`load_image_bytes` refuses its content.
    """
    from posture.sources import is_uri, read_uri

    max_bytes, what = max_file_bytes(max_pixels), f"photo of at most {max_pixels:,} pixels"
    if is_uri(path):
        name, data = str(path), read_uri(str(path), max_bytes=max_bytes, what=what)
    else:
        name, data = str(Path(path)), read_regular(Path(path), max_bytes=max_bytes, what=what)
    return load_image_bytes(data, name, max_pixels=max_pixels, min_side=min_side)


def load_image_bytes(
    data: bytes,
    name: str,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = MIN_SIDE,
) -> LoadedImage:
    """Decode the bytes of an image file (read from disk or object storage) as upright 8-bit RGB.

    ``name`` is the file's path or URI, used in messages and as ``LoadedImage.path``.
    The same bytes give the same array whichever way they were read.

    Raises
    ------
    InputError
        The data is larger than an image of ``max_pixels`` can be, empty, not an image, in an unsupported format, truncated
        or corrupt; it has more than ``max_pixels`` pixels, a shorter side
        below ``min_side``, or is more than :data:`MAX_ASPECT` times longer
        than wide.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = max_file_bytes(max_pixels)
    if len(data) > limit:
        raise InputError(
            f"{name}: the file is too large for a photo of at most {max_pixels:,} pixels (over {limit / 1e6:,.0f} MB)"
        )
    if not data:
        raise InputError(f"{name}: the file is empty")
    if _is_heif(data[:16]):
        _register_heif(name)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            if _is_video(data[:16]):
                raise InputError(
                    f"{name}: a video, not a photo: the live check (posture live --source) reads videos"
                ) from None
            raise InputError(f"{name}: not an image, or a format posture cannot read") from None
        except Image.DecompressionBombError:
            limit = min(max_pixels, 2 * (Image.MAX_IMAGE_PIXELS or max_pixels))
            raise InputError(f"{name}: the image is too large (over {limit:,} pixels)") from None
        except (OSError, ValueError, SyntaxError) as e:
            raise InputError(f"{name}: corrupt image ({first_line(e)})") from None
        check_dimensions(name, *im.size, max_pixels=max_pixels)
        fmt = im.format or "unknown"
        frames = int(getattr(im, "n_frames", 1) or 1)
        notes = (f"the file holds {frames} images ({fmt}); only the first was measured",) if frames > 1 else ()
        try:
            im.load()
            taken = _taken_at(im)
            rotated = im.getexif().get(_EXIF_ORIENTATION, 1) not in (1, None)
            upright = ImageOps.exif_transpose(im)
            rgb = _to_rgb8(upright)
        except Image.DecompressionBombError:
            raise InputError(f"{name}: the image is too large (over {max_pixels:,} pixels)") from None
        except (OSError, ValueError, SyntaxError, EOFError) as e:
            raise InputError(f"{name}: the image is truncated or corrupt ({first_line(e)})") from None
    if min(rgb.shape[:2]) < min_side:
        raise InputError(
            f"{name}: the image is too small to measure reliably ({rgb.shape[1]}x{rgb.shape[0]}; "
            f"at least {min_side} pixels on the shorter side)"
        )
    return LoadedImage(
        rgb=rgb,
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        taken_at=taken,
        exif_rotated=rotated,
        notes=notes,
    )
