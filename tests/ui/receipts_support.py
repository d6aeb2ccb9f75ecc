"""What the Test events tab's tests share: the world (sandbox, relay, a patient) and the desk.

The sandbox delivers to the relay (same secret on both); the desktop's RelaySubscriber reads the
relay's stream into an EventStore and hands each event to the tab through the session. The
fixtures ``firing_world`` and ``open_firing_desk`` (conftest) build them from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt

from impilo_desk.client import ImpiloClient
from impilo_desk.contract import Webhook
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.receipts import Step
from impilo_desk.services.subscriber import RelaySubscriber, SubscriberState
from impilo_desk.session import ProfileInfo, RelayStatus, Session
from impilo_desk.ui.test_events.models import ChainColumn
from tests.fixtures.desk import BuiltDesk, DeskMaker, ProfileStub
from tests.fixtures.relay import RelayProcess
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.fakes import FakeStore

FOLLOW_MS = 25_000


@dataclass
class World:
    sandbox: SandboxProcess
    relay: RelayProcess
    api: httpx.Client
    patient_id: int

    def hook(self, webhook_type: str, url: str | None = None) -> None:
        body = {"type": webhook_type, "url": url or self.relay.ingest_url}
        self.api.post("/api/v3/webhook", json=body).raise_for_status()

    def hooks(self) -> list[Webhook]:
        page = self.api.get("/api/v3/webhook", params={"size": 250}).raise_for_status().json()
        return [Webhook.model_validate(h) for h in page["content"]]

    def relayed(self) -> dict[int, str]:
        """The Impilo event id of every event the relay stored, by the relay's sequence."""
        answer = httpx.get(
            self.relay.url + "/events/history",
            params={"after": 0, "limit": 100},
            headers={"Authorization": f"Bearer {self.relay.token}"},
        ).raise_for_status()
        return {e["seq"]: str(e["envelope"]["id"]) for e in answer.json()["events"]}


@contextmanager
def make_world(sandbox: SandboxProcess, relay: RelayProcess) -> Iterator[World]:
    with sandbox.client() as api:
        api.post("/api/v3/webhook-secret", json={"secret": relay.secret}).raise_for_status()
        patient = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
        made = api.post("/api/v3/patient", json=patient).raise_for_status().json()
        api.post("/api/v3/patient", json={**patient, "firstName": "Thabo", "lastName": "Mokoena"})
        yield World(sandbox, relay, api, int(made["id"]))


def desk_opener(
    qtbot: Any, make_desk: DeskMaker, world: World, tmp_path: Path
) -> Callable[..., BuiltDesk]:
    """Builds the real desk; ``open_desk(environment=…)`` starts a session and waits for it."""

    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        hub = EventHub()

        async def feed(report: Callable[[RelayStatus], None]) -> None:
            def on_state(state: SubscriberState) -> None:
                report(RelayStatus(state.phase, state.attempt, state.received, state.last_error))

            store = EventStore(tmp_path / f"events-{profile.id}.sqlite3")
            subscriber = RelaySubscriber(
                world.relay.url, world.relay.token, store, on_event=hub.on_event,
                on_state=on_state,
            )  # fmt: skip
            try:
                await subscriber.run()
            finally:
                store.close()

        async with ImpiloClient(world.sandbox.base_url, world.sandbox.api_key) as client:
            yield Session(profile, client, FakeStore(), feed, events=hub)

    def start(environment: str = "sandbox", name: str = "Sandbox for tests") -> BuiltDesk:
        desk = make_desk(open_session, end_session_first=True)
        profile = ProfileStub(
            "p1", name, world.sandbox.base_url, world.relay.url, environment=environment
        )
        switch(qtbot, desk, profile)
        desk.window.tabs.setCurrentWidget(desk.test_events.view)
        return desk

    return start


def switch(qtbot: Any, desk: BuiltDesk, profile: ProfileStub) -> None:
    """Switches the desk to ``profile`` and waits until its patients and relay feed are in."""
    live: list[RelayStatus] = []
    desk.sessions.relay_status.connect(live.append)
    with qtbot.waitSignal(desk.test_events.patients_loaded, timeout=10_000):
        desk.sessions.switch_to(profile)
    qtbot.waitUntil(lambda: bool(live) and live[-1].phase == "live", timeout=10_000)
    desk.sessions.relay_status.disconnect(live.append)


def fire(qtbot: Any, desk: BuiltDesk) -> str:
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as blocker:
        qtbot.mouseClick(desk.test_events.view.fire_button, Qt.MouseButton.LeftButton)
    return str(blocker.args[0])


def statuses(desk: BuiltDesk) -> list[str]:
    model = desk.test_events.chain_model
    return [model.status(row) for row in range(model.rowCount())]


def cell(desk: BuiltDesk, step: Step, column: ChainColumn) -> str:
    model = desk.test_events.chain_model
    return str(model.data(model.index(int(step), int(column))))
