"""Fan-out of newly committed events to the open streams, without letting one slow them all.

Each stream has a bounded queue. Publishing never waits: when a queue is full, that stream is
marked ``overflowed`` and its queue emptied; the stream then catches up from the store (which has
everything) and goes live again. Ingest and the other streams never notice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.store import StoredEvent


@dataclass(eq=False)
class Subscription:
    """One stream's live queue. ``wakeup`` is set whenever there is something to look at."""

    queue: asyncio.Queue[StoredEvent]
    overflowed: bool = False
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)


class Broadcaster:
    """Holds the open subscriptions; used only from the event loop."""

    def __init__(self, metrics: Metrics, queue_size: int) -> None:
        self._subs: set[Subscription] = set()
        self._metrics = metrics
        self._queue_size = queue_size
        self.closed = asyncio.Event()

    def subscribe(self) -> Subscription:
        """Registers a stream; call before reading the store so that nothing falls between."""
        sub = Subscription(asyncio.Queue(self._queue_size))
        self._subs.add(sub)
        self._metrics.subscribers = len(self._subs)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forgets a stream (idempotent)."""
        self._subs.discard(sub)
        self._metrics.subscribers = len(self._subs)

    def publish(self, events: list[StoredEvent]) -> None:
        """Hands committed events (in sequence order) to every stream, never waiting."""
        for sub in self._subs:
            if sub.overflowed:
                continue
            for event in events:
                try:
                    sub.queue.put_nowait(event)
                except asyncio.QueueFull:
                    sub.overflowed = True
                    self._metrics.subscriber_overflows += 1
                    while not sub.queue.empty():
                        sub.queue.get_nowait()
                    break
            sub.wakeup.set()

    def close(self) -> None:
        """Wakes every stream so it can end (on shutdown)."""
        self.closed.set()
        for sub in self._subs:
            sub.wakeup.set()
