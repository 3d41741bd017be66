"""Writing output files without losing anything the user already had."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def check_target(path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output path that is an input, a folder, an existing file
    (unless ``force``), or in a missing folder. Returns the path.
    """
    p = Path(path)
    for src in inputs:
        try:
            if p.exists() and Path(src).exists() and os.path.samefile(p, src):
                raise OutputError(f"{p}: refusing to overwrite an input file")
        except OSError:
            continue
    if p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file name")
    if p.exists() and not force:
        raise OutputError(f"{p}: already exists; use --force to overwrite it")
    if not p.parent.is_dir():
        raise OutputError(f"{p}: folder {p.parent} does not exist")
    return p


def _file_mode(p: Path) -> int:
    """Permissions for ``p``: those of the file it replaces, else what a new file gets under the umask."""
    try:
        return stat.S_IMODE(p.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves no partial file.

    The file gets the permissions of the file it replaces, or a new file's under the umask
    (not the temporary file's owner-only ones).
    """
    p = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"{p}: cannot write ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), _file_mode(p))
            f.write(data)
        os.replace(tmp, p)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise OutputError(f"{p}: cannot write ({e.strerror or e})") from None


def encode_image(rgb: NDArray[np.uint8], path: str | Path) -> bytes:
    """Encode an RGB image in the format named by the file's suffix (.png, .jpg, .webp)."""
    from PIL import Image

    fmt = IMAGE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: unsupported image type; use .png, .jpg or .webp")
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buf.getvalue()
