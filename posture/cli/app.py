"""``posture app``: the local web app."""

from __future__ import annotations

import argparse
import sys

from posture.cli.common import add_model_options, number, settings_from
from posture.errors import EXIT_USAGE
from posture.extras import needs_extra


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="the app in your browser: analyse, correct points by hand, history, compare",
        description="Serve posture's app on this computer and open it in the browser. Photos stay on this "
        "computer; nothing is loaded from the internet. Needs the optional extra 'app' (see the README).",
    )
    p.add_argument("--port", type=number(int, 1, 65535), default=8765, help="port to listen on (default 8765)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1, this computer only); any other needs the secret token printed at start",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open the browser")
    p.add_argument("--db", metavar="PATH", help="history database (default: history.sqlite3 in your data folder)")
    p.add_argument(
        "--workers", type=number(int, 1, 16), default=1, help="analyses run at once (default 1; each loads the model)"
    )
    p.add_argument(
        "--queue", type=number(int, 0, 64), default=4, help="analyses that may wait; more are refused (default 4)"
    )
    add_model_options(p)
    p.set_defaults(func=cmd_app)


def cmd_app(args: argparse.Namespace) -> int:
    """``posture app``."""
    from pathlib import Path

    try:
        from posture.app.server import LOOPBACK, AppConfig, new_token, serve
    except ImportError as e:
        print(f"posture app: error: {needs_extra('the app', 'app')} ({e})", file=sys.stderr)
        return EXIT_USAGE
    loopback = args.host in LOOPBACK
    config = AppConfig(
        db=Path(args.db) if args.db else None,
        token=None if loopback else new_token(),
        loopback=loopback,
        settings=settings_from(args),
        workers=args.workers,
        queue=args.queue,
    )
    return serve(config, host=args.host, port=args.port, open_browser=not args.no_browser)
