"""The Webhooks tab (view): webhooks with their health, the actions, the chart of the selected."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.palette import set_tone
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action
from impilo_desk.ui.webhooks.health_panel import HealthPanel
from impilo_desk.ui.webhooks.model import WebhookColumn, WebhooksModel
from impilo_desk.ui.webhooks.proxy import WebhooksProxy


class WebhooksTab(TabPage):
    """Shows webhooks and offers refresh, new, change URL, delete and "send readings to relay".

    The controller connects to the actions and decides what they do; this view only shows.
    The table shows the model through :attr:`proxy` (sorted, filtered): rows given to or
    returned by :meth:`selected_row` and :meth:`select_row` are the model's, not the view's.

    Signals:
        selection_changed(): Another webhook (or none) is selected.
        shown(): The tab became visible (its figures are checked for news then).

    Args:
        model: The table model to show.
        parent: Parent widget.
    """

    title = "Webhooks"
    badge_room = "99 failing"
    selection_changed = Signal()
    shown = Signal()

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
        self.buttons: list[QToolButton] = []
        for action, name in (
            (self.refresh_action, "Refresh webhooks"),
            (self.new_action, "New webhook"),
            (self.edit_action, "Change webhook URL"),
            (self.delete_action, "Delete webhook"),
            (self.relay_action, "Send all reading types to my relay"),
        ):
            self.buttons.append(action_button(self, action, name))
            buttons.addWidget(self.buttons[-1])
        buttons.addStretch(1)
        self.busy_label = QLabel("", self)
        self.busy_label.setAccessibleName("Webhooks loading state")
        buttons.addWidget(self.busy_label)

        self.proxy = WebhooksProxy(model, self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setAccessibleName("Filter webhooks by event type or URL")
        self.filter_edit.setPlaceholderText("Event type or URL text (Esc clears)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(320)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        clear_filter = QAction("Clear the filter", self.filter_edit)
        clear_filter.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_filter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_filter.triggered.connect(self.filter_edit.clear)
        self.filter_edit.addAction(clear_filter)
        filter_label = QLabel("&Filter:", self)
        filter_label.setBuddy(self.filter_edit)
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Webhook count")
        filter_line = QHBoxLayout()
        filter_line.addWidget(filter_label)
        filter_line.addWidget(self.filter_edit)
        filter_line.addSpacing(12)
        filter_line.addWidget(self.count_label)
        filter_line.addStretch(1)

        self.table = QTableView(self)
        self.table.setAccessibleName("Webhooks")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(WebhookColumn.ID, Qt.SortOrder.AscendingOrder)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
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
            WebhookColumn.MANUAL,
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.edit_action.trigger())
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
        sync_line.addWidget(self.sync_label, 1)
        sync_line.addWidget(self.sync_progress)
        stop_button = action_button(self, self.stop_sync_action, "Stop syncing the log")
        sync_line.addWidget(stop_button)
        self.health_panel = HealthPanel(model.times, self)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.health_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)
        layout.addLayout(filter_line)
        layout.addWidget(splitter, 1)
        layout.addLayout(sync_line)

        # the keyboard's way through the tab: narrow the list, pick a webhook, act on it
        chain = [self.filter_edit, self.table, *self.buttons]
        chain += [self.health_panel.day, self.health_panel.week, stop_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._loaded = False
        self._selected = -1
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        for signal in (
            self.proxy.modelReset,
            self.proxy.layoutChanged,
            self.proxy.rowsRemoved,
            self.proxy.rowsInserted,
        ):
            signal.connect(self._rows_moved)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Tells :attr:`shown` (a resend made on another tab shows when the user comes back)."""
        super().showEvent(event)
        self.shown.emit()

    def _rows_moved(self, *_args: object) -> None:
        self._selection_moved()
        self._show_count()

    def _selection_moved(self) -> None:
        # a reset clears the selection without a selectionChanged: compare, then tell
        row = self.selected_row()
        if row != self._selected:
            self._selected = row
            self.selection_changed.emit()

    def show_count(self, loaded: bool = True) -> None:
        """Shows how many webhooks there are ("12 of 300 webhooks" when filtered), or nothing."""
        self._loaded = loaded
        self._show_count()

    def _show_count(self) -> None:
        total = self.proxy.source().rowCount()
        if not self._loaded:
            self.count_label.setText("")
        elif self.proxy.filtered():
            self.count_label.setText(f"{self.proxy.rowCount()} of {total} webhooks")
        else:
            self.count_label.setText(f"{total} webhook{'s' if total != 1 else ''}")

    def selected_row(self) -> int:
        """The model's row of the selected webhook, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.source_row(rows[0].row()) if rows else -1

    def select_row(self, row: int) -> bool:
        """Selects the model's ``row`` (current, for the keyboard) and scrolls it into view.

        Returns:
            False when there is no such row or the filter hides it (nothing selected then).
        """
        view_row = self.proxy.view_row(row)
        if view_row < 0:
            return False
        index = self.proxy.index(view_row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        # a banner shown just before moves the table down: lay out first, then scroll
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def set_busy(self, busy: bool, text: str = "Loading…") -> None:
        """Shows or hides the busy note."""
        self.busy_label.setText(text if busy else "")

    def show_sync_line(self, text: str, *, failed: bool) -> None:
        """Says how fresh the local copy is, or that its last sync failed (in words)."""
        self.sync_label.setText(text)
        set_tone(self.sync_label, "error" if failed else "", bold=failed)
