"""The Webhooks tab (view): webhooks with their health, the actions, the chart of the selected."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action
from impilo_desk.ui.webhooks.health_panel import HealthPanel
from impilo_desk.ui.webhooks.model import WebhookColumn, WebhooksModel


class WebhooksTab(TabPage):
    """Shows webhooks and offers refresh, new, change URL, delete and "send readings to relay".

    The controller connects to the actions and decides what they do; this view only shows.

    Args:
        model: The table model to show.
        parent: Parent widget.
    """

    title = "Webhooks"

    def __init__(self, model: WebhooksModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Webhooks tab")
        self.refresh_action = page_action(self, "&Refresh", "refresh", QKeySequence("F5"))
        self.new_action = page_action(
            self, "&New webhook…", "new", QKeySequence(QKeySequence.StandardKey.New)
        )
        self.edit_action = page_action(self, "&Change URL…", "edit", None)
        self.delete_action = page_action(
            self, "&Delete…", "delete", QKeySequence(QKeySequence.StandardKey.Delete)
        )
        self.relay_action = page_action(
            self, "Send all &reading types to my relay", "send-readings", None
        )
        self.stop_sync_action = page_action(self, "Stop sync", "stop-sync", None)
        self.stop_sync_action.setToolTip(
            "Stops syncing the local copy of the delivery log; what it got stays (F5 resumes)"
        )
        self.stop_sync_action.setEnabled(False)

        self.banner = MessageBanner(self)
        buttons = QHBoxLayout()
        for action, name in (
            (self.refresh_action, "Refresh webhooks"),
            (self.new_action, "New webhook"),
            (self.edit_action, "Change webhook URL"),
            (self.delete_action, "Delete webhook"),
            (self.relay_action, "Send all reading types to my relay"),
        ):
            buttons.addWidget(action_button(self, action, name))
        buttons.addStretch(1)
        self.busy_label = QLabel("", self)
        self.busy_label.setAccessibleName("Webhooks loading state")
        buttons.addWidget(self.busy_label)

        self.table = QTableView(self)
        self.table.setAccessibleName("Webhooks")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WebhookColumn.ID, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WebhookColumn.TYPE, QHeaderView.ResizeMode.ResizeToContents)
        for column in (
            WebhookColumn.STATE,
            WebhookColumn.DELIVERIES,
            WebhookColumn.SUCCESS,
            WebhookColumn.LAST_DELIVERED,
            WebhookColumn.FAILING_SINCE,
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.edit_action.trigger())
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Webhook count")
        self.sync_label = QLabel("", self)
        self.sync_label.setAccessibleName("Local copy of the delivery log")
        self.sync_label.setWordWrap(True)
        self.sync_progress = QProgressBar(self)
        self.sync_progress.setAccessibleName("First sync progress")
        self.sync_progress.setFormat("%v of %m rows")
        self.sync_progress.setMinimumWidth(220)
        self.sync_progress.setMaximumWidth(300)
        self.sync_progress.hide()
        sync_line = QHBoxLayout()
        sync_line.addWidget(self.count_label)
        sync_line.addSpacing(16)
        sync_line.addWidget(self.sync_label, 1)
        sync_line.addWidget(self.sync_progress)
        sync_line.addWidget(action_button(self, self.stop_sync_action, "Stop syncing the log"))
        self.health_panel = HealthPanel(self)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.health_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        layout.addLayout(sync_line)

    def selected_row(self) -> int:
        """The selected row, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select_row(self, row: int) -> None:
        """Selects ``row`` (and makes it current, for the keyboard)."""
        model = self.table.model()
        if 0 <= row < model.rowCount():
            index = model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def set_busy(self, busy: bool, text: str = "Loading…") -> None:
        """Shows or hides the busy note."""
        self.busy_label.setText(text if busy else "")

    def show_sync_line(self, text: str, *, failed: bool) -> None:
        """Says how fresh the local copy is, or that its last sync failed (in words)."""
        self.sync_label.setText(text)
        self.sync_label.setStyleSheet("color: #a50f15; font-weight: bold;" if failed else "")
