"""``impilo-sandbox``: serve the sandbox and print one JSON "ready" line with its address.

impilo-sandbox [--host 127.0.0.1] [--port 0] [--db PATH] [--api-key KEY]...
               [--time-scale N] [--demo] [--like-production [--missing SPEC]...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from impilo_desk.sandbox.app import create_app
from impilo_desk.sandbox.config import SandboxConfig
from impilo_desk.sandbox.like_production import DEFAULT_MISSING, LikeProduction, parse_missing


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="impilo-sandbox",
        description="A local Impilo-compatible API server with real webhook delivery.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (0)")
    parser.add_argument("--db", help="SQLite file; omitted: a temporary database")
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        help="an accepted Impilo-API-Key (repeatable); omitted: one is generated and printed",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive,
        default=1.0,
        help="divide the 15/30/60-minute retry delays by this (60: seconds)",
    )
    parser.add_argument("--demo", action="store_true", help="seed demo data, keep recording")
    parser.add_argument(
        "--like-production",
        action="store_true",
        help="answer as a real Spring-based Impilo plausibly does where the docs are silent: "
        "webhook-secret POST is 400 when one exists and GET/PUT/DELETE are 405; the --missing "
        "endpoints are 404 'No static resource'; the log ignores lastResponseStatus; test "
        "endpoints answer 200 with an empty body; /sandbox/info is 401",
    )
    parser.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar="SPEC",
        help="with --like-production: an endpoint to leave out, '[METHOD ]path' under /api/v3 "
        "('*' matches anything; a path covers its items), repeatable; 'none' for none. "
        f"Default: {', '.join(repr(s) for s in DEFAULT_MISSING)}",
    )
    args = parser.parse_args(argv)
    if args.missing and not args.like_production:
        parser.error("--missing needs --like-production")
    try:
        args.missing = parse_missing(args.missing) if args.missing else DEFAULT_MISSING
    except ValueError as exc:
        parser.error(f"--missing {exc}")
    return args


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: the OS picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP (not 0) so that asyncio sets TCP_NODELAY on accepted connections; without it
    # keep-alive clients wait ~40 ms per request for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """Prints the ready line once the lifespan has started and the socket serves."""

    def __init__(self, config: uvicorn.Config, ready: dict[str, object]) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(json.dumps(self._ready), flush=True)
            print(f"Impilo sandbox at {self._ready['base_url']} (API docs: /docs)", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the sandbox until interrupted."""
    args = parse_args(argv)
    keys = tuple(args.api_key) or (secrets.token_urlsafe(24),)
    temp_dir = None if args.db else tempfile.mkdtemp(prefix="impilo-sandbox-")
    db_path = args.db or str(Path(temp_dir or ".") / "sandbox.db")
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    base_url = f"http://{host}:{port}"
    config = SandboxConfig(
        db_path=db_path,
        api_keys=keys,
        time_scale=args.time_scale,
        demo=args.demo,
        base_url=base_url,
        like_production=LikeProduction(missing=args.missing) if args.like_production else None,
    )
    ready = {
        "event": "ready",
        "base_url": base_url,
        "api_key": keys[0],
        "time_scale": args.time_scale,
        "like_production": args.like_production,
    }
    server = _Server(
        uvicorn.Config(create_app(config), log_level="warning", access_log=False, lifespan="on"),
        ready,
    )
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
