"""No environment is announced before a profile exists (issue 13: no SANDBOX banner behind the
welcome dialog)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from PySide6.QtWidgets import QApplication

from impilo_desk.app import build_desk
from impilo_desk.ui.ports import ProfileInfo, Session
from tests.ui.fakes import FakeApi, FakeStore
from tests.ui.test_webhooks_tab import Prof


def test_the_environment_banner_waits_for_a_profile(qtbot, qasync_loop):
    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        yield Session(profile, FakeApi(), FakeStore())

    desk = build_desk(qasync_loop, QApplication.clipboard(), open_session)
    qtbot.addWidget(desk.window)
    desk.window.show()
    banner = desk.window.environment_banner
    assert not banner.isVisible()
    assert "SANDBOX" not in banner.text()
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(Prof(environment="staging"))
    assert banner.isVisible()
    assert banner.text().startswith("STAGING")
