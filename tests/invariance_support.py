"""The same photo as other files: another size, compression, orientation, framing, an alpha channel.

Each transform takes an upright ``(H, W, 3)`` uint8 RGB array and gives the bytes of an image
file, read back as a user's file is (:func:`posture.images.load_image_bytes`); used by the
invariance tests and ``benchmarks/invariance.py``.
"""

from __future__ import annotations

import io
from typing import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

Rgb = NDArray[np.uint8]

PAD = 0.2
"""Share of the photo's width (height) added on the left and right (top and bottom) by the padding transforms."""

EXIF_ORIENTATION = 0x0112
ROTATE_CW = 6
"""EXIF Orientation: the stored pixels are turned 90 degrees clockwise to be shown upright."""


def _png(rgb: Rgb, exif: bytes | None = None) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    im = Image.fromarray(rgb)
    if exif is None:
        im.save(buf, "PNG")
    else:
        im.save(buf, "PNG", exif=exif)
    return buf.getvalue()


def scaled(f: float) -> Callable[[Rgb], bytes]:
    """Resized by ``f`` (``cv2.INTER_AREA`` down, ``cv2.INTER_CUBIC`` up), PNG."""

    def run(rgb: Rgb) -> bytes:
        h, w = rgb.shape[:2]
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        return _png(cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=interp))

    return run


def jpeg(quality: int) -> Callable[[Rgb], bytes]:
    """Re-encoded as a JPEG of ``quality`` (what messengers do)."""

    def run(rgb: Rgb) -> bytes:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
        return buf.getvalue()

    return run


def exif_rotated(rgb: Rgb) -> bytes:
    """The pixels stored a quarter turn anticlockwise, tagged to be turned clockwise for showing."""
    from PIL import Image

    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = ROTATE_CW
    return _png(np.ascontiguousarray(np.rot90(rgb, 1)), exif.tobytes())


def padded(flat: bool) -> Callable[[Rgb], bytes]:
    """``PAD`` of wall added on every side: the border pixels replicated, or (``flat``) the median
    colour of the border; PNG."""

    def run(rgb: Rgb) -> bytes:
        h, w = rgb.shape[:2]
        px, py = round(PAD * w), round(PAD * h)
        if flat:
            ring = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
            colour = [int(c) for c in np.median(ring, axis=0)]
            out = cv2.copyMakeBorder(rgb, py, py, px, px, cv2.BORDER_CONSTANT, value=colour)
        else:
            out = cv2.copyMakeBorder(rgb, py, py, px, px, cv2.BORDER_REPLICATE)
        return _png(out)

    return run


def with_alpha(rgb: Rgb) -> bytes:
    """The pixels with an opaque alpha channel, PNG (RGBA)."""
    return _png(np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]))


TRANSFORMS: dict[str, Callable[[Rgb], bytes]] = {
    "scale 0.5": scaled(0.5),
    "scale 2": scaled(2.0),
    "jpeg 70": jpeg(70),
    "exif": exif_rotated,
    "pad edge": padded(False),
    "pad flat": padded(True),
    "rgba": with_alpha,
}
