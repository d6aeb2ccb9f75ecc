"""The confirmation of "Replay to…": the URL to send the selected events to, and how many."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.redelivery import Plan

_ERROR_STYLE = "color: #c62828;"


class ReplayDialog(QDialog):
    """Asks where to replay the selected events; :meth:`plan` is what the user confirmed.

    The count shown is that of the plan then sent. Nothing can be sent while the URL is not an
    http(s) URL with a host (the reason is shown in one sentence), and a production profile
    also asks for its name to be typed.

    Args:
        parent: The Events tab.
        events: The relay's copies of the selected events, in the order they are sent.
        production_name: The profile's name when it is a production profile, else None.
    """

    def __init__(
        self,
        parent: QWidget,
        events: Sequence[RelayEvent],
        *,
        production_name: str | None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Replay events")
        self.setAccessibleName("Replay events")
        self.setObjectName("events-replay")
        self.setMinimumWidth(560)
        self._events = tuple(events)
        self._production_name = production_name
        self._plan: Plan | None = None

        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Replay preview")
        self.summary.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)  # nothing jumps
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("http://localhost:3000/webhook")
        self.url_edit.setAccessibleName("Replay target URL")
        self.url_error = QLabel("", self)
        self.url_error.setAccessibleName("Target URL problem")
        self.url_error.setStyleSheet(_ERROR_STYLE)
        self.url_error.setWordWrap(True)
        self.url_error.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)
        self.confirm_label = QLabel("", self)
        self.confirm_label.setWordWrap(True)
        self.confirm_label.setAccessibleName("Production confirmation")
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setAccessibleName("Type the profile name to confirm")
        for widget in (self.confirm_label, self.confirm_edit):
            widget.setVisible(production_name is not None)
        if production_name is not None:
            self.confirm_label.setText(
                f"This is a production profile. Type the profile name “{production_name}” to send."
            )

        self.buttons = QDialogButtonBox(self)
        self.send_button = QPushButton("Send", self)
        self.send_button.setAccessibleName("Send the replay")
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel, send nothing")
        self.send_button.setAutoDefault(False)
        cancel.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Send to:", self.url_edit)
        form.addRow("", self.url_error)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm_edit)
        layout.addWidget(self.buttons)
        self.url_edit.textChanged.connect(self._update)
        self.confirm_edit.textChanged.connect(self._update)
        self._update()

    def plan(self) -> Plan | None:
        """The plan shown (None while the URL is not usable)."""
        return self._plan

    def _update(self, *_args: object) -> None:
        from impilo_desk.services.redelivery import RedeliveryRefused, plan_events

        count = len(self._events)
        noun = "event" if count == 1 else "events"
        try:
            self._plan = plan_events(self._events, self.url_edit.text())
        except RedeliveryRefused as exc:
            self._plan = None
            self.url_error.setText(str(exc))
            self.summary.setText(
                f"{count:,} selected {noun}, as the relay received them. Nothing is sent "
                "until the target is a usable URL."
            )
            self.send_button.setText("Send")
            self.send_button.setEnabled(False)
            return
        self.url_error.setText("")
        url = self._plan.deliveries[0].target
        self.summary.setText(
            f"{count:,} selected {noun} would be sent to {url}, each with the body the relay "
            "received, the webhook secret and the redelivery header."
        )
        typed = self._production_name is None or (
            self.confirm_edit.text().strip() == self._production_name
        )
        self.send_button.setText(f"Send {count:,}")
        self.send_button.setEnabled(typed)


class ReplayBar(QWidget):
    """A replay's progress and its Cancel button, shown while a replay runs.

    Args:
        parent: The Events tab.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QHBoxLayout, QProgressBar

        self.label = QLabel("", self)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Replay progress")
        self.cancel_button = QPushButton("Cancel replay", self)
        self.cancel_button.setAccessibleName("Cancel the replay")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.hide()

    def show_run(self, total: int, where: str) -> None:
        """Shows a run of ``total`` POSTs to ``where`` starting."""
        self.label.setText(f"Replaying to {where}…")
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat(f"%v of {total:,}")
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, done: int) -> None:
        """Shows ``done`` POSTs finished."""
        self.progress.setValue(done)

    def show_cancelling(self) -> None:
        """Shows that no more POSTs start; those in flight finish."""
        self.label.setText("Cancelling: the POSTs in flight finish first…")
        self.cancel_button.setEnabled(False)
