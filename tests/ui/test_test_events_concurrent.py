"""The Test events tab follows every fired event at once (real widgets, sandbox and relay)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from impilo_desk.contract import READING_KINDS, ReadingKind
from impilo_desk.services.receipts import Step
from impilo_desk.ui.test_events.models import ChainColumn, HistoryColumn
from tests.fixtures.desk import BuiltDesk, ProfileStub
from tests.ui.receipts_support import FOLLOW_MS, cell, statuses, switch

KINDS = ("blood-pressure", "weight", "temperature")


def label_of(kind: str) -> str:
    return READING_KINDS[ReadingKind(kind)].label


def fire_and_go_on(qtbot, desk: BuiltDesk, kind: str) -> None:
    """Fires random values of ``kind`` and returns at once, as a user firing a series does."""
    tab = desk.test_events.view
    tab.select_kind(kind)
    tab.random_action.trigger()
    qtbot.mouseClick(tab.fire_button, Qt.MouseButton.LeftButton)


def history_column(desk: BuiltDesk, column: HistoryColumn) -> list[str]:
    model = desk.test_events.history
    return [str(model.data(model.index(row, int(column)))) for row in range(model.rowCount())]


def chain_of(desk: BuiltDesk, row: int) -> list[str]:
    """Selects history row ``row`` and returns the step statuses the chain panel then shows."""
    desk.test_events.view.history_table.selectRow(row)
    return statuses(desk)


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A receiver on 127.0.0.1 that takes connections and never answers: deliveries stay open."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    finally:
        server.close()


def test_events_fired_in_a_row_are_each_followed_to_their_end(
    qtbot, open_firing_desk, firing_world
):
    for kind in KINDS:
        firing_world.hook(READING_KINDS[ReadingKind(kind)].webhook_type)
    desk = open_firing_desk()
    tab = desk.test_events.view
    ended: list[str] = []
    desk.test_events.followed.connect(ended.append)
    for kind in KINDS:  # without waiting: each fire leaves the earlier follows running
        fire_and_go_on(qtbot, desk, kind)
    qtbot.waitUntil(lambda: len(ended) == len(KINDS), timeout=FOLLOW_MS)

    newest_first = [label_of(kind) for kind in reversed(KINDS)]
    assert history_column(desk, HistoryColumn.KIND) == newest_first
    outcomes = history_column(desk, HistoryColumn.OUTCOME)
    assert all(o.startswith("Arrived in") and "200" in o for o in outcomes), outcomes
    assert sorted(ended) == sorted(outcomes)

    relayed = firing_world.relayed()  # relay sequence → Impilo event id, as the relay stored
    seen: set[int] = set()
    for row, label in enumerate(newest_first):
        assert chain_of(desk, row) == ["✔ Done"] * 5
        assert tab.chain_title.text().startswith(f"{label} for Amara Nwosu")
        event_id = cell(desk, Step.ACCEPTED, ChainColumn.DETAIL).removeprefix("event #")
        relay_detail = cell(desk, Step.RELAY, ChainColumn.DETAIL)
        seq = int(relay_detail.removeprefix("relay event #").split()[0])
        assert relayed[seq] == event_id  # the relay event shown is this row's own event
        assert "Delivered" in cell(desk, Step.LOGGED, ChainColumn.DETAIL)
        assert not tab.reason_label.isVisible()
        seen.add(seq)
    assert len(seen) == len(KINDS)

    tab.history_table.clearSelection()  # nothing chosen: the newest event's chain
    assert tab.chain_title.text().startswith(newest_first[0])


def test_a_session_switch_stops_every_follow(qtbot, open_firing_desk, firing_world, silent_url):
    for kind in KINDS[:2]:
        firing_world.hook(READING_KINDS[ReadingKind(kind)].webhook_type, silent_url)
    desk = open_firing_desk()
    tab = desk.test_events.view
    for kind in KINDS[:2]:
        fire_and_go_on(qtbot, desk, kind)
    waiting = ["✔ Done"] * 2 + ["… Waiting"] * 3  # accepted; the delivery is still in flight
    qtbot.waitUntil(
        lambda: (
            desk.test_events.history.rowCount() == 2
            and chain_of(desk, 0) == waiting
            and chain_of(desk, 1) == waiting
        ),
        timeout=FOLLOW_MS,
    )
    assert history_column(desk, HistoryColumn.OUTCOME) == ["Following…"] * 2
    assert desk.test_events.tracker.running == 2

    profile = ProfileStub(
        "p2", "Sandbox for tests", firing_world.sandbox.base_url, firing_world.relay.url
    )
    switch(qtbot, desk, profile)
    assert desk.test_events.tracker.running == 0
    assert history_column(desk, HistoryColumn.OUTCOME) == ["Not followed further"] * 2
    for row, kind in enumerate(reversed(KINDS[:2])):
        assert chain_of(desk, row) == ["✔ Done"] * 2 + ["✘ Missing"] * 3
        assert tab.chain_title.text().startswith(label_of(kind))
        assert tab.reason_label.text() == (
            "Not followed further: the profile session it was fired in ended."
        )
