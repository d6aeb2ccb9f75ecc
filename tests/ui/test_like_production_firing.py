"""The Test events tab against a sandbox that answers like production (issue 13): an empty 200
from a test endpoint, a missing test endpoint, no relay in the profile, no sandbox probe."""

from __future__ import annotations

from PySide6.QtCore import Qt

from impilo_desk.services.receipts import NO_RELAY, NOT_REACHED, REFUSED
from impilo_desk.ui.test_events.view import ConfirmProductionDialog
from tests.fixtures.desk import BuiltDesk, World
from tests.fixtures.sandbox import Receiver
from tests.ui.like_production_support import LIKE_PRODUCTION, app_log, connect_as

PROBE = "like-production: GET /sandbox/info"
FOLLOW_MS = 30_000
ADDRESS = {"lineOne": "1 Road", "city": "Town", "state": "WC", "zipCode": "8001", "country": "ZA"}


def statuses(desk: BuiltDesk) -> list[str]:
    model = desk.test_events.chain_model
    return [model.status(row) for row in range(model.rowCount())]


def a_patient(box) -> int:
    with box.client() as http:
        made = http.post(
            "/api/v3/patient", json={"firstName": "Amara", "lastName": "Nwosu", "address": ADDRESS}
        )
        made.raise_for_status()
        return int(made.json()["id"])


def fire_confirmed(qtbot, desk: BuiltDesk, name: str) -> None:
    """Fires the form's event on a production profile, typing the profile's name to confirm."""
    desk.test_events.view.fire_action.trigger()
    qtbot.waitUntil(lambda: isinstance(desk.test_events.open_dialog, ConfirmProductionDialog))
    dialog = desk.test_events.open_dialog
    assert isinstance(dialog, ConfirmProductionDialog)
    qtbot.keyClicks(dialog.name_edit, name)
    qtbot.mouseClick(dialog.fire_button, Qt.MouseButton.LeftButton)


def test_production_profile_without_relay_fires_and_is_never_probed(
    qtbot,
    world: World,
    sandbox_factory,
    receiver: Receiver,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    patient = a_patient(box)
    with box.client() as http:
        body = {"type": "reading.bloodPressure", "url": receiver.url + "/hook"}
        http.post("/api/v3/webhook", json=body).raise_for_status()
    connect_as(qtbot, world, box, environment="production", name="Acme")
    desk = world.desk
    tab = desk.test_events.view
    desk.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.patient_combo.count() == 1, timeout=10_000)
    tab.select_patient(patient, "Amara Nwosu")
    tab.select_kind("blood-pressure")
    tab.random_action.trigger()
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as ended:
        fire_confirmed(qtbot, desk, "Acme")
        # From the start, not after a time-out: nothing brings the event to this desktop.
        qtbot.waitUntil(lambda: statuses(desk)[:2] == ["✔ Done"] * 2, timeout=10_000)
        assert statuses(desk)[2:4] == [NO_RELAY] * 2
    assert statuses(desk) == ["✔ Done", "✔ Done", NO_RELAY, NO_RELAY, "✔ Done"]
    model = desk.test_events.chain_model
    assert model.data(model.index(1, 4)) == "no event id: matching by values"  # the empty 200
    assert "✘ Missing" not in statuses(desk)
    assert str(ended.args[0]).startswith("Logged, not followed past Impilo (no relay)")
    receiver.wait_for(1)
    # Neither this tab nor the Logs tab asked the production server for sandbox extensions.
    assert desk.logs.model.rowCount() >= 0
    assert PROBE not in box.stderr()


def test_a_sandbox_profile_is_asked_for_its_time_scale(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    connect_as(qtbot, world, box, environment="sandbox", name="Rehearsal")
    qtbot.waitUntil(lambda: PROBE in box.stderr(), timeout=10_000)  # the contrast of the above


def test_missing_test_endpoint_is_named_and_marked_and_the_rest_still_fires(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    patient = a_patient(box)
    connect_as(qtbot, world, box, environment="staging")
    desk = world.desk
    tab = desk.test_events.view
    desk.window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.patient_combo.count() == 1, timeout=10_000)
    tab.select_patient(patient, "Amara Nwosu")
    tab.select_kind("weight")
    tab.current_form().set_text("weight", "170.2")  # type: ignore[union-attr]
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as ended:
        tab.fire_action.trigger()
    assert str(ended.args[0]).startswith("Not accepted")
    assert tab.banner.text == (
        "This Impilo server has no weight test-event endpoint (404): "
        "No static resource api/v3/test/weight-webhook."
    )
    assert statuses(desk) == ["✔ Done", REFUSED] + [NOT_REACHED] * 3  # it answered 404
    api_label = desk.window.status.api_label
    assert api_label.text() == f"API: {tab.banner.text}"  # the latest call failed: not "ok"
    weight = tab.kind_combo.findData("weight")
    assert tab.kind_combo.itemText(weight) == "Weight (not on this server)"
    # Asked again, it is refused here, without another request.
    with qtbot.waitSignal(desk.test_events.blocked, timeout=5_000) as blocked:
        tab.fire_action.trigger()
    assert "no weight test-event endpoint" in str(blocked.args[0])
    assert desk.test_events.history.rowCount() == 1
    # The kinds the server has still fire.
    tab.select_kind("blood-glucose")
    tab.random_action.trigger()
    with qtbot.waitSignal(desk.test_events.followed, timeout=FOLLOW_MS) as second:
        tab.fire_action.trigger()
    assert not str(second.args[0]).startswith("Not accepted")
    assert statuses(desk)[:2] == ["✔ Done"] * 2
    assert api_label.text() == "API: ok"  # and this latest call went through
    log = app_log(world)
    assert log.count("POST /api/v3/test/weight-webhook -> 404") == 1
    assert "No static resource api/v3/test/weight-webhook" in log
