"""Opening input files safely: only regular files, and never more bytes than a limit.

A path may name a device (``/dev/zero`` never ends), a FIFO (reading waits
for a writer forever) or a huge sparse file: each is refused before a
byte is read. The file is opened without blocking and checked on the open
descriptor, so it cannot be swapped between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from posture.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".heif")
"""Suffixes (compared in lower case) of the files taken as photos in a folder, a pattern or a
listing: what :mod:`posture.images` decodes (HEIC and HEIF with the ``heif`` extra)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder; give a file"
    if stat.S_ISFIFO(mode):
        return "is a pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def check_regular(path: str | Path, *, error: type[InputError] = InputError) -> os.stat_result:
    """The ``stat`` of ``path`` if it is a regular file (symlinks followed), else ``error``
    with one line saying what it is (missing, a folder, a device, a FIFO, ...)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except OSError as e:
        raise error(f"{path}: cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: {_kind(st.st_mode)}")
    return st


def read_regular(path: str | Path, *, max_bytes: int, what: str = "file") -> bytes:
    """The whole content of the regular file ``path``, refusing anything else and
    files over ``max_bytes`` before reading them.

    Raises
    ------
    InputError
        Missing, unreadable, not a regular file, or larger than ``max_bytes``.
    """
    check_regular(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)  # the file actually opened: it may have been replaced since the check
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: {_kind(st.st_mode)}")
        if st.st_size > max_bytes:
            raise InputError(
                f"{path}: the file is too large for a {what} ({st.st_size / 1e6:,.0f} MB; "
                f"at most {max_bytes / 1e6:,.0f} MB)"
            )
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    if len(data) > max_bytes:  # it grew while being read
        raise InputError(f"{path}: the file is too large for a {what} (over {max_bytes / 1e6:,.0f} MB)")
    return data
