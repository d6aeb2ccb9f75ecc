"""``impilo-relay`` / ``python -m impilo_desk.relay``: run the relay under uvicorn.

Once it listens it prints one JSON line to stdout, e.g.
``{"event": "ready", "url": "http://127.0.0.1:8731"}`` (with the real port when ``--port 0``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
from types import FrameType

import uvicorn

from impilo_desk.relay.app import RelayApp, create_app
from impilo_desk.relay.config import BACKLOG, ConfigError, RelayConfig, config_from_args
from impilo_desk.relay.limits import limited_protocol, quiet_accept_errors
from impilo_desk.relay.pg_store import SchemaError
from impilo_desk.relay.stores import EventStore, StoreUnavailableError, open_store


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in {"0.0.0.0", "::"}:  # noqa: S104 - only to name the URL of an any-address bind
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"  # noqa: S104
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, announcing itself once it listens, ending the streams on SIGTERM."""

    def __init__(self, config: uvicorn.Config, url: str, app: RelayApp) -> None:
        super().__init__(config)
        self._url = url
        self._app = app

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            print(json.dumps({"event": "ready", "url": self._url}), flush=True)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """Stops as uvicorn does, and ends the open streams at once.

        uvicorn waits for open connections before the app's shutdown; a stream never ends by
        itself, so without this each one is cut at the graceful-shutdown timeout, with a
        traceback. Ended here, clients reconnect (to another replica) and resume by id.
        """
        super().handle_exit(sig, frame)
        relay = self._app.relay
        if relay is not None:
            relay.fanout.close()  # thread-safe, so safe from a signal handler


async def serve(config: RelayConfig, store: EventStore | None = None) -> None:
    """Runs the relay until SIGINT/SIGTERM (on ``store`` when given, else it opens one)."""
    sock = _bind(config.host, config.port)
    app = create_app(config, store)
    quiet_accept_errors(asyncio.get_running_loop())
    server_config = uvicorn.Config(
        app,
        http=limited_protocol(
            app.metrics,
            config.max_connections,
            config.header_timeout_s,
            streams=lambda: app.relay.fanout.count if app.relay is not None else 0,
        ),
        log_level=config.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=config.keep_alive_timeout_s,  # type: ignore[arg-type]
        server_header=False,
        backlog=BACKLOG,
    )
    await _Server(server_config, _url(sock), app).serve(sockets=[sock])


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``impilo-relay`` console script."""
    try:
        config = config_from_args(argv)
    except ConfigError as exc:
        print(f"impilo-relay: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=config.log_level.upper(), format="%(levelname)s: %(message)s")
    try:
        store = open_store(config)  # before the server: an unreachable database is one sentence
    except (StoreUnavailableError, SchemaError) as exc:
        print(f"impilo-relay: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(config, store))
    return 0


if __name__ == "__main__":
    sys.exit(main())
