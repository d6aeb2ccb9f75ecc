"""The Test events tab on real widgets, against the real sandbox, relay and subscriber over HTTP.

The world and the desk are built by ``tests/ui/receipts_support.py`` (fixtures in conftest).
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from impilo_desk.contract import READING_KINDS
from impilo_desk.services.receipts import FAILED, NOT_REACHED, REFUSED, Step
from impilo_desk.services.test_event_values import FIRABLE_KINDS
from impilo_desk.ui.test_events.models import ChainColumn, ChainModel, Fired, HistoryModel
from impilo_desk.ui.test_events.view import ConfirmProductionDialog
from tests.fixtures.sandbox import Receiver
from tests.ui.receipts_support import FOLLOW_MS, cell, fire, statuses


def test_models_pass_qt_model_checks(qtmodeltester, qasync_loop):
    from impilo_desk.services.receipts import ReceiptChain

    chain = ReceiptChain("reading.weight", 1, {"weight": 170.0})
    from datetime import UTC, datetime

    chain.mark(Step.SENT, datetime.now(UTC))
    chain_model = ChainModel()
    chain_model.set_chain(chain, {Step.SENT: "POST"}, finished=False)
    qtmodeltester.check(chain_model)
    history = HistoryModel()
    history.add(Fired("weight", "Weight", 1, "Amara (#1)", {"weight": 170.0}, "Weight 170 lbs"))
    qtmodeltester.check(history)


def test_each_kind_fires_and_the_chain_completes(qtbot, open_firing_desk, firing_world):
    for kind in FIRABLE_KINDS:
        firing_world.hook(READING_KINDS[kind].webhook_type)
    desk = open_firing_desk()
    tab = desk.test_events.view
    qtbot.keyClicks(tab.patient_search, "nwo")  # debounced search by name
    qtbot.waitUntil(lambda: tab.patient_combo.count() == 1, timeout=5_000)
    assert tab.patient_id() == firing_world.patient_id
    assert "Amara Nwosu" in tab.patient_label()
    for kind in FIRABLE_KINDS:
        tab.select_kind(kind.value)
        tab.random_action.trigger()
        outcome = fire(qtbot, desk)
        assert outcome.startswith("Arrived in"), (kind, outcome, tab.reason_label.text())
        assert statuses(desk) == ["✔ Done"] * 5
        assert "200" in cell(desk, Step.LOGGED, ChainColumn.DETAIL)
        assert "Delivered" in cell(desk, Step.LOGGED, ChainColumn.DETAIL)
        assert cell(desk, Step.RELAY, ChainColumn.LATENCY).startswith("+")
        assert cell(desk, Step.DESKTOP, ChainColumn.TIME)
        assert not tab.reason_label.isVisible()
    assert desk.test_events.history.rowCount() == len(FIRABLE_KINDS)
    assert "ECG" in tab.chain_title.text()
    assert "2500 samples" in tab.chain_title.text()

    tab.history_table.selectRow(len(FIRABLE_KINDS) - 1)  # the first one fired: blood pressure
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as blocker:
        tab.fire_again_action.trigger()
    assert str(blocker.args[0]).startswith("Arrived in")
    assert tab.current_kind() == "blood-pressure"
    assert desk.test_events.history.rowCount() == len(FIRABLE_KINDS) + 1


def test_patient_search_by_id_and_presets(qtbot, open_firing_desk, firing_world):
    desk = open_firing_desk()
    tab = desk.test_events.view
    assert tab.patient_combo.count() == 2
    with qtbot.waitSignal(desk.test_events.patients_loaded, timeout=5_000):
        qtbot.keyClicks(tab.patient_search, f"#{firing_world.patient_id}")
    assert tab.patient_combo.count() == 1
    assert tab.patient_id() == firing_world.patient_id
    tab.select_kind("temperature")
    tab.preset_combo.setCurrentIndex(tab.preset_combo.findText("Normal (°C)"))
    tab.preset_combo.activated.emit(tab.preset_combo.currentIndex())
    form = tab.current_form()
    assert form is not None
    assert form.values() == {"temperature": 36.9, "temperatureUnit": "celsius"}
    assert form.hints["temperature"].text() == "°C · 25–45"


def test_invalid_values_block_sending_with_the_message_beside_the_field(
    qtbot, open_firing_desk, firing_world
):
    firing_world.hook("reading.bloodPressure")
    desk = open_firing_desk()
    tab = desk.test_events.view
    tab.select_kind("blood-pressure")
    form = tab.current_form()
    assert form is not None
    form.set_text("systolic", "300")
    form.set_text("diastolic", "eighty")
    form.set_text("heartRate", "")
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        qtbot.mouseClick(tab.fire_button, Qt.MouseButton.LeftButton)
    assert form.message("systolic") == "Systolic must be between 60 and 260 mmHg."
    assert form.message("diastolic") == "Diastolic must be a whole number."
    assert form.message("heartRate") == ""
    assert tab.banner.text == "Systolic must be between 60 and 260 mmHg."
    # the banner follows the form as the user fixes it, and goes when it is right
    systolic, diastolic = form.inputs["systolic"], form.inputs["diastolic"]
    systolic.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(systolic, "120")
    assert tab.banner.text == "Diastolic must be a whole number."
    diastolic.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(diastolic, "80")
    assert tab.banner.text == ""  # heart rate may stay empty: the form is right now

    tab.select_kind("temperature")
    form = tab.current_form()
    assert form is not None
    form.inputs["temperatureUnit"].setCurrentText("celsius")  # type: ignore[attr-defined]
    form.set_text("temperature", "98.6")  # fine in °F, not in °C
    with qtbot.waitSignal(desk.test_events.blocked, timeout=2_000):
        tab.fire_action.trigger()
    assert form.message("temperature") == "Temperature must be between 25 and 45 °C."
    assert desk.test_events.history.rowCount() == 0
    logs = firing_world.api.get("/api/v3/webhook/logs").raise_for_status().json()["content"]
    assert logs == []  # nothing was sent


def test_production_asks_for_the_profile_name(qtbot, open_firing_desk, firing_world):
    firing_world.hook("reading.weight")
    desk = open_firing_desk(environment="production", name="Acme live")
    tab = desk.test_events.view
    tab.select_kind("weight")
    assert tab.current_form() is not None
    tab.current_form().set_text("weight", "170.2")  # type: ignore[union-attr]

    tab.fire_action.trigger()
    qtbot.waitUntil(lambda: isinstance(desk.test_events.open_dialog, ConfirmProductionDialog))
    dialog = desk.test_events.open_dialog
    assert isinstance(dialog, ConfirmProductionDialog)
    assert not dialog.fire_button.isEnabled()
    dialog.reject()
    qtbot.waitUntil(lambda: "Not fired" in tab.banner.text)
    assert desk.test_events.history.rowCount() == 0

    tab.fire_action.trigger()
    qtbot.waitUntil(lambda: isinstance(desk.test_events.open_dialog, ConfirmProductionDialog))
    dialog = desk.test_events.open_dialog
    assert isinstance(dialog, ConfirmProductionDialog)
    qtbot.keyClicks(dialog.name_edit, "Acme")
    assert not dialog.fire_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, " live")
    assert dialog.fire_button.isEnabled()
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as blocker:
        qtbot.mouseClick(dialog.fire_button, Qt.MouseButton.LeftButton)
    assert str(blocker.args[0]).startswith("Arrived in")


def test_missing_webhook_is_explained_and_fixed_by_the_offered_button(
    qtbot, open_firing_desk, firing_world
):
    desk = open_firing_desk()
    tab = desk.test_events.view
    tab.select_kind("weight")
    tab.current_form().set_text("weight", "181.5")  # type: ignore[union-attr]
    outcome = fire(qtbot, desk)
    assert outcome == "Stopped before “Received by the relay”"
    assert tab.reason_label.text() == (
        "No webhook of type reading.weight exists, so Impilo has nowhere to send it. "
        "Create one pointing at your relay?"
    )
    assert statuses(desk)[:2] == ["✔ Done"] * 2
    assert statuses(desk)[2:] == ["✘ Missing"] * 3
    assert tab.create_webhook_button.isVisible()

    with qtbot.waitSignal(desk.test_events.webhook_created, timeout=5_000):
        qtbot.mouseClick(tab.create_webhook_button, Qt.MouseButton.LeftButton)
    assert [(h.type, h.url) for h in firing_world.hooks()] == [
        ("reading.weight", firing_world.relay.ingest_url)
    ]
    assert not tab.create_webhook_button.isVisible()
    assert "Fire again" in tab.banner.text

    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as blocker:
        qtbot.mouseClick(tab.fire_again_button, Qt.MouseButton.LeftButton)
    assert str(blocker.args[0]).startswith("Arrived in")
    assert statuses(desk) == ["✔ Done"] * 5


def test_a_failing_receiver_shows_the_delivery_retrying(
    qtbot, open_firing_desk, firing_world, receiver: Receiver
):
    receiver.status = 500
    firing_world.hook("reading.bloodOxygen", receiver.url + "/hook")
    desk = open_firing_desk()
    tab = desk.test_events.view
    tab.select_kind("blood-oxygen")
    tab.random_action.trigger()
    outcome = fire(qtbot, desk)
    receiver.wait_for(1)
    assert outcome.startswith("Stopped before “Received by the relay”")
    assert "500" in outcome
    detail = cell(desk, Step.LOGGED, ChainColumn.DETAIL)
    assert detail.startswith("500 · Retry 1 of 3")
    # This sandbox runs the documented schedule (time scale 1): the first retry is 15 min away.
    assert re.search(r"Retry 1 of 3 in 1[45]m", detail), detail
    assert statuses(desk)[Step.LOGGED] == "✔ Done"
    assert statuses(desk)[Step.RELAY] == "✘ Missing"
    assert tab.reason_label.text().startswith(
        "Impilo's delivery failed (last answer 500) and will be retried"
    )
    assert tab.create_webhook_button.isVisible()  # the webhook goes elsewhere, not to the relay

    receiver.status = 200  # delivered, but to the receiver: the relay never sees it
    outcome = fire(qtbot, desk)
    assert outcome == "Stopped before “Received by the relay” (delivery 200 · Delivered)"
    assert tab.reason_label.text() == (
        "The reading.bloodOxygen webhook points elsewhere, not at your relay "
        f"({firing_world.relay.ingest_url}). Add one pointing at the relay?"
    )


def test_a_refused_connection_shows_sending_failed_not_sent(qtbot, open_firing_desk, firing_world):
    desk = open_firing_desk()
    tab = desk.test_events.view
    tab.select_kind("weight")
    tab.current_form().set_text("weight", "181.5")  # type: ignore[union-attr]
    firing_world.sandbox.stop()  # the API's port now refuses connections
    outcome = fire(qtbot, desk)
    assert outcome.startswith("Not sent:")
    assert "refused the connection" in outcome
    assert statuses(desk) == [FAILED] + [NOT_REACHED] * 4
    model = desk.test_events.chain_model
    sent = model.index(int(Step.SENT), int(ChainColumn.STATUS))
    colour = model.data(sent, Qt.ItemDataRole.ForegroundRole).color()
    assert colour.red() > colour.green()  # the failure's red, not the done green
    assert "refused" in cell(desk, Step.SENT, ChainColumn.DETAIL)
    assert tab.reason_label.text() == (
        "The test event was not sent: the connection failed (see the message above)."
    )
    assert "refused the connection" in tab.banner.text


def test_an_http_refusal_marks_acceptance_refused(qtbot, open_firing_desk, firing_world):
    desk = open_firing_desk()
    tab = desk.test_events.view
    tab.select_kind("weight")
    tab.current_form().set_text("weight", "181.5")  # type: ignore[union-attr]
    tab.select_patient(987_654, "Nobody (#987654)")  # the server answers 404: no such patient
    outcome = fire(qtbot, desk)
    assert outcome.startswith("Not accepted:")
    assert statuses(desk) == ["✔ Done", REFUSED] + [NOT_REACHED] * 3
    assert "404" in cell(desk, Step.ACCEPTED, ChainColumn.DETAIL)
