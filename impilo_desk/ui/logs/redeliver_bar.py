"""The Logs tab's redelivery row (view): Resend, Recover, Copy delivery as curl, History, a run."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from impilo_desk.ui.kit.redelivery_widgets import RunBar
from impilo_desk.ui.kit.tab import action_button, page_action


class RedeliverBar(QWidget):
    """The redelivery actions and, while a run goes, its progress and Cancel (``run_bar``).

    The controller enables the actions and fills the progress; this widget only shows.

    Args:
        parent: The Logs tab.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAccessibleName("Redelivery")
        self.resend_action = page_action(parent, "Re&send…", "logs-resend", None)
        self.recover_action = page_action(parent, "Rec&over failed…", "logs-recover", None)
        self.delivery_curl_action = page_action(
            parent, "Copy &delivery as curl", "logs-delivery-curl", None
        )
        self.history_action = page_action(parent, "Redelivery &history…", "logs-history", None)
        self.recover_action.setToolTip(
            "Resend every delivery matching the filters that failed for good (the preview can "
            "add those Impilo is still retrying)"
        )
        self.resend_action.setToolTip("Resend the selected rows to their webhook URL or another")
        self.delivery_curl_action.setToolTip(
            "Copy the POST that reproduces the selected delivery; the secret stays a variable"
        )
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for action, name in (
            (self.resend_action, "Resend the selected deliveries"),
            (self.recover_action, "Recover every failed delivery matching the filters"),
            (self.delivery_curl_action, "Copy the selected delivery as curl"),
            (self.history_action, "Show the redelivery history"),
        ):
            row.addWidget(action_button(self, action, name))

        # Beside the buttons, in room kept for it: a run starting moves no button and no table.
        self.run_bar = RunBar(self, "redelivery", kept_room=True)
        self.run_label = self.run_bar.label
        self.run_progress = self.run_bar.progress
        self.cancel_button = self.run_bar.cancel_button
        row.addSpacing(16)
        row.addWidget(self.run_bar, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
