"""The SSE stream of one subscriber: replay from the store, then live, without gap or repeat.

The stream registers with the broadcaster *before* it reads the store. Every event committed
after that moment reaches its queue; every event committed before is found by the store read.
Events seen both ways are skipped by sequence, so the seam between replay and live has neither a
hole nor a duplicate. A stream whose queue overflowed goes back to the store the same way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.store import StoredEvent
from impilo_desk.relay.stores import EventStore

PAGE = 500


def frame(event: StoredEvent) -> str:
    """One SSE message: ``id:`` the relay sequence, ``data:`` the event as one JSON line."""
    return f"id: {event.seq}\ndata: {event.to_json()}\n\n"


def gap_frame(after: int, resume_after: int, reason: str) -> str:
    """The ``gap`` event: events after ``after`` up to ``resume_after`` are not available."""
    data = json.dumps({"after": after, "resume_after": resume_after, "reason": reason})
    return f"event: gap\ndata: {data}\n\n"


async def event_stream(
    store: EventStore,
    broadcaster: Broadcaster,
    after: int | None,
    *,
    keepalive_s: float,
    retry_ms: int,
) -> AsyncIterator[str]:
    """Yields the SSE text for one subscriber until the client goes or the relay stops.

    ``after`` is the last sequence the client has (``None``: it wants only new events).
    """
    sub = broadcaster.subscribe()
    try:
        bounds = await asyncio.to_thread(store.bounds)
        preamble = f"retry: {retry_ms}\n: impilo-relay, last_seq {bounds['last_seq']}\n\n"
        catch_up = after is not None
        if after is None:
            last = bounds["last_seq"]
        elif after > bounds["last_seq"]:
            # The client knows more than this store ever held: the store was replaced.
            last = bounds["pruned_through"]
            preamble += gap_frame(after, last, "reset")
        elif after < bounds["pruned_through"]:
            last = bounds["pruned_through"]
            preamble += gap_frame(after, last, "retention")
        else:
            last = after
        yield preamble
        while not broadcaster.closed.is_set():
            if catch_up or sub.overflowed:
                sub.overflowed = False
                catch_up = False
                while True:
                    rows = await asyncio.to_thread(store.read_after, last, PAGE)
                    if rows:
                        last = rows[-1].seq
                        yield "".join(frame(r) for r in rows)
                    if len(rows) < PAGE:
                        break
            chunk: list[str] = []
            while not sub.queue.empty() and not sub.overflowed:
                event = sub.queue.get_nowait()
                if event.seq > last:
                    chunk.append(frame(event))
                    last = event.seq
            if chunk:
                yield "".join(chunk)
                continue
            if sub.overflowed:
                continue
            sub.wakeup.clear()
            try:
                await asyncio.wait_for(sub.wakeup.wait(), keepalive_s)
            except TimeoutError:
                yield ": keep-alive\n\n"
    finally:
        broadcaster.unsubscribe(sub)
