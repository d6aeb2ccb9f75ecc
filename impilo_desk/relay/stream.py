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

from impilo_desk.relay.broadcaster import Broadcaster, Sink, Subscription, frame
from impilo_desk.relay.stores import EventStore

PAGE = 500


def gap_frame(after: int, resume_after: int, reason: str) -> str:
    """The ``gap`` event: events after ``after`` up to ``resume_after`` are not available."""
    data = json.dumps({"after": after, "resume_after": resume_after, "reason": reason})
    return f"event: gap\ndata: {data}\n\n"


def _take(broadcaster: Broadcaster, sub: Subscription) -> bytes:
    """What of the log ``sub`` has not sent (skipping up to ``sub.last``, which it moves on)."""
    chunk: list[bytes] = []
    for batch in broadcaster.take(sub):
        if batch.first_seq > sub.last:
            chunk.append(batch.data)  # the usual case: encoded once for all streams
        elif batch.last_seq > sub.last:  # the seam with a store read: skip what was sent
            chunk.append("".join(frame(e) for e in batch.events if e.seq > sub.last).encode())
        sub.last = max(sub.last, batch.last_seq)
    return b"".join(chunk)


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
    sink: Sink | None = None,
) -> AsyncGenerator[bytes, None]:
    """Yields the SSE bytes for one subscriber until the client goes or the relay stops.

    ``after`` is the last sequence the client has (``None``: it wants only new events). With a
    ``sink`` (the stream's connection), the live events that arrive while the stream waits are
    written to it by the broadcaster and not yielded here (``Subscription``).
    """
    loop = asyncio.get_running_loop()
    idle_flag: list[bool] = []  # non-empty once the keep-alive timer fired
    idle: asyncio.TimerHandle | None = None
    sub = broadcaster.subscribe(sink)
    sub.sent_at = loop.time()
    try:
        bounds = await asyncio.to_thread(store.bounds)
        preamble = f"retry: {retry_ms}\n: impilo-relay, last_seq {bounds['last_seq']}\n\n"
        catch_up = after is not None
        if after is None:
            sub.last = bounds["last_seq"]
        elif after > bounds["last_seq"]:
            # The client knows more than this store ever held: the store was replaced.
            sub.last = bounds["pruned_through"]
            preamble += gap_frame(after, sub.last, "reset")
        elif after < bounds["pruned_through"]:
            sub.last = bounds["pruned_through"]
            preamble += gap_frame(after, sub.last, "retention")
        else:
            sub.last = after
        yield preamble.encode()
        while not broadcaster.closed.is_set():
            if catch_up or sub.overflowed:
                sub.overflowed = False
                catch_up = False
                while True:
                    rows = await asyncio.to_thread(store.read_after, sub.last, PAGE)
                    if rows:
                        sub.last = rows[-1].seq
                        yield "".join(frame(r) for r in rows).encode()
                    if len(rows) < PAGE:
                        break
            chunk = _take(broadcaster, sub)
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
            sub.idle = True
            try:
                await sub.wakeup.wait()
            finally:
                sub.idle = False
            if idle_flag:
                idle_flag.clear()
                idle = None
                if loop.time() - sub.sent_at >= keepalive_s * 0.5:
                    yield b": keep-alive\n\n"
            sub.sent_at = loop.time()
        # Closing: what was committed before (and is in the log) still goes out, then the end.
        if not sub.overflowed:
            chunk = _take(broadcaster, sub)
            if chunk:
                yield chunk
    finally:
        if idle is not None:
            idle.cancel()
        broadcaster.unsubscribe(sub)
