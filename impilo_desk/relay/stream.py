"""The SSE stream of one subscriber: replay from the store, then live, without gap or repeat.

The stream registers with the broadcaster *before* it reads the store. Every event committed
after that moment is in the broadcaster's log from its cursor on; every event committed before
is found by the store read. Events seen both ways are skipped by sequence, so the seam between
replay and live has neither a hole nor a duplicate. A stream that fell behind the log goes back
to the store the same way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator

from impilo_desk.relay.broadcaster import Broadcaster, Subscription, frame
from impilo_desk.relay.stores import EventStore

PAGE = 500


def gap_frame(after: int, resume_after: int, reason: str) -> str:
    """The ``gap`` event: events after ``after`` up to ``resume_after`` are not available."""
    data = json.dumps({"after": after, "resume_after": resume_after, "reason": reason})
    return f"event: gap\ndata: {data}\n\n"


def _take(broadcaster: Broadcaster, sub: Subscription, last: int) -> tuple[bytes, int]:
    """What of the log ``sub`` has not sent (skipping up to ``last``), and the new ``last``."""
    chunk: list[bytes] = []
    for batch in broadcaster.take(sub):
        if batch.first_seq > last:
            chunk.append(batch.data)  # the usual case: encoded once for all streams
        elif batch.last_seq > last:  # the seam with a store read: skip what was sent
            chunk.append("".join(frame(e) for e in batch.events if e.seq > last).encode())
        last = max(last, batch.last_seq)
    return b"".join(chunk), last


def _ping(sub: Subscription, idle_flag: list[bool]) -> None:
    idle_flag.append(True)
    sub.wakeup.set()


async def event_stream(
    store: EventStore,
    broadcaster: Broadcaster,
    after: int | None,
    *,
    keepalive_s: float,
    retry_ms: int,
) -> AsyncGenerator[bytes, None]:
    """Yields the SSE bytes for one subscriber until the client goes or the relay stops.

    ``after`` is the last sequence the client has (``None``: it wants only new events).
    """
    loop = asyncio.get_running_loop()
    idle_flag: list[bool] = []  # non-empty once the keep-alive timer fired
    idle: asyncio.TimerHandle | None = None
    sent_at = loop.time()
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
        yield preamble.encode()
        while not broadcaster.closed.is_set():
            if catch_up or sub.overflowed:
                sub.overflowed = False
                catch_up = False
                while True:
                    rows = await asyncio.to_thread(store.read_after, last, PAGE)
                    if rows:
                        last = rows[-1].seq
                        yield "".join(frame(r) for r in rows).encode()
                    if len(rows) < PAGE:
                        break
            chunk, last = _take(broadcaster, sub, last)
            if chunk:
                yield chunk
                continue
            if sub.overflowed:
                continue
            sub.wakeup.clear()
            # One timer that lives across wake-ups (not wait_for, which makes a task per wait,
            # nor a timer per wait): this runs per stream and per flush.
            if idle is None:
                idle = loop.call_later(keepalive_s, _ping, sub, idle_flag)
            await sub.wakeup.wait()
            if idle_flag:
                idle_flag.clear()
                idle = None
                if loop.time() - sent_at >= keepalive_s * 0.5:
                    yield b": keep-alive\n\n"
            sent_at = loop.time()
        # Closing: what was committed before (and is in the log) still goes out, then the end.
        if not sub.overflowed:
            chunk, last = _take(broadcaster, sub, last)
            if chunk:
                yield chunk
    finally:
        if idle is not None:
            idle.cancel()
        broadcaster.unsubscribe(sub)
