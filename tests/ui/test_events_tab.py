"""The Events tab on a real relay and sandbox: columns, live rows, pause, gaps, search, export."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime

from impilo_desk.ui.events.model import EventColumn
from tests.fixtures.relay import RelayProcess
from tests.fixtures.sandbox import Receiver, SandboxProcess
from tests.ui.events_support import PATIENT, WAIT_MS, open_events_desk


def test_five_types_arrive_with_their_columns(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    with sandbox.client() as api:  # the sandbox delivers patient.created to the relay
        api.post("/api/v3/webhook-secret", json={"secret": relay.secret}).raise_for_status()
        body = {"type": "patient.created", "url": relay.ingest_url}
        api.post("/api/v3/webhook", json=body).raise_for_status()
        new = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
        made = api.post("/api/v3/patient", json=new).raise_for_status().json()
    device = {"id": 5531, "currentPatient": PATIENT}
    payloads: dict[str, dict[str, Any]] = {
        "reading.weight": {"id": 1, "weight": 81.5, "patient": PATIENT},
        "device.lowBattery": {"batteryPercentage": 9, "device": device},
        "order.status": {"id": 60012, "eventType": "shipped"},
        "supportTicket.event": {"id": 9, "eventType": "new"},
    }
    sent = {kind: world.post(kind, payload) for kind, payload in payloads.items()}
    qtbot.waitUntil(lambda: len(world.ids()) == 5, timeout=WAIT_MS)
    types = world.column(EventColumn.TYPE)
    assert set(types) == {*sent, "patient.created"}
    rows = {r.type: r for r in world.tab.model.rows}
    assert rows["reading.weight"].envelope_id == sent["reading.weight"]
    patients = dict(zip(types, world.column(EventColumn.PATIENT), strict=True))
    assert patients["reading.weight"] == "Thandiwe Mokoena (#1042)"
    assert patients["device.lowBattery"] == "Thandiwe Mokoena"  # the device's patient, no id
    assert patients["patient.created"] == f"Amara Nwosu (#{made['id']})"
    assert patients["order.status"] == ""
    assert set(world.column(EventColumn.SOURCE)) == {"relay"}
    seqs = [int(s) for s in world.column(EventColumn.SEQ)]
    assert sorted(seqs) == [1, 2, 3, 4, 5]
    received = world.column(EventColumn.RECEIVED)[0]
    assert len(received.split()) == 3  # date, time and zone
    assert world.tab.view.count_label.text() == "5 events"


def test_pause_holds_rows_and_resume_keeps_the_selection(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    first = [world.post("order.status", {"id": i, "eventType": "shipped"}) for i in range(3)]
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    world.tab.select_row(1)
    chosen = world.tab.model.rows[1].envelope_id
    world.tab.view.pause_action.trigger()
    held = [world.post("reading.weight", {"id": i, "patient": PATIENT}) for i in range(37)]
    qtbot.waitUntil(lambda: world.tab.view.held_label.text() == "37 new events", timeout=WAIT_MS)
    assert world.ids() == first[::-1]  # nothing inserted while paused
    world.tab.view.pause_action.trigger()
    assert world.ids() == [*held[::-1], *first[::-1]]
    current = world.tab.view.table.selectionModel().currentIndex()
    assert world.tab.model.rows[current.row()].envelope_id == chosen
    selected = world.tab.view.table.selectionModel().selectedRows()
    assert [world.tab.model.rows[i.row()].envelope_id for i in selected] == [chosen]
    assert world.tab.view.held_label.text() == ""


def test_a_relay_restart_shows_a_marker_and_replayed_events_once(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    before = world.post("order.status", {"id": 1, "eventType": "shipped"})
    qtbot.waitUntil(lambda: world.ids() == [before], timeout=WAIT_MS)
    relay.kill()

    def reasons() -> list[str]:
        return [r.type for r in world.tab.model.rows if r.marker]

    qtbot.waitUntil(lambda: reasons() == ["lost"], timeout=WAIT_MS)
    relay.restart()
    during = [world.post("order.status", {"id": i, "eventType": "x"}) for i in range(3)]
    world.post("order.status", {"id": 1, "eventType": "again"}, event_id=during[0])  # a retry
    qtbot.waitUntil(lambda: reasons() == ["reconnect", "lost"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(world.ids()) == 4, timeout=WAIT_MS)
    assert sorted(world.ids()) == sorted([before, *during])  # each once
    rows = world.tab.model.rows
    assert rows[-1].envelope_id == before  # older than the loss
    assert rows[-2].type == "lost"
    back = next(r for r in rows if r.type == "reconnect")
    assert "asked the relay for every event after" in back.text
    assert "⚠" in world.column(EventColumn.TYPE)[rows.index(back)]
    # The markers stay at their place: read again from the store, the order is the same.
    shown = [(r.marker, r.envelope_id, r.type) for r in rows]
    world.tab.reload()
    qtbot.waitSignal(world.tab.loaded, timeout=WAIT_MS).wait()
    assert [(r.marker, r.envelope_id, r.type) for r in world.tab.model.rows] == shown


def test_search_by_payload_word_and_patient_name(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    other = {"id": 7, "firstName": "Sipho", "lastName": "Dube"}
    cuff = world.post("supportTicket.event", {"id": 1, "eventType": "new",
                                              "subject": "Cuff does not inflate"})  # fmt: skip
    sipho = world.post("reading.weight", {"id": 2, "weight": 70, "patient": other})
    world.post("reading.weight", {"id": 3, "weight": 71, "patient": PATIENT})
    qtbot.waitUntil(lambda: len(world.ids()) == 3, timeout=WAIT_MS)
    bar = world.tab.view.filters
    with qtbot.waitSignal(world.tab.indexed, timeout=WAIT_MS):
        bar.search_edit.setText("inflat*")
    qtbot.waitUntil(lambda: world.ids() == [cuff], timeout=WAIT_MS)
    label = world.tab.view.count_label
    qtbot.waitUntil(lambda: label.text() == "1 matching event", timeout=WAIT_MS)
    bar.search_edit.clear()
    bar.patient_edit.setText("sip")
    qtbot.waitUntil(lambda: world.ids() == [sipho], timeout=WAIT_MS)
    late = world.post("reading.weight", {"id": 4, "weight": 72, "patient": other})  # live, indexed
    qtbot.waitUntil(lambda: world.ids() == [late, sipho], timeout=WAIT_MS)


def test_detail_pane_and_export_redacted(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    a = world.post("reading.weight", {"id": 1, "weight": 81.5, "patient": PATIENT})
    b = world.post("reading.weight", {"id": 2, "weight": 82.0, "patient": PATIENT})
    qtbot.waitUntil(lambda: len(world.ids()) == 2, timeout=WAIT_MS)
    view = world.tab.view
    with qtbot.waitSignal(world.tab.detail_shown, timeout=WAIT_MS) as shown:
        world.tab.select_row(0)
    assert shown.args == [b]  # an id past 2**31, as Impilo's are (an int signal overflowed)
    assert world.tab.detail.shown_id == b
    assert json.loads(view.raw.toPlainText())["payload"]["weight"] == 82.0
    headers = dict(view.headers_model.headers)
    assert headers.get("content-type") == "application/json"
    assert not any("secret" in k.lower() for k in headers)
    assert relay.secret not in json.dumps(headers)
    view.copy_curl_action.trigger()
    curl = view.clipboard.text()
    assert "$IMPILO_WEBHOOK_SECRET" in curl
    assert relay.secret not in curl
    view.copy_payload_action.trigger()
    assert json.loads(view.clipboard.text())["id"] == b
    out = tmp_path / "events.jsonl"
    with qtbot.waitSignal(world.tab.exporter.finished, timeout=WAIT_MS):
        world.tab.exporter.start(world.tab._tasks, out, "jsonl", True, selected=False)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["envelope_id"] for line in lines] == [b, a]
    text = out.read_text()
    for secret_detail in ("Thandiwe", "Mokoena", "MRN-1", "1042"):
        assert secret_detail not in text
    assert lines[0]["patient_id"] == lines[1]["patient_id"]  # one stable pseudonym
    assert lines[0]["patient_id"].startswith("patient-")
    assert json.loads(lines[0]["payload"])["payload"]["weight"] == 82.0


def test_forwarding_shows_200_then_500_then_refused_and_never_stalls(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    target = Receiver()
    target.statuses = [200, 500]
    view = world.tab.view
    results: dict[int, str] = {}
    world.tab.forwarding.forwarded.connect(lambda i, text: results.__setitem__(i, text))
    view.forward_url.setText(target.url + "/webhook")
    with qtbot.waitSignal(world.tab.forwarding.started, timeout=WAIT_MS):
        view.forward_box.setChecked(True)
    try:
        ok = world.post("order.status", {"id": 1, "eventType": "shipped"})
        qtbot.waitUntil(lambda: ok in results, timeout=WAIT_MS)
        bad = world.post("order.status", {"id": 2, "eventType": "shipped"})
        qtbot.waitUntil(lambda: bad in results, timeout=WAIT_MS)
    finally:
        target.close()
    refused = world.post("order.status", {"id": 3, "eventType": "shipped"})
    qtbot.waitUntil(lambda: refused in results and refused in world.ids(), timeout=WAIT_MS)
    assert results[ok].startswith("200 at ")
    assert results[bad].startswith("500 at ")
    assert "refused the connection" in results[refused]
    shown = dict(zip(world.ids(), world.column(EventColumn.FORWARDED), strict=True))
    assert shown == results
    assert view.forward_status.text().startswith("1 forwarded, 2 failed, 0 not forwarded")
    got = target.requests
    assert [json.loads(r.body)["id"] for r in got] == [ok, bad]
    assert got[0].headers["content-type"] == "application/json"
    assert "impilo-webhook-secret" not in got[0].headers  # not ticked
    # The table kept up meanwhile: a later event shows while the target is dead.
    late = world.post("order.status", {"id": 4, "eventType": "late"})
    qtbot.waitUntil(lambda: late in world.ids(), timeout=WAIT_MS)
    view.forward_box.setChecked(False)
    assert view.forward_status.text().startswith("Stopped: ")


def test_combined_filters_equal_a_brute_force_filter_and_pruning_keeps_the_cap(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(qtbot, make_desk, relay, tmp_path, sandbox.base_url)
    people = [PATIENT, {"id": 7, "firstName": "Sipho", "lastName": "Dube"}]
    sent: list[tuple[int, str, dict[str, Any]]] = []
    for n in range(24):
        kind = ("reading.weight", "device.lowBattery", "patient.updated")[n % 3]
        person = people[n % 2]
        word = ("cuff", "strap")[n % 4 // 2]
        if kind == "patient.updated":
            payload = {**person, "note": word}
        elif kind == "device.lowBattery":
            payload = {"batteryPercentage": n, "device": {"id": n, "currentPatient": person},
                       "note": word}  # fmt: skip
        else:
            payload = {"id": n, "weight": 60 + n, "patient": person, "note": word}
        sent.append((world.post(kind, payload), kind, payload))
    qtbot.waitUntil(lambda: len(world.ids()) == 24, timeout=WAIT_MS)
    received = {r.envelope_id: r.received_at for r in world.tab.model.rows}
    times = sorted(received.values())
    start, end = times[3], times[20]
    bar = world.tab.view.filters
    bar.time_box.setCurrentText("Custom range…")
    lo = start.replace(microsecond=0)
    hi = end.replace(microsecond=0) + timedelta(seconds=1)
    bar.from_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(lo.timestamp())))
    bar.to_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(hi.timestamp())))
    bar.type_box.setCurrentText("reading.weight")
    bar.patient_edit.setText("Mokoena")
    bar.search_edit.setText("cuff")

    def matches(item: tuple[int, str, dict[str, Any]]) -> bool:
        event_id, kind, payload = item
        patient = payload.get("patient") or payload.get("device", {}).get("currentPatient")
        return (
            kind == "reading.weight"
            and lo <= received[event_id] < hi
            and (patient or payload)["lastName"] == "Mokoena"
            and payload["note"] == "cuff"
        )

    expected = sorted((i for i, *_ in filter(matches, sent)), reverse=True)
    assert expected  # the case is not empty
    qtbot.waitUntil(lambda: world.ids() == expected, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            world.tab.view.count_label.text()
            == f"{len(expected)} matching event{'s' if len(expected) != 1 else ''}"
        ),
        timeout=WAIT_MS,
    )
    # The cap: at most 100 events kept (the smallest setting) of 110.
    bar.clear()
    store = world.stores[0]
    for n in range(86):
        world.post("order.status", {"id": n, "eventType": "bulk"})
    qtbot.waitUntil(lambda: store.count() == 110, timeout=WAIT_MS)
    keep = world.tab.view.keep_events
    keep.setValue(100)
    with qtbot.waitSignal(world.tab.pruned, timeout=WAIT_MS) as pruned:
        keep.editingFinished.emit()
    assert pruned.args == [10]
    assert store.count() == 100
    assert sorted(store.ids())[:1] == [sent[10][0]]  # the ten oldest went
    qtbot.waitUntil(lambda: world.tab.view.count_label.text() == "100 events", timeout=WAIT_MS)


def test_production_forwarding_to_another_host_needs_the_host_typed(
    qtbot: Any, make_desk: Any, relay: RelayProcess, sandbox: SandboxProcess, tmp_path: Path
) -> None:
    world = open_events_desk(
        qtbot, make_desk, relay, tmp_path, sandbox.base_url, environment="production"
    )
    view, forwarding = world.tab.view, world.tab.forwarding
    # Not a loopback host: nothing is ever sent there (the confirmation is refused).
    view.forward_url.setText("https://hooks.example.invalid/impilo")
    view.forward_box.setChecked(True)
    qtbot.waitUntil(lambda: forwarding.confirm_dialog is not None, timeout=WAIT_MS)
    dialog = forwarding.confirm_dialog
    assert dialog is not None
    assert "hooks.example.invalid" in dialog.labelText()
    dialog.setTextValue("hooks.example")  # not the host
    dialog.accept()
    qtbot.waitUntil(lambda: not view.forward_box.isChecked(), timeout=WAIT_MS)
    assert forwarding.forwarder is None
    assert "confirmation did not match" in view.banner.text
    # A handler on this machine needs no confirmation, even for production.
    target = Receiver()
    try:
        view.forward_url.setText(target.url + "/hook")
        with qtbot.waitSignal(forwarding.started, timeout=WAIT_MS):
            view.forward_box.setChecked(True)
        assert forwarding.confirm_dialog is None
    finally:
        view.forward_box.setChecked(False)
        target.close()
