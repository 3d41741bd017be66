"""``posture history``: list, show, plot, export and delete saved measurements."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from posture.cli.common import Parser, db_path, measurement_id
from posture.errors import EXIT_OK, EXIT_USAGE
from posture.terminal import printable

if TYPE_CHECKING:
    from posture.history import History

HISTORY_EXIT_CODES_HELP = """exit codes:
  0  done (also: nothing saved yet, or nothing deleted when you answer no)
  2  usage error (delete without --yes when there is no terminal to ask)
  6  output refused (file exists without --force, or cannot be written)
  7  history refused (database from a newer posture, not a posture history,
     corrupt, no measurement with that ID, nothing to plot, or several
     people's measurements to plot without --name)
  1  unexpected error
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser(
        "history",
        help="list, show, plot, export or delete saved measurements",
        description="Your saved measurements (posture analyze PHOTO --save), kept in an SQLite "
        "database in your data folder or at --db PATH.",
        epilog=HISTORY_EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    db_help = "history database (default: history.sqlite3 in your data folder)"
    # --db before the action or after it: the action's own default must not undo one given before.
    h.add_argument("--db", metavar="PATH", help=db_help)
    hs = h.add_subparsers(dest="history_command", metavar="ACTION", parser_class=Parser, required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=db_help)
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument(
        "--name", metavar="NAME", help="only this person's measurements ('': those saved without a name)"
    )

    p = hs.add_parser("list", parents=[common, named], help="a table of saved measurements")
    p.add_argument("--json", action="store_true", help="print a JSON array instead")
    p.set_defaults(func=cmd_history_list)

    p = hs.add_parser("show", parents=[common], help="one saved measurement in full")
    p.add_argument("id", type=measurement_id, metavar="ID", help="its ID (12 or #12)")
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
    p.add_argument("id", type=measurement_id, metavar="ID", help="its ID (12 or #12)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_history_delete)


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
            args.thumbnail,
            force=args.force,
            history=db_path(args),
            formats={".jpg": "JPEG", ".jpeg": "JPEG"},
            kind="thumbnail",
        )
    with _open_history(args) as h:
        e = h.get(args.id)
        thumb = h.thumbnail(args.id) if args.thumbnail else None
    if args.json:
        print(json.dumps(e.to_dict(), indent=2, ensure_ascii=False))
    else:
        when = {"exif": "from the photo's EXIF", "given": "date given when saving"}.get(
            e.taken_at_source, "time of saving"
        )
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
    from posture.noise import MDC95, MDC95_SINGLE_PASS
    from posture.output import check_target, write_atomic

    check_target(args.output, force=args.force, history=db_path(args), formats=CHART_FORMATS, kind="chart")
    with _open_history(args) as h:
        entries = h.list(args.name)
        _report_damaged(h)
        names = sorted({e.name or "(no name)" for e in entries})
    if len(names) > 1:
        raise HistoryError(
            f"the history holds several people's measurements ({', '.join(names)}); choose one with --name"
            + (" (--name '' for those without a name)" if "(no name)" in names else "")
        )
    if not entries:
        raise HistoryError("no saved measurements" + (f" for {args.name}" if args.name else "") + " to plot")
    try:
        fig = plot_history(entries, args.metric, mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
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
        check_target(target, force=args.force, history=db_path(args))
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
