"""The Events tab (view): filters, the live table, the detail pane, export and store settings."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QClipboard, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.contract import EVENT_TYPES
from impilo_desk.ui.events.detail import HeadersModel, JsonTreeModel
from impilo_desk.ui.events.filters import EventsFilterBar
from impilo_desk.ui.events.model import EventColumn, EventsModel
from impilo_desk.ui.kit.banners import MessageBanner, keep_room
from impilo_desk.ui.kit.cell_delegate import TextCellDelegate
from impilo_desk.ui.kit.focus import tab_order
from impilo_desk.ui.kit.palette import is_dark
from impilo_desk.ui.kit.redelivery_widgets import RunBar
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action

KEEP_DAYS_DEFAULT = 30
KEEP_EVENTS_DEFAULT = 2_000_000


class EventsTab(TabPage):
    """Shows every received event; the controller decides what each control does.

    Args:
        model: The events table model.
        clipboard: Where the copy actions put text.
        parent: Parent widget.
    """

    title = "Events"

    def __init__(
        self, model: EventsModel, clipboard: QClipboard, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Events tab")
        self.clipboard = clipboard
        self.banner = MessageBanner(self)
        self.filters = EventsFilterBar(self)
        self.export_selected_action = page_action(self, "Export &selected…", "events-export", None)
        self.export_all_action = page_action(
            self, "Export all &matches…", "events-export-all", None
        )
        self.copy_payload_action = page_action(
            self, "&Copy payload", "events-copy", QKeySequence("Ctrl+Shift+C")
        )
        self.copy_curl_action = page_action(self, "Copy as c&url", "events-curl", None)
        self.replay_action = page_action(
            self, "&Replay to…", "events-replay", QKeySequence("Ctrl+Shift+R")
        )
        self.replay_bar = RunBar(self, "replay", kept_room=True)
        # not Ctrl+P: that is Manage profiles, and the two together did nothing (ambiguous)
        self.pause_action = page_action(
            self, "&Pause", "events-pause", QKeySequence("Ctrl+Shift+P")
        )
        self.pause_action.setCheckable(True)

        self.follow_box = QCheckBox("&Follow newest", self)
        self.follow_box.setChecked(True)
        self.follow_box.setAccessibleName("Follow newest events")
        self.held_label = QLabel("", self)
        self.held_label.setAccessibleName("New events held while paused")
        self.count_label = QLabel("", self)
        self.count_label.setAccessibleName("Matching events")
        self.index_progress = QProgressBar(self)
        self.index_progress.setAccessibleName("Search index progress")
        self.index_progress.setFormat("Indexing for search: %v of %m events")
        self.index_progress.hide()
        self.redact_box = QCheckBox("Redact patient details in exports", self)
        self.redact_box.setAccessibleName("Redact patient details in exports")
        self.redact_box.setChecked(True)
        self.keep_days = QSpinBox(self)
        self.keep_days.setRange(1, 3650)
        self.keep_days.setValue(KEEP_DAYS_DEFAULT)
        self.keep_days.setSuffix(" days")
        self.keep_days.setAccessibleName("Keep events for this many days")
        self.keep_events = QSpinBox(self)
        self.keep_events.setRange(100, 50_000_000)
        self.keep_events.setSingleStep(100_000)
        self.keep_events.setGroupSeparatorShown(True)
        self.keep_events.setValue(KEEP_EVENTS_DEFAULT)
        self.keep_events.setAccessibleName("Keep at most this many events")

        live = QHBoxLayout()
        live.addWidget(self.follow_box)
        pause = action_button(self, self.pause_action, "Pause or resume new events")
        live.addWidget(pause)
        live.addWidget(self.held_label)
        live.addSpacing(12)
        live.addWidget(self.count_label)
        live.addWidget(self.index_progress, 1)
        live.addStretch(1)
        live_buttons = [
            action_button(self, self.export_selected_action, "Export selected events"),
            action_button(self, self.export_all_action, "Export all matching events"),
            action_button(self, self.replay_action, "Replay the selected events to a URL"),
        ]
        for button in live_buttons:
            live.addWidget(button)
        live.addWidget(self.redact_box)

        self.forward_url = QLineEdit(self)
        self.forward_url.setPlaceholderText("http://localhost:3000/webhook")
        self.forward_url.setAccessibleName("Forward to URL")
        self.forward_secret_box = QCheckBox("Send the webhook secret", self)
        self.forward_secret_box.setAccessibleName("Send the webhook secret when forwarding")
        self.forward_box = QCheckBox("F&orward new events", self)
        self.forward_box.setAccessibleName("Forward new events to the URL")
        self.forward_status = QLabel("Forwarding is off.", self)
        self.forward_status.setAccessibleName("Forwarding state")
        forward = QHBoxLayout()
        caption = QLabel("Forward &to", self)
        caption.setBuddy(self.forward_url)
        forward.addWidget(caption)
        forward.addWidget(self.forward_url, 1)
        forward.addWidget(self.forward_secret_box)
        forward.addWidget(self.forward_box)
        forward.addWidget(self.forward_status, 1)

        self.export_bar = QWidget(self)
        self.export_label = QLabel("", self.export_bar)
        self.export_progress = QProgressBar(self.export_bar)
        self.export_progress.setAccessibleName("Export progress")
        self.export_cancel = QPushButton("Cancel export", self.export_bar)
        self.export_cancel.setAccessibleName("Cancel the export")
        bar = QHBoxLayout(self.export_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.export_label, 2)
        bar.addWidget(self.export_progress, 1)
        bar.addWidget(self.export_cancel)
        keep_room(self.export_bar, self.export_label)
        self.export_bar.hide()

        self.table = self._table(model)
        model.set_dark(is_dark(self))
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._detail())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([900, 400])  # the table's columns first; the tree scrolls

        keep = QHBoxLayout()
        keep.addWidget(QLabel("Keep received events for", self))
        keep.addWidget(self.keep_days)
        keep.addWidget(QLabel("or at most", self))
        keep.addWidget(self.keep_events)
        keep.addWidget(QLabel("events, whichever comes first (older ones are pruned).", self))
        # The export and replay progress rows sit here, in room kept for them: a run that
        # starts or ends moves no button and not the table.
        keep.addSpacing(16)
        keep.addWidget(self.export_bar, 1)
        keep.addWidget(self.replay_bar, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.filters)
        layout.addLayout(live)
        layout.addLayout(forward)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(keep)
        # Tab in reading order: the row's buttons were made after the boxes beside them, and
        # the "keep" row (made early) is the last row.
        tab_order(self.follow_box, pause, *live_buttons, self.redact_box, self.forward_url)
        tab_order(self._detail_buttons[-1], self.keep_days, self.keep_events)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """Marked rows follow the palette (light or dark), so their text keeps its contrast."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            model = self.table.model()
            if isinstance(model, EventsModel):
                model.set_dark(is_dark(self))

    def _table(self, model: EventsModel) -> QTableView:
        table = QTableView(self)
        table.setAccessibleName("Received events")
        table.setModel(model)
        table.setItemDelegate(TextCellDelegate(model, table))  # one model call per cell
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        width = table.fontMetrics().horizontalAdvance
        for column, sample in (
            (EventColumn.RECEIVED, "2026-10-31 23:59:59 CEST"),
            (EventColumn.TYPE, max(EVENT_TYPES, key=width) + "  "),
            (EventColumn.PATIENT, "Thandiwe Mokoena (#1042)"),
            (EventColumn.EVENT_ID, "17961273945000000"),
            (EventColumn.SEQ, "Relay seq"),
            (EventColumn.SOURCE, "Source"),
        ):
            header.resizeSection(column, width(sample) + 16)
        header.setSectionResizeMode(EventColumn.FORWARDED, QHeaderView.ResizeMode.Stretch)
        table.setColumnHidden(EventColumn.FORWARDED, True)  # shown while forwarding
        return table

    def _detail(self) -> QWidget:
        panel = QWidget(self)
        self.detail_title = QLabel("Select an event to see its payload and headers.", panel)
        self.detail_title.setWordWrap(True)
        self.detail_title.setAccessibleName("Selected event")
        # made before its pages, so Tab visits the tabs before the page they show
        self.detail_tabs = QTabWidget(panel)
        self.detail_tabs.setAccessibleName("Event detail")
        self.tree_model = JsonTreeModel(panel)
        self.tree = QTreeView(panel)
        self.tree.setAccessibleName("Payload as a tree")
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.raw = QPlainTextEdit(panel)
        self.raw.setReadOnly(True)
        self.raw.setAccessibleName("Payload as text")
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.headers_model = HeadersModel(panel)
        self.headers = QTableView(panel)
        self.headers.setAccessibleName("Request headers")
        self.headers.setModel(self.headers_model)
        self.headers.verticalHeader().hide()
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.detail_tabs.addTab(self.tree, "&Tree")
        self.detail_tabs.addTab(self.raw, "&Raw")
        self.detail_tabs.addTab(self.headers, "&Headers")
        buttons = QHBoxLayout()
        self._detail_buttons = [
            action_button(panel, self.copy_payload_action, "Copy the payload"),
            action_button(panel, self.copy_curl_action, "Copy as curl"),
        ]
        for button in self._detail_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.detail_title)
        layout.addWidget(self.detail_tabs, 1)
        layout.addLayout(buttons)
        return panel

    def show_export(self, running: bool, text: str = "") -> None:
        """Shows (or hides) the export progress bar."""
        self.export_bar.setVisible(running)
        self.export_label.setText(text)
        self.export_label.setToolTip(text)  # the row's room may cut it
        self.export_progress.setRange(0, 0)
        self.export_progress.setValue(0)
