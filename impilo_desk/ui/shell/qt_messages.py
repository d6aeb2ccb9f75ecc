"""Qt's own messages (qDebug, qWarning, ...) go to the app's log instead of stderr."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

_log = logging.getLogger("qt")
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    _log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def route_qt_messages() -> Callable[[], None]:
    """Sends Qt's messages to the ``qt`` logger; returns a function that undoes it."""
    previous = qInstallMessageHandler(_handle)

    def restore() -> None:
        qInstallMessageHandler(previous)

    return restore
