"""Window-wide keys keep working after a dialog closes (issue 20: Ctrl+N, Escape, Ctrl+Tab)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.fixtures.desk import ProfileStub


def test_ctrl_tab_changes_tab_after_a_dialog_closed_with_escape(qtbot, make_desk):
    desk = make_desk()
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(ProfileStub())
    window = desk.window
    window.tabs.setCurrentWidget(desk.webhooks.view)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.webhooks.open_dialog is not None, timeout=5000)
    dialog = desk.webhooks.open_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: desk.webhooks.open_dialog is None, timeout=5000)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    before = window.tabs.currentIndex()
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == (before + 1) % window.tabs.count()


def test_no_two_actions_share_a_key_on_any_tab(qtbot, make_desk):
    from PySide6.QtGui import QAction

    desk = make_desk()
    window = desk.window
    own = [a for a in window.findChildren(QAction) if a.parent() is not None]
    shared = [a for a in own if not any(a in page.actions() for page in _pages(window))]
    for page in _pages(window):
        keys: dict[str, str] = {}
        for action in [*shared, *page.actions()]:
            key = action.shortcut().toString()
            if key:
                # Ctrl+P did nothing on the Events tab: Pause and Manage profiles shared it
                assert key not in keys, (page.accessibleName(), key, keys[key], action.text())
                keys[key] = action.text()


def test_ctrl_p_opens_the_profiles_on_the_events_tab_too(qtbot, make_desk):
    from impilo_desk.ui.events.controller import EventsController

    desk = make_desk()
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(ProfileStub())
    window = desk.window
    events = desk.desk.tab(EventsController)
    window.tabs.setCurrentWidget(events.view)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    target = QApplication.focusWidget() or window
    with qtbot.waitSignal(window.profiles_requested, timeout=5000):
        qtbot.keyClick(target, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert not events.view.pause_action.isChecked()
    with qtbot.waitSignal(events.view.pause_action.toggled, timeout=5000):
        qtbot.keyClick(
            target,
            Qt.Key.Key_P,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert events.view.pause_action.isChecked()


def _pages(window):
    return [window.tabs.widget(i) for i in range(window.tabs.count())]
