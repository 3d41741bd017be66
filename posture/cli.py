"""The ``posture`` command: a thin shell over the library.

Each subcommand builds :class:`~posture.settings.Settings`, calls the
library, prints, and maps :class:`~posture.errors.PostureError` to its exit
code with one line on stderr. Heavy libraries are imported inside the
subcommands so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import signal
import sys
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from posture import __version__
from posture.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_NO_PERSON,
    EXIT_NOT_MEASURABLE,
    EXIT_OK,
    EXIT_USAGE,
    STOP_SIGNALS,
    PostureError,
    Terminated,
)
from posture.terminal import log_to_stderr, printable, route_library_warnings

if TYPE_CHECKING:
    from posture.batch import Outcome
    from posture.history import History
    from posture.images import LoadedImage
    from posture.live.app import LiveSummary
    from posture.result import PostureMeasurement
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

BATCH_HELP = """several photos (more than one PHOTO, or a FOLDER):
  Folders are searched recursively for .jpg .jpeg .png .webp .bmp .tif .tiff
  .heic .heif files (other files are skipped with a note on stderr; hidden
  ones silently). --jobs worker processes share the photos; one bad photo
  never stops the batch. Results go to stdout in input order: the text
  summary of each photo, or with --json one JSON object per line (JSON
  Lines): the measurement, or for a photo that failed
    {"source": {"path": ...}, "status": "error", "error": "...", "exit_code": N}
  where N is what 'posture analyze' would exit with for that photo alone.
  A progress bar (only when stderr is a terminal), one line per failure and
  the final count go to stderr. -o names a FOLDER (created if missing):
  each photo's annotated image is FOLDER/<name>_annotated.jpg (keeping the
  sub-folders below a FOLDER input); existing files are refused before
  anything is analysed unless --force. --save stores each measured photo.
  The exit code is 0 when every photo was measured, else the most severe
  code among the photos, in this order: 1, 7, 6, 3, 5, 4.
"""


COMPARE_EXIT_CODES_HELP = """exit codes:
  0  at least one measure could be compared
  2  usage error
  3  bad input (unreadable or unsupported image, bad model file)
  4  nothing comparable, and a photo has no person in it
  5  nothing comparable (side view, body out of frame)
  6  output refused (file exists without --force, or cannot be written)
  1  unexpected error
"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _number(kind: type, lo: float | None = None, hi: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
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
        help="measure a photo, or many",
        description="Measure shoulder tilt, hip-line (pelvic) tilt and more on a photo of one person "
        "standing facing the camera (or facing away).",
        epilog=EXIT_CODES_HELP + "\n" + BATCH_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "inputs",
        nargs="+",
        metavar="PHOTO",
        help="photo: JPEG, PNG, WebP, BMP, TIFF (HEIC with posture[heif]); several photos or "
        "folders analyse them all (see below)",
    )
    a.add_argument("--mirror", action="store_true", help="the photo is a mirror image (mirror selfie): swap sides")
    _add_mode_options(a)
    _add_photo_options(a)
    _add_model_options(a)
    a.add_argument("--json", action="store_true", help="print the result as one JSON object (several photos: one per line)")
    a.add_argument(
        "-o", "--output", metavar="FILE",
        help="write the annotated image (.png, .jpg, .webp); with several photos, a FOLDER for them",
    )
    a.add_argument("--csv", metavar="FILE", help="also write a table, one row per photo")
    a.add_argument("--force", action="store_true", help="overwrite output files that exist")
    a.add_argument(
        "-j", "--jobs", metavar="N", type=_number(int, 1), default=None,
        help="worker processes for several photos (default: one per core)",
    )
    _add_parquet_options(a)
    _add_save_options(a).add_argument(
        "--date",
        metavar="YYYY-MM-DD[THH:MM]",
        type=_taken_at,
        help="when the photo was taken, stored instead of its EXIF date or the time of saving (photos sent "
        "through messaging apps lose their date); with several photos, for all of them",
    )
    a.set_defaults(func=cmd_analyze)
    _add_history_parser(sub)


    c = sub.add_parser(
        "compare",
        help="compare photos taken before and after: a report for you or your physio",
        description="Measure two or more photos of the same person and say, per measure, whether it "
        "improved, got worse or stayed within measurement noise. Writes a self-contained HTML or a PDF "
        "report with the photos at the same body scale.",
        epilog=COMPARE_EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "photos",
        nargs="+",
        metavar="PHOTO",
        help="BEFORE AFTER [MORE ...]: photos, or measurements saved in the history as #ID (e.g. #12); "
        "the first is 'before', the last 'after'",
    )
    c.add_argument("--db", metavar="PATH", help="history database for #ID inputs (default: history.sqlite3 in your data folder)")
    c.add_argument("-o", "--output", metavar="FILE", help="write the report: FILE.html (self-contained, opens offline) or FILE.pdf")
    c.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    c.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    c.add_argument(
        "--dates",
        metavar="D1,D2,...",
        help="dates of the photos (YYYY-MM-DD), one per photo, comma-separated; an empty entry keeps "
        "that photo's own date (default: EXIF date taken, else the file's time)",
    )
    c.add_argument("--blur-faces", action="store_true", help="blur the faces in the report, for sharing")
    c.add_argument("--name", metavar="TEXT", help="a name to show on the report")
    c.add_argument("--note", metavar="TEXT", help="a note to show on the report (what you did between the photos)")
    c.add_argument("--mirror", action="store_true", help="all photos are mirror images (mirror selfies)")
    c.add_argument(
        "--mirror-photo",
        metavar="N",
        type=_number(int, 1),
        action="append",
        default=[],
        help="photo N (1 = the first) is a mirror image; repeat for more",
    )
    _add_mode_options(c)
    _add_photo_options(c)
    _add_model_options(c)
    c.set_defaults(func=cmd_compare)
    _add_live(sub)
    return parser


