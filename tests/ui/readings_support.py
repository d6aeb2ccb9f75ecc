"""Shared set-up of the Readings tab tests: the tab (of a desk from ``make_desk``) on real
servers, patients and readings."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from impilo_desk.client import ImpiloClient, RetryPolicy
from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.subscriber import Backoff
from impilo_desk.session import RelayStatus
from impilo_desk.ui.readings.controller import ReadingsController
from impilo_desk.ui.readings.view import ReadingsTab
from tests.fixtures.desk import BuiltDesk, ProfileStub
from tests.ui.fakes import FakeStore

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


# days before the test: inside the default range (30 days), and the readings still in the past
STREAM_START = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)


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


class FeedWatch:
    """The relay feed's latest status, as the session controller reports it (``state``)."""

    def __init__(self) -> None:
        self.state = RelayStatus("connecting")

    def seen(self, status: object) -> None:
        if isinstance(status, RelayStatus):  # the signal carries an object
            self.state = status


@dataclass
class Readings:
    """The Readings tab of a desk built by ``make_desk``, and what feeds it."""

    qtbot: Any
    loop: asyncio.AbstractEventLoop
    desk: BuiltDesk
    profile: ProfileStub
    hub: EventHub | None = None
    client: ImpiloClient | None = None
    subscriber: FeedWatch | None = None
    stores: list[EventStore] = field(default_factory=list)
    make_desk: Any = None  # the DeskMaker that made ``desk``

    @property
    def controller(self) -> ReadingsController:
        return self.desk.readings

    @property
    def tab(self) -> ReadingsTab:
        return self.controller.view

    def start(self) -> None:
        """Opens the session and waits until the first patient's history is shown."""
        with self.qtbot.waitSignal(self.controller.loaded, timeout=20_000):
            self.desk.sessions.switch_to(self.profile)

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
        """Closes the desk (its session and tasks end), then its client and store, as the app
        does when it exits."""
        self.make_desk.close(self.desk)

    def count(self, kind: str) -> int:
        """How many readings of ``kind`` are held."""
        return len(self.controller.series[kind])


def open_readings(
    qtbot: Any,
    make_desk: Any,
    *,
    base_url: str | None = None,
    api_key: str = "test-api-key",
    store_path: Path | None = None,
    relay: Any = None,
    poll_interval_s: int = 3600,
) -> Readings:
    """A desk with only the Readings tab (``make_desk``), its session not started yet.

    The session has a client of ``base_url`` (else no API), the event store at ``store_path``
    (with its hub) and, with ``relay``, the relay feed into that store; the profile polls every
    ``poll_interval_s``. The desk closes the client and the store after its tasks have ended.
    """
    from impilo_desk.feeds import relay_feed
    from impilo_desk.ui import readings

    client = None
    if base_url is not None:
        client = ImpiloClient(base_url, api_key, retry=NO_RETRY, timeout=5.0)
    hub, stores, feed = None, [], None
    if store_path is not None:
        stores.append(EventStore(store_path))
        hub = EventHub(stores[0])
        if relay is not None:
            feed = relay_feed(relay.url, relay.token, hub, backoff=FAST)
    closers: list[Any] = [] if client is None else [client.aclose]
    desk = make_desk(
        api=client,
        no_api=client is None,
        store=FakeStore(),
        events=hub,
        relay_feed=feed,
        tabs=(readings.build,),
        close_after=[*closers, *(store.close for store in stores)],
    )
    desk.window.resize(1280, 800)
    profile = ProfileStub(
        api_base_url=base_url or ProfileStub.api_base_url,
        relay_url=None if relay is None else relay.url,
        poll_interval_s=poll_interval_s,
    )
    harness = Readings(qtbot, make_desk.loop, desk, profile, hub, client, make_desk=make_desk)
    harness.stores.extend(stores)
    if feed is not None:
        harness.subscriber = FeedWatch()
        desk.sessions.relay_status.connect(harness.subscriber.seen)
    return harness
