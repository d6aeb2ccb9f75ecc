"""The status bar's "API: ok" was checked recently; a killed sandbox shows as unreachable.

The real window, wiring, sandbox process and demo children; the heartbeat's intervals are
short (``Heartbeat``), so the tests do not wait the app's 10 s between checks.
"""

from __future__ import annotations

import os
import re
import signal
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from impilo_desk.services.api_health import Heartbeat
from impilo_desk.services.time_display import TimeDisplay
from tests.fixtures.desk import World
from tests.ui.test_desk_real import connect

FAST = Heartbeat(interval_s=0.2, call_timeout_s=2.0)
UNREACHABLE = re.compile(r"^API: unreachable since \d\d:\d\d:\d\d \S+$")
TWO_HOURS_EAST = timezone(timedelta(hours=2))  # not this machine's zone, whatever that is


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


def test_a_killed_sandbox_shows_as_unreachable_then_ok_again(qtbot, world: World, sandbox):
    times = world.desk.desk.times  # the window's one rule for times
    times.local_zone = TWO_HOURS_EAST
    connect(qtbot, world, sandbox)
    status, banner = world.desk.window.status.api_label, world.desk.window.banner
    qtbot.waitUntil(lambda: status.text() == "API: ok", timeout=10_000)
    before = datetime.now(UTC).replace(microsecond=0)
    sandbox.kill()
    qtbot.waitUntil(lambda: bool(UNREACHABLE.match(status.text())), timeout=10_000)
    after = datetime.now(UTC)
    shown = status.text().removeprefix("API: unreachable since ")
    seconds = (after - before).total_seconds()
    written = {times.moment(before + timedelta(seconds=s)) for s in range(int(seconds) + 2)}
    assert shown in written  # as every other time in the window: local, seconds, zone
    assert shown.endswith(" UTC+02:00")
    assert f"{sandbox.port} refused the connection" in status.toolTip()
    assert banner.kind == "error"
    assert banner.text.startswith(f"The Impilo API has not answered since {shown}: 127.0.0.1:")
    assert not banner.action_button.isVisible()  # not the demo: nothing to restart here
    times.set_utc(True)  # View › Times in UTC: the status and the banner follow at once
    in_utc = status.text().removeprefix("API: unreachable since ")
    utc = TimeDisplay(utc=True)
    assert in_utc in {utc.moment(before + timedelta(seconds=s)) for s in range(int(seconds) + 2)}
    assert f"has not answered since {in_utc}" in banner.text

    world.desk.webhooks.view.refresh_action.trigger()  # the tab's own failure says no more
    qtbot.waitUntil(world.desk.webhooks.view.refresh_action.isEnabled, timeout=10_000)
    assert UNREACHABLE.match(status.text())

    sandbox.start()  # same port, same database
    qtbot.waitUntil(lambda: status.text() == "API: ok", timeout=10_000)
    assert banner.text == ""  # its cause is gone


def test_the_demo_banner_restarts_the_demo_servers(qtbot, world: World):
    profiles = world.profiles
    with qtbot.waitSignal(profiles.demo_ready, timeout=60_000) as ready:
        profiles.start(demo=True)
    first = ready.args[0]
    status, banner = world.desk.window.status.api_label, world.desk.window.banner
    qtbot.waitUntil(lambda: status.text() == "API: ok", timeout=20_000)
    sandbox_child = world.services.demo._children[0]
    assert sandbox_child.name == "sandbox"
    assert sandbox_child.pid is not None
    os.kill(sandbox_child.pid, signal.SIGKILL)  # the demo's sandbox crashed
    qtbot.waitUntil(lambda: bool(UNREACHABLE.match(status.text())), timeout=10_000)
    assert "restart the demo servers" in banner.text
    qtbot.waitUntil(banner.action_button.isVisible, timeout=5_000)
    assert banner.action_button.text() == "Restart demo servers"

    with qtbot.waitSignal(profiles.demo_ready, timeout=60_000) as again:
        qtbot.mouseClick(banner.action_button, Qt.MouseButton.LeftButton)
    second = again.args[0]
    assert second.api_base_url != first.api_base_url  # new children, on new ports
    qtbot.waitUntil(lambda: status.text() == "API: ok", timeout=20_000)
    assert not UNREACHABLE.match(status.text())
    qtbot.waitUntil(
        lambda: world.desk.window.status.relay_label.text().startswith("Relay: live"),
        timeout=20_000,
    )
    assert banner.text == ""
