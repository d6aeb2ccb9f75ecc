"""The create / change-URL dialog of a webhook, with the event catalogue beside it."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.contract import EVENT_TYPES, Webhook
from impilo_desk.services.url_checks import check_url
from impilo_desk.ui.kit.palette import set_tone

NOT_CONFIRMED = (
    "Impilo's public documentation only hints at this event type, so its name and example "
    "payload are this app's best reading of the docs; Impilo may refuse the webhook or send "
    "a different payload."
)


class WebhookDialog(QDialog):
    """Creates a webhook (``webhook`` None) or changes the URL of ``webhook``.

    In create mode the event type is picked from the catalogue, which shows each type's
    description and an example payload. The URL is checked as it is typed; plain http to
    another machine is allowed with a warning. In edit mode the type is fixed (Impilo cannot
    change it) and Save stays disabled while the URL is unchanged.

    Args:
        webhook: The webhook to change, or None to create one.
        suggested_url: The URL to start from when creating (e.g. the relay's ingest URL).
        parent: Parent widget.
    """

    def __init__(
        self, webhook: Webhook | None = None, suggested_url: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._original = webhook
        self.setWindowTitle("Change webhook URL" if webhook else "New webhook")
        self.setMinimumWidth(620)

        self.type_combo = QComboBox(self)
        self.type_combo.setAccessibleName("Event type")
        for name, info in EVENT_TYPES.items():
            label = name if info.documented else f"{name} (not confirmed)"
            self.type_combo.addItem(label, name)
            if not info.documented:
                self.type_combo.setItemData(
                    self.type_combo.count() - 1, NOT_CONFIRMED, Qt.ItemDataRole.ToolTipRole
                )
        if webhook is not None:
            index = self.type_combo.findData(webhook.type)
            if index < 0:
                self.type_combo.addItem(webhook.type, webhook.type)
                index = self.type_combo.count() - 1
            self.type_combo.setCurrentIndex(index)
            self.type_combo.setEnabled(False)
            self.type_combo.setToolTip("Impilo cannot change a webhook's type; create a new one.")

        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setAccessibleName("Event type description")
        self.example = QPlainTextEdit(self)
        self.example.setReadOnly(True)
        self.example.setAccessibleName("Example payload")
        self.example.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.example.setMinimumHeight(180)

        self.url_edit = QLineEdit(webhook.url if webhook else suggested_url, self)
        self.url_edit.setAccessibleName("Webhook URL")
        self.url_edit.setPlaceholderText("https://example.com/impilo/hooks")
        self.url_edit.setClearButtonEnabled(True)
        self.url_message = QLabel(self)
        self.url_message.setWordWrap(True)
        self.url_message.setAccessibleName("URL check")
        self.url_message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Room for two lines, said or not: a sentence that appeared pushed the URL field up
        # under the pointer (found under Xvfb).
        self.url_message.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 4)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        self.save_button: QPushButton = save
        self.save_button.setAccessibleName("Save webhook")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Event &type", self.type_combo)
        form.addRow("", self.description)
        form.addRow("Example payload", self.example)
        form.addRow("&URL", self.url_edit)
        form.addRow("", self.url_message)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.type_combo.currentIndexChanged.connect(self._show_type)
        self.url_edit.textChanged.connect(self._check)
        self._show_type()
        self._check()
        (self.url_edit if webhook else self.type_combo).setFocus()

    def webhook_type(self) -> str:
        """The chosen event type."""
        return str(self.type_combo.currentData())

    def url(self) -> str:
        """The URL typed, trimmed."""
        return self.url_edit.text().strip()

    def select_type(self, name: str) -> None:
        """Chooses ``name`` in the type list (create mode)."""
        index = self.type_combo.findData(name)
        if index >= 0:
            self.type_combo.setCurrentIndex(index)

    def _show_type(self) -> None:
        info = EVENT_TYPES.get(self.webhook_type())
        if info is None:
            self.description.setText("An event type this app does not know.")
            self.example.setPlainText("")
            return
        note = "" if info.documented else f" Not confirmed: {NOT_CONFIRMED}"
        self.description.setText(info.description + note)
        self.example.setPlainText(
            json.dumps({"id": 1, "type": info.name, "payload": info.example}, indent=2)
        )

    def _check(self) -> None:
        verdict = check_url(self.url())
        unchanged = self._original is not None and self.url() == self._original.url
        if verdict.error:
            self._message(verdict.error, "error")
        elif verdict.warning:
            self._message(verdict.warning, "warning")
        elif unchanged:
            self._message("Type a new URL to save.", "")
        else:
            self._message("", "")
        self.save_button.setEnabled(verdict.ok and not unchanged)

    def _message(self, text: str, kind: str) -> None:
        self.url_message.setText(text)
        self.url_message.setAccessibleDescription(text)
        set_tone(self.url_message, kind)
