"""The preview a user confirms before a redelivery: how many, where to, what cannot be resent."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.fixed_lines import FixedLines
from impilo_desk.ui.kit.redelivery_widgets import ProductionConfirmation, TargetUrl

if TYPE_CHECKING:
    from impilo_desk.services.redelivery import Plan

PlanFor = Callable[[str | None, bool], "Plan"]
"""Plans the run for a target (None: each row's own URL) and whether retrying rows count.

Raises ``RedeliveryRefused`` with a sentence when the target is not usable.
"""

SUMMARY_LINES = 4
LISTED_REASONS = 50  # the rest are counted, so a recovery of thousands stays readable


class PreviewDialog(QDialog):
    """Shows what a run would send and asks to confirm; :meth:`plan` is what was confirmed.

    The counts are those of the plan that is then sent, so the preview never promises more or
    less than the run does. A production profile also asks for its name to be typed.

    Args:
        parent: The Logs tab.
        title: The window title ("Resend deliveries", "Recover failed deliveries").
        plan_for: Plans the run for the choices in the dialog.
        recover: Offer to include the deliveries Impilo is still retrying.
        production_name: The profile's name when it is a production profile, else None.
    """

    def __init__(
        self,
        parent: QWidget,
        title: str,
        plan_for: PlanFor,
        *,
        recover: bool,
        production_name: str | None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setObjectName("redeliver-preview")
        self.setMinimumWidth(620)
        self._plan_for = plan_for
        self._plan: Plan | None = None
        self._recover = recover

        # Four lines whatever it says, so nothing below moves under the pointer (a longer
        # summary pushed the radio buttons down, a short error one pulled them up ~14 px).
        self.summary = FixedLines(self, SUMMARY_LINES)
        self.summary.setAccessibleName("Redelivery preview")
        self.own_url = QRadioButton("Each row's own webhook URL", self)
        self.own_url.setAccessibleName("Send to each row's own webhook URL")
        self.other_url = QRadioButton("Another URL:", self)
        self.other_url.setAccessibleName("Send to another URL")
        group = QButtonGroup(self)
        group.addButton(self.own_url)
        group.addButton(self.other_url)
        self.own_url.setChecked(True)
        self._target = TargetUrl(self, "Redelivery target URL")
        self.url_edit, self.url_error = self._target.edit, self._target.error
        self.url_edit.setEnabled(False)
        self.retrying_box = QCheckBox("Also resend deliveries Impilo is still retrying", self)
        self.retrying_box.setAccessibleName("Include deliveries still retrying")
        self.retrying_box.setVisible(recover)
        self.relay_box = QCheckBox("", self)
        self.relay_box.setAccessibleName("Send the relay's copy instead")
        self.reasons = QPlainTextEdit(self)
        self.reasons.setReadOnly(True)
        self.reasons.setAccessibleName("Rows that cannot be resent")
        self.reasons.setMaximumHeight(120)
        self._confirm = ProductionConfirmation(
            self,
            production_name,
            "This is a production profile: its customers' systems get these events.",
        )
        self.confirm_label, self.confirm_edit = self._confirm.label, self._confirm.edit

        self.buttons = QDialogButtonBox(self)
        self.send_button = QPushButton("Send", self)
        self.send_button.setAccessibleName("Send the redelivery")
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel, send nothing")
        self.send_button.setAutoDefault(False)
        cancel.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        target = QFormLayout()
        # the problem's room spans the field's width, whatever the style's default growth
        target.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        other = QHBoxLayout()
        other.addWidget(self.other_url)
        other.addWidget(self.url_edit, 1)
        target.addRow("Send to:", self.own_url)
        target.addRow("", other)
        target.addRow("", self.url_error)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(target)
        layout.addWidget(self.retrying_box)
        layout.addWidget(self.relay_box)
        layout.addWidget(self.reasons)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm_edit)
        layout.addWidget(self.buttons)

        self.other_url.toggled.connect(self.url_edit.setEnabled)
        self.other_url.toggled.connect(lambda on: on and self.url_edit.setFocus())
        for signal in (
            self.other_url.toggled,
            self.url_edit.textChanged,
            self.retrying_box.toggled,
            self.relay_box.toggled,
            self.confirm_edit.textChanged,
        ):
            signal.connect(self._update)
        self._update()

    def plan(self) -> Plan | None:
        """The plan the dialog shows (None while the choices are not valid)."""
        if self._plan is None:
            return None
        return self._plan.with_relay_copies() if self.relay_box.isChecked() else self._plan

    def target(self) -> str | None:
        """The URL typed, or None for each row's own."""
        return self.url_edit.text() if self.other_url.isChecked() else None

    def _update(self, *_args: object) -> None:
        from impilo_desk.services.redelivery import RedeliveryRefused

        try:
            plan = self._plan_for(self.target(), self.retrying_box.isChecked())
        except RedeliveryRefused as exc:
            self._plan = None
            self._target.show_problem(str(exc))
            self.summary.set_full_text("Nothing is sent until the target is a usable URL.")
            self.send_button.setEnabled(False)
            return
        self._plan = plan
        self._target.show_problem("")
        preview = plan.preview()
        self.relay_box.setVisible(preview.alternatives > 0)
        self.relay_box.setText(
            f"Send the copy the relay received for the {preview.alternatives} of them that "
            "the local event store has"
        )
        final = self.plan()
        sending = final.preview().sendable if final is not None else 0
        text = preview.describe()
        if self._recover:  # these rows were not picked one by one: they match the filters
            noun = "delivery" if preview.rows == 1 else "deliveries"
            text = text.replace(
                f"{preview.rows} {'row' if preview.rows == 1 else 'rows'} selected:",
                f"{preview.rows} failed {noun} match the filters:",
                1,
            )
        if self.relay_box.isChecked() and preview.alternatives:
            text += f" With the relay's copies, {sending} will be sent."
        self.summary.set_full_text(text)
        self.reasons.setVisible(bool(plan.unsendable))
        self.reasons.setPlainText(_reasons(plan))
        self.send_button.setText(f"Send {sending:,}")
        self.send_button.setEnabled(sending > 0 and self._confirm.typed())


def _reasons(plan: Plan) -> str:
    lines = [
        f"Log #{u.log_id}: {u.reason}" if u.log_id is not None else u.reason
        for u in plan.unsendable[:LISTED_REASONS]
    ]
    more = len(plan.unsendable) - LISTED_REASONS
    if more > 0:
        lines.append(f"… and {more:,} more.")
    return "\n".join(lines)
