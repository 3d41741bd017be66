"""The ``posture`` command: a thin shell over the library, one module per subcommand.

Each subcommand builds :class:`~posture.settings.Settings`, calls the
library, prints, and maps :class:`~posture.errors.PostureError` to its exit
code with one line on stderr. Heavy libraries are imported inside the
subcommands so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from typing import Iterator, Sequence

from posture import __version__
from posture.cli import analyze, app, compare, history, live
from posture.cli.common import EXIT_CODES_HELP, Parser
from posture.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_USAGE, STOP_SIGNALS, PostureError, Terminated
from posture.terminal import log_to_stderr, printable, route_library_warnings


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``posture`` command."""
    parser = Parser(
        prog="posture",
        description="Measure shoulder and pelvic tilt and other frontal asymmetries from photos.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    for command in (analyze, history, compare, live, app):  # in the order --help lists them
        command.add_parser(sub)
    return parser


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
        print(
            f"posture: unexpected error: {type(e).__name__}: {printable(e)} (run with -v for details)", file=sys.stderr
        )
        return EXIT_INTERNAL
