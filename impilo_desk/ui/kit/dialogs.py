"""Dialogs a coroutine can await without a nested event loop, and small dialog helpers."""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget


def alive(obj: QObject | None) -> bool:
    """Whether ``obj``'s C++ side still exists (a task may outlive a closed window)."""
    return obj is not None and shiboken6.isValid(obj)


async def run_dialog(dialog: QDialog) -> int:
    """Opens ``dialog`` window-modally and waits for its result, without ``exec()``.

    If the waiting task is cancelled (window closed, profile switched), the dialog is
    rejected. The caller owns the dialog and deletes it. Afterwards the window under it is
    active again, with the focus where it was: without a window manager that does it (or with
    one that does not), no window was active and the window's shortcuts (Ctrl+Tab) were dead.

    Returns:
        The dialog's result code (``QDialog.DialogCode.Accepted`` or ``Rejected``).
    """
    parent = dialog.parentWidget()
    under = parent.window() if parent is not None else None
    focused = QApplication.focusWidget()  # a static call: the widget with the focus now
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        if alive(dialog):
            dialog.finished.disconnect(finished)
            if dialog.isVisible():
                dialog.reject()
        _give_back_focus(under, focused)


def _give_back_focus(window: QWidget | None, focused: QWidget | None) -> None:
    """Activates ``window`` again and puts the focus back on ``focused`` (if still there)."""
    if not alive(window) or window is None or not window.isVisible():
        return
    window.activateWindow()
    if (
        alive(focused)
        and focused is not None
        and focused.isVisible()
        and focused.window() is window
    ):
        focused.setFocus()


def confirm_box(parent: QWidget, title: str, text: str, action: str) -> QMessageBox:
    """A question box whose default button is Cancel and whose other button says ``action``."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


def accepted(result: int, dialog: QDialog) -> bool:
    """Whether ``result`` from :func:`run_dialog` means yes.

    A QMessageBox with custom buttons reports the clicked button rather than Accepted, so its
    button role is checked.
    """
    if isinstance(dialog, QMessageBox):
        clicked = dialog.clickedButton()
        return (
            clicked is not None and dialog.buttonRole(clicked) == QMessageBox.ButtonRole.AcceptRole
        )
    return result == QDialog.DialogCode.Accepted
