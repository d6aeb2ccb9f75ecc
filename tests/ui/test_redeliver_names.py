"""Every control of the redelivery preview, run row and history has an accessible name."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from impilo_desk.services.redelivery import Plan
from impilo_desk.ui.logs.history import HistoryDialog
from impilo_desk.ui.logs.redeliver_bar import RedeliverBar
from impilo_desk.ui.logs.redeliver_dialog import PreviewDialog

CONTROLS = (QAbstractButton, QLineEdit, QPlainTextEdit, QProgressBar, QAbstractItemView, QLabel)


def unnamed(root: QWidget) -> list[str]:
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or widget.parent() is None:
            continue
        if isinstance(widget, QHeaderView) or widget.objectName() == "qt_tableview_cornerbutton":
            continue  # the table's own parts (its headers name the columns)
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            continue
        if not widget.accessibleName() and not (
            isinstance(widget, QAbstractButton) and widget.text()
        ):
            found.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return found


def test_every_control_is_named(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    bar = RedeliverBar(host)
    preview = PreviewDialog(
        host, "Resend deliveries", lambda _t, _r: Plan(()), recover=True, production_name="P"
    )
    history = HistoryDialog(host)
    for root in (bar, preview, history):
        assert unnamed(root) == [], type(root).__name__
