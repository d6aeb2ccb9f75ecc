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


def test_a_short_secret_is_refused_inline_as_it_is_typed(qtbot, desk, parts):
    api, _ = parts
    view = desk.secret.view
    buttons_at = view.save_action.associatedObjects()[-1].geometry().top()
    qtbot.keyClicks(view.secret_edit, "short")
    assert "16 characters" in view.secret_problem.text()  # at once, beside the field
    assert not view.save_action.isEnabled()
    assert view.banner.text == ""
    assert view.save_action.associatedObjects()[-1].geometry().top() == buttons_at  # no jump
    qtbot.keyClicks(view.secret_edit, "-but-long-enough-now")
    assert view.secret_problem.text().strip() == ""
    assert view.save_action.isEnabled()
    assert api.secret is None


def test_reveal_counts_down_on_its_button(qtbot, desk):
    view = desk.secret.view
    view.set_secret("a-secret-value-0123456789")
    view.reveal_tick.setInterval(20)  # a countdown "second" of 20 ms: no test waits 5 s
    view.reveal_action.trigger()
    assert view.reveal_action.text() == "Hiding in 5 s"
    qtbot.waitUntil(lambda: view.reveal_action.text() == "Hiding in 3 s", timeout=2000)
    view.hide_secret()
    assert view.reveal_action.text() == "Re&veal for 5 s"
    assert not view.reveal_tick.isActive()


def test_the_secret_is_in_a_monospace_font_and_its_store_is_named_once(desk):
    from PySide6.QtGui import QFontInfo

    view = desk.secret.view
    info = QFontInfo(view.secret_edit.font())
    assert info.fixedPitch()
    assert info.family() != QFontInfo(view.font()).family()
    assert view.store_caption.text() == "On this computer:"
    view.set_store_name("memory (demo only)")
    view.show_state(True, True)
    line = f"{view.store_caption.text()} {view.keyring_state.text()}"
    assert line.count("memory (demo only)") == 1


def test_an_emptied_field_does_not_say_there_is_no_secret(qtbot, desk, parts):
    api, _store = parts
    view = desk.secret.view
    assert view.secret_edit.placeholderText() == "No secret yet: type one or generate one"
    api.secret = "old-secret-0123456789abcdef"
    with qtbot.waitSignal(desk.secret.loaded, timeout=5000):
        view.refresh_action.trigger()
    view.secret_edit.clear()  # the user empties the field to type another
    assert view.secret_edit.placeholderText() == "Type a new secret or generate one"
