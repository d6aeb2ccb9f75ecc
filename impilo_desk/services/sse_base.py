"""What the relay and smee subscribers share: state, gaps, backoff, the reconnect loop, the writer.

Both subscribers are Qt-free. ``await sub.run()`` runs until the task is cancelled (its owner
cancels it on close or profile switch). Events come out through the ``on_event`` callback and/or
``async for event in sub.events()``; the state through ``on_state`` and ``sub.state``; gaps
through ``on_gap``. After any failure (refused connection, non-200 answer, a stream that ends,
silence past the watchdog, a local store that refused a write, anything unexpected) the subscriber
reconnects with exponential backoff and jitter; a listener that fails is logged and named in the
state, and the feed goes on. A
refused token stops the fast retries: the state becomes ``unauthorized`` and it tries again only
after ``unauthorized_retry_s`` or when ``reconnect_now()`` is called (e.g. after the user fixed it).

Each connection stores what it reads through a ``BatchWriter`` (``batch_writer.py``): the events
that arrive together are committed in one transaction, in the stream's order, each once, and a
connection ends only after all it read was stored.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import httpx
from httpx_sse import EventSource, ServerSentEvent

from impilo_desk.services.batch_writer import BatchWriter
from impilo_desk.services.event_store import RelayEvent

__all__ = ["Backoff", "Gap", "Phase", "RelayEvent", "SseSubscriber", "SubscriberState"]

_log = logging.getLogger(__name__)

Phase = Literal["connecting", "live", "reconnecting", "unauthorized", "stopped"]


@dataclass(frozen=True)
class SubscriberState:
    """What a subscriber is doing, for the status bar.

    Attributes:
        phase: connecting, live, reconnecting, unauthorized or stopped.
        attempt: the reconnect attempt (0 while connecting the first time or live).
        received: new events received since ``run`` started (duplicates not counted).
        last_error: one sentence on the last failure, never a secret.
        duplicates: events received again and ignored (same Impilo id).
        dropped: events refused because their secret did not match (smee only).
    """

    phase: Phase
    attempt: int = 0
    received: int = 0
    last_error: str | None = None
    duplicates: int = 0
    dropped: int = 0


@dataclass(frozen=True)
class Gap:
    """Events may be missing between two points.

    ``reason`` is ``"retention"`` (the relay no longer keeps them), ``"reset"`` (the relay's
    store was replaced) or ``"smee-reconnect"`` (smee keeps no history, so anything sent while
    disconnected is lost). ``after``/``resume_after`` are relay sequences (``None`` for smee).
    """

    reason: str
    after: int | None = None
    resume_after: int | None = None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter.

    The delay is ``min(max_s, initial_s * factor**(n-1))``, less up to ``jitter`` of it at random
    (so that many desktops do not reconnect in step).
    """

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def delay(self, attempt: int) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (1-based)."""
        base = min(self.max_s, self.initial_s * self.factor ** max(0, attempt - 1))
        return base * (1.0 - self.jitter * random.random())  # noqa: S311 - jitter, not crypto


class UnauthorizedError(Exception):
    """The server refused the credentials (401/403)."""


class BadAnswerError(Exception):
    """The server answered, but not with an event stream."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect (refused or unreachable)"
    if isinstance(exc, httpx.ReadTimeout):
        return "no data or keep-alive within the watchdog time"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return "the connection broke"
    return str(exc) or type(exc).__name__


def storage_sentence(exc: BaseException) -> str:
    """What to say when the local event store refused a write (the feed then retries)."""
    return (
        f"received events could not be saved on this computer ({exc}); retrying. Free some "
        "disk space, or close other copies of Impilo Desk that use the same files"
    )


def listener_sentence(exc: BaseException) -> str:
    """What to say when a part of the window failed on an event (the feed goes on)."""
    return (
        f"a part of the window failed on an event ({type(exc).__name__}); the events are "
        "still stored, and the details are in the app's log"
    )


