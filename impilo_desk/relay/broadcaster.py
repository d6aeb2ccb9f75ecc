"""Fan-out of newly committed events to the open streams, at a cost that does not grow on ingest.

``publish`` (on the ingest path) encodes a batch's SSE frames once, appends them to one shared
log and schedules a wake-up; it does nothing per subscriber. The wake-up then sets each stream's
event, and each stream takes what it has not sent from the log and writes it in one piece. With
many streams the wake-up waits a little (``FLUSH_PER_SUBSCRIBER_S`` per stream, at most
``MAX_FLUSH_DELAY_S``) so that events arriving meanwhile go out in the same write: the fan-out
then takes a bounded share of a core however many streams there are. The streams are woken in
slices of ``WAKE_SLICE``, one per turn of the event loop, so that ingest is served in between.

The log holds the last ``queue_size`` events. A stream that falls further behind is marked
``overflowed`` and catches up from the store (which has everything), then goes live again;
ingest and the other streams never notice.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import StoredEvent

# Measured: waking one stream and writing its chunk costs 10-40 µs of the event loop; waiting
# 100 µs per open stream keeps the fan-out under a third of a core at any count (with 1,000
# streams: ten writes a second each), so that it does not starve ingest.
FLUSH_PER_SUBSCRIBER_S = 100e-6
MAX_FLUSH_DELAY_S = 0.1
# Streams woken per turn of the event loop: between two slices the loop reads the sockets, so a
# POST waits for one slice (a few ms), not for the whole fan-out.
WAKE_SLICE = 64


def frame(event: StoredEvent) -> str:
    """One SSE message: ``id:`` the relay sequence, ``data:`` the event as one JSON line."""
    return f"id: {event.seq}\ndata: {event.to_json()}\n\n"


@dataclass(frozen=True, slots=True)
class Batch:
    """Events committed together, with their SSE frames encoded once for every stream."""

    events: tuple[StoredEvent, ...]
    data: bytes

    @property
    def first_seq(self) -> int:
        """The lowest sequence in the batch."""
        return self.events[0].seq

    @property
    def last_seq(self) -> int:
        """The highest sequence in the batch."""
        return self.events[-1].seq


class Sink(Protocol):
    """A stream's connection, for the broadcaster to write to directly (``Subscription.sink``)."""

    def ready(self) -> bool:
        """Whether a write now would be sent at once (open, and not held back by the client)."""
        ...

    def write(self, data: bytes) -> None:
        """Sends SSE bytes (framing them for the connection)."""
        ...


@dataclass(eq=False)
class Subscription:
    """One stream's place in the shared log. ``wakeup`` is set when there is something new.

    A stream that is caught up and waits (``idle``) with a ``sink`` is not woken for new
    events: the flush writes them to its sink itself, so a live stream costs one write per flush
    and no task switch.
    """

    cursor: int  # the number of the next batch of the log this stream has not taken
    overflowed: bool = False
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    last: int = 0  # the highest sequence sent to this stream
    sent_at: float = 0.0  # the loop time of its last write
    idle: bool = False  # caught up and waiting for its wake-up
    sink: Sink | None = None


class Broadcaster:
    """Holds the open subscriptions and the recent batches; used only from its event loop."""

    threadsafe = False  # ``publish`` only from the loop (``ingest.Publisher``)

    def __init__(self, metrics: Metrics, queue_size: int) -> None:
        self._subs: set[Subscription] = set()
        self._metrics = metrics
        self._queue_size = queue_size
        self._log: deque[Batch] = deque()
        self._base = 0  # the number of ``_log[0]``
        self._held = 0  # events in the log
        self._flush: asyncio.TimerHandle | asyncio.Handle | None = None
        self._waking: list[Subscription] = []
        self._slice: asyncio.Handle | None = None
        self.closed = asyncio.Event()

    @property
    def count(self) -> int:
        """How many streams are open."""
        return len(self._subs)

    def subscribe(self, sink: Sink | None = None) -> Subscription:
        """Registers a stream; call before reading the store so that nothing falls between."""
        sub = Subscription(self._base + len(self._log), sink=sink)
        self._subs.add(sub)
        self._metrics.subscribers = len(self._subs)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forgets a stream (idempotent)."""
        self._subs.discard(sub)
        self._metrics.subscribers = len(self._subs)

    def publish(self, events: list[StoredEvent]) -> None:
        """Logs committed events (in sequence order) for every stream, never waiting."""
        data = "".join([frame(e) for e in events]).encode()
        self._log.append(Batch(tuple(events), data))
        self._held += len(events)
        while self._held > self._queue_size and len(self._log) > 1:
            self._held -= len(self._log.popleft().events)
            self._base += 1
        if self._flush is None and self._subs:
            loop = asyncio.get_running_loop()
            delay = min(MAX_FLUSH_DELAY_S, len(self._subs) * FLUSH_PER_SUBSCRIBER_S)
            if delay < 0.001:
                self._flush = loop.call_soon(self._wake_all)
            else:
                self._flush = loop.call_later(delay, self._wake_all)

    def _wake_all(self) -> None:
        self._flush = None
        woken = self._write_idle()
        if self._slice is None:
            self._waking = woken
            self._wake_slice()
        else:  # a wake-up is under way: these join it
            self._waking.extend(woken)

    def _write_idle(self) -> list[Subscription]:
        """Writes what is new to the idle streams that have a sink; returns the others."""
        if not self._log:
            return list(self._subs)
        end = self._base + len(self._log)
        last_seq = self._log[-1].last_seq
        now = asyncio.get_running_loop().time()
        joined: dict[int, bytes] = {}  # by cursor: the streams of one flush share their bytes
        woken: list[Subscription] = []
        for sub in self._subs:
            if sub.cursor == end:
                continue  # nothing new for it
            sink = sub.sink
            if (
                not sub.idle
                or sink is None
                or sub.cursor < self._base  # fell behind the log: its task goes to the store
                or self._log[sub.cursor - self._base].first_seq <= sub.last  # a seam: the task
                or not sink.ready()  # held back by its client: the task waits for it
            ):
                woken.append(sub)
                continue
            data = joined.get(sub.cursor)
            if data is None:
                start = sub.cursor - self._base
                data = joined[sub.cursor] = b"".join(
                    [b.data for b in islice(self._log, start, None)]
                )
            sink.write(data)
            sub.cursor = end
            sub.last = last_seq
            sub.sent_at = now
        return woken

    def _wake_slice(self) -> None:
        self._slice = None
        for sub in self._waking[-WAKE_SLICE:]:
            sub.wakeup.set()
        del self._waking[-WAKE_SLICE:]
        if self._waking:
            self._slice = asyncio.get_running_loop().call_soon(self._wake_slice)

    def take(self, sub: Subscription) -> list[Batch]:
        """The batches ``sub`` has not taken; none and ``overflowed`` set if it fell behind."""
        end = self._base + len(self._log)
        if sub.cursor < self._base:
            sub.overflowed = True
            self._metrics.subscriber_overflows += 1
            sub.cursor = end
            return []
        start = sub.cursor - self._base
        sub.cursor = end
        if start == 0:
            return list(self._log)
        return [self._log[i] for i in range(start, end - self._base)]

    def close(self) -> None:
        """Wakes every stream so it can end (on shutdown)."""
        self.closed.set()
        for handle in (self._flush, self._slice):
            if handle is not None:
                handle.cancel()
        self._flush = self._slice = None
        for sub in self._subs:
            sub.wakeup.set()
