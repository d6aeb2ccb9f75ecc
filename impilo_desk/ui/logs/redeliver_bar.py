"""The Logs tab's redelivery row (view): Resend, Recover, Copy delivery as curl, History, a run."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from impilo_desk.ui.kit.banners import keep_room
from impilo_desk.ui.kit.tab import action_button, page_action


class RedeliverBar(QWidget):
    """The redelivery actions and, while a run goes, its progress and Cancel.

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

        self.run_bar = QWidget(self)
        self.run_label = QLabel("", self.run_bar)
        self.run_label.setAccessibleName("Redelivery run state")
        self.run_progress = QProgressBar(self.run_bar)
        self.run_progress.setAccessibleName("Redelivery progress")
        self.run_progress.setFormat("%v of %m")
        self.cancel_button = QPushButton("Cancel redelivery", self.run_bar)
        self.cancel_button.setAccessibleName("Cancel the redelivery run")
        run_row = QHBoxLayout(self.run_bar)
        run_row.setContentsMargins(0, 0, 0, 0)
        run_row.addWidget(self.run_label, 2)
        run_row.addWidget(self.run_progress, 1)
        run_row.addWidget(self.cancel_button)
        # Beside the buttons, in room kept for it: a run starting moves no button and no table.
        keep_room(self.run_bar, self.run_label)
        row.addSpacing(16)
        row.addWidget(self.run_bar, 1)
        self.run_bar.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)

    def show_run(self, total: int, target: str) -> None:
        """Shows the progress row of a run of ``total`` POSTs."""
        self.run_progress.setRange(0, max(1, total))
        self.run_progress.setValue(0)
        self.run_label.setText(f"Resending {total:,} to {target}…")
        self.run_label.setToolTip(self.run_label.text())  # the row's room may cut it
        self.cancel_button.setEnabled(True)
        self.run_bar.show()

    def show_progress(self, done: int, delivered: int, failed: int) -> None:
        """Shows how far the run is."""
        self.run_progress.setValue(done)
        if self.cancel_button.isEnabled():
            self.run_label.setText(f"Resending: {delivered:,} delivered, {failed:,} failed")

    def show_cancelling(self) -> None:
        """Says that no more POSTs start and those in flight are finishing."""
        self.cancel_button.setEnabled(False)
        self.run_label.setText("Cancelling: finishing the POSTs already sent…")

    def hide_run(self) -> None:
        """Hides the progress row."""
        self.run_bar.hide()
