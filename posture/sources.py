"""Where the photos of a large run come from: folders, list files and object-storage URIs.

A SOURCE is one of

* a local file or folder, found as :func:`posture.batch.discovery.find_images` finds them
  (folders recursively, in name order, image suffixes only, hidden names skipped);
* ``@FILE``: a text file listing sources, one a line, each used as if given on
  the command line (relative paths from the current folder); blank lines and
  lines starting with ``#`` are ignored; a list does not name other lists;
* a URI that pyarrow's file systems read (``s3://bucket/prefix``,
  ``gs://bucket/photo.jpg``, ``file:///data/photos``): a folder (prefix) is
  listed recursively as a local folder is.

A photo's ``path`` is the string it is known by everywhere (in outcomes, in
the Parquet rows, for ``--resume``): the local path as found, or the URI with
its scheme. Nothing heavy is imported until a URI is used (pyarrow).
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Sequence

from posture.errors import InputError, first_line
from posture.extras import require

if TYPE_CHECKING:
    from posture.batch.discovery import Found

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

LIST_PREFIX = "@"
"""A source ``@FILE`` names a text file that lists sources."""


def is_uri(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` is a URI (``scheme://...``) rather than a local path."""
    return isinstance(source, str) and _URI.match(source) is not None


def filesystem(uri_or_path: str) -> tuple[Any, str]:
    """The pyarrow file system and the path inside it of a URI or a local path.

    Raises
    ------
    InputError
        pyarrow cannot open this URI (an unknown scheme, a file system pyarrow
        was built without, or missing credentials).
    ExtraMissing
        pyarrow (the ``parquet`` extra) is not installed.
    """
    fs = require("pyarrow.fs", "parquet", f"{uri_or_path}: a URI" if is_uri(uri_or_path) else "--parquet")

    if not is_uri(uri_or_path):
        return fs.LocalFileSystem(), os.path.abspath(uri_or_path)
    try:
        return fs.FileSystem.from_uri(uri_or_path)
    except (ValueError, OSError, NotImplementedError) as e:
        raise InputError(f"{uri_or_path}: cannot open ({first_line(e)})") from None


def read_uri(uri: str, *, max_bytes: int | None = None, what: str = "file") -> bytes:
    """The bytes of the file at ``uri``, with the messages of :func:`posture.files.read_regular`;
    a file over ``max_bytes`` is refused before it is read.

    Raises
    ------
    InputError
        No such file, a folder, too large, or it cannot be read.
    """
    filesys, path = filesystem(uri)
    from pyarrow import fs as pafs

    try:
        info = filesys.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            raise InputError(f"{uri}: no such file")
        if info.type == pafs.FileType.Directory:
            raise InputError(f"{uri}: is a folder; give a file")
        if max_bytes is not None and info.size is not None and info.size > max_bytes:
            raise InputError(
                f"{uri}: the file is too large for a {what} ({info.size / 1e6:,.0f} MB; at most {max_bytes / 1e6:,.0f} MB)"
            )
        with filesys.open_input_file(path) as f:
            return bytes(f.read())
    except FileNotFoundError:
        raise InputError(f"{uri}: no such file") from None
    except OSError as e:
        raise InputError(f"{uri}: cannot be read ({first_line(e)})") from None


def _uri_photos(uri: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The photos at ``uri`` (a file, or every image below a folder, in name order) and the skipped files."""
    from posture.files import IMAGE_SUFFIXES

    filesys, root = filesystem(uri)
    from pyarrow import fs as pafs

    scheme = uri[: uri.index("://") + 3]
    try:
        info = filesys.get_file_info(root)
        if info.type != pafs.FileType.Directory:
            return [uri], []  # a file, or missing: its outcome will say so
        listing = filesys.get_file_info(pafs.FileSelector(root, recursive=True))
    except OSError as e:
        raise InputError(f"{uri}: cannot be listed ({first_line(e)})") from None
    photos, skipped = [], []
    for item in sorted(listing, key=lambda i: i.path):
        if item.type != pafs.FileType.File:
            continue
        rel = PurePosixPath(item.path).relative_to(PurePosixPath(root))
        if any(part.startswith(".") for part in rel.parts):
            continue
        found = scheme + item.path
        if PurePosixPath(item.path).suffix.lower() in IMAGE_SUFFIXES:
            photos.append(found)
        else:
            skipped.append((found, "not an image file (by its name)"))
    return photos, skipped


def read_list(name: str) -> list[str]:
    """The sources listed in the text file ``name`` (local path or URI).

    Raises
    ------
    InputError
        The list cannot be read, or names another list.
    """
    try:
        text = read_uri(name).decode("utf-8") if is_uri(name) else Path(name).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{name}: cannot read the list ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: the list is not UTF-8 text") from None
    items = [line.strip() for line in text.splitlines()]
    items = [i for i in items if i and not i.startswith("#")]
    for i in items:
        if i.startswith(LIST_PREFIX):
            raise InputError(f"{name}: lists another list ({i}); give the sources it names instead")
    return items


def expand_sources(sources: Sequence[str], *, exclude: Sequence[str] = ()) -> Found:
    """The photos named by ``sources`` (see the module docstring), each once, in order.

    Local items are found by :func:`posture.batch.discovery.find_images` (``exclude``:
    folders not searched); a photo reached twice is analysed once.
    """
    from posture.batch.discovery import Found, find_images

    items: list[str] = []
    for s in sources:
        items += read_list(s[len(LIST_PREFIX) :]) if s.startswith(LIST_PREFIX) else [s]
    photos: list[tuple[str, str | None]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(found: Sequence[tuple[str, str | None]]) -> None:
        for path, root in found:
            key = path if is_uri(path) else os.path.abspath(path)
            if key not in seen:
                seen.add(key)
                photos.append((path, root))

    local: list[str] = []
    for item in [*items, None]:
        if item is not None and not is_uri(item):
            local.append(item)  # consecutive local items are found together (find_images also knows hard links)
            continue
        if local:
            found = find_images(local, exclude=exclude)
            add(found.photos)
            skipped += found.skipped
            local = []
        if item is not None:
            uri_photos, uri_skipped = _uri_photos(item)
            add([(p, item if p != item else None) for p in uri_photos])
            skipped += uri_skipped
    return Found(tuple(photos), tuple(skipped))


__all__ = ["LIST_PREFIX", "expand_sources", "filesystem", "is_uri", "read_list", "read_uri"]
