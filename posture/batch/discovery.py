"""Which photos a batch analyses, and where their annotated images go.

:func:`find_images` turns files and folders into a list of photos. Folders are searched
recursively, in name order; a file found in a folder counts as a photo when its suffix is one of
:data:`~posture.files.IMAGE_SUFFIXES` (any case), and every other file is skipped with a note
(hidden files and folders, whose names start with ``.``, are skipped silently). A file named
explicitly is always analysed, whatever its suffix: if it is not an image its outcome says so. A
missing path becomes a failed outcome, not an exception; a photo reached twice is analysed once.
:func:`plan_annotated` names the annotated image of each photo inside an output folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from posture.files import IMAGE_SUFFIXES

ANNOTATED_SUFFIX = "_annotated.jpg"
"""An annotated image in an output folder is named ``<photo name without suffix>_annotated.jpg``."""


@dataclass(frozen=True)
class Found:
    """What :func:`find_images` found.

    ``photos`` are ``(path, root)`` pairs in order: ``root`` is the folder
    given on the command line that the photo was found in, or None for a
    file named directly. ``skipped`` holds ``(path, reason)`` notes.
    """

    photos: tuple[tuple[str, str | None], ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def paths(self) -> list[str]:
        """The photos' paths, in order."""
        return [p for p, _ in self.photos]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def find_images(inputs: Sequence[str | os.PathLike[str]], *, exclude: Sequence[str | os.PathLike[str]] = ()) -> Found:
    """The photos named by ``inputs`` (files and folders), see the module docstring.

    Folders in ``exclude`` (e.g. the output folder) are not searched.
    """
    photos: list[tuple[str, str | None]] = []
    skipped: list[tuple[str, str]] = []
    seen: set[tuple[int, int] | str] = set()
    excluded = [Path(e) for e in exclude if Path(e).is_dir()]

    def add(path: Path, root: str | None) -> None:
        try:
            st = path.stat()
            key: tuple[int, int] | str = (st.st_dev, st.st_ino)
        except OSError:
            key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            photos.append((str(path), root))

    for item in inputs:
        p = Path(item)
        if not p.is_dir():
            add(p, None)  # missing, unreadable or not an image: its outcome will say so
            continue
        if any(_same(p, e) for e in excluded):
            skipped.append((str(p), "the output folder"))
            continue
        for dirpath, dirnames, filenames in os.walk(p):
            d = Path(dirpath)
            keep = []
            for name in sorted(dirnames):
                if name.startswith("."):
                    continue
                if any(_same(d / name, e) for e in excluded):
                    skipped.append((str(d / name), "the output folder"))
                    continue
                keep.append(name)
            dirnames[:] = keep  # os.walk descends into these, in this order
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                f = d / name
                if f.suffix.lower() in IMAGE_SUFFIXES:
                    add(f, str(p))
                else:
                    skipped.append((str(f), "not an image file (by its name)"))
    return Found(tuple(photos), tuple(skipped))


def plan_annotated(found: Found, folder: str | os.PathLike[str]) -> list[str]:
    """Where each photo's annotated image goes inside ``folder``.

    A photo found in a folder keeps its place below that folder
    (``folder/sub/front_annotated.jpg`` for ``photos/sub/front.jpg`` given
    as ``photos``); a photo named directly goes into ``folder`` itself.
    When two photos would get the same name, the later ones get ``_2``,
    ``_3``, ... before the suffix.
    """
    out = Path(folder)
    taken: set[str] = set()
    planned = []
    for path, root in found.photos:
        p = Path(path)
        sub = p.parent.relative_to(root) if root is not None else Path()
        stem = p.stem or p.name
        target = out / sub / f"{stem}{ANNOTATED_SUFFIX}"
        n = 1
        while os.path.normcase(os.path.abspath(target)) in taken:
            n += 1
            target = out / sub / f"{stem}{ANNOTATED_SUFFIX[:-4]}_{n}{ANNOTATED_SUFFIX[-4:]}"
        taken.add(os.path.normcase(os.path.abspath(target)))
        planned.append(str(target))
    return planned
