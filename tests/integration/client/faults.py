"""A real HTTP server on 127.0.0.1 that answers what a test scripts: statuses, bodies, delays.

Each route has a list of replies used in turn (the last one repeats); every request is recorded
(method, path, query, headers, body) so that a test can count hits and inspect what was sent.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from impilo_desk.client import RetryPolicy

API_KEY = "test-key-3f9a1c77e2b04d5c"

# Fast but real: the same code path as production, with waits in milliseconds.
FAST_RETRY = RetryPolicy(
    attempts=3, total_timeout=5.0, wait_initial=0.01, wait_max=0.02, wait_jitter=0.0,
    max_retry_after=1.0,
)  # fmt: skip

MAX_HOLD = 10.0  # seconds a "slow" reply waits at most for the test to release it


@dataclass
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = None  # dict/list -> JSON; str/bytes -> as is; None -> empty
    headers: dict[str, str] = field(default_factory=dict)
    hold: float = 0.0  # seconds to hold the answer (released early when the server stops)
    content_type: str = "application/json"
    drop: bool = False  # close the connection without answering


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """The scripted server; use ``fault_server()`` to run one."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self._lock = threading.Lock()
        self.requests: list[Seen] = []
        self.release = threading.Event()
        self.base_url = ""

    def route(self, method: str, path: str, *replies: Reply) -> None:
        """Scripts the replies to ``method path`` (used in turn; the last repeats)."""
        with self._lock:
            self._routes[(method, path)] = list(replies)

    def hits(self, method: str, path: str) -> int:
        """How many requests ``method path`` received."""
        with self._lock:
            return sum(1 for r in self.requests if r.method == method and r.path == path)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            replies = self._routes.get((seen.method, seen.path))
            if not replies:
                return Reply(404, {"status": 404, "error": "Not Found", "message": "no route"})
            return replies.pop(0) if len(replies) > 1 else replies[0]


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            seen = Seen(
                self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body
            )
            reply = server._next(seen)
            if reply.hold:
                server.release.wait(min(reply.hold, MAX_HOLD))
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if isinstance(reply.body, dict | list):
                payload = json.dumps(reply.body).encode()
            elif isinstance(reply.body, str):
                payload = reply.body.encode()
            else:
                payload = reply.body or b""
            try:
                self.send_response(reply.status)
                if payload or reply.status not in (204, 304):
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to answer

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server names

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet

    return Handler


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    """Runs a ``FaultServer`` on an ephemeral loopback port until the block ends."""
    state = FaultServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fault-server", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
