"""Forwarding new events to a URL as they arrive, like ``stripe listen --forward-to``. Qt-free.

Each event is POSTed as Impilo would (its body, ``Content-Type: application/json``, and the
``Impilo-Webhook-Secret`` header when the user asked for it) through the redelivery core's
``post_as_impilo`` (same timeout, same-host redirects only). A bounded queue sits between the
store and the sender: a slow or dead target fills it, and what does not fit is counted as not
forwarded instead of slowing the stream, the store or the window.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from impilo_desk import __version__
from impilo_desk.contract import SECRET_HEADER
from impilo_desk.services.event_store import RelayEvent
from impilo_desk.services.redelivery.models import Outcome
from impilo_desk.services.redelivery.sender import post_as_impilo
from impilo_desk.services.redelivery.targets import check_target

__all__ = ["ForwardResult", "ForwardStats", "Forwarder", "is_local_url"]

_log = logging.getLogger(__name__)

QUEUE_MAX = 2_000
CONCURRENCY = 8
TIMEOUT_S = 10.0


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ForwardResult:
    """How forwarding one event went.

    Attributes:
        envelope_id: The event.
        ok: Whether the target answered 2xx.
        status: The HTTP status, if it answered.
        at: When the answer (or the failure) came, aware UTC.
        latency_ms: How long the POST took.
        error: One sentence when it failed.
    """

    envelope_id: int
    ok: bool
    status: int | None
    at: datetime
    latency_ms: float
    error: str | None = None

    def text(self) -> str:
        """What the table's Forwarded column shows: status and time, or the error."""
        when = self.at.astimezone().strftime("%H:%M:%S")
        if self.status is not None and (self.ok or not 300 <= self.status < 400):
            return f"{self.status} at {when} ({self.latency_ms:.0f} ms)"
        return f"{self.error} ({when})"


@dataclass(frozen=True)
class ForwardStats:
    """Counts since forwarding started: delivered, failed, not forwarded (queue full)."""

    delivered: int
    failed: int
    dropped: int
    queued: int


class Forwarder:
    """Forwards events to one URL until cancelled; make one per "on".

    Args:
        target: The URL (checked with ``check_target``).
        secret: The webhook secret to send, or None to send none.
        on_result: Called with each result, on the loop.
        queue_max: Events waiting at most; more are counted as not forwarded.
        concurrency: POSTs in flight at once.
        timeout_s: Seconds a POST may take.
        transport: An httpx transport (benchmarks only).

    Raises:
        RedeliveryRefused: The URL cannot be sent to (one sentence).
    """

    def __init__(
        self,
        target: str,
        secret: str | None,
        on_result: Callable[[ForwardResult], None],
        *,
        queue_max: int = QUEUE_MAX,
        concurrency: int = CONCURRENCY,
        timeout_s: float = TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.target = check_target(target)
        self._secret = secret
        self._on_result = on_result
        self._queue: asyncio.Queue[RelayEvent] = asyncio.Queue(queue_max)
        self._concurrency = concurrency
        self._timeout_s = timeout_s
        self._transport = transport
        self.delivered = 0
        self.failed = 0
        self.dropped = 0

    def __repr__(self) -> str:
        return f"Forwarder(target={self.target!r}, secret={'yes' if self._secret else 'no'})"

    @property
    def stats(self) -> ForwardStats:
        """The counts now."""
        return ForwardStats(self.delivered, self.failed, self.dropped, self._queue.qsize())

    def offer(self, event: RelayEvent) -> bool:
        """Queues an event to forward; False (and counted) when the queue is full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            return False
        return True

    async def run(self) -> None:
        """Sends what is queued until cancelled."""
        limits = httpx.Limits(
            max_connections=self._concurrency, max_keepalive_connections=self._concurrency
        )
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout_s),
                follow_redirects=False,  # by hand: same host only (the secret travels)
                trust_env=False,  # no proxy from the environment sees the secret
                limits=limits,
                transport=self._transport,
            ) as http,
            asyncio.TaskGroup() as group,
        ):
            for n in range(self._concurrency):
                group.create_task(self._work(http), name=f"forward-{n}")

    async def _work(self, http: httpx.AsyncClient) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": f"impilo-desk/{__version__}"}
        if self._secret:
            headers[SECRET_HEADER] = self._secret
        while True:
            event = await self._queue.get()
            body = event.envelope.model_dump_json()
            started = time.perf_counter()
            answer = await post_as_impilo(http, self.target, body, headers, self._timeout_s)
            latency = (time.perf_counter() - started) * 1000
            ok = answer.outcome is Outcome.DELIVERED
            if ok:
                self.delivered += 1
            else:
                self.failed += 1
            result = ForwardResult(
                event.envelope.id, ok, answer.status, datetime.now(UTC), latency, answer.error
            )
            try:
                self._on_result(result)
            except Exception:  # a listener's bug must not stop forwarding
                _log.exception("forward result listener failed")
