"""A replay of thousands of events while the Events tab follows: the newest are shown at once,
the rest are read as the user scrolls, in order, none twice, none lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.session import Session
from impilo_desk.ui import events
from impilo_desk.ui.events.controller import KEEP_ROWS_FOLLOWING
from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.kit.tasks import TaskOwner
from tests.fixtures.desk import ProfileStub

WAIT_MS = 20_000
T0 = datetime.now(UTC) - timedelta(hours=1)  # within the tab's default 30 days kept


def _event(n: int) -> RelayEvent:
    envelope = Envelope(id=n, type="order.status", payload={"id": n, "eventType": "shipped"})
    return RelayEvent(seq=n, received_at=T0 + timedelta(milliseconds=n), envelope=envelope)


def test_a_replay_while_following_shows_the_newest_and_reads_the_rest_on_scroll(
    qtbot, qasync_loop, tmp_path: Path
):
    store = EventStore(tmp_path / "events.sqlite3")
    store.add_many([_event(n) for n in range(1, 51)])
    window = QWidget()
    qtbot.addWidget(window)
    tasks = TaskOwner(qasync_loop, name="test")
    tab = events.build(
        TabParts(window, QGuiApplication.clipboard(), lambda: datetime.now(UTC), tasks)
    )
    tab.view.setParent(window)
    window.resize(1000, 600)
    window.show()
    hub = EventHub(store)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT_MS):
        tab.bind(Session(ProfileStub(), None, None, events=hub), tasks)  # type: ignore[arg-type]
    assert tab.model.rowCount() == 50
    inserts: list[int] = []
    tab.arrived.connect(inserts.append)

    replay = [_event(n) for n in range(51, 5_051)]  # a reconnect's replay, stored in one go
    for new, event in zip(store.add_many(replay), replay, strict=True):
        assert new
        hub.on_event(event)
    qtbot.waitUntil(lambda: tab.count == 5_050, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(inserts), timeout=WAIT_MS)

    # One insert of the newest rows the tab keeps while following, not 5,000 rows at once.
    assert inserts == [KEEP_ROWS_FOLLOWING]
    shown = [r.envelope_id for r in tab.model.rows]
    assert shown == list(range(5_050, 5_050 - KEEP_ROWS_FOLLOWING, -1))
    assert tab.model.canFetchMore(tab.model.index(-1, -1))
    while tab.model.more:  # the user scrolls down to the end: pages in order
        rows = tab.model.rowCount()
        tab.view.table.scrollToBottom()
        tab.model.fetchMore(tab.model.index(-1, -1))
        qtbot.waitUntil(lambda n=rows: tab.model.rowCount() > n or not tab.model.more)
    assert [r.envelope_id for r in tab.model.rows] == list(range(5_050, 0, -1))

    tab.bind(None, tasks)
    tasks.cancel_all(close=True)
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=WAIT_MS)
    store.close()
