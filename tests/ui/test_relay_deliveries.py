"""The relay status says "live" only while Impilo's deliveries to the relay succeed.

The real window and wiring, the real sandbox delivering over HTTP to the real relay process,
the deliveries read back from the sandbox's delivery log (``RelayDeliveryProbe``).
"""

from __future__ import annotations

import re

import pytest

from impilo_desk.services.api_health import Heartbeat
from tests.fixtures.desk import World
from tests.ui.test_desk_real import connect

FAST = Heartbeat(interval_s=0.5, call_timeout_s=5.0, deliveries_interval_s=0.3)
FAILING = re.compile(
    r"^Relay: connected, but Impilo's deliveries to it fail "
    r"\(401 since \d\d:\d\d:\d\d \S+: the secrets differ\)"  # the window's time rule
)


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


def fire_weight(sandbox, patient_id: int) -> None:
    with sandbox.client() as api:
        body = {"patientId": patient_id, "weight": 172.4}
        api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()


def relay_webhook_and_patient(sandbox, relay, secret: str) -> int:
    """The sandbox with ``secret``, a weight webhook to the relay and a patient (its id)."""
    with sandbox.client() as api:
        api.post("/api/v3/webhook-secret", json={"secret": secret}).raise_for_status()
        api.post("/api/v3/webhook", json={"type": "reading.weight", "url": relay.ingest_url})
        patient = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
        return int(api.post("/api/v3/patient", json=patient).raise_for_status().json()["id"])


def test_failing_deliveries_to_the_relay_show_in_its_status(qtbot, world: World, sandbox, relay):
    patient_id = relay_webhook_and_patient(sandbox, relay, "not-the-relay-secret-0123456789")
    connect(qtbot, world, sandbox, relay)
    label = world.desk.window.status.relay_label
    qtbot.waitUntil(lambda: "no deliveries from Impilo" in label.text(), timeout=10_000)
    assert label.text().startswith("Relay: connected")  # connected, but nothing says it works

    fire_weight(sandbox, patient_id)  # the relay refuses it: the secrets differ
    qtbot.waitUntil(lambda: bool(FAILING.match(label.text())), timeout=15_000)
    assert "0 events received" in label.text()

    with sandbox.client() as api:  # the secrets agree again
        api.put("/api/v3/webhook-secret", json={"secret": relay.secret}).raise_for_status()
    fire_weight(sandbox, patient_id)
    qtbot.waitUntil(lambda: label.text().startswith("Relay: live"), timeout=15_000)
    qtbot.waitUntil(lambda: "1 event received" in label.text(), timeout=10_000)


def test_a_new_secret_says_what_to_do_on_the_relay_then_how_deliveries_fare(
    qtbot, world: World, sandbox, relay
):
    patient_id = relay_webhook_and_patient(sandbox, relay, relay.secret)
    connect(qtbot, world, sandbox, relay)
    tab = world.desk.secret
    qtbot.waitUntil(lambda: tab.view.impilo_state.text() != "unknown", timeout=10_000)
    tab.view.generate_action.trigger()
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        tab.view.save_action.trigger()
    assert "On your relay, put the new secret on the first line" in tab.view.banner.text
    assert "Waiting for Impilo's next delivery" in tab.view.relay_state.text()

    fire_weight(sandbox, patient_id)  # the relay still has the old secret
    qtbot.waitUntil(
        lambda: "deliveries to the relay fail (401" in tab.view.relay_state.text(),
        timeout=15_000,
    )
    assert "the secrets differ" in tab.view.relay_state.text()


def test_the_secret_tab_says_how_deliveries_to_the_relay_fare_before_any_change(
    qtbot, world: World, sandbox, relay
):
    patient_id = relay_webhook_and_patient(sandbox, relay, relay.secret)
    connect(qtbot, world, sandbox, relay)
    tab = world.desk.secret
    qtbot.waitUntil(lambda: tab.view.relay_state.text() != "—", timeout=10_000)
    assert tab.view.relay_state.text() == "Impilo sent nothing to the relay in the last hour."
    fire_weight(sandbox, patient_id)
    label = world.desk.window.status.relay_label
    qtbot.waitUntil(lambda: label.text().startswith("Relay: live"), timeout=15_000)
    with qtbot.waitSignal(tab.loaded, timeout=10_000):
        tab.view.refresh_action.trigger()  # it said "—" until a change of the secret (Xvfb)
    succeed = re.compile(
        r"^Impilo's deliveries to the relay succeed \(last at \d\d:\d\d:\d\d \S+\)\.$"
    )
    assert succeed.match(tab.view.relay_state.text()), tab.view.relay_state.text()
