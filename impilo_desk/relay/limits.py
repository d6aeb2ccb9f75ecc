"""Connection limits that uvicorn does not have: a header-read timeout and a connection cap.

uvicorn keeps a connection that never sends a request open forever, and accepts connections
until the process runs out of open files; then new ones (Impilo's POSTs) wait in the backlog
and time out. Here a connection must send its request head within ``--header-timeout`` seconds
(counted from the connection, or from the previous response), and at ``--max-connections`` a
new connection is answered 503 with ``Retry-After`` and closed at once.

Each condition is logged once when it starts and once when it ends, never once per connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from impilo_desk.relay.metrics import Metrics

# The scope key under which the protocol puts the connection's transport (read by ``hot``).
TRANSPORT_KEY = "impilo.transport"

log = logging.getLogger("impilo_desk.relay")
_BUSY_BODY = b'{"error":"the relay has too many open connections; retry later"}'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"retry-after: 1\r\nconnection: close\r\ncontent-length: "
    + str(len(_BUSY_BODY)).encode()
    + b"\r\n\r\n"
    + _BUSY_BODY
)


class Condition:
    """A condition that is logged when it starts and when it ends, not each time it is seen.

    It ends only once it has not been seen for ``settle_s``: a prompt request between two
    late ones (1,100 idle connections time out over several seconds on a loaded machine) must
    not log "ended" and "started" again.
    """

    def __init__(
        self,
        started: str,
        ended: str,
        settle_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._started = started
        self._ended = ended
        self._settle_s = settle_s
        self._clock = clock
        self._last_seen = -1e18
        self.active = False

    def seen(self, *args: object) -> None:
        """The condition holds (logs only if it did not already)."""
        self._last_seen = self._clock()
        if not self.active:
            self.active = True
            log.warning(self._started, *args)

    def gone(self, *args: object) -> None:
        """The condition may no longer hold (logs if it did and has settled)."""
        if self.active and self._clock() - self._last_seen >= self._settle_s:
            self.active = False
            log.warning(self._ended, *args)


def limited_protocol(
    metrics: Metrics,
    max_connections: int,
    header_timeout_s: float,
    streams: Callable[[], int] = lambda: 0,
) -> type[HttpToolsProtocol]:
    """A uvicorn HTTP protocol class with the cap and the timeout (one per server).

    ``streams`` tells how many SSE streams the fan-out thread holds: they left uvicorn's
    connections but still hold an open file each, so they count against the cap too. The
    protocol also puts the connection's transport in each request's scope (``hot.TRANSPORT_KEY``)
    so that ``GET /events`` can hand its connection over to the fan-out thread.
    """
    full = Condition(
        "%d connections open, the limit (--max-connections): new ones are refused until some close",
        "below the connection limit again (%d open)",
        settle_s=0.0,  # its end already waits for 90 % of the cap
    )
    slow = Condition(
        "closing connections that sent no request head within %.1f s (--header-timeout)",
        "connections send their request heads in time again",
    )

    class LimitedProtocol(HttpToolsProtocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) + streams() >= max_connections:
                metrics.connections_refused += 1
                full.seen(len(self.connections) + streams())
                transport.write(BUSY_RESPONSE)
                transport.close()
                return
            super().connection_made(transport)
            self._await_head()

        def connection_lost(self, exc: Exception | None) -> None:
            if self.transport is None:  # refused at the cap: uvicorn never saw it
                return
            self._stop_head_timer()
            super().connection_lost(exc)
            if len(self.connections) + streams() < max_connections * 0.9:
                full.gone(len(self.connections) + streams())

        def data_received(self, data: bytes) -> None:
            if self.transport is None:
                return
            super().data_received(data)

        def on_headers_complete(self) -> None:
            self._stop_head_timer()
            slow.gone()
            self.scope[TRANSPORT_KEY] = self.transport  # type: ignore[literal-required]
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._await_head()

        def _await_head(self) -> None:
            self._stop_head_timer()
            self._head_timer = self.loop.call_later(header_timeout_s, self._head_too_late)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_late(self) -> None:
            self._head_timer = None
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being served (its head came in)
            metrics.header_timeouts += 1
            slow.seen(header_timeout_s)
            self.transport.close()

    return LimitedProtocol


def quiet_accept_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Logs "out of open files" on accept once a minute, not with a traceback per try."""
    last_logged = [-1e9]
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "_start_serving" in message and isinstance(context.get("exception"), ValueError):
            return  # a retry of the above that asyncio scheduled, run after the socket closed
        if "socket.accept() out of system resource" in message:
            if loop.time() - last_logged[0] > 60:  # asyncio retries every second
                last_logged[0] = loop.time()
                log.error(
                    "cannot accept connections: %s (raise the open-file limit or lower "
                    "--max-connections); said at most once a minute",
                    context.get("exception"),
                )
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
