"""Reading a smee.io channel: the public relay many teams already use.

smee forwards each POST as one SSE message whose JSON carries the request headers at the top
level beside ``body``, ``query`` and ``timestamp`` (ms), e.g.
``{"host": ..., "impilo-webhook-secret": "...", "content-type": ..., "body": {...}, "query": {},
"timestamp": 1700000000000}``; it also sends ``event: ready`` on connect and ``event: ping`` to
keep the line open. smee checks nothing and keeps no history, so this subscriber checks the
webhook secret itself (constant time; mismatches are dropped and counted) and reports a possible
gap after every reconnect. The events that pass are stored as the relay subscriber's are: those
that arrive together in one transaction, in order, each once (``batch_writer.py``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from httpx_sse import ServerSentEvent
from pydantic import ValidationError

from impilo_desk.contract import SECRET_HEADER, Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.sse_base import Gap, SseSubscriber

_SECRET_KEY = SECRET_HEADER.lower()
_NOT_HEADERS = {"body", "query", "timestamp", _SECRET_KEY}
_SEEN_MAX = 10_000


class SmeeSubscriber(SseSubscriber):
    """Reads a smee.io channel URL (``https://smee.io/<channel>``).

    Args:
        url: the channel URL.
        secret: the account's webhook secret (never logged or shown).
        store: optional ``EventStore``; events are de-duplicated by Impilo id through it, or
            through an in-memory window of recent ids when there is none.
    """

    def __init__(
        self, url: str, secret: str, store: EventStore | None = None, **options: Any
    ) -> None:
        super().__init__(**options)
        self.url = url
        self._secret = secret.encode("utf-8")
        self.store = store
        self._seen: OrderedDict[int, None] = OrderedDict()

    def __repr__(self) -> str:
        return f"SmeeSubscriber(url={self.url!r}, phase={self._state.phase!r})"

    def _stream_url(self) -> str:
        return self.url

    def _headers(self) -> dict[str, str]:
        # Exactly this: smee answers its HTML page to anything that also accepts HTML.
        return {"Accept": "text/event-stream"}

    def _on_reconnected(self) -> None:
        self._gap(Gap("smee-reconnect"))

    def _drop(self, reason: str) -> None:
        self._set_state(dropped=self._state.dropped + 1, last_error=reason)

    def _parse(self, sse: ServerSentEvent) -> RelayEvent | None:
        if sse.event != "message" or not sse.data:
            return None  # "ready", "ping" and anything new
        try:
            data = json.loads(sse.data)
        except ValueError:
            self._drop("a smee message that is not JSON")
            return None
        if not isinstance(data, dict):
            self._drop("a smee message that is not a JSON object")
            return None
        given = data.get(_SECRET_KEY)
        if not isinstance(given, str) or not hmac.compare_digest(
            given.encode("utf-8"), self._secret
        ):
            self._drop("an event without the right webhook secret was dropped")
            return None
        try:
            envelope = Envelope.model_validate(data.get("body"))
        except ValidationError:
            self._drop("an event whose body is not an Impilo envelope was dropped")
            return None
        stamp = data.get("timestamp")
        received_at = (
            datetime.fromtimestamp(stamp / 1000, UTC)
            if isinstance(stamp, int | float) and not isinstance(stamp, bool)
            else datetime.now(UTC)
        )
        headers = {str(k): str(v) for k, v in data.items() if k.lower() not in _NOT_HEADERS}
        return RelayEvent(None, received_at, envelope, headers, source="smee")

    async def _commit(self, batch: Sequence[RelayEvent]) -> list[bool]:
        if self.store is not None:
            return await asyncio.to_thread(self.store.add_many, batch)
        return [self._first_time(event.envelope.id) for event in batch]

    def _first_time(self, key: int) -> bool:
        """Whether ``key`` is new to the window of recent ids (which it then joins)."""
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > _SEEN_MAX:
            self._seen.popitem(last=False)
        return True
