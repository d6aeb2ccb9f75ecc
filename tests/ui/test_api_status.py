"""The status bar's "API: ok" was checked recently; a killed sandbox shows as unreachable.

The real window, wiring, sandbox process and demo children; the heartbeat's intervals are
short (``Heartbeat``), so the tests do not wait the app's 10 s between checks.
"""

from __future__ import annotations

import os
import re
import signal
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from impilo_desk.services.api_health import Heartbeat, moment
from tests.fixtures.desk import World
from tests.ui.test_desk_real import connect

FAST = Heartbeat(interval_s=0.2, call_timeout_s=2.0)
UNREACHABLE = re.compile(r"^API: unreachable since \d\d:\d\d( \S+)?$")


@pytest.fixture
def heartbeat() -> Heartbeat:
    return FAST


def test_a_killed_sandbox_shows_as_unreachable_then_ok_again(qtbot, world: World, sandbox):
    connect(qtbot, world, sandbox)
    status, banner = world.desk.window.status.api_label, world.desk.window.banner
    qtbot.waitUntil(lambda: status.text() == "API: ok", timeout=10_000)
    before = datetime.now(UTC)
    sandbox.kill()
    qtbot.waitUntil(lambda: bool(UNREACHABLE.match(status.text())), timeout=10_000)
    after = datetime.now(UTC)
    shown = status.text().removeprefix("API: unreachable since ")
    assert shown in {moment(before, after), moment(after, after)}
    assert f"{sandbox.port} refused the connection" in status.toolTip()
    assert banner.kind == "error"
    assert banner.text.startswith(f"The Impilo API has not answered since {shown}: 127.0.0.1:")
    assert not banner.action_button.isVisible()  # not the demo: nothing to restart here

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


def test_a_moment_is_local_time_with_its_zone_and_a_date_when_not_today() -> None:
    at = datetime(2026, 12, 1, 8, 4, 30, tzinfo=UTC)
    local = at.astimezone()
    zone = local.tzname() or ""
    assert moment(at, at + timedelta(minutes=5)) == f"{local:%H:%M} {zone}".strip()
    later = at + timedelta(days=2)
    assert moment(at, later) == f"{local.day} {local:%b %H:%M} {zone}".strip()
