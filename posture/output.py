"""Writing output files without losing anything the user already had.

* :func:`check_target` refuses, before any work, an output that names a
  format posture cannot write, is an input (a photo, the history database),
  a folder, not a regular file (a device, a FIFO: even with ``--force``), an
  existing file without ``force``, or is in a missing or unwritable folder;
  :func:`check_distinct` refuses two outputs of one run that are the same
  file. Files are compared by identity (device and inode, symlinks
  followed), not by spelling.
* :func:`write_atomic` writes through a temporary file in the target's
  folder and then links it into place: without ``force`` the link fails if
  the target appeared meanwhile (another run, another program), so a file
  is never replaced unless ``force`` said so.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
"""Annotated image suffixes and their Pillow formats."""

F = TypeVar("F")

STDOUT = "-"
"""An output named ``-`` is standard output."""

Identity = tuple[int, ...] | tuple[int, int, str]


def identity(path: str | Path) -> Identity | None:
    """What makes two paths the same file: ``(device, inode)`` of an existing file
    (symlinks followed), else ``(device, inode, name)`` of its folder and its name;
    None when neither can be found."""
    p = Path(path)
    try:
        st = p.stat()
        return (st.st_dev, st.st_ino)
    except OSError:
        pass
    try:
        st = (p.parent if str(p.parent) else Path(".")).stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, p.name)


def _refuse_special(p: Path) -> None:
    """Refuse an existing target that is not a regular file (a device, a FIFO, a socket)."""
    try:
        st = p.stat()
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{p}: is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{p}: is not a regular file (a device or a pipe); give a file name")


def output_format(path: str | Path, formats: Mapping[str, F], kind: str) -> F:
    """The format that ``path``'s suffix (any case) names in ``formats`` (lower-case suffix -> format).

    Raises :class:`~posture.errors.OutputError` for a folder, or for another suffix, naming those
    posture writes.
    """
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a folder; give a file name")
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
    inputs: Iterable[str | Path | None] = (),
    history: str | Path | None = None,
    formats: Mapping[str, object] | None = None,
    kind: str = "output",
) -> Path:
    """Refuse an output path, before any work is done, that names a format posture cannot write
    (when ``formats`` is given, see :func:`output_format`), is an input or the ``history``
    database, a folder, not a regular file (even with ``force``), an existing file (unless
    ``force``), or is in a missing or unwritable folder. Returns the path.
    """
    p = Path(path)
    _check_name(p)
    if formats is not None:
        output_format(p, formats, kind)
    ident = identity(p)
    if ident is not None and history is not None and identity(history) == ident:
        raise OutputError(f"{p}: is the history database; refusing to overwrite it")
    if ident is not None and any(identity(src) == ident for src in inputs if src is not None):
        raise OutputError(f"{p}: refusing to overwrite an input file")
    _refuse_special(p)
    if p.exists() and not force:
        raise OutputError(f"{p}: already exists; use --force to overwrite it")
    if not p.parent.is_dir():
        raise OutputError(f"{p}: folder {p.parent} does not exist")
    check_writable(p.parent, p)
    return p


def _check_name(p: Path) -> None:
    """Refuse a file name longer than its folder's file system takes (255 bytes on most)."""
    try:
        limit = os.pathconf(p.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(p.name))
    if size > limit:
        raise OutputError(f"{p}: the file name is too long ({size} bytes; at most {limit} here)")


def check_distinct(targets: Sequence[str | Path | None]) -> None:
    """Refuse two outputs of one run that are the same file (None and ``-`` are skipped)."""
    seen: set[Identity] = set()
    for t in targets:
        if t is None or str(t) == STDOUT:
            continue
        ident = identity(t)
        if ident is not None and ident in seen:
            raise OutputError(f"{t}: named for two outputs; give each output its own file")
        if ident is not None:
            seen.add(ident)


def _file_mode(p: Path) -> int:
    """Permissions for ``p``: those of the file it replaces, else what a new file gets under the umask."""
    try:
        return stat.S_IMODE(p.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def place(tmp: str | Path, path: str | Path, *, force: bool = False) -> None:
    """Move the finished file ``tmp`` to ``path`` (same folder) atomically.

    Without ``force`` an existing ``path`` is never replaced: the file is
    hard-linked into place, which fails if ``path`` exists. With ``force``
    only a regular file is replaced.

    Raises
    ------
    OutputError
        ``path`` exists (without ``force``), is not a regular file, or
        cannot be written. ``tmp`` is removed in every case.
    """
    p = Path(path)
    try:
        if force:
            _refuse_special(p)
            os.replace(tmp, p)
            return
        try:
            os.link(tmp, p)
        except FileExistsError:
            raise OutputError(f"{p}: already exists (created while posture ran); use --force to overwrite it") from None
        except OSError:
            # A file system without hard links: claim the name exclusively, then move over the claim.
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.replace(tmp, p)
    except FileExistsError:
        raise OutputError(f"{p}: already exists (created while posture ran); use --force to overwrite it") from None
    except OSError as e:
        raise OutputError(f"{p}: cannot write ({e.strerror or e})") from None
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def write_atomic(path: str | Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file, so a failure leaves no partial file.

    ``path`` ``-`` is standard output. An existing file is replaced only with
    ``force`` (see :func:`place`). The file gets the permissions of the file
    it replaces, or a new file's under the umask (not the temporary file's
    owner-only ones).
    """
    if str(path) == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    p = Path(path)
    try:
        # The name's start only: a name the folder takes must leave room for the temporary one's.
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name[:64]}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"{p}: cannot write ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), _file_mode(p))
            f.write(data)
    except OSError as e:
        os.unlink(tmp)
        raise OutputError(f"{p}: cannot write ({e.strerror or e})") from None
    place(tmp, p, force=force)


def encode(rgb: NDArray[np.uint8], fmt: str, quality: int = 92) -> bytes:
    """An ``(H, W, 3)`` uint8 RGB image encoded as ``fmt`` (Pillow's name: ``PNG``, ``JPEG``,
    ``WEBP``), no metadata; ``quality`` for the lossy formats. The one image encoder of posture."""
    from PIL import Image

    buf = io.BytesIO()
    options = {"quality": quality, "optimize": True} if fmt == "JPEG" else {"quality": quality} if fmt == "WEBP" else {}
    Image.fromarray(rgb).save(buf, format=fmt, **options)
    return buf.getvalue()


def encode_image(rgb: NDArray[np.uint8], path: str | Path) -> bytes:
    """Encode an RGB image in the format named by the file's suffix (.png, .jpg, .webp)."""
    return encode(rgb, output_format(path, IMAGE_FORMATS, "image"))
