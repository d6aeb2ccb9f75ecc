"""'Replay to…' from the Events tab, to a real receiver on 127.0.0.1, on a real relay's events.

The events come through the relay into the session's event store (a real SQLite file); the
replay goes through the redelivery service into the session's record (another real file).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from impilo_desk.contract import SECRET_HEADER
from impilo_desk.services.redelivery import REDELIVERY_HEADER, AttemptStore, RedeliverySettings
from impilo_desk.ui.events.replay import NOTHING_SELECTED, UNSIGNED
from tests.fixtures.relay import RelayProcess
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.events_support import PATIENT, WAIT_MS, EventsDesk, open_events_desk
from tests.ui.redeliver_support import FAST, HOLD, SECRET, scripted


def select(world: EventsDesk, rows: list[int]) -> None:
    table = world.tab.view.table
    model = table.model()
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def stored_bodies(tmp_path: Path, ids: list[int]) -> dict[int, bytes]:
    """The envelopes exactly as the event store's file holds them."""
    conn = sqlite3.connect(tmp_path / "events-p1.sqlite3")
    try:
        rows = conn.execute("SELECT envelope_id, envelope FROM events").fetchall()
    finally:
        conn.close()
    return {int(i): str(text).encode() for i, text in rows if int(i) in ids}


def recorded(tmp_path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    conn = sqlite3.connect(AttemptStore.path_for(tmp_path, "p1"))
    try:
        runs = conn.execute("SELECT origin, state, planned, targets FROM runs").fetchall()
        attempts = conn.execute(
            "SELECT event_id, source, target, outcome, status FROM attempts ORDER BY event_id"
        ).fetchall()
    finally:
        conn.close()
    return runs, attempts


def open_dialog(qtbot: Any, world: EventsDesk) -> Any:
    with qtbot.waitSignal(world.tab.replay.dialog_opened, timeout=WAIT_MS) as opened:
        world.tab.view.replay_action.trigger()
    return opened.args[0]


def three_events(world: EventsDesk) -> list[int]:
    ids = [
        world.post("reading.weight", {"id": 1, "weight": 81.5, "patient": PATIENT}),
        world.post("order.status", {"id": 60012, "eventType": "shipped"}),
        world.post("supportTicket.event", {"id": 9, "eventType": "new"}),
    ]
    return ids


def test_replay_sends_the_selected_events_stored_bodies_with_secret_and_header(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot, make_desk, relay, tmp_path, sandbox.base_url, secret=SECRET, with_record=True
    )
    world.tab.replay.settings = FAST
    three_events(world)
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    action = world.tab.view.replay_action
    assert not action.isEnabled()  # nothing selected
    assert action.shortcut().toString() == "Ctrl+Shift+R"
    select(world, [0, 2])
    assert action.isEnabled()
    chosen = [world.ids()[0], world.ids()[2]]  # no markers: rows and ids line up
    with scripted() as receiver:
        dialog = open_dialog(qtbot, world)
        for bad in ("ftp://127.0.0.1/hook", "not a url", ""):
            dialog.url_edit.setText(bad)
            assert not dialog.send_button.isEnabled()
            assert dialog.url_error.text()
        target = f"{receiver.url}/hook"
        dialog.url_edit.setText(target)
        assert dialog.send_button.isEnabled()
        assert dialog.send_button.text() == "Send 2"
        with qtbot.waitSignal(world.tab.replay.run_finished, timeout=WAIT_MS) as done:
            qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        assert done.args[0] == "Replay done: 2 sent (2 delivered, 0 failed)."
        got = list(receiver.got)
    expected = stored_bodies(tmp_path, chosen)
    assert sorted(g.body for g in got) == sorted(expected[i] for i in chosen)
    for g in got:
        assert g.path == "/hook"
        assert g.headers[SECRET_HEADER.lower()] == SECRET
        assert g.headers[REDELIVERY_HEADER.lower()] == "1"
        assert g.headers["content-type"] == "application/json"
    runs, attempts = recorded(tmp_path)
    assert runs == [("events", "completed", 2, f'["{target}"]')]
    assert attempts == [(i, "store", target, "delivered", 200) for i in sorted(chosen)]
    assert SECRET not in AttemptStore.path_for(tmp_path, "p1").read_bytes().decode("latin-1")
    assert not world.tab.view.replay_bar.isVisible()
    assert action.isEnabled()


def test_bad_input_sends_nothing(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot, make_desk, relay, tmp_path, sandbox.base_url, secret=None, with_record=True
    )
    three_events(world)
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    banner = world.tab.view.banner
    with scripted() as receiver:
        world.tab.replay.start()  # the shortcut's path with no selection
        qtbot.waitUntil(lambda: banner.kind == "error", timeout=WAIT_MS)
        assert banner.text == NOTHING_SELECTED
        banner.clear()
        select(world, [1])
        world.tab.view.replay_action.trigger()  # no webhook secret in the keyring
        qtbot.waitUntil(lambda: banner.kind == "error", timeout=WAIT_MS)
        assert banner.text == UNSIGNED
        assert receiver.count() == 0
    runs, attempts = recorded(tmp_path)
    assert runs == []
    assert attempts == []


def test_a_production_profile_needs_its_name_typed(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot,
        make_desk,
        relay,
        tmp_path,
        sandbox.base_url,
        environment="production",
        secret=SECRET,
        with_record=True,
    )
    world.tab.replay.settings = FAST
    three_events(world)
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    select(world, [1])
    with scripted() as receiver:
        dialog = open_dialog(qtbot, world)
        dialog.url_edit.setText(f"{receiver.url}/hook")
        assert dialog.confirm_edit.isVisibleTo(dialog)
        assert not dialog.send_button.isEnabled()
        dialog.confirm_edit.setText("Event")
        assert not dialog.send_button.isEnabled()
        dialog.confirm_edit.setText("Events")  # the profile's name
        assert dialog.send_button.isEnabled()
        with qtbot.waitSignal(world.tab.replay.run_finished, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        assert receiver.ids() == [world.tab.model.rows[1].envelope_id]


def test_cancel_halfway_the_record_matches_what_the_receiver_got(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot, make_desk, relay, tmp_path, sandbox.base_url, secret=SECRET, with_record=True
    )
    world.tab.replay.settings = RedeliverySettings(
        concurrency=1, rate_per_second=None, timeout_s=30
    )
    three_events(world)
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    select(world, [0, 1, 2])
    bar = world.tab.view.replay_bar
    with scripted(lambda n, got: 200 if n < 1 else HOLD) as receiver:
        dialog = open_dialog(qtbot, world)
        dialog.url_edit.setText(f"{receiver.url}/hook")
        with qtbot.waitSignal(world.tab.replay.run_started, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: receiver.count() == 2, timeout=WAIT_MS)  # the second is held
        assert bar.isVisible()
        assert world.tab.view.replay_action.isEnabled() is False  # one replay at a time
        qtbot.mouseClick(bar.cancel_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(world.tab.replay.run_finished, timeout=WAIT_MS) as done:
            receiver.release()  # the one in flight finishes; no third starts
        got = receiver.ids()
    assert (
        done.args[0]
        == "Replay cancelled: 2 of 3 were sent (2 delivered, 0 failed); 1 was not sent."
    )
    assert len(got) == 2
    runs, attempts = recorded(tmp_path)
    assert [r[:2] for r in runs] == [("events", "cancelled")]
    assert sorted(a[0] for a in attempts) == sorted(got)
    assert {a[3] for a in attempts} == {"delivered"}
