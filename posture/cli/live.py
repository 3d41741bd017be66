"""``posture live``: the live check with a camera, a video or an image sequence."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from posture.cli.common import add_model_options, add_save_options, db_path, number, settings_from
from posture.errors import EXIT_NO_PERSON, EXIT_OK, EXIT_USAGE
from posture.terminal import printable

if TYPE_CHECKING:
    from posture.live.app import LiveSummary

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


def add_parser(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "live",
        help="live check with the camera (or a video)",
        description="Watch the shoulder and hip lines live, take a steady reading (a capture: the median "
        "over a few seconds) and be warned when a tilt stays above a limit.",
        epilog=LIVE_EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = v.add_mutually_exclusive_group()
    src.add_argument("--camera", metavar="N", type=number(int, 0), help="camera index (default 0)")
    src.add_argument(
        "--source",
        metavar="FILE",
        help="a video file, a folder of images or a pattern such as 'frames/*.png' instead of the camera",
    )
    v.add_argument(
        "--mirror-view",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show and measure the frames as a mirror image (default: on for the camera, off for --source); "
        "left and right always stay the person's own",
    )
    v.add_argument(
        "--fps",
        metavar="N",
        type=number(float, 1, 1000),
        help="frame rate of --source (default: the video's own; 30 for images)",
    )
    v.add_argument("--headless", action="store_true", help="a live table in the terminal instead of a window")
    v.add_argument(
        "--capture",
        metavar="SECONDS",
        type=number(float, 0.1, 600),
        help="take a capture of SECONDS as soon as you are in view (also the length the space key uses; default 3)",
    )
    v.add_argument(
        "--alert",
        metavar="METRIC:LIMIT[:SECONDS]",
        type=_alert_rule,
        action="append",
        help="warn when |METRIC| stays above LIMIT (degrees, or %% of shoulder width) for SECONDS (default 5), "
        "e.g. shoulder:3:5 or hip:2; repeatable; replaces the default alerts (shoulder:3:5 and hip:3:5)",
    )
    v.add_argument("--no-alerts", action="store_true", help="no alerts")
    v.add_argument("--duration", metavar="S", type=number(float, 0.1), help="stop after S seconds")
    v.add_argument("--record", metavar="FILE", help="write the annotated video (.mp4, .avi, ...)")
    v.add_argument(
        "--log",
        metavar="FILE",
        help="write one CSV row per processed frame (time, every metric raw and smoothed, quality flags)",
    )
    v.add_argument("--force", action="store_true", help="overwrite --record / --log files")
    v.add_argument(
        "--level",
        metavar="DEG",
        type=number(float, -45, 45),
        help="correct a camera roll of DEG degrees (as for analyze)",
    )
    add_model_options(v)
    add_save_options(v, photos=False)
    v.set_defaults(func=cmd_live)


def cmd_live(args: argparse.Namespace) -> int:
    """``posture live``."""
    from posture.live import DEFAULT_ALERTS, LiveOptions, run_live

    if (args.name is not None or args.note is not None or args.db is not None) and not args.save:
        print("posture live: error: --name, --note and --db need --save", file=sys.stderr)
        return EXIT_USAGE
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
        settings=settings_from(args),
        history=db_path(args),
    )
    summary = run_live(options)
    print(printable("\n".join(summary.lines()), keep_newlines=True))
    if args.save:
        _save_captures(args, summary)
    if not summary.with_person:
        print("posture live: nobody was seen during the session", file=sys.stderr)
        return EXIT_NO_PERSON
    return EXIT_OK


def _save_captures(args: argparse.Namespace, summary: "LiveSummary") -> None:
    from posture.history import History
    from posture.live.app import capture_measurement

    found = [m for m in (capture_measurement(summary, c) for c in summary.captures) if m is not None]
    if not found:
        print("Not saved to the history: no capture measured anything.")
        return
    with History.open(args.db) as h:
        ids = [h.save(m, name=args.name, note=args.note)[0] for m in found]
        print(
            f"Saved {len(ids)} capture(s) to the history as "
            + ", ".join(f"#{i}" for i in ids)
            + f" ({printable(h.path)})."
        )
