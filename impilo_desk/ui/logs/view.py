"""The Logs tab (view): filters, the paged delivery log, payload viewer, export."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt
from PySide6.QtGui import QClipboard, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner, keep_room
from impilo_desk.ui.kit.focus import buttons_of, tab_order
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action
from impilo_desk.ui.logs.columns import MiddleElided, column_widths, sorted_width
from impilo_desk.ui.logs.filters import LogsFilterBar
from impilo_desk.ui.logs.local_filters import LocalFilterBar
from impilo_desk.ui.logs.model import LogColumn, LogsModel

PAGE_SIZES = (15, 25, 50, 100, 250)
AUTO_REFRESH_DEFAULT_S = 30
MAX_PAGE = 999_999_999  # what "Go to page" accepts (the API answers past the end with no rows)


class LogsTab(TabPage):
    """Shows the delivery log: filters, table, pager, payload, export progress.

    The controller connects to the actions and widgets and decides what they do; this view
    only shows.

    Args:
        model: The table model to show.
        clipboard: Where "copy" puts text.
        parent: Parent widget.
    """

    title = "Logs"

    def __init__(
        self,
        model: LogsModel,
        clipboard: QClipboard,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Logs tab")
        self.clipboard = clipboard
        self.refresh_action = page_action(self, "&Refresh", "logs-refresh", QKeySequence("F5"))
        self.curl_action = page_action(self, "Copy log &query as curl", "logs-curl", None)
        self.export_action = page_action(self, "&Export…", "logs-export", None)
        self.banner = MessageBanner(self)
        self.filters = LogsFilterBar(self)
        self.local_filters = LocalFilterBar(self)
        # "Clear filters" clears them all: a local filter left behind (an invalid one too)
        # kept the rows refused and the copy's note on screen
        self.filters.clear_button.clicked.connect(self.local_filters.clear)

        self.redact_box = QCheckBox("Redact patient details in exports", self)
        self.redact_box.setChecked(True)
        self.redact_box.setAccessibleName("Redact patient details in exports")
        self.auto_box = QCheckBox("Auto-refresh every", self)
        self.auto_box.setAccessibleName("Auto-refresh the log")
        self.auto_interval = QSpinBox(self)
        self.auto_interval.setRange(5, 3600)
        self.auto_interval.setValue(AUTO_REFRESH_DEFAULT_S)
        self.auto_interval.setSuffix(" s")
        self.auto_interval.setAccessibleName("Auto-refresh interval")
        self.busy_label = QLabel("", self)
        self.busy_label.setAccessibleName("Logs loading state")
        actions = QHBoxLayout()
        self._action_buttons = [
            action_button(self, action, name)
            for action, name in (
                (self.refresh_action, "Refresh the log"),
                (self.curl_action, "Copy the log query as curl"),
                (self.export_action, "Export every matching record"),
            )
        ]
        for button in self._action_buttons:
            actions.addWidget(button)
        actions.addWidget(self.redact_box)
        actions.addSpacing(16)
        actions.addWidget(self.auto_box)
        actions.addWidget(self.auto_interval)
        actions.addSpacing(16)

        self.export_bar = QWidget(self)
        self.export_label = QLabel("", self.export_bar)
        self.export_progress = QProgressBar(self.export_bar)
        self.export_progress.setAccessibleName("Export progress")
        self.export_cancel = QPushButton("Cancel export", self.export_bar)
        row = QHBoxLayout(self.export_bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.export_label, 2)
        row.addWidget(self.export_progress, 1)
        row.addWidget(self.export_cancel)
        # In the actions row, in room kept for it: showing it moves no button and no table.
        keep_room(self.export_bar, self.export_label)
        actions.addWidget(self.export_bar, 1)
        actions.addWidget(self.busy_label)
        self.export_bar.hide()

        self.table = self._table(model)
        self.message = QLabel("", self)
        self.message.setAccessibleName("Logs state")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(24)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.message)

        self.payload_title = QLabel("Payload: select a row", self)
        self.payload_copy = QToolButton(self)
        self.payload_copy.setText("Copy payload")
        self.payload_copy.setAccessibleName("Copy payload")
        self.payload_copy.setEnabled(False)
        self.payload_view = QPlainTextEdit(self)
        self.payload_view.setReadOnly(True)
        self.payload_view.setAccessibleName("Payload")
        self.payload_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        payload_panel = QWidget(self)
        payload_layout = QVBoxLayout(payload_panel)
        payload_layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.payload_title, 1)
        head.addWidget(self.payload_copy)
        payload_layout.addLayout(head)
        payload_layout.addWidget(self.payload_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(payload_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.filters)
        layout.addWidget(self.local_filters)
        layout.addLayout(actions)
        self.tools = QVBoxLayout()  # rows other parts of the tab add (redelivery)
        self.tools.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.tools)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(self._pager())
        # Tab in reading order: the row's buttons were made after the check boxes beside them,
        # and the page number sits between Previous and Next.
        tab_order(
            *self._action_buttons, self.redact_box, self.auto_box, self.auto_interval,
            self.export_cancel, self.table, self.payload_copy, self.payload_view,
            self.first_button, self.previous_button, self.page_spin, self.next_button,
            self.last_button, self.size_box,
        )  # fmt: skip

    def add_tool(self, row: QWidget) -> None:
        """Adds a row of controls above the table (redelivery); Tab visits it before the table."""
        self.tools.addWidget(row)
        tab_order(self.export_cancel, *buttons_of(row), self.table)

    def _table(self, model: LogsModel) -> QTableView:
        table = QTableView(self)
        table.setAccessibleName("Delivery log")
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # Resend
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        self._widths = column_widths(table)
        self._widened: int | None = None  # the sorted column, widened for its arrow
        for column, width in self._widths.items():
            header.resizeSection(column, width)
        # The URL takes the room left (about 270 px at 1280 px), cut in the middle so the host
        # and the path's end stay in view; its tooltip has it whole. The other columns were
        # sized for their longest text, which left the URL about 95 px at 1280 (unreadable).
        header.setSectionResizeMode(LogColumn.URL, QHeaderView.ResizeMode.Stretch)
        table.setItemDelegateForColumn(LogColumn.URL, MiddleElided(table))
        header.setMinimumSectionSize(40)
        # Titles stay in their normal weight: a selected row made every title bold (all its
        # columns are selected), which says nothing and cut "Webhook" and "Last status".
        header.setHighlightSections(False)
        # A click on a title sorts by it (the controller decides where: the local copy only).
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sortIndicatorChanged.connect(self._fit_sorted_title)
        header.setSortIndicator(LogColumn.CREATED, Qt.SortOrder.DescendingOrder)
        return table

    def _fit_sorted_title(self, section: int, _order: Qt.SortOrder) -> None:
        """Widens the sorted column for its arrow if its title needs it (the URL gives way).

        Only the column widened before goes back: widths the user dragged stay as they are.
        """
        header = self.table.horizontalHeader()
        widened, self._widened = self._widened, None
        if widened is not None and widened != section:
            header.resizeSection(widened, self._widths[LogColumn(widened)])
        if section in self._widths:
            needed = sorted_width(header, LogColumn(section))
            if header.sectionSize(section) < needed:
                header.resizeSection(section, needed)
                self._widened = section

    def _pager(self) -> QHBoxLayout:
        self.first_button = QPushButton("« First", self)
        self.previous_button = QPushButton("◀ Previous", self)
        self.next_button = QPushButton("Next ▶", self)
        self.last_button = QPushButton("Last »", self)
        for button, name in (
            (self.first_button, "First page"),
            (self.previous_button, "Previous page"),
            (self.next_button, "Next page"),
            (self.last_button, "Last page"),
        ):
            button.setAccessibleName(name)
            button.setEnabled(False)
        self.page_spin = QSpinBox(self)
        self.page_spin.setRange(1, MAX_PAGE)
        self.page_spin.setAccessibleName("Page number")
        self.page_spin.setKeyboardTracking(False)  # only Enter or focus-out asks for the page
        self.page_label = QLabel("", self)
        self.page_label.setAccessibleName("Page position")
        self.source_label = QLabel("", self)
        self.source_label.setAccessibleName("Where the rows come from")
        # It takes the row's spare room and is cut there (its tooltip has it all): a long line
        # ("… the whole local copy …, synced … ago (…); the last sync failed: …") widened the
        # window past the screen's edge (found under Xvfb).
        self.source_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.size_box = QComboBox(self)
        self.size_box.setAccessibleName("Rows per page")
        for size in PAGE_SIZES:
            self.size_box.addItem(str(size), size)
        pager = QHBoxLayout()
        pager.addWidget(self.first_button)
        pager.addWidget(self.previous_button)
        pager.addWidget(QLabel("Go to page", self))
        pager.addWidget(self.page_spin)
        pager.addWidget(self.next_button)
        pager.addWidget(self.last_button)
        pager.addSpacing(12)
        pager.addWidget(self.page_label)
        pager.addSpacing(12)
        pager.addWidget(self.source_label, 1)
        pager.addWidget(QLabel("Rows per page", self))
        pager.addWidget(self.size_box)
        return pager

    # -- what the controller calls -----------------------------------------------------------

    def page_size(self) -> int:
        """The chosen page size (15 to 250)."""
        return int(self.size_box.currentData())

    def set_page_size(self, size: int) -> None:
        """Chooses ``size`` (one of :data:`PAGE_SIZES`)."""
        self.size_box.setCurrentIndex(max(0, self.size_box.findData(size)))

    def show_position(self, page: int, pages: int, total: int, capped: bool = False) -> None:
        """Shows "page k of n, total t" and enables the pager buttons that make sense.

        ``capped``: counting stopped at ``total``; there are more ("of more than n").
        """
        # An empty log has no pages: "Page 1 of 0" would say nonsense.
        if capped:
            self.page_label.setText(
                f"Page {page} of more than {pages:,}, more than {total:,} matches"
            )
        else:
            self.page_label.setText(
                f"Page {page} of {pages}, total {total:,}" if pages else "No records"
            )
        with QSignalBlocker(self.page_spin):
            # Any page can be asked for: one past the end is answered in words, never clamped.
            self.page_spin.setRange(1, MAX_PAGE)
            self.page_spin.setValue(page)
        self.first_button.setEnabled(page > 1)
        self.previous_button.setEnabled(page > 1)
        self.next_button.setEnabled(page < pages or capped)
        self.last_button.setEnabled(page != pages and pages > 0 and not capped)

    def show_source(self, text: str) -> None:
        """Shows where the rows come from ("Rows from Impilo, just now")."""
        self.source_label.setText(text)
        self.source_label.setToolTip(text)

    def show_table(self) -> None:
        """Shows the rows (the state message goes away)."""
        self.stack.setCurrentWidget(self.table)

    def show_message(self, text: str) -> None:
        """Shows ``text`` where the rows go: empty, loading or error states."""
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def set_busy(self, busy: bool, text: str = "Loading…") -> None:
        """Shows or hides the busy note."""
        self.busy_label.setText(text if busy else "")

    def selected_row(self) -> int:
        """The selected row, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def selected_rows(self) -> list[int]:
        """Every selected row, in order."""
        return sorted(i.row() for i in self.table.selectionModel().selectedRows())

    def select_row(self, row: int) -> None:
        """Selects ``row`` (and makes it current, for the keyboard) without scrolling."""
        model = self.table.model()
        if 0 <= row < model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )

    def show_payload(self, title: str, text: str, is_json: bool) -> None:
        """Shows a payload (pretty JSON or the text as it is)."""
        kind = "JSON" if is_json else "text, not JSON"
        self.payload_title.setText(f"{title} ({kind})" if text else title)
        self.payload_view.setPlainText(text)
        self.payload_copy.setEnabled(bool(text))

    def show_export(self, running: bool, text: str = "") -> None:
        """Shows or hides the export progress row."""
        self.export_bar.setVisible(running)
        self.export_label.setText(text)
        self.export_label.setToolTip(text)  # the row's room may cut it
        self.export_action.setEnabled(not running)
        if running:
            self.export_progress.setRange(0, 0)
            self.export_progress.setValue(0)
