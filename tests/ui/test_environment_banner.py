"""No environment is announced before a profile exists (issue 13: no SANDBOX banner behind the
welcome dialog)."""

from __future__ import annotations

from tests.fixtures.desk import ProfileStub


def test_the_environment_banner_waits_for_a_profile(qtbot, make_desk):
    desk = make_desk()
    banner = desk.window.environment_banner
    assert not banner.isVisible()
    assert "SANDBOX" not in banner.text()
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(ProfileStub(environment="staging"))
    assert banner.isVisible()
    assert banner.text().startswith("STAGING")
