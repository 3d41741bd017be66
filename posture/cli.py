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
        metavar="DEG",
        type=_number(float, -45, 45),
        help="correct a camera roll of DEG degrees (positive: a truly horizontal line appears "
        "with its right end higher)",
    )
    a.add_argument("--height-cm", metavar="H", type=_number(float, 50, 260), help="your height, to give height differences in cm")
    a.add_argument("--person", metavar="N", type=_number(int, 0), default=0, help="measure the N-th most prominent person (0: the largest)")
    a.add_argument("--model", metavar="PATH", help="another MediaPipe pose landmarker .task bundle")
    a.add_argument("--min-visibility", metavar="X", type=_number(float, 0, 1), default=0.5, help="lowest landmark visibility to rely on (default 0.5)")
    a.add_argument("--max-pixels", metavar="N", type=_number(int, 1), default=None, help="refuse larger images (default 60 million)")
    a.add_argument("--json", action="store_true", help="print the result as one JSON object")
    a.add_argument("-o", "--output", metavar="FILE", help="write the annotated image (.png, .jpg, .webp)")
    a.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    a.set_defaults(func=cmd_analyze)
    _add_live(sub)
    return parser


LIVE_EXIT_CODES_HELP = """keys (window): space starts a capture, q or Esc quits; Ctrl-C ends the session in any mode.

exit codes:
  0  the session ran and a person was seen
  2  usage error, or no display for the window (use --headless)
  3  no camera, or an unreadable source; bad model file
  4  nobody was seen during the whole session
  6  --record or --log refused (file exists without --force, or cannot be written)
  1  unexpected error
"""


def _alert_rule(text: str) -> object:
    from posture.live.session import AlertRule

    try:
        return AlertRule.parse(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _add_live(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    v = sub.add_parser(
        "live",
        help="live check with the camera (or a video)",
        description="Watch the shoulder and hip lines live, take a steady reading (a capture: the median "
        "over a few seconds) and be warned when a tilt stays above a limit.",
        epilog=LIVE_EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = v.add_mutually_exclusive_group()
    src.add_argument("--camera", metavar="N", type=_number(int, 0), help="camera index (default 0)")
    src.add_argument("--source", metavar="FILE", help="a video file, a folder of images or a pattern such as 'frames/*.png' instead of the camera")
    v.add_argument(
        "--mirror-view",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show and measure the frames as a mirror image (default: on for the camera, off for --source); "
        "left and right always stay the person's own",
    )
    v.add_argument("--fps", metavar="N", type=_number(float, 1, 1000), help="frame rate of --source (default: the video's own; 30 for images)")
    v.add_argument("--headless", action="store_true", help="a live table in the terminal instead of a window")
    v.add_argument("--capture", metavar="SECONDS", type=_number(float, 0.1, 600), help="take a capture of SECONDS as soon as you are in view (also the length the space key uses; default 3)")
    v.add_argument(
        "--alert",
        metavar="METRIC:LIMIT[:SECONDS]",
        type=_alert_rule,
        action="append",
        help="warn when |METRIC| stays above LIMIT (degrees, or %% of shoulder width) for SECONDS (default 5), "
        "e.g. shoulder:3:5 or hip:2; repeatable; replaces the default alerts (shoulder:3:5 and hip:3:5)",
    )
    v.add_argument("--no-alerts", action="store_true", help="no alerts")
    v.add_argument("--duration", metavar="S", type=_number(float, 0.1), help="stop after S seconds")
    v.add_argument("--record", metavar="FILE", help="write the annotated video (.mp4, .avi, ...)")
    v.add_argument("--log", metavar="FILE", help="write one CSV row per processed frame (time, every metric raw and smoothed, quality flags)")
    v.add_argument("--force", action="store_true", help="overwrite --record / --log files")
    v.add_argument("--level", metavar="DEG", type=_number(float, -45, 45), help="correct a camera roll of DEG degrees (as for analyze)")
    v.add_argument("--model", metavar="PATH", help="another MediaPipe pose landmarker .task bundle")
    v.add_argument("--min-visibility", metavar="X", type=_number(float, 0, 1), default=0.5, help="lowest landmark visibility to rely on (default 0.5)")
    v.set_defaults(func=cmd_live)


def cmd_live(args: argparse.Namespace) -> int:
    """``posture live``."""
    from posture.live import DEFAULT_ALERTS, LiveOptions, run_live

    alerts = () if args.no_alerts else (tuple(args.alert) if args.alert else DEFAULT_ALERTS)
    options = LiveOptions(
        source=args.source,
        camera=args.camera or 0,
        mirror_view=args.mirror_view,
        fps=args.fps,
        headless=args.headless,
        record=args.record,
        log=args.log,
        force=args.force,
        duration=args.duration,
        capture=args.capture,
        alerts=alerts,
        model=args.model,
        min_score=args.min_visibility,
        roll_deg=args.level or 0.0,
    )
    summary = run_live(options)
    print("\n".join(summary.lines()))
    return EXIT_OK if summary.with_person else EXIT_NO_PERSON


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
        roll_deg=args.level,
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
