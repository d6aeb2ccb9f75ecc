"""An event the relay passes on is news about Impilo's deliveries: the status looks again at once.

The deliveries are read every hour here, so only the arrival can turn the status live in time.
"""

from __future__ import annotations

import pytest

from impilo_desk.services.api_health import Heartbeat
from tests.fixtures.desk import World
from tests.ui.test_desk_real import connect
from tests.ui.test_relay_deliveries import fire_weight

SLOW = Heartbeat(interval_s=0.5, call_timeout_s=5.0, deliveries_interval_s=3600.0)


@pytest.fixture
def heartbeat() -> Heartbeat:
    return SLOW


def test_an_arrival_turns_no_deliveries_into_live(qtbot, world: World, sandbox, relay):
    with sandbox.client() as api:
        api.post("/api/v3/webhook-secret", json={"secret": relay.secret})
        api.post("/api/v3/webhook", json={"type": "reading.weight", "url": relay.ingest_url})
        patient = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
        patient_id = int(api.post("/api/v3/patient", json=patient).raise_for_status().json()["id"])
    connect(qtbot, world, sandbox, relay)
    label = world.desk.window.status.relay_label
    qtbot.waitUntil(lambda: "no deliveries from Impilo" in label.text(), timeout=10_000)

    fire_weight(sandbox, patient_id)  # delivered to the relay, passed on to the desk
    qtbot.waitUntil(lambda: label.text().startswith("Relay: live"), timeout=15_000)
    assert "1 event received" in label.text()
