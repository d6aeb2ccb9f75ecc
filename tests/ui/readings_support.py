"""Shared set-up of the Readings tab tests: the tab on real servers, patients and readings."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from impilo_desk.client import ImpiloClient, RetryPolicy
from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.subscriber import Backoff, RelaySubscriber
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.readings.controller import ReadingsController
from impilo_desk.ui.readings.view import ReadingsTab

FAST = Backoff(initial_s=0.05, max_s=0.2)
NO_RETRY = RetryPolicy(attempts=1, total_timeout=5.0)


def run(qtbot: Any, loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]) -> Any:
    """Runs ``coro`` on the qasync loop from a sync test (qtbot waits drive the loop)."""
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=20_000)
    return task.result()


def minutes_ago(minutes: float) -> str:
    """An ISO time ``minutes`` before now (UTC)."""
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def add_patient(api: httpx.Client, first: str, last: str) -> int:
    """Creates a patient on the sandbox; returns its id."""
    answer = api.post("/api/v3/patient", json={"firstName": first, "lastName": last})
    answer.raise_for_status()
    return int(answer.json()["id"])


def record(api: httpx.Client, kind: str, patient_id: int, minutes: float, **values: Any) -> int:
    """Records a reading on the sandbox (which fires its webhook); returns its id."""
    body = {"patientId": patient_id, "readingTimestamp": minutes_ago(minutes), **values}
    answer = api.post(f"/api/v3/{kind}-reading", json=body)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


STREAM_START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def weight_reading(i: int, patient_id: int = 1) -> dict[str, Any]:
    """Reading ``i`` of a stream: one a minute, its weight (100 + i) tells which it is."""
    when = STREAM_START + timedelta(minutes=i)
    patient = {"id": patient_id, "firstName": "Pat", "lastName": "Stream"}
    return {"id": i + 1, "readingTimestamp": when.isoformat(), "weight": 100.0 + i,
            "patient": patient}  # fmt: skip


def relay_reading(i: int, patient_id: int = 1) -> RelayEvent:
    """Reading ``i`` as the relay subscriber hands it over."""
    envelope = Envelope(id=i + 1, type="reading.weight", payload=weight_reading(i, patient_id))
    return RelayEvent(seq=i + 1, received_at=STREAM_START, envelope=envelope)


def send_readings_to(api: httpx.Client, url: str, secret: str, types: list[str]) -> None:
    """Sets the sandbox's secret and points the given event types at ``url``."""
    api.post("/api/v3/webhook-secret", json={"secret": secret}).raise_for_status()
    for webhook_type in types:
        api.post("/api/v3/webhook", json={"type": webhook_type, "url": url}).raise_for_status()


@dataclass
class Readings:
    """The tab, its controller and what feeds them."""

    qtbot: Any
    loop: asyncio.AbstractEventLoop
    tab: ReadingsTab
    controller: ReadingsController
    tasks: TaskOwner
    hub: EventHub | None = None
    client: ImpiloClient | None = None
    subscriber: RelaySubscriber | None = None
    stores: list[EventStore] = field(default_factory=list)

    def start(self) -> None:
        """Opens the session and waits until the first patient's history is shown."""
        with self.qtbot.waitSignal(self.controller.loaded, timeout=20_000):
            self.controller.set_session(self.client, self.hub)

    def page(self, kind: str) -> Any:
        """The page of ``kind`` (redrawn first)."""
        self.controller.redraw(full=True)
        return self.tab.pages[kind]

    def curve(self, kind: str, name: str) -> tuple[list[float], list[float]]:
        """The x and y the chart of ``kind`` draws for ``name``."""
        item = self.page(kind).chart.curves[name]
        x, y = item.xData, item.yData  # all the data, not only what is in view
        return ([] if x is None else list(x)), ([] if y is None else list(y))

    def quit(self) -> None:
        """Ends the session and closes its store, as the app does when it exits."""
        self.controller.set_session(None, None)
        self.tasks.cancel_all()
        self.qtbot.waitUntil(lambda: self.tasks.pending == 0)
        for store in self.stores:
            store.close()
        self.stores.clear()

    def count(self, kind: str) -> int:
        """How many readings of ``kind`` are held."""
        return len(self.controller.series[kind])


@contextmanager
def readings_factory(qtbot: Any, qasync_loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    """Builds Readings tabs on a client (``base_url``/``api_key``) and/or a relay; cleans up."""
    made: list[Readings] = []

    def make(
        *,
        base_url: str | None = None,
        api_key: str = "test-api-key",
        store_path: Path | None = None,
        relay: Any = None,
        poll_interval_s: float = 3600.0,
    ) -> Readings:
        tab = ReadingsTab()  # not qtbot.addWidget: cleanup() deletes it, after its tasks end
        tab.resize(1280, 760)
        tab.show()
        tasks = TaskOwner(qasync_loop, name="readings-test")
        controller = ReadingsController(tab, tasks, tab, poll_interval_s=poll_interval_s)
        harness = Readings(qtbot, qasync_loop, tab, controller, tasks)
        if base_url is not None:
            harness.client = ImpiloClient(base_url, api_key, retry=NO_RETRY, timeout=5.0)
        if store_path is not None:
            store = EventStore(store_path)
            harness.stores.append(store)
            harness.hub = EventHub(store)
            if relay is not None:
                hub = harness.hub
                harness.subscriber = RelaySubscriber(
                    relay.url, relay.token, store, on_event=hub.on_event, on_gap=hub.on_gap,
                    on_state=hub.on_state, backoff=FAST,
                )  # fmt: skip
                tasks.spawn(harness.subscriber.run(), name="subscriber")
        made.append(harness)
        return harness

    try:
        yield make
    finally:
        cleanup(qtbot, qasync_loop, made)


def cleanup(qtbot: Any, qasync_loop: asyncio.AbstractEventLoop, made: list[Readings]) -> None:
    """Ends every session, task, client and store of ``made``, then deletes the tabs.

    The order matters: the tasks are cancelled and awaited (qtbot waits run Qt's event loop)
    while the tabs and their charts still exist; only then are the tabs closed and deleted.
    A tab deleted while its tasks were still unwinding could be reached half-destroyed.
    """
    try:
        for harness in made:
            if alive(harness.tab):
                harness.controller.set_session(None, None)
            harness.tasks.cancel_all(close=True)
        for harness in made:
            run(qtbot, qasync_loop, harness.tasks.aclose())
            if harness.client is not None:
                run(qtbot, qasync_loop, harness.client.aclose())
    finally:
        for harness in made:
            for store in harness.stores:
                store.close()
            if alive(harness.tab):
                harness.tab.close()
                harness.tab.deleteLater()
