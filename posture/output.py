"""Writing output files without losing anything the user already had.

* :func:`check_targets` refuses, before any work, an output that is an input
  (a photo, the history database), a folder, not a regular file (a device,
  a FIFO: even with ``--force``), an existing file without ``force``, or the
  same file as another output of the run. Files are compared by identity
  (device and inode, symlinks followed), not by spelling.
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
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError

IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}

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


def check_target(
    path: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = (), history: str | Path | None = None
) -> Path:
    """Refuse an output path that is an input, the ``history`` database, a folder, not a
    regular file, an existing file (unless ``force``), or in a missing folder. Returns the path.
    """
    p = Path(path)
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
    return p


def check_targets(
    targets: Sequence[str | Path | None],
    *,
    force: bool = False,
    inputs: Iterable[str | Path | None] = (),
    history: str | Path | None = None,
) -> None:
    """:func:`check_target` for each output of one run (None and ``-`` are skipped),
    and refuse two outputs that are the same file."""
    kept = [Path(t) for t in targets if t is not None and str(t) != STDOUT]
    sources = [s for s in inputs if s is not None]
    seen: dict[Identity, Path] = {}
    for t in kept:
        check_target(t, force=force, inputs=sources, history=history)
        ident = identity(t)
        if ident is not None and ident in seen:
            raise OutputError(f"{t}: named for two outputs; give each output its own file")
        if ident is not None:
            seen[ident] = t


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
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
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


def encode_image(rgb: NDArray[np.uint8], path: str | Path) -> bytes:
    """Encode an RGB image in the format named by the file's suffix (.png, .jpg, .webp)."""
    from PIL import Image

    fmt = IMAGE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: unsupported image type; use .png, .jpg or .webp")
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return buf.getvalue()
