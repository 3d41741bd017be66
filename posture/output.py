"""Writing output files without losing anything the user already had."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Mapping, TypeVar

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
"""Annotated image suffixes and their Pillow formats."""

F = TypeVar("F")


def output_format(path: str | Path, formats: Mapping[str, F], kind: str) -> F:
    """The format that ``path``'s suffix (any case) names in ``formats`` (lower-case suffix -> format).

    Raises :class:`~posture.errors.OutputError` for another suffix, naming those posture writes.
    """
    fmt = formats.get(Path(path).suffix.lower())
    if fmt is None:
        names = list(formats)
        choices = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise OutputError(f"{path}: unsupported {kind} type; use {choices}")
    return fmt


def check_writable(folder: str | Path, target: str | Path | None = None) -> None:
    """Refuse a folder in which a file cannot be created (permissions, a read-only disk), by
    creating and removing an unnamed temporary file there; the message names ``target``, the
    file or folder to be written, when given."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise OutputError(f"{target or folder}: cannot write in folder {folder} ({e.strerror or e})") from None


def check_target(
    path: str | Path,
    *,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    formats: Mapping[str, object] | None = None,
    kind: str = "output",
) -> Path:
    """Refuse an output path, before any work is done, that names a format posture cannot write
    (when ``formats`` is given, see :func:`output_format`), is an input, a folder, an existing
    file (unless ``force``), or is in a missing or unwritable folder. Returns the path.
    """
    p = Path(path)
    if formats is not None:
        output_format(p, formats, kind)
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
    check_writable(p.parent, p)
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

    fmt = output_format(path, IMAGE_FORMATS, "image")
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buf.getvalue()