def _measurement_id(text: str) -> int:
    from posture.history import resolve_measurement_ref

    ref = resolve_measurement_ref(text)
    if ref is None and text.strip().isdigit():
        ref = int(text)
    if ref is None:
        raise argparse.ArgumentTypeError(f"expected a measurement ID such as 12 or #12, got {text!r}")
    return ref


def _add_history_parser(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser(
        "history",
        help="list, show, plot, export or delete saved measurements",
        description="Your saved measurements (posture analyze PHOTO --save), kept in an SQLite "
        "database in your data folder or at --db PATH.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    hs = h.add_subparsers(dest="history_command", metavar="ACTION", parser_class=_Parser, required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="history database (default: history.sqlite3 in your data folder)")
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("--name", metavar="NAME", help="only this person's measurements")

    p = hs.add_parser("list", parents=[common, named], help="a table of saved measurements")
    p.add_argument("--json", action="store_true", help="print a JSON array instead")
    p.set_defaults(func=cmd_history_list)

    p = hs.add_parser("show", parents=[common], help="one saved measurement in full")
    p.add_argument("id", type=_measurement_id, metavar="ID", help="its ID (12 or #12)")
    p.add_argument("--json", action="store_true", help="print it as JSON")
    p.add_argument("--thumbnail", metavar="FILE", help="write its stored thumbnail to FILE (.jpg)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=cmd_history_show)

    p = hs.add_parser(
        "plot",
        parents=[common, named],
        help="chart each metric over time",
        description="Each metric over time with its uncertainty bars and, where the minimal "
        "detectable change is known, a band of changes within measurement noise.",
    )
    p.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="a metric to plot, e.g. shoulder_tilt_deg or pelvic_tilt_deg (repeatable; default: "
        "every metric with a value)",
    )
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the chart (.png, .svg or .pdf)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=cmd_history_plot)

    p = hs.add_parser("export", parents=[common, named], help="write all saved measurements to CSV or JSON")
    fmt = p.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", metavar="FILE", help="one row per measurement ('-': standard output)")
    fmt.add_argument("--json", metavar="FILE", help="everything stored but thumbnails ('-': standard output)")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    p.set_defaults(func=cmd_history_export)

    p = hs.add_parser("delete", parents=[common], help="delete one saved measurement")
    p.add_argument("id", type=_measurement_id, metavar="ID", help="its ID (12 or #12)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_history_delete)


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


def _add_live(sub: argparse._SubParsersAction) -> None:
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
    _add_model_options(v)
    _add_save_options(v)
    v.set_defaults(func=cmd_live)


def _add_mode_options(p: argparse.ArgumentParser) -> None:
    """``--level``, ``--fast`` (analyze and compare)."""
    p.add_argument(
        "--level",
        metavar="DEG|auto",
        type=_level,
        help="correct a camera roll of DEG degrees (positive: a truly horizontal line appears "
        "with its right end higher), or 'auto' to estimate it from vertical lines in the scene",
    )
    p.add_argument("--fast", action="store_true", help="one landmark pass instead of 20 and no silhouette refinement: the fastest mode "
        "(no uncertainty; shoulder and pelvic tilts from the joint landmarks only)")


def _add_parquet_options(p: argparse.ArgumentParser) -> None:
    """``analyze --parquet``: a large run into a Parquet dataset (posture.engines, docs/scale.md)."""
    g = p.add_argument_group("large runs (docs/scale.md)")
    g.add_argument("--parquet", metavar="OUT", help="write one row per photo, failures included, to the Parquet dataset OUT (a folder or URI); "
        "PHOTO may also be @LIST (a text file of sources, one a line) or a URI (s3://, gs://, file://)")
    g.add_argument("--engine", choices=("local", "ray"), default=None, help="with --parquet: worker processes on this machine (local, the default) or Ray (posture[ray])")
    g.add_argument("--ray-address", metavar="ADDR", help="with --engine ray: a running Ray cluster (auto, HOST:6379 or ray://HOST:10001); default: a local Ray for the run")
    g.add_argument("--resume", action="store_true", help="with --parquet: add to OUT only the photos not already in it")


def _add_photo_options(p: argparse.ArgumentParser) -> None:
    """``--height-cm``, ``--person``, ``--max-pixels``, ``--markers``, ``--marker-color`` (analyze and compare)."""
    p.add_argument("--height-cm", metavar="H", type=_number(float, 50, 260), help="your height, to give height differences in cm")
    p.add_argument(
        "--person",
        metavar="N",
        type=_number(int, 0),
        default=0,
        help="measure the N-th most prominent person in the photo (0: the largest); "
        "to name whose measurement it is in the history, use --name",
    )
    p.add_argument("--max-pixels", metavar="N", type=_number(int, 1), default=None, help="refuse larger images (default 60 million)")
    p.add_argument(
        "--markers",
        action="store_true",
        help="find round coloured stickers on the acromions and the ASIS (or PSIS from behind) and take "
        "the shoulder and pelvic tilts from them (see docs/markers.md)",
    )
    p.add_argument(
        "--marker-color",
        metavar="COLOR",
        type=_marker_color,
        default="green",
        help="the stickers' colour: green (default, fluorescent), yellow, pink, blue or #RRGGBB",
    )


def _marker_color(text: str) -> str:
    from posture.marker_colors import parse_color

    try:
        return parse_color(text).name
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _add_model_options(p: argparse.ArgumentParser) -> None:
    """``--model``, ``--min-visibility`` (every measuring command)."""
    p.add_argument("--model", metavar="PATH", help="another MediaPipe pose landmarker .task bundle")
    p.add_argument("--min-visibility", metavar="X", type=_number(float, 0, 1), default=0.5, help="lowest landmark visibility to rely on (default 0.5)")


def _taken_at(text: str) -> str:
    from posture.history import parse_taken_at

    try:
        return parse_taken_at(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _add_save_options(p: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """``--save``, ``--name``, ``--note``, ``--db`` (shared by analyze and live); returns their group."""
    h = p.add_argument_group("saving to the history")
    h.add_argument("--save", action="store_true", help="keep the measurement(s) in your history (the same photo is kept once)")
    h.add_argument(
        "--name",
        metavar="NAME",
        help="whose measurement this is, stored in the history (--person chooses which person "
        "in the photo; --name labels them)",
    )
    h.add_argument("--note", metavar="TEXT", help="a note stored with the measurement")
    h.add_argument("--db", metavar="PATH", help="history database (default: history.sqlite3 in your data folder)")
    return h


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
        model=args.model,
        min_score=args.min_visibility,
        roll_deg=args.level or 0.0,
        history=_db_path(args),
    )
    summary = run_live(options)
    print(printable("\n".join(summary.lines()), keep_newlines=True))
    if args.save:
        _save_captures(args, summary)
    return EXIT_OK if summary.with_person else EXIT_NO_PERSON


def _save_captures(args: argparse.Namespace, summary: "LiveSummary") -> None:
    from posture.history import History
    from posture.live.app import capture_measurement

    found = [m for m in (capture_measurement(summary, c) for c in summary.captures) if m is not None]
    if not found:
        print("Not saved to the history: no capture measured anything.")
        return
    with History.open(args.db) as h:
        ids = [h.save(m, name=args.name, note=args.note)[0] for m in found]
        print(f"Saved {len(ids)} capture(s) to the history as " + ", ".join(f"#{i}" for i in ids) + f" ({printable(h.path)}).")


def cmd_analyze(args: argparse.Namespace) -> int:
    """``posture analyze``."""
    from posture.output import STDOUT

    if (args.name is not None or args.note is not None or args.db is not None or args.date is not None) and not args.save:
        print("posture analyze: error: --name, --note, --db and --date need --save", file=sys.stderr)
        return EXIT_USAGE
    if args.parquet or args.engine or args.ray_address or args.resume:
        return _analyze_parquet(args)
    if args.csv == STDOUT and args.json:
        print("posture analyze: error: --csv - and --json both write to standard output; choose one", file=sys.stderr)
        return EXIT_USAGE
    args.stdout = sys.stdout
    if args.csv == STDOUT:  # the table alone goes to standard output, the rest to stderr
        with contextlib.redirect_stdout(sys.stderr):
            return _analyze(args)
    return _analyze(args)


def _analyze(args: argparse.Namespace) -> int:
    from posture.output import IMAGE_FORMATS, STDOUT, check_distinct, check_target, encode_image, write_atomic

    if len(args.inputs) > 1 or os.path.isdir(args.inputs[0]):
        return _analyze_batch(args, _settings(args, mirrored=args.mirror))
    args.image = args.inputs[0]
    db = _db_path(args)
    if args.output:
        check_target(args.output, force=args.force, inputs=[args.image], history=db, formats=IMAGE_FORMATS, kind="image")
    if args.csv and args.csv != STDOUT:
        check_target(args.csv, force=args.force, inputs=[args.image], history=db)
    check_distinct([args.output, args.csv])
    if args.save:
        from posture.history import History

        History.open(args.db).close()  # a history that cannot be used is refused before measuring
    settings = _settings(args, mirrored=args.mirror)
    from posture.analyze import Analyzer

    analyzer = Analyzer(settings)
    image = analyzer.load(args.image)  # a file that is no photo is refused before the model loads
    with analyzer:
        result = analyzer.analyze(image)
    if args.output:
        from posture.render import draw_overlay

        write_atomic(args.output, encode_image(draw_overlay(image.rgb, result), args.output), force=args.force)
    if args.csv:
        from posture.batch import csv_text, outcome_of

        _write_table(args, csv_text([outcome_of(result, args.image)]))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        from posture.wording import summary

        print(printable(summary(result), keep_newlines=True))
        if args.output:
            print(f"Annotated image: {printable(args.output)}")
    if args.save:
        _save(args, image, result)
    return {"measured": EXIT_OK, "no_person": EXIT_NO_PERSON}.get(result.status, EXIT_NOT_MEASURABLE)


def _db_path(args: argparse.Namespace) -> str | None:
    """The history database the command reads or writes (None when it uses none)."""
    if not getattr(args, "save", True):
        return None
    if args.db:
        return str(args.db)
    from posture.history import default_path

    return str(default_path())


def _write_table(args: argparse.Namespace, text: str) -> None:
    """The CSV table to ``--csv`` (``-``: standard output, which the other messages have left)."""
    from posture.output import STDOUT, write_atomic

    if args.csv == STDOUT:
        args.stdout.write(text)
        args.stdout.flush()
    else:
        write_atomic(args.csv, text.encode("utf-8"), force=args.force)


def _settings(args: argparse.Namespace, mirrored: bool) -> "Settings":
    """The analysis settings of ``analyze`` and ``compare`` from their shared options."""
    from posture.settings import Settings

    kwargs = {} if args.max_pixels is None else {"max_pixels": args.max_pixels}
    return Settings(
        mirrored=mirrored,
        roll_deg=None if args.level in (None, "auto") else args.level,
        auto_level=args.level == "auto",
        fast=args.fast,
        height_cm=args.height_cm,
        min_score=args.min_visibility,
        person=args.person,
        model=args.model,
        markers=args.markers,
        marker_color=args.marker_color,
        **kwargs,
    )


def _save(args: argparse.Namespace, image: "LoadedImage", result: "PostureMeasurement") -> None:
    from posture.history import History, thumbnail_jpeg

    # With --json, standard output carries only the JSON object.
    out = sys.stderr if args.json else sys.stdout
    if result.status != "measured":
        print("Not saved to the history: nothing was measured.", file=out)
        return
    with History.open(args.db) as h:
        new_id, created = h.save(
            result, name=args.name, note=args.note, thumbnail=thumbnail_jpeg(image.rgb), taken_at=args.date
        )
        if created:
            print(f"Saved to the history as #{new_id} ({printable(h.path)}).", file=out)
        else:
            e = h.get(new_id)
            print(
                f"Already in the history as #{new_id} (same photo, saved {e.saved_at}); not saved again. "
                f"To replace it: posture history delete {new_id}, then save again.",
                file=out,
            )


def _analyze_batch(args: argparse.Namespace, settings: "Settings") -> int:
    """``posture analyze`` with several photos or folders (see ``BATCH_HELP``)."""
    from pathlib import Path

    from posture.batch import Tally, analyze_many, csv_text, find_images, plan_annotated
    from posture.errors import HistoryError, InputError, OutputError
    from posture.output import STDOUT, check_target, check_writable

    out = Path(args.output) if args.output else None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: is a file; with several photos, -o takes a folder")
        if not out.parent.is_dir():
            raise OutputError(f"{out}: folder {out.parent} does not exist")
        check_writable(out if out.is_dir() else out.parent, out)
        if out.is_dir() and any(os.path.isdir(i) and os.path.samefile(i, out) for i in args.inputs):
            raise OutputError(f"{out}: is a folder of photos to analyse; give -o another folder")
    found = find_images(args.inputs, exclude=[out] if out is not None else [])
    _note_skipped(found.skipped)
    paths = found.paths
    if not paths:
        raise InputError(f"no photos found in {', '.join(args.inputs)}")
    annotated = None
    db = _db_path(args)
    if out is not None:
        annotated = plan_annotated(found, out)
        _check_annotated(annotated, paths, history=db, force=args.force, csv=args.csv)
    if args.csv and args.csv != STDOUT:
        check_target(args.csv, force=args.force, inputs=paths, history=db)
    if out is not None:
        try:
            out.mkdir(exist_ok=True)
        except OSError as e:
            raise OutputError(f"{out}: cannot create the folder ({e.strerror or e})") from None

    tally = Tally()
    done: list["Outcome"] = []
    saved = {"new": 0, "again": 0}
    with contextlib.ExitStack() as stack:
        history = None
        if args.save:
            from posture.history import History

            history = stack.enter_context(History.open(args.db))
        progress = stack.enter_context(_progress(len(paths)))
        outcomes = stack.enter_context(
            contextlib.closing(
                analyze_many(
                    paths,
                    settings,
                    jobs=args.jobs,
                    annotated=annotated,
                    force=args.force,
                    thumbnails=args.save,
                    log_level=logging.getLogger().getEffectiveLevel(),
                    on_done=progress,
                )
            )
        )
        try:
            printed = False
            for o in outcomes:
                done.append(o)  # first: a photo reported is in the table, however the batch ends
                tally.add(o)
                printed = _print_outcome(o, args, printed) or printed
                if history is not None and o.measurement is not None and o.status == "measured":
                    try:
                        created = _save_one(history, args, o)
                    except HistoryError as e:
                        print(f"posture: error: {e}; nothing more is saved", file=sys.stderr)
                        tally.add_code(e.exit_code)
                        history = None
                        continue
                    saved["new" if created else "again"] += 1
        finally:
            if args.csv and done:
                done.sort(key=lambda o: o.index)
                _write_table(args, csv_text(done))
                if len(done) < len(paths):
                    print(f"posture: wrote the {len(done)} photos done of {len(paths)} to {printable(args.csv)}", file=sys.stderr)
    print(tally.summary(), file=sys.stderr)
    if args.save:
        print(f"History: {saved['new']} saved, {saved['again']} already there.", file=sys.stderr)
    if args.csv:
        print(f"Table: {printable(args.csv)}", file=sys.stderr)
    return tally.exit_code


def _analyze_parquet(args: argparse.Namespace) -> int:
    """``posture analyze SOURCES --parquet OUT [--engine ray]`` (see docs/scale.md)."""
    if not args.parquet:
        print("posture analyze: error: --engine, --ray-address and --resume need --parquet", file=sys.stderr)
        return EXIT_USAGE
    others = [flag for flag, used in (("--json", args.json), ("--csv", args.csv), ("-o", args.output), ("--save", args.save)) if used]
    if others or (args.ray_address and args.engine != "ray"):
        print(f"posture analyze: error: --parquet writes only the dataset: drop {', '.join(others) or '--ray-address (it needs --engine ray)'}", file=sys.stderr)
        return EXIT_USAGE
    from posture.engines import ProgressLines, analyze_to_parquet
    from posture.errors import InputError
    from posture.parquet import ParquetDataset
    from posture.sources import expand_sources

    settings = _settings(args, mirrored=args.mirror)
    dataset = ParquetDataset.open(args.parquet, resume=args.resume)
    found = expand_sources(args.inputs, exclude=[args.parquet])
    _note_skipped(found.skipped)
    if not found.paths:
        raise InputError(f"no photos found in {', '.join(args.inputs)}")
    todo = sum(p not in dataset.done for p in found.paths)
    if len(found.paths) > todo:
        print(f"posture: {len(found.paths) - todo:,} photos already in {args.parquet}: skipped", file=sys.stderr)
    tally = analyze_to_parquet(
        found.paths, dataset, settings, engine=args.engine or "local", jobs=args.jobs, ray_address=args.ray_address,
        on_record=ProgressLines.for_total(todo), log_level=logging.getLogger().getEffectiveLevel(),
    )
    print(tally.summary(), file=sys.stderr)
    print(f"Parquet: {args.parquet}", file=sys.stderr)
    return tally.exit_code


MAX_SKIP_NOTES = 20
"""At most this many skipped files are named on stderr; the rest are counted."""


def _note_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    for path, reason in skipped[:MAX_SKIP_NOTES]:
        print(f"posture: skipped {printable(path)}: {reason}", file=sys.stderr)
    if len(skipped) > MAX_SKIP_NOTES:
        print(f"posture: skipped {len(skipped) - MAX_SKIP_NOTES} more files", file=sys.stderr)


def _check_annotated(
    planned: Sequence[str], inputs: Sequence[str], *, history: str | None, force: bool, csv: str | None
) -> None:
    """Refuse annotated images that would replace an input (a photo, the history), the
    table, something that is not a regular file, or (without ``force``) existing files."""
    from pathlib import Path

    from posture.errors import OutputError
    from posture.output import identity

    sources = {identity(p) for p in inputs} - {None}
    table = identity(csv) if csv else None
    base = identity(history) if history else None
    for target in planned:
        ident = identity(target)
        if ident is not None and ident == base:
            raise OutputError(f"{target}: is the history database; refusing to overwrite it")
        if ident is not None and ident in sources:
            raise OutputError(f"{target}: refusing to overwrite an input file")
        if ident is not None and ident == table:
            raise OutputError(f"{csv}: the same file as an annotated image; give --csv another name")
    existing = [t for t in planned if Path(t).exists()]
    for target in existing:
        if not os.path.isfile(target):
            raise OutputError(f"{target}: is not a regular file; give -o another folder")
    if existing and not force:
        more = f" and {len(existing) - 1} more annotated images" if len(existing) > 1 else ""
        verb = "exist" if len(existing) > 1 else "exists"
        raise OutputError(f"{existing[0]}{more} already {verb}; use --force to overwrite, or another folder")


def _print_outcome(o: "Outcome", args: argparse.Namespace, after_another: bool) -> bool:
    """Print one photo's outcome; returns whether something went to stdout."""
    if o.measurement is None:
        print(f"posture: error: {printable(o.error)}", file=sys.stderr)
    if args.json:
        print(json.dumps(o.to_dict(), ensure_ascii=False), flush=True)
        return True
    if o.measurement is None:
        return False
    from posture.wording import summary

    if after_another:
        print()
    print(printable(summary(o.measurement), keep_newlines=True))
    if o.annotated:
        print(f"Annotated image: {printable(o.annotated)}")
    sys.stdout.flush()
    return True


def _save_one(history: "History", args: argparse.Namespace, o: "Outcome") -> bool:
    assert o.measurement is not None
    new_id, created = history.save(o.measurement, name=args.name, note=args.note, thumbnail=o.thumbnail, taken_at=args.date)
    if not args.json:
        if created:
            print(f"Saved to the history as #{new_id}.")
        else:
            print(f"Already in the history as #{new_id}; not saved again.")
    return created


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[["Outcome"], None] | None]:
    """A progress bar on stderr when it is a terminal; yields the per-photo callback (or None)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # Only a terminal stdout is passed through rich (so lines appear above the bar);
    # a redirected stdout is left alone and stays pure.
    with Progress(
        TextColumn("Analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=True,
    ) as bar:
        task = bar.add_task("photos", total=total)
        yield lambda _outcome: bar.advance(task)


def _open_history(args: argparse.Namespace) -> "History":
    from posture.history import History

    return History.open(args.db, create=False)


def _report_damaged(h: "History") -> None:
    """One line on stderr for each stored measurement that was skipped because it cannot be read."""
    for reason in h.damaged.values():
        print(f"posture: warning: {printable(reason)}; skipped", file=sys.stderr)


def cmd_history_list(args: argparse.Namespace) -> int:
    """``posture history list``."""
    from posture.history import History, default_path
    from posture.history_table import format_table

    path = args.db or default_path()
    if not History.exists(path):
        print("[]" if args.json else f"No saved measurements yet ({path} does not exist).")
        return EXIT_OK
    with History.open(path, create=False) as h:
        entries = h.list(args.name)
        _report_damaged(h)
    if args.json:
        print(json.dumps([e.summary_dict() for e in entries], indent=2, ensure_ascii=False))
    elif not entries:
        print("No saved measurements" + (f" for {printable(args.name)}." if args.name else "."))
    else:
        print(format_table(entries))
    return EXIT_OK


def cmd_history_show(args: argparse.Namespace) -> int:
    """``posture history show ID``."""
    from posture.output import STDOUT, check_target, write_atomic
    from posture.wording import summary

    if args.thumbnail and args.thumbnail != STDOUT:
        check_target(
            args.thumbnail, force=args.force, history=_db_path(args), formats={".jpg": "JPEG", ".jpeg": "JPEG"}, kind="thumbnail"
        )
    with _open_history(args) as h:
        e = h.get(args.id)
        thumb = h.thumbnail(args.id) if args.thumbnail else None
    if args.json:
        print(json.dumps(e.to_dict(), indent=2, ensure_ascii=False))
    else:
        when = {"exif": "from the photo's EXIF", "given": "date given when saving"}.get(e.taken_at_source, "time of saving")
        print(f"#{e.id}  taken {e.taken_at.replace('T', ' ')} ({when})  saved {e.saved_at}")
        if e.name:
            print(f"Name: {printable(e.name)}")
        if e.note:
            print(f"Note: {printable(e.note)}")
        if e.photo_sha256:
            print(f"Photo sha256: {printable(e.photo_sha256)}")
        print(printable(summary(e.measurement), keep_newlines=True))
    if args.thumbnail:
        if thumb is None:
            print(f"posture: #{e.id} has no thumbnail; {printable(args.thumbnail)} not written", file=sys.stderr)
        else:
            write_atomic(args.thumbnail, thumb, force=args.force)
    return EXIT_OK


def cmd_history_plot(args: argparse.Namespace) -> int:
    """``posture history plot``."""
    from posture.charts import CHART_FORMATS, chart_bytes, plot_history
    from posture.errors import HistoryError
    from posture.noise import MDC95
    from posture.output import check_target, write_atomic

    check_target(args.output, force=args.force, history=_db_path(args), formats=CHART_FORMATS, kind="chart")
    with _open_history(args) as h:
        entries = h.list(args.name)
        _report_damaged(h)
        names = sorted({e.name or "(no name)" for e in entries})
    if len(names) > 1:
        raise HistoryError(
            f"the history holds several people's measurements ({', '.join(names)}); choose one with --name"
        )
    if not entries:
        raise HistoryError("no saved measurements" + (f" for {args.name}" if args.name else "") + " to plot")
    try:
        fig = plot_history(entries, args.metric, mdc=MDC95)
    except ValueError as e:
        raise HistoryError(str(e)) from None
    write_atomic(args.output, chart_bytes(fig, args.output), force=args.force)
    print(f"Trend of {len(entries)} measurements: {printable(args.output)}")
    return EXIT_OK


def cmd_history_export(args: argparse.Namespace) -> int:
    """``posture history export``."""
    from posture.output import STDOUT, check_target, write_atomic

    target = args.csv or args.json
    if target != STDOUT:
        check_target(target, force=args.force, history=_db_path(args))
    with _open_history(args) as h:
        text = h.export_csv(args.name) if args.csv else h.export_json(args.name)
        n = len(h.list(args.name))
        _report_damaged(h)
    if target == STDOUT:
        sys.stdout.write(text)
    else:
        write_atomic(target, text.encode("utf-8"), force=args.force)
        print(f"Exported {n} measurements to {printable(target)}")
    return EXIT_OK


def cmd_history_delete(args: argparse.Namespace) -> int:
    """``posture history delete ID``."""
    with _open_history(args) as h:
        e = h.get(args.id)
        if not args.yes:
            if not sys.stdin.isatty():
                print("posture: error: deleting needs --yes (no terminal to ask)", file=sys.stderr)
                return EXIT_USAGE
            who = f" of {printable(e.name)}" if e.name else ""
            answer = input(f"Delete #{e.id}{who} taken {e.taken_at.replace('T', ' ')}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing deleted.")
                return EXIT_OK
        h.delete(args.id)
    print(f"Deleted #{args.id}.")
    return EXIT_OK

def _usage(message: str) -> int:
    print(f"posture compare: error: {message} (see posture compare --help)", file=sys.stderr)
    return EXIT_USAGE


def cmd_compare(args: argparse.Namespace) -> int:
    """``posture compare``."""
    from posture.compare import compare
    from posture.compare_text import summary
    from posture.inputs import Analyzers, parse_dates, photo_dates, resolve_input
    from posture.output import check_target, write_atomic
    from posture.report import make_report, report_format

    n = len(args.photos)
    if n < 2:
        return _usage("give at least two photos: BEFORE AFTER [MORE ...]")
    bad = [k for k in args.mirror_photo if k > n]
    if bad:
        return _usage(f"--mirror-photo {bad[0]}: there are only {n} photos")
    given = None
    if args.dates is not None:
        try:
            given = parse_dates(args.dates, n)
        except ValueError as e:
            return _usage(str(e))
    fmt = None
    if args.output:
        fmt = report_format(args.output)
        check_target(args.output, force=args.force, inputs=args.photos, history=_db_path(args))

    settings = _settings(args, mirrored=False)  # mirror images are set per photo below
    mirrored = {k - 1 for k in args.mirror_photo} | (set(range(n)) if args.mirror else set())
    with Analyzers(settings, find_people=args.blur_faces and fmt is not None) as analyzers:
        photos = [resolve_input(p, analyzers, mirrored=i in mirrored, db=args.db) for i, p in enumerate(args.photos)]
    dates, sources = photo_dates(photos, given)
    from posture.noise import MDC95 as mdc
    comparison = compare([p.measurement for p in photos], dates=dates, date_sources=sources, mdc=mdc)
    if args.output and fmt is not None:
        data = make_report(photos, comparison, fmt, mdc=mdc, blur_faces=args.blur_faces, name=args.name, note=args.note)
        write_atomic(args.output, data, force=args.force)
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(printable(summary(comparison), keep_newlines=True))
        if args.output:
            print(f"Report: {printable(args.output)}")
    if comparison.comparable:
        return EXIT_OK
    no_person = any(p.measurement.status == "no_person" for p in photos)
    return EXIT_NO_PERSON if no_person else EXIT_NOT_MEASURABLE


def _stop_signal(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP: stop as Ctrl-C does (what was done is kept); a second one ends at once."""
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_DFL)
    raise Terminated(signum)


@contextlib.contextmanager
def _stopping_on_signals() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP like Ctrl-C while the command runs (main thread only)."""
    try:
        old = {s: signal.signal(s, _stop_signal) for s in STOP_SIGNALS}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``posture`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    log_to_stderr(logging.DEBUG if args.verbose else logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with _stopping_on_signals(), route_library_warnings(args.verbose):
            return int(args.func(args))
    except PostureError as e:
        print(f"posture: error: {printable(e)}", file=sys.stderr)
        return e.exit_code
    except Terminated as e:
        print(f"posture: stopped by {e}", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_BROKEN_PIPE
    except Exception as e:  # noqa: BLE001 - last resort: one line, never a traceback
        if args.verbose:
            logging.getLogger("posture").exception("unexpected error")
        print(f"posture: unexpected error: {type(e).__name__}: {printable(e)} (run with -v for details)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
