"""The confirmation of "Replay to…": the URL to send the selected events to, and how many."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.fixed_lines import FixedLines
from impilo_desk.ui.kit.redelivery_widgets import ProductionConfirmation, TargetUrl

if TYPE_CHECKING:
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.redelivery import Plan


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
        self._plan: Plan | None = None

        self.summary = FixedLines(self, 3)  # a long URL in it moves nothing below
        self.summary.setAccessibleName("Replay preview")
        self._target = TargetUrl(self, "Replay target URL")
        self.url_edit, self.url_error = self._target.edit, self._target.error
        self._confirm = ProductionConfirmation(
            self, production_name, "This is a production profile."
        )
        self.confirm_label, self.confirm_edit = self._confirm.label, self._confirm.edit

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
        # the problem's room spans the field's width, whatever the style's default growth
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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
            self._target.show_problem(str(exc))
            self.summary.set_full_text(
                f"{count:,} selected {noun}, as the relay received them. Nothing is sent "
                "until the target is a usable URL."
            )
            self.send_button.setText(f"Send {count:,}")  # one width: the buttons stay put
            self.send_button.setEnabled(False)
            return
        self._target.show_problem("")
        url = self._plan.deliveries[0].target
        self.summary.set_full_text(
            f"{count:,} selected {noun} would be sent to {url}, each with the body the relay "
            "received, the webhook secret and the redelivery header."
        )
        self.send_button.setText(f"Send {count:,}")
        self.send_button.setEnabled(self._confirm.typed())