class SseSubscriber(abc.ABC):
    """The reconnect loop, state and delivery shared by the relay and smee subscribers."""

    def __init__(
        self,
        *,
        on_event: Callable[[RelayEvent], None] | None = None,
        on_state: Callable[[SubscriberState], None] | None = None,
        on_gap: Callable[[Gap], None] | None = None,
        backoff: Backoff | None = None,
        watchdog_s: float = 45.0,
        unauthorized_retry_s: float = 300.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._on_event = on_event
        self._on_state = on_state
        self._on_gap = on_gap
        self.backoff = backoff or Backoff()
        self.watchdog_s = watchdog_s
        self.unauthorized_retry_s = unauthorized_retry_s
        self._transport = transport
        self._state = SubscriberState("stopped")
        self._listeners: set[asyncio.Queue[RelayEvent | None]] = set()
        self._wake = asyncio.Event()
        self._connections = 0
        self.gaps: list[Gap] = []

    @property
    def state(self) -> SubscriberState:
        """The current state."""
        return self._state

    def _set_state(self, **changes: Any) -> None:
        self._state = replace(self._state, **changes)
        if self._on_state is not None:
            self._tell(self._on_state, self._state)

    def _gap(self, gap: Gap) -> None:
        self.gaps.append(gap)
        if self._on_gap is not None:
            self._tell(self._on_gap, gap)

    def _tell(self, listener: Callable[[Any], None], news: object) -> None:
        """Calls a listener; its failure is logged and shown, and does not end the feed."""
        try:
            listener(news)
        except Exception as exc:
            _log.error("a listener of %r failed", self, exc_info=exc)
            self._state = replace(self._state, last_error=listener_sentence(exc))
            if listener is not self._on_state and self._on_state is not None:
                with contextlib.suppress(Exception):  # already logged once
                    self._on_state(self._state)

    def _count_duplicates(self, count: int) -> None:
        self._set_state(duplicates=self._state.duplicates + count)

    def _deliver(self, event: RelayEvent) -> None:
        self._set_state(received=self._state.received + 1)
        if self._on_event is not None:
            self._tell(self._on_event, event)
        for queue in self._listeners:
            queue.put_nowait(event)

    async def events(self) -> AsyncIterator[RelayEvent]:
        """New events as they arrive, until the subscriber stops."""
        queue: asyncio.Queue[RelayEvent | None] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._listeners.discard(queue)

    def reconnect_now(self) -> None:
        """Cuts a backoff or unauthorized wait short (e.g. after the user fixed the token)."""
        self._wake.set()

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            # not wait_for: on 3.11 it loses a cancel that meets a wake-up
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    def _client(self) -> httpx.AsyncClient:
        timeout = httpx.Timeout(10.0, read=self.watchdog_s)
        return httpx.AsyncClient(timeout=timeout, transport=self._transport)

    async def run(self) -> None:
        """Connects, streams and reconnects until cancelled."""
        attempt = 0
        self._set_state(phase="connecting", attempt=0, last_error=None)
        try:
            async with self._client() as client:
                while True:
                    try:
                        went_live = await self._stream_once(client)
                        error = "the server ended the stream"
                    except UnauthorizedError as exc:
                        self._set_state(phase="unauthorized", attempt=0, last_error=str(exc))
                        await self._pause(self.unauthorized_retry_s)
                        attempt = 0
                        self._set_state(phase="connecting")
                        continue
                    except (httpx.HTTPError, BadAnswerError, ValueError) as exc:
                        went_live, error = False, _describe(exc)
                    except (sqlite3.Error, OSError) as exc:  # the local store: retried
                        _log.warning("%r: events not stored: %s", self, exc)
                        went_live, error = False, storage_sentence(exc)
                    except Exception as exc:  # anything else: retried too, never a silent end
                        _log.error("%r: the stream failed", self, exc_info=exc)
                        went_live = False
                        error = (
                            f"the feed failed unexpectedly ({type(exc).__name__}); retrying. "
                            "The details are in the app's log"
                        )
                    if went_live:
                        attempt = 0
                    attempt += 1
                    self._set_state(phase="reconnecting", attempt=attempt, last_error=error)
                    await self._pause(self.backoff.delay(attempt))
        finally:
            self._set_state(phase="stopped")
            for queue in self._listeners:
                queue.put_nowait(None)

    async def _stream_once(self, client: httpx.AsyncClient) -> bool:
        """One connection; returns whether it went live (raises on failure)."""
        went_live = False
        async with client.stream("GET", self._stream_url(), headers=self._headers()) as response:
            if response.status_code in (401, 403):
                raise UnauthorizedError(
                    f"the server refused the credentials ({response.status_code})"
                )
            if response.status_code != 200:
                raise BadAnswerError(f"the server answered {response.status_code}")
            if "text/event-stream" not in response.headers.get("content-type", ""):
                raise BadAnswerError("the server did not answer with an event stream")
            self._connections += 1
            if self._connections > 1:
                self._on_reconnected()
            self._set_state(phase="live", attempt=0, last_error=None)
            went_live = True
            # A writer per connection: nothing left by an earlier one (a failed one) leaks in.
            async with BatchWriter(
                self._commit,
                on_new=self._deliver,
                on_duplicates=self._count_duplicates,
                on_marker=self._apply_gap,
                name=f"{type(self).__name__}-writer",
            ) as writer:
                async for sse in EventSource(response).aiter_sse():
                    writer.check()  # a failed writer: stop reading, raise its error
                    if (item := self._parse(sse)) is not None:
                        writer.put(item)
        return went_live

    def _on_reconnected(self) -> None:  # noqa: B027 - optional hook
        """Called on every successful connection after the first."""

    async def _apply_gap(self, gap: Gap) -> None:
        """Reports a gap the stream announced, in its place among the events (after storing)."""
        self._gap(gap)

    @abc.abstractmethod
    def _parse(self, sse: ServerSentEvent) -> RelayEvent | Gap | None:
        """What a frame means: an event to store, a gap, or None (nothing to store)."""

    @abc.abstractmethod
    async def _commit(self, batch: Sequence[RelayEvent]) -> list[bool]:
        """Stores ``batch`` in one transaction; returns, for each event, whether it was new."""

    @abc.abstractmethod
    def _stream_url(self) -> str: ...

    @abc.abstractmethod
    def _headers(self) -> dict[str, str]: ...
