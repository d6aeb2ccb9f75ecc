"""A killed demo relay is said in one sentence, with the same restart offer as a dead sandbox.

The real window, wiring and demo children (``world``); the demo's relay is killed as a crash
would, and the banner's button restarts both demo servers.
"""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtCore import Qt

from impilo_desk.services.api_health import Heartbeat
from tests.fixtures.desk import World

FAST = Heartbeat(interval_s=0.5, call_timeout_s=2.0, deliveries_interval_s=0.5)


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


def test_a_killed_demo_relay_offers_to_restart_the_demo_servers(qtbot, world: World):
    profiles = world.profiles
    with qtbot.waitSignal(profiles.demo_ready, timeout=60_000) as ready:
        profiles.start(demo=True)
    first = ready.args[0]
    status, banner = world.desk.window.status, world.desk.window.banner
    qtbot.waitUntil(lambda: status.relay_label.text().startswith("Relay: live"), timeout=20_000)
    relay_child = world.services.demo._children[1]
    assert relay_child.name == "relay"
    assert relay_child.pid is not None
    os.kill(relay_child.pid, signal.SIGKILL)  # the demo's relay crashed

    qtbot.waitUntil(lambda: "relay has not answered" in banner.text, timeout=20_000)
    assert banner.kind == "error"
    assert banner.text.startswith("The demo's relay has not answered since ")
    assert banner.text.endswith(
        "so no events arrive; restart the demo servers to go on (the demo's data starts afresh)."
    )
    assert banner.text.count(". ") == 0  # one sentence
    assert status.relay_label.text().startswith("Relay: reconnecting")
    assert status.api_label.text() == "API: ok"  # only the relay is down
    qtbot.waitUntil(banner.action_button.isVisible, timeout=5_000)
    assert banner.action_button.text() == "Restart demo servers"

    with qtbot.waitSignal(profiles.demo_ready, timeout=60_000) as again:
        qtbot.mouseClick(banner.action_button, Qt.MouseButton.LeftButton)
    assert again.args[0].relay_url != first.relay_url  # new children, on new ports
    qtbot.waitUntil(lambda: status.relay_label.text().startswith("Relay: live"), timeout=20_000)
    assert banner.text == ""
