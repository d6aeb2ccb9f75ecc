"""``impilo-desk [--demo] [--smoke-test PNG]``: the desktop app."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
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
        help="start the demo (embedded sandbox and relay, secrets in memory, throwaway config "
        "folders), save a screenshot once the Webhooks tab has loaded, then exit (0: it worked)",
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="save <tab>.png of every tab with live data into DIR, then exit",
    )
    parser.add_argument(
        "--dark", action="store_true", help="start with the dark palette (View › Dark palette)"
    )
    parser.add_argument(
        "--report-first-paint",
        action="store_true",
        help="print the seconds from process start to the first painted window, then exit",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def _throwaway_home() -> Iterator[None]:
    """Points ``IMPILO_DESK_HOME`` at a temporary folder, removed afterwards.

    Nothing the run reads or writes (profiles, logs, data) is then the user's own.
    """
    from impilo_desk.applog import HOME_ENV

    previous = os.environ.get(HOME_ENV)
    with tempfile.TemporaryDirectory(prefix="impilo-desk-smoke-") as home:
        os.environ[HOME_ENV] = home
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(HOME_ENV, None)
            else:
                os.environ[HOME_ENV] = previous


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``impilo-desk`` console script.

    ``--smoke-test`` implies ``--demo`` in a throwaway home: it must work on a machine with no
    saved profile (where the welcome dialog would otherwise wait for a person) and never touch
    the user's profiles or keyring.
    """
    from impilo_desk.native_memory import limit_arenas

    limit_arenas()  # before any worker thread: freed memory is shared, not kept per thread
    args = parse_args(argv)
    from impilo_desk.app import Options, run

    smoke = args.smoke_test is not None
    with _throwaway_home() if smoke else contextlib.nullcontext():
        return run(
            Options(
                demo=args.demo or smoke,
                smoke_test=args.smoke_test,
                screenshots=args.screenshots,
                report_first_paint=args.report_first_paint,
                dark=args.dark,
                started_at=_STARTED,
            )
        )


if __name__ == "__main__":
    sys.exit(main())
