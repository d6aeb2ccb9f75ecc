"""The desktop notification of an alert: the system tray's message, where there is a tray."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QStyle, QSystemTrayIcon, QWidget

_log = logging.getLogger(__name__)


class TrayNotifier:
    """Shows alerts with ``QSystemTrayIcon.showMessage``; without a tray, logs them.

    The tray icon is made on the first alert (and lives as long as ``owner``), so a desktop
    that never needs one never shows one.

    Args:
        owner: The widget the tray icon belongs to (the Webhooks tab).
    """

    def __init__(self, owner: QWidget) -> None:
        self._owner = owner
        self._tray: QSystemTrayIcon | None = None

    def notify(self, title: str, message: str) -> None:
        """Shows the alert (or logs it where the desktop has no system tray)."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            _log.warning("alert (no system tray): %s: %s", title, message)
            return
        if self._tray is None:
            icon = self._owner.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._tray = QSystemTrayIcon(icon, self._owner)
            self._tray.setToolTip("Impilo Desk")
            self._tray.show()
        self._tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Warning, 10_000)
