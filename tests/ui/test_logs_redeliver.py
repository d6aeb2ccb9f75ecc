"""Resend and Recover from the Logs tab, against real receivers on 127.0.0.1 and a real sandbox.

Each test seeds a sandbox database with log rows that point at a local receiver, opens the Logs
tab in a session with a redelivery record, and drives the real buttons and dialogs.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from impilo_desk.services.redelivery import REDELIVERY_HEADER, AttemptStore, Outcome, RunState
from tests.fixtures.receiver import closed_port
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.redeliver_support import (
    HOLD,
    NON_JSON,
    SECRET,
    Tab,
    close_desk,
    failed_rows,
    open_desk,
    scripted,
    seed,
)


@pytest.fixture
def record_path(tmp_path):
    return AttemptStore.path_for(tmp_path / "data", "p1")


def select(tab: Tab, rows: list[int]) -> None:
    table = tab.view.table
    model = table.model()
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def open_preview(qtbot, tab: Tab, action):
    with qtbot.waitSignal(tab.redeliver.preview_opened, timeout=15000) as opened:
        action.trigger()
    return opened.args[0]


def send(qtbot, tab: Tab, dialog) -> str:
    assert dialog.send_button.isEnabled()
    with qtbot.waitSignal(tab.redeliver.run_finished, timeout=20000) as done:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.redeliver.bar.run_bar.isVisible(), timeout=5000)
    return done.args[0]


def attempts_in(record_path) -> list:
    store = AttemptStore(record_path)
    try:
        return [a for run in store.runs() for a in store.attempts(run.run_id)]
    finally:
        store.close()


def test_recover_a_filtered_set_sends_what_the_preview_counted(
    qtbot, make_desk, tmp_path, record_path
):
    with scripted() as rec:
        rows = [
            *failed_rows(rec.url + "/in", 6),  # ids 1-6: failed for good
            *failed_rows(rec.url + "/in", 2, type="reading.bloodPressure"),  # 7-8: filtered out
            {"url": rec.url + "/in", "status": 200, "retries": 0},  # 9: delivered
            {"url": rec.url + "/in", "status": 500, "retries": 1},  # 10: retrying
            {"url": rec.url + "/in", "status": 500, "retries": 3, "payload": NON_JSON},  # 11
        ]
        seed(tmp_path / "sandbox.db", rows)
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path)
            try:
                bar = tab.view.filters
                with qtbot.waitSignal(tab.logs.loaded, timeout=10000):
                    bar.type_box.setCurrentIndex(bar.type_box.findData("reading.weight"))
                dialog = open_preview(qtbot, tab, tab.bar.recover_action)
                assert dialog.summary.text().startswith(
                    f"7 failed deliveries match the filters: 6 would be sent to {rec.url}/in (6)."
                )
                assert "1 cannot be resent" in dialog.summary.text()
                assert dialog.reasons.toPlainText() == (
                    "Log #11: cannot be resent: the log has no exact copy of the body "
                    "(the payload is not JSON)."
                )
                dialog.retrying_box.setChecked(True)
                assert dialog.summary.text().startswith(
                    "8 failed deliveries match the filters: 7 would be sent"
                )
                assert dialog.send_button.text() == "Send 7"
                sentence = send(qtbot, tab, dialog)
                assert sentence == "Redelivery done: 7 sent (7 delivered, 0 failed)."
                assert sorted(rec.ids()) == [1, 2, 3, 4, 5, 6, 10]
                for got in rec.got:
                    assert got.path == "/in"
                    assert got.headers["impilo-webhook-secret"] == SECRET
                    assert got.headers[REDELIVERY_HEADER.lower()] == "1"
                    assert got.headers["content-type"] == "application/json"
                qtbot.waitUntil(lambda: "resent" in tab.state_texts()[-1], timeout=5000)
                ids = [r.id for r in tab.logs.model.records()]
                by_id = dict(zip(ids, tab.state_texts(), strict=True))
                assert by_id[1].startswith("Failed for good after 4 attempts · resent ")
                assert by_id[1].endswith(", 200")
                assert "resent" not in by_id[9]
                assert "resent" not in by_id[11]
            finally:
                close_desk(qtbot, make_desk, tab)
    recorded = attempts_in(record_path)
    assert sorted(a.log_id for a in recorded) == [1, 2, 3, 4, 5, 6, 10]
    assert {a.outcome for a in recorded} == {Outcome.DELIVERED}
    assert {a.profile_name for a in recorded} == {"Clinic A"}


def test_each_outcome_is_shown_and_recorded(qtbot, make_desk, tmp_path, record_path):
    answers = {1: 200, 2: 500, 3: HOLD}
    with scripted(lambda n, got: answers[got.event_id or 0]) as rec:
        refused = f"http://127.0.0.1:{closed_port()}/in"
        rows = [*failed_rows(rec.url + "/in", 3), *failed_rows(refused, 1)]
        seed(tmp_path / "sandbox.db", rows)
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path)
            try:
                select(tab, [0, 1, 2, 3])
                dialog = open_preview(qtbot, tab, tab.bar.resend_action)
                assert dialog.summary.text().startswith("4 rows selected: 4 would be sent")
                sentence = send(qtbot, tab, dialog)
                assert sentence.startswith("Redelivery done: 4 sent (1 delivered, 3 failed). ")
                first = sentence.split(" First failure: ", 1)[1]  # no error is the majority
                assert first in {
                    f"{rec.url[7:]} answered 500.",
                    f"{rec.url[7:]} did not answer within 1 seconds.",
                    f"{refused[7:-3]} refused the connection; is the receiver running?",
                }
                qtbot.waitUntil(lambda: all("resent" in t for t in tab.state_texts()), timeout=5000)
                model = tab.logs.model
                shown = {
                    model.record_at(r).id: (
                        model.state_text(r),
                        model.index(r, 7).data(Qt.ItemDataRole.ToolTipRole),
                    )
                    for r in range(model.rowCount())
                }
            finally:
                close_desk(qtbot, make_desk, tab)
    assert shown[1][0].endswith(", 200")
    assert shown[2][0].endswith(", 500")
    assert shown[3][0].endswith(", no answer")
    assert shown[4][0].endswith(", no answer")
    assert "did not answer within 1 seconds" in shown[3][1]
    assert "refused the connection" in shown[4][1]
    by_log = {a.log_id: a for a in attempts_in(record_path)}
    assert by_log[1].outcome is Outcome.DELIVERED
    assert by_log[1].status == 200
    assert by_log[2].outcome is Outcome.FAILED
    assert by_log[2].status == 500
    assert by_log[3].outcome is Outcome.FAILED
    assert by_log[3].status is None
    assert by_log[4].error is not None
    assert "refused" in by_log[4].error
    assert all(a.latency_ms is not None for a in by_log.values())


def test_cancel_halfway_the_record_matches_what_arrived(qtbot, make_desk, tmp_path, record_path):
    from impilo_desk.services.redelivery import RedeliverySettings

    with scripted() as rec:
        seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 40))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            slow = RedeliverySettings(concurrency=2, rate_per_second=20, timeout_s=2)
            tab = open_desk(qtbot, make_desk, box, record_path, settings=slow)
            try:
                dialog = open_preview(qtbot, tab, tab.bar.recover_action)
                assert dialog.send_button.text() == "Send 40"

                def halfway(done: int, _total: int) -> None:
                    if done == 10 and tab.bar.cancel_button.isEnabled():
                        qtbot.mouseClick(tab.bar.cancel_button, Qt.MouseButton.LeftButton)

                tab.redeliver.progressed.connect(halfway)
                sentence = send(qtbot, tab, dialog)
            finally:
                close_desk(qtbot, make_desk, tab)
    recorded = attempts_in(record_path)
    arrived = sorted(rec.ids())
    assert 10 <= len(arrived) < 40
    assert sorted(a.event_id for a in recorded) == arrived
    assert {a.outcome for a in recorded} == {Outcome.DELIVERED}
    sent = len(arrived)
    assert sentence == (
        f"Redelivery cancelled: {sent} of 40 were sent ({sent} delivered, 0 failed); "
        f"{40 - sent} {'was' if 40 - sent == 1 else 'were'} not sent."
    )
    store = AttemptStore(record_path)
    try:
        assert [r.state for r in store.runs()] == [RunState.CANCELLED]
    finally:
        store.close()


def test_production_needs_the_profile_name_typed(qtbot, make_desk, tmp_path, record_path):
    with scripted() as rec:
        seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 2))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path, environment="production")
            try:
                dialog = open_preview(qtbot, tab, tab.bar.recover_action)
                assert dialog.confirm_edit.isVisible()
                assert "Type the profile name “Clinic A”" in dialog.confirm_label.text()
                assert not dialog.send_button.isEnabled()
                qtbot.keyClicks(dialog.confirm_edit, "Clinic B")
                assert not dialog.send_button.isEnabled()
                dialog.confirm_edit.clear()
                qtbot.keyClicks(dialog.confirm_edit, "Clinic A")
                send(qtbot, tab, dialog)
            finally:
                close_desk(qtbot, make_desk, tab)
    assert sorted(rec.ids()) == [1, 2]


def test_bad_input_gets_one_sentence_and_sends_nothing(qtbot, make_desk, tmp_path, record_path):
    with scripted() as rec:
        seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 3))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path, secret=None)
            try:
                # No selection: Resend and Copy delivery as curl cannot act, so they are off.
                assert not tab.bar.resend_action.isEnabled()
                assert not tab.bar.delivery_curl_action.isEnabled()
                assert tab.bar.recover_action.isEnabled()
                tab.bar.recover_action.trigger()
                qtbot.waitUntil(lambda: tab.view.banner.kind == "error", timeout=5000)
                assert tab.view.banner.text.startswith("This profile has no webhook secret")
                assert tab.view.banner.text.endswith("Nothing was sent.")
            finally:
                close_desk(qtbot, make_desk, tab)
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path)
            try:
                select(tab, [1, 2])
                dialog = open_preview(qtbot, tab, tab.bar.resend_action)
                dialog.other_url.setChecked(True)
                qtbot.keyClicks(dialog.url_edit, "ftp://files.example.org/in")
                assert not dialog.send_button.isEnabled()
                assert dialog.url_error.text() == (
                    "⚠ “ftp://files.example.org/in” is not a URL a webhook can be sent to: it must "
                    "start with http:// or https:// and name a host."
                )
                dialog.url_edit.clear()
                assert dialog.url_error.text().startswith("⚠ Enter the URL to send to")
                qtbot.keyClick(dialog, Qt.Key.Key_Escape)
                qtbot.waitUntil(lambda: tab.bar.resend_action.isEnabled(), timeout=5000)
            finally:
                close_desk(qtbot, make_desk, tab)
    assert rec.count() == 0
    assert attempts_in(record_path) == []


def test_a_quit_mid_run_leaves_a_record_of_what_it_did(qtbot, make_desk, tmp_path, record_path):
    from impilo_desk.services.redelivery import RedeliverySettings

    with scripted(lambda n, got: 200 if n < 2 else HOLD) as rec:
        seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 6))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            one = RedeliverySettings(concurrency=1, rate_per_second=None, timeout_s=30)
            tab = open_desk(qtbot, make_desk, box, record_path, settings=one)
            dialog = open_preview(qtbot, tab, tab.bar.recover_action)
            with qtbot.waitSignal(tab.redeliver.run_started, timeout=5000):
                qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: rec.count() == 3, timeout=10000)  # the third is held
            close_desk(qtbot, make_desk, tab)  # quit while the third POST is in flight
            tab = open_desk(qtbot, make_desk, box, record_path)  # the app starts again
            try:
                texts = tab.state_texts()
                with qtbot.waitSignal(tab.redeliver.history_opened, timeout=5000) as shown:
                    tab.bar.history_action.trigger()
                history = shown.args[0]
                qtbot.waitUntil(lambda: history.attempts.rowCount() == 3, timeout=5000)
                run = history.runs.runs[0]
                outcomes = [a.outcome for a in history.attempts.attempts]
                qtbot.keyClick(history, Qt.Key.Key_Escape)
            finally:
                close_desk(qtbot, make_desk, tab)
    assert run.state is RunState.INTERRUPTED
    assert (run.delivered, run.unknown, run.planned) == (2, 1, 6)
    assert outcomes == [Outcome.DELIVERED, Outcome.DELIVERED, Outcome.UNKNOWN]
    resent = [t for t in texts if "resent" in t]
    assert len(resent) == 3
    assert sum(t.endswith("outcome unknown") for t in resent) == 1


def test_the_secret_reaches_the_receiver_only(qtbot, make_desk, tmp_path, record_path, caplog):
    caplog.set_level(logging.DEBUG)
    with scripted() as rec:
        seed(
            tmp_path / "sandbox.db",
            [*failed_rows(rec.url + "/in", 3), *failed_rows(rec.url + "/in", 1, payload=NON_JSON)],
        )
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path)
            try:
                dialog = open_preview(qtbot, tab, tab.bar.recover_action)
                send(qtbot, tab, dialog)
                select(tab, [1])
                tab.bar.delivery_curl_action.trigger()
                qtbot.waitUntil(lambda: "Copied the POST" in tab.view.banner.text, timeout=5000)
                curl = tab.view.clipboard.text()
                select(tab, [0])  # the newest row: the one that is not JSON
                tab.bar.delivery_curl_action.trigger()
                qtbot.waitUntil(lambda: tab.view.banner.kind == "error", timeout=5000)
                refused = tab.view.banner.text
                export = tmp_path / "log.jsonl"
                with qtbot.waitSignal(tab.logs.exporter.finished, timeout=20000):
                    tab.logs.exporter.start(tab.desk.sessions.tasks, export, "jsonl", False)
            finally:
                close_desk(qtbot, make_desk, tab)
    assert {g.headers["impilo-webhook-secret"] for g in rec.got} == {SECRET}
    assert "$IMPILO_WEBHOOK_SECRET" in curl
    assert SECRET not in curl
    assert f"{rec.url}/in" in curl
    assert '"id": 3' in curl
    assert refused == (
        "Log #4 cannot be resent: the log has no exact copy of the body (the payload is not JSON)."
    )
    files = [record_path, *record_path.parent.glob(record_path.name + "*"), export]
    for path in files:
        assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in caplog.text
    with sqlite3.connect(record_path) as conn:
        dumped = "\n".join(conn.iterdump())
    assert SECRET not in dumped
    assert "outcome" in dumped


def test_recorded_attempts_show_after_a_restart(qtbot, make_desk, tmp_path, record_path):
    with scripted(lambda n, got: 503) as rec:
        seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 3, age=timedelta(hours=5)))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path)
            try:
                select(tab, [0])
                send(qtbot, tab, open_preview(qtbot, tab, tab.bar.resend_action))
            finally:
                close_desk(qtbot, make_desk, tab)
            tab = open_desk(qtbot, make_desk, box, record_path)  # a new desk, the same files
            try:
                texts = tab.state_texts()
            finally:
                close_desk(qtbot, make_desk, tab)
    assert texts[0].startswith("Failed for good after 4 attempts · resent ")
    assert texts[0].endswith(", 503")
    assert "resent" not in texts[1]
    assert "resent" not in texts[2]
    assert rec.ids() == [3]


def test_a_row_without_an_exact_body_can_send_the_relays_copy(
    qtbot, make_desk, tmp_path, record_path
):
    from datetime import UTC, datetime

    from impilo_desk.contract import Envelope
    from impilo_desk.services.event_store import EventStore, RelayEvent
    from impilo_desk.services.reading_feed import EventHub

    events = EventStore(tmp_path / "events.sqlite3")
    copy = Envelope(id=1234, type="reading.weight", payload={"weight": 80.1})
    events.add(RelayEvent(seq=7, received_at=datetime.now(UTC), envelope=copy))
    try:
        with scripted() as rec:
            seed(tmp_path / "sandbox.db", failed_rows(rec.url + "/in", 1, payload=NON_JSON))
            with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
                tab = open_desk(qtbot, make_desk, box, record_path, events=EventHub(events))
                try:
                    select(tab, [0])
                    dialog = open_preview(qtbot, tab, tab.bar.resend_action)
                    assert "the relay's copy of 1 of them can be sent instead" in (
                        dialog.summary.text()
                    )
                    assert not dialog.send_button.isEnabled()  # never a made-up body
                    dialog.relay_box.setChecked(True)
                    assert dialog.send_button.text() == "Send 1"
                    send(qtbot, tab, dialog)
                finally:
                    close_desk(qtbot, make_desk, tab)
    finally:
        events.close()
    assert rec.got[0].body.decode() == copy.model_dump_json()
    assert [a.source for a in attempts_in(record_path)] == ["store"]
