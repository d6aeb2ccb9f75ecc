"""Desktop-side subscribers: our relay's SSE stream (here) and a smee.io channel (``smee.py``).

See ``sse_base.py`` for what both do: reconnect with backoff, report state and gaps, deliver
events through callbacks or ``async for event in sub.events()``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from httpx_sse import ServerSentEvent

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.smee import SmeeSubscriber
from impilo_desk.services.sse_base import Backoff, Gap, Phase, SseSubscriber, SubscriberState

BATCH_MAX = 500
"""At most this many events per transaction: a long replay is committed in slices, so the UI
sees progress and a failed commit costs little."""

_Item = RelayEvent | Gap | None
"""What the stream hands to the writer: an event, a gap (applied in order), or None (the end)."""

__all__ = [
    "Backoff",
    "Gap",
    "Phase",
    "RelayEvent",
    "RelaySubscriber",
    "SmeeSubscriber",
    "SubscriberState",
]


class RelaySubscriber(SseSubscriber):
    """Reads our relay's ``/events`` stream into the ``EventStore``.

    It resumes after the last relay sequence in the store, so nothing is missed across
    disconnects or restarts of either side, and it de-duplicates by the Impilo event id.

    Reading and writing are two tasks per connection: the stream puts events on a queue, and
    a writer stores everything that waits there in one transaction (up to ``BATCH_MAX``), then
    delivers the new ones, in the stream's order. While one batch commits the next one gathers,
    so a burst or a replay costs one commit per batch, not one per event. A connection ends only
    after its writer stored all it was given, so the next one resumes from an exact sequence.

    Args:
        url: the relay's base URL (``/events`` is appended).
        token: the relay's bearer token (never logged or shown).
        store: where events and the last sequence are kept.
    """

    def __init__(self, url: str, token: str, store: EventStore, **options: Any) -> None:
        super().__init__(**options)
        self._resume_after = 0
        self.url = url.rstrip("/")
        self._token = token
        self.store = store
        self._inbox: asyncio.Queue[_Item] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"RelaySubscriber(url={self.url!r}, phase={self._state.phase!r})"

    def _stream_url(self) -> str:
        return self.url + "/events"

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "Authorization": f"Bearer {self._token}",
            "Last-Event-ID": str(self._resume_after),
        }

    async def _stream_once(self, client: httpx.AsyncClient) -> bool:
        self._resume_after = await asyncio.to_thread(self.store.last_sequence)
        # A queue per connection: nothing left by an earlier writer (a failed one) leaks in.
        self._inbox = asyncio.Queue()
        writer = self._writer = asyncio.create_task(
            self._write(self._inbox), name="relay-subscriber-writer"
        )
        try:
            return await super()._stream_once(client)
        finally:
            self._inbox.put_nowait(None)
            try:
                await writer  # stores what the stream gave; raises what the writer raised
            except asyncio.CancelledError:
                writer.cancel()  # cancelled again while flushing: stop without waiting
                raise

    async def _handle(self, sse: ServerSentEvent) -> None:
        if self._writer is not None and self._writer.done():
            self._writer.result()  # a failed writer: stop reading, raise its error
        if sse.event == "gap":
            info = json.loads(sse.data)
            gap = Gap(info.get("reason", "retention"), info.get("after"), info.get("resume_after"))
            self._inbox.put_nowait(gap)  # after the events before it, as the stream said
            return
        if sse.event != "message" or not sse.data:
            return
        data = json.loads(sse.data)
        # The queue is unbounded: a batch commits much faster than the stream delivers one, so
        # it stays short; and a failed writer stops the reading at the next event (above).
        self._inbox.put_nowait(
            RelayEvent(
                seq=int(data["seq"]),
                received_at=datetime.fromisoformat(data["received_at"]).astimezone(UTC),
                envelope=Envelope.model_validate(data["envelope"]),
                headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
            )
        )

    async def _write(self, inbox: asyncio.Queue[_Item]) -> None:
        """Stores and delivers what ``inbox`` holds, in order, until it holds None."""
        while True:
            items = [await inbox.get()]
            while len(items) < BATCH_MAX and not inbox.empty():
                items.append(inbox.get_nowait())
            batch: list[RelayEvent] = []
            for item in items:
                if isinstance(item, RelayEvent):
                    batch.append(item)
                    continue
                await self._store(batch)  # what came before a gap or the end, first
                batch = []
                if item is None:
                    return
                await self._apply_gap(item)
            await self._store(batch)

    async def _store(self, batch: list[RelayEvent]) -> None:
        if not batch:
            return
        new = await asyncio.to_thread(self.store.add_many, batch)
        for event, is_new in zip(batch, new, strict=True):
            if is_new:
                self._deliver(event)
        if duplicates := new.count(False):
            self._set_state(duplicates=self._state.duplicates + duplicates)

    async def _apply_gap(self, gap: Gap) -> None:
        if gap.reason == "reset":
            await asyncio.to_thread(self.store.reset_sequence, int(gap.resume_after or 0))
        self._gap(gap)
