"""``posture compare``: before/after photos or saved measurements, as text, JSON, HTML or PDF."""

from __future__ import annotations

import argparse
import json

from posture.cli.common import (
    add_mode_options,
    add_model_options,
    add_photo_options,
    db_path,
    number,
    settings_from,
    usage_error,
)
from posture.errors import EXIT_NO_PERSON, EXIT_NOT_MEASURABLE, EXIT_OK
from posture.terminal import printable

COMPARE_EXIT_CODES_HELP = """exit codes:
  0  at least one measure could be compared
  2  usage error
  3  bad input (unreadable or unsupported image, bad model file)
  4  nothing comparable, and a photo has no person in it
  5  nothing comparable (side view, body out of frame)
  6  output refused (file exists without --force, or cannot be written)
  1  unexpected error
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
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
    c.add_argument(
        "--db", metavar="PATH", help="history database for #ID inputs (default: history.sqlite3 in your data folder)"
    )
    c.add_argument(
        "-o", "--output", metavar="FILE", help="write the report: FILE.html (self-contained, opens offline) or FILE.pdf"
    )
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
        type=number(int, 1),
        action="append",
        default=[],
        help="photo N (1 = the first) is a mirror image; repeat for more",
    )
    add_mode_options(c)
    add_photo_options(c)
    add_model_options(c)
    c.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """``posture compare``."""
    from posture.compare import compare
    from posture.compare_text import summary
    from posture.inputs import Analyzers, parse_dates, photo_dates, resolve_input
    from posture.output import check_target, write_atomic
    from posture.report import make_report, report_format

    n = len(args.photos)
    if n < 2:
        return usage_error("give at least two photos: BEFORE AFTER [MORE ...]")
    bad = [k for k in args.mirror_photo if k > n]
    if bad:
        return usage_error(f"--mirror-photo {bad[0]}: there are only {n} photos")
    given = None
    if args.dates is not None:
        try:
            given = parse_dates(args.dates, n)
        except ValueError as e:
            return usage_error(str(e))
    fmt = None
    if args.output:
        fmt = report_format(args.output)
        check_target(args.output, force=args.force, inputs=args.photos, history=db_path(args))

    settings = settings_from(args, mirrored=False)  # mirror images are set per photo below
    mirrored = {k - 1 for k in args.mirror_photo} | (set(range(n)) if args.mirror else set())
    with Analyzers(settings, find_people=args.blur_faces and fmt is not None) as analyzers:
        photos = [resolve_input(p, analyzers, mirrored=i in mirrored, db=args.db) for i, p in enumerate(args.photos)]
    dates, sources = photo_dates(photos, given)
    from posture.noise import MDC95, MDC95_SINGLE_PASS

    ms = [p.measurement for p in photos]
    comparison = compare(ms, dates=dates, date_sources=sources, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
    if args.output and fmt is not None:
        data = make_report(photos, comparison, fmt, blur_faces=args.blur_faces, name=args.name, note=args.note)
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
