"""A new secret saved in the demo: the demo's relay takes it, deliveries keep succeeding.

The real app wiring starts the real demo (sandbox and relay children); the Secret tab saves a
generated secret; the demo's relay is restarted on its port and database accepting it (and the
one before), before the sandbox signs with it.
"""

from __future__ import annotations

import contextlib
import sqlite3

import httpx
import pytest

from impilo_desk.services.api_health import Heartbeat
from impilo_desk.services.credentials import SecretKind
from impilo_desk.wiring import DEMO_PROFILE_ID
from tests.fixtures.desk import World

FAST = Heartbeat(interval_s=1.0, call_timeout_s=5.0, deliveries_interval_s=0.5)


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


def secret_of(qtbot, world: World, kind: SecretKind) -> str:
    task = world.desk.sessions.owner.spawn(world.services.memory.get(DEMO_PROFILE_ID, kind))
    qtbot.waitUntil(task.done, timeout=5_000)
    value = task.result()
    assert value
    return value


def test_a_new_demo_secret_keeps_deliveries_to_the_relay_succeeding(qtbot, world: World):
    with qtbot.waitSignal(world.profiles.demo_ready, timeout=60_000) as ready:
        world.profiles.start(demo=True)
    profile = ready.args[0]
    label = world.desk.window.status.relay_label
    qtbot.waitUntil(lambda: label.text().startswith("Relay: live"), timeout=30_000)
    tab = world.desk.secret
    qtbot.waitUntil(lambda: tab.view.match_state.text().startswith("yes"), timeout=10_000)

    tab.view.generate_action.trigger()
    new_secret = tab.view.secret()
    with qtbot.waitSignal(tab.saved, timeout=30_000):
        tab.view.save_action.trigger()
    assert "The demo's relay accepts it too." in tab.view.banner.text
    qtbot.waitUntil(
        lambda: "succeed with the new secret" in tab.view.relay_state.text(), timeout=30_000
    )
    qtbot.waitUntil(lambda: label.text().startswith("Relay: live"), timeout=30_000)

    api_key = secret_of(qtbot, world, SecretKind.API_KEY)
    token = secret_of(qtbot, world, SecretKind.RELAY_TOKEN)
    with httpx.Client(base_url=profile.api_base_url, headers={"Impilo-API-Key": api_key}) as api:
        assert api.get("/api/v3/webhook-secret").json()["secret"] == new_secret
        rows = api.get("/api/v3/webhook/logs", params={"size": 250}).json()["content"]
    to_relay = [r for r in rows if str(r["webhookUrl"]).startswith(profile.relay_url)]
    assert to_relay
    assert not [r for r in to_relay if r["lastResponseStatus"] in (401, 403)]  # never refused

    def relay_seqs() -> list[int]:
        answer = httpx.get(
            profile.relay_url + "/events/history",
            params={"after": 0, "limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
        )
        return [e["seq"] for e in answer.raise_for_status().json()["events"]]

    store = world.paths.data_dir / f"events-{DEMO_PROFILE_ID}.sqlite3"

    def desk_seqs() -> list[int]:
        with contextlib.closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
            return [r[0] for r in db.execute("SELECT relay_seq FROM events ORDER BY relay_seq")]

    held = relay_seqs()
    assert held == list(range(1, len(held) + 1))  # the relay kept its events across the restart
    qtbot.waitUntil(lambda: desk_seqs()[: len(held)] == held, timeout=20_000)  # none lost
