"""Desktop-side subscribers: our relay's SSE stream (here) and a smee.io channel (``smee.py``).

See ``sse_base.py`` for what both do: reconnect with backoff, report state and gaps, deliver
events through callbacks or ``async for event in sub.events()``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from httpx_sse import ServerSentEvent

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.smee import SmeeSubscriber
from impilo_desk.services.sse_base import Backoff, Gap, Phase, SseSubscriber, SubscriberState

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

    The events that arrive together (a burst, a replay) are stored in one transaction, in the
    stream's order, and a gap is applied in its place among them (``batch_writer.py``). A
    connection ends only after all it read was stored, so the next one resumes from an exact
    sequence.

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
        return await super()._stream_once(client)

    def _parse(self, sse: ServerSentEvent) -> RelayEvent | Gap | None:
        if sse.event == "gap":
            info = json.loads(sse.data)
            return Gap(info.get("reason", "retention"), info.get("after"), info.get("resume_after"))
        if sse.event != "message" or not sse.data:
            return None
        data = json.loads(sse.data)
        return RelayEvent(
            seq=int(data["seq"]),
            received_at=datetime.fromisoformat(data["received_at"]).astimezone(UTC),
            envelope=Envelope.model_validate(data["envelope"]),
            headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
        )

    async def _commit(self, batch: Sequence[RelayEvent]) -> list[bool]:
        return await asyncio.to_thread(self.store.add_many, batch)

    async def _apply_gap(self, gap: Gap) -> None:
        if gap.reason == "reset":
            await asyncio.to_thread(self.store.reset_sequence, int(gap.resume_after or 0))
        await super()._apply_gap(gap)
