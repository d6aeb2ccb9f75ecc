from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.fixtures.desk import BuiltDesk, ProfileStub
from tests.ui.fakes import FakeApi, FakeStore


@pytest.fixture
def parts() -> tuple[FakeApi, FakeStore]:
    return FakeApi(), FakeStore()


@pytest.fixture
def desk(qtbot, make_desk, parts) -> BuiltDesk:
    api, store = parts
    desk = make_desk(api=api, store=store)
    desk.window.tabs.setCurrentWidget(desk.secret.view)
    with qtbot.waitSignal(desk.secret.loaded, timeout=5000):
        desk.sessions.switch_to(ProfileStub(relay_url="http://127.0.0.1:9/"))
    return desk


def test_generate_and_save_creates_on_impilo_and_in_store(qtbot, desk, parts):
    api, store = parts
    view = desk.secret.view
    assert view.impilo_state.text() == "Impilo has none"
    view.generate_action.trigger()
    value = view.secret()
    assert len(value) >= 40
    assert view.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    with qtbot.waitSignal(desk.secret.saved, timeout=5000):
        view.save_action.trigger()
    assert api.secret == value
    assert store.values[("p1", "webhook-secret")] == value
    assert view.match_state.text().startswith("yes")
    assert "relay too" in view.banner.text


def test_rotation_unsupported_keeps_the_old_secret(qtbot, desk, parts):
    api, store = parts
    api.secret = "old-secret-0123456789abcdef"
    api.rotation_supported = False
    with qtbot.waitSignal(desk.secret.loaded, timeout=5000):
        desk.secret.view.refresh_action.trigger()
    view = desk.secret.view
    assert view.match_state.text() == "unknown"  # nothing in the store yet
    view.generate_action.trigger()
    view.save_action.trigger()
    qtbot.waitUntil(lambda: view.banner.kind == "error")
    assert "Impilo portal" in view.banner.text
    assert api.secret == "old-secret-0123456789abcdef"
    assert view.secret() == "old-secret-0123456789abcdef"
    assert store.values == {}


def test_reveal_is_temporary_and_clipboard_is_cleared(qtbot, desk):
    view = desk.secret.view
    view.set_secret("a-secret-value-0123456789")
    view.reveal_timer.setInterval(50)
    view.reveal_action.trigger()
    assert view.revealed
    qtbot.waitUntil(lambda: not view.revealed, timeout=2000)
    view.clipboard_timer.setInterval(50)
    view.copy_action.trigger()
    clipboard = QApplication.clipboard()
    assert clipboard.text() == "a-secret-value-0123456789"
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2000)


def test_clipboard_left_alone_when_it_holds_something_else(qtbot, desk):
    view = desk.secret.view
    view.set_secret("a-secret-value-0123456789")
    view.copy_action.trigger()
    clipboard = QApplication.clipboard()
    clipboard.setText("something the user copied later")
    view.clear_clipboard()
    assert clipboard.text() == "something the user copied later"
    clipboard.clear()


def test_short_secret_is_refused(qtbot, desk, parts):
    api, _ = parts
    view = desk.secret.view
    view.secret_edit.setText("short")
    view.save_action.trigger()
    qtbot.waitUntil(lambda: view.banner.kind == "error")
    assert "16 characters" in view.banner.text
    assert api.secret is None
