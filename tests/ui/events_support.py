"""What the Events tab's tests share: a desk on a real relay (and sandbox), events posted to it.

The session is the app's own shape: a real ``EventStore`` file, an ``EventHub`` and the app's
``relay_feed`` (``feeds.py``) reading the relay's stream into the store, with a short backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from impilo_desk.client import ImpiloClient
from impilo_desk.contract import SECRET_HEADER
from impilo_desk.feeds import relay_feed
from impilo_desk.services.credentials import SecretKind
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.redelivery import AttemptStore
from impilo_desk.services.sse_base import Backoff
from impilo_desk.session import OpenSession, ProfileInfo, Session
from impilo_desk.ui.events.controller import EventsController
from impilo_desk.ui.events.model import EventColumn
from tests.fixtures.desk import BuiltDesk, DeskMaker, ProfileStub
from tests.fixtures.relay import RelayProcess
from tests.ui.fakes import FakeStore

WAIT_MS = 20_000
PATIENT = {
    "id": 1042,
    "firstName": "Thandiwe",
    "lastName": "Mokoena",
    "externalIdentifier": "MRN-1",
}


@dataclass
class EventsDesk:
    desk: BuiltDesk
    relay: RelayProcess
    stores: list[EventStore] = field(default_factory=list)
    next_id: int = 1_796_149_482_048_000  # as the sandbox makes them (epoch ms x 1000): > 2**31

    @property
    def tab(self) -> EventsController:
        return self.desk.desk.tab(EventsController)

    def post(self, type_: str, payload: dict[str, Any], event_id: int | None = None) -> int:
        """POSTs one event to the relay as Impilo would; returns its Impilo id."""
        if event_id is None:
            self.next_id += 1
            event_id = self.next_id
        body = {"id": event_id, "type": type_, "payload": payload}
        httpx.post(
            self.relay.ingest_url, json=body, headers={SECRET_HEADER: self.relay.secret}
        ).raise_for_status()
        return event_id

    def column(self, column: EventColumn) -> list[str]:
        model = self.tab.model
        return [str(model.data(model.index(r, column))) for r in range(model.rowCount())]

    def ids(self) -> list[int]:
        return [r.envelope_id for r in self.tab.model.rows if r.envelope_id is not None]


def opener(
    relay: RelayProcess,
    tmp_path: Path,
    stores: list[EventStore],
    api_url: str,
    secret: str | None = None,
    with_record: bool = False,
) -> OpenSession:
    """Sessions as the app opens them; ``secret`` in the keyring, a redelivery record if asked."""

    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        store = await asyncio.to_thread(EventStore, tmp_path / f"events-{profile.id}.sqlite3")
        stores.append(store)
        hub = EventHub(store)
        feed = relay_feed(relay.url, relay.token, hub, backoff=Backoff(0.05, 0.3))
        keyring = FakeStore()
        if secret is not None:
            await keyring.set(profile.id, str(SecretKind.WEBHOOK_SECRET), secret)
        record = None
        if with_record:
            path = AttemptStore.path_for(tmp_path, profile.id)
            record = await asyncio.to_thread(AttemptStore, path)
        try:
            async with ImpiloClient(api_url, "test-api-key") as client:
                yield Session(profile, client, keyring, feed, events=hub, attempts=record)
        finally:
            if record is not None:
                await asyncio.to_thread(record.close)
            await asyncio.to_thread(store.close)

    return open_session


def open_events_desk(
    qtbot: Any,
    make_desk: DeskMaker,
    relay: RelayProcess,
    tmp_path: Path,
    api_url: str,
    environment: str = "sandbox",
    secret: str | None = None,
    with_record: bool = False,
) -> EventsDesk:
    """The desk on ``relay``, the Events tab shown, its session live."""
    stores: list[EventStore] = []
    opened = opener(relay, tmp_path, stores, api_url, secret, with_record)
    desk = make_desk(opened, end_session_first=True)
    live: list[str] = []
    desk.sessions.relay_status.connect(lambda s: live.append(s.phase))
    world = EventsDesk(desk, relay, stores)
    with qtbot.waitSignal(world.tab.loaded, timeout=WAIT_MS):
        desk.sessions.switch_to(ProfileStub("p1", "Events", api_url, relay.url, environment))
    qtbot.waitUntil(lambda: bool(live) and live[-1] == "live", timeout=WAIT_MS)
    desk.window.tabs.setCurrentWidget(world.tab.view)
    return world
