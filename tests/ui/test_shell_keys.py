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
