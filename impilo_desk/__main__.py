"""``impilo-desk [--demo] [--smoke-test PNG]``: the desktop app."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

_STARTED = time.monotonic()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="impilo-desk", description="Desktop console for Impilo webhooks."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start a local demo sandbox and relay (child processes) and use them",
    )
    parser.add_argument(
        "--smoke-test",
        type=Path,
        metavar="PNG",
        help="save a screenshot once the Webhooks tab has loaded, then exit (0: it worked)",
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="save <tab>.png of every tab with live data into DIR, then exit",
    )
    parser.add_argument(
        "--report-first-paint",
        action="store_true",
        help="print the seconds from process start to the first painted window, then exit",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``impilo-desk`` console script."""
    args = parse_args(argv)
    from impilo_desk.app import Options, run

    return run(
        Options(
            demo=args.demo,
            smoke_test=args.smoke_test,
            screenshots=args.screenshots,
            report_first_paint=args.report_first_paint,
            started_at=_STARTED,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
