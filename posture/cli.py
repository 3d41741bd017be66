"""The ``posture`` command: a thin shell over the library.

Each subcommand builds :class:`~posture.settings.Settings`, calls the
library, prints, and maps :class:`~posture.errors.PostureError` to its exit
code with one line on stderr. Heavy libraries are imported inside the
subcommands so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Callable, Sequence

from posture import __version__
from posture.errors import (
    EXIT_INTERNAL,
    EXIT_NO_PERSON,
    EXIT_NOT_MEASURABLE,
    EXIT_OK,
    EXIT_USAGE,
    PostureError,
)

EXIT_CODES_HELP = """exit codes:
  0  measured
  2  usage error
  3  bad input (unreadable or unsupported image, bad model file)
  4  no person found in the photo
  5  a person was found but nothing could be measured (side view, body out of frame)
  6  output refused (file exists without --force, or cannot be written)
  1  unexpected error
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, lo: float | None = None, hi: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise argparse.ArgumentTypeError(f"{text} is outside {lo}..{hi}")
        return v

    return parse


def _level(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    return _number(float, -45, 45)(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``posture`` command."""
    parser = _Parser(
        prog="posture",
        description="Measure shoulder and pelvic tilt and other frontal asymmetries from photos.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    a = sub.add_parser(
        "analyze",
        help="measure one photo",
        description="Measure shoulder tilt, hip-line (pelvic) tilt and more on a photo of one person "
        "standing facing the camera (or facing away).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument("image", help="photo: JPEG, PNG, WebP, BMP, TIFF (HEIC with posture[heif])")
    a.add_argument("--mirror", action="store_true", help="the photo is a mirror image (mirror selfie): swap sides")
    a.add_argument(
        "--level",
        metavar="DEG|auto",
        type=_level,
        help="correct a camera roll of DEG degrees (positive: a truly horizontal line appears "
        "with its right end higher), or 'auto' to estimate it from vertical lines in the scene",
    )
    a.add_argument("--fast", action="store_true", help="one landmark pass instead of 8 (no uncertainty)")
    a.add_argument("--height-cm", metavar="H", type=_number(float, 50, 260), help="your height, to give height differences in cm")
    a.add_argument("--person", metavar="N", type=_number(int, 0), default=0, help="measure the N-th most prominent person (0: the largest)")
    a.add_argument("--model", metavar="PATH", help="another MediaPipe pose landmarker .task bundle")
    a.add_argument("--min-visibility", metavar="X", type=_number(float, 0, 1), default=0.5, help="lowest landmark visibility to rely on (default 0.5)")
    a.add_argument("--max-pixels", metavar="N", type=_number(int, 1), default=None, help="refuse larger images (default 60 million)")
    a.add_argument("--json", action="store_true", help="print the result as one JSON object")
    a.add_argument("-o", "--output", metavar="FILE", help="write the annotated image (.png, .jpg, .webp)")
    a.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    a.set_defaults(func=cmd_analyze)
    return parser


def cmd_analyze(args: argparse.Namespace) -> int:
    """``posture analyze``."""
    from posture.analyze import Analyzer
    from posture.output import check_target, encode_image, write_atomic
    from posture.settings import Settings

    if args.output:
        check_target(args.output, force=args.force, inputs=[args.image])
    kwargs = {} if args.max_pixels is None else {"max_pixels": args.max_pixels}
    settings = Settings(
        mirrored=args.mirror,
        roll_deg=None if args.level in (None, "auto") else args.level,
        auto_level=args.level == "auto",
        fast=args.fast,
        height_cm=args.height_cm,
        min_score=args.min_visibility,
        person=args.person,
        model=args.model,
        **kwargs,
    )
    with Analyzer(settings) as analyzer:
        image = analyzer.load(args.image)
        result = analyzer.analyze(image)
    if args.output:
        from posture.render import draw_overlay

        write_atomic(args.output, encode_image(draw_overlay(image.rgb, result), args.output))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from posture.wording import summary

        print(summary(result))
        if args.output:
            print(f"Annotated image: {args.output}")
    return {"measured": EXIT_OK, "no_person": EXIT_NO_PERSON}.get(result.status, EXIT_NOT_MEASURABLE)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``posture`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="posture: %(levelname)s: %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except PostureError as e:
        print(f"posture: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - last resort: one line, never a traceback
        if args.verbose:
            logging.getLogger("posture").exception("unexpected error")
        print(f"posture: unexpected error: {type(e).__name__}: {e} (run with -v for details)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
