"""What the subcommands share: the argument parser class, option groups and value parsers,
the analysis settings built from the options, and the exit-code help."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Sequence

from posture.errors import EXIT_USAGE
from posture.terminal import printable

if TYPE_CHECKING:
    from posture.settings import Settings


EXIT_CODES_HELP = """exit codes:
  0  measured
  2  usage error
  3  bad input (unreadable or unsupported image, bad model file)
  4  no person found in the photo
  5  a person was found but nothing could be measured (side view, body out of frame)
  6  output refused (file exists without --force, or cannot be written)
  7  history refused (database from a newer posture, not a posture history,
     corrupt, or no measurement with that ID)
  1  unexpected error
"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors and exit code 2; an error that an argument starting
    with ``-`` caused says how to write it (``./-me.jpg``, ``--name=-Ana``)."""

    _argv: Sequence[str] = ()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_USAGE, f"{self.prog}: error: {printable(message)}{self._dash_hint(message)} (see {self.prog} --help)\n"
        )

    def _dash_hint(self, message: str) -> str:
        """How to write the argument starting with ``-`` that argparse took for an option, if one did."""
        files = [a for a in self._argv if a.startswith("-") and a != "-" and os.path.lexists(a)]
        if files:
            return f"; {printable(files[0])} is a file: write ./{printable(files[0])} to name it"
        if not message.endswith("expected one argument"):
            return ""
        spellings = message.split(":")[0].removeprefix("argument ").split("/")
        at = [i for i, a in enumerate(self._argv[:-1]) if a in spellings]
        if at and self._argv[at[-1] + 1].startswith("-"):
            return f"; a value starting with '-' is written {spellings[-1]}={printable(self._argv[at[-1] + 1])}"
        return ""


def number(kind: type, lo: float | None = None, hi: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if hi is None and lo is not None and v < lo:
            raise argparse.ArgumentTypeError(f"{text} is below {lo:g}")
        if lo is None and hi is not None and v > hi:
            raise argparse.ArgumentTypeError(f"{text} is above {hi:g}")
        if lo is not None and hi is not None and not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {lo:g}..{hi:g}")
        return v

    return parse


def level(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    return number(float, -45, 45)(text)


def measurement_id(text: str) -> int:
    from posture.history import resolve_measurement_ref

    ref = resolve_measurement_ref(text)
    if ref is None and text.strip().isdigit():
        ref = int(text)
    if ref is None:
        raise argparse.ArgumentTypeError(f"expected a measurement ID such as 12 or #12, got {text!r}")
    return ref


def add_mode_options(p: argparse.ArgumentParser) -> None:
    """``--level``, ``--fast`` (analyze and compare)."""
    p.add_argument(
        "--level",
        metavar="DEG|auto",
        type=level,
        help="correct a camera roll of DEG degrees (positive: a truly horizontal line appears "
        "with its right end higher), or 'auto' to estimate it from vertical lines in the scene",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="one landmark pass instead of 20 and no silhouette refinement: the fastest mode "
        "(no uncertainty; shoulder and pelvic tilts from the joint landmarks only)",
    )


def add_photo_options(p: argparse.ArgumentParser) -> None:
    """``--height-cm``, ``--person``, ``--max-pixels``, ``--markers``, ``--marker-color`` (analyze and compare)."""
    p.add_argument(
        "--height-cm", metavar="H", type=number(float, 50, 260), help="your height, to give height differences in cm"
    )
    p.add_argument(
        "--person",
        metavar="N",
        type=number(int, 0),
        help="measure the N-th most prominent person in the photo (0: the largest); "
        "to name whose measurement it is in the history, use --name",
    )
    p.add_argument("--max-pixels", metavar="N", type=number(int, 1), help="refuse larger images (default 60 million)")
    p.add_argument(
        "--markers",
        action="store_true",
        help="find round coloured stickers on the acromions and the ASIS (or PSIS from behind) and take "
        "the shoulder and pelvic tilts from them (see docs/markers.md)",
    )
    p.add_argument(
        "--marker-color",
        metavar="COLOR",
        type=marker_color,
        help="the stickers' colour: green (default, fluorescent), yellow, pink, blue or #RRGGBB",
    )


def marker_color(text: str) -> str:
    from posture.marker_colors import parse_color

    try:
        return parse_color(text).name
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_model_options(p: argparse.ArgumentParser) -> None:
    """``--model``, ``--min-visibility`` (every measuring command)."""
    p.add_argument("--model", metavar="PATH", help="another MediaPipe pose landmarker .task bundle")
    p.add_argument(
        "--min-visibility",
        metavar="X",
        type=number(float, 0, 1),
        help="lowest landmark visibility to rely on (default 0.5)",
    )


def taken_at(text: str) -> str:
    from posture.history import parse_taken_at

    try:
        return parse_taken_at(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_save_options(p: argparse.ArgumentParser, *, photos: bool = True) -> argparse._ArgumentGroup:
    """``--save``, ``--name``, ``--note``, ``--db`` (shared by analyze and live: ``photos=False``,
    whose help names neither photos nor ``--person``); returns their group."""
    h = p.add_argument_group("saving to the history")
    h.add_argument(
        "--save",
        action="store_true",
        help="keep the measurement(s) in your history (the same photo is kept once)"
        if photos
        else "keep each capture's measurement in your history",
    )
    h.add_argument(
        "--name",
        metavar="NAME",
        help="whose measurement this is, stored in the history"
        + (" (--person chooses which person in the photo; --name labels them)" if photos else ""),
    )
    h.add_argument("--note", metavar="TEXT", help="a note stored with the measurement")
    h.add_argument("--db", metavar="PATH", help="history database (default: history.sqlite3 in your data folder)")
    return h


def db_path(args: argparse.Namespace) -> str | None:
    """The history database the command reads or writes (None when it uses none)."""
    if not getattr(args, "save", True):
        return None
    if args.db:
        return str(args.db)
    from posture.history import default_path

    return str(default_path())


SETTINGS_OPTIONS = {
    "model": "model",
    "min_score": "min_visibility",
    "fast": "fast",
    "height_cm": "height_cm",
    "person": "person",
    "max_pixels": "max_pixels",
    "markers": "markers",
    "marker_color": "marker_color",
}
"""Each :class:`~posture.settings.Settings` field an option sets: the option's ``dest`` (``--level``
sets ``roll_deg`` or ``auto_level``)."""


def settings_from(args: argparse.Namespace, **given: Any) -> "Settings":
    """The analysis settings of a measuring command: the options of :func:`add_model_options`,
    :func:`add_mode_options` and :func:`add_photo_options` that it has and that were given, over
    :class:`~posture.settings.Settings`' defaults (the one source of them), then ``given``."""
    from posture.settings import Settings

    kwargs = {f: getattr(args, dest) for f, dest in SETTINGS_OPTIONS.items() if getattr(args, dest, None) is not None}
    level = getattr(args, "level", None)
    if level == "auto":
        kwargs["auto_level"] = True
    elif level is not None:
        kwargs["roll_deg"] = level
    return Settings(**{**kwargs, **given})


def usage_error(message: str) -> int:
    print(f"posture compare: error: {message} (see posture compare --help)", file=sys.stderr)
    return EXIT_USAGE
