"""The table model of delivery-log records, with a delivery-state column that counts down."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

if TYPE_CHECKING:  # the contract (pydantic) loads after the first paint
    from impilo_desk.contract import DeliveryState, WebhookLog

_Index = QModelIndex | QPersistentModelIndex
Clock = Callable[[], datetime]


class LogColumn(IntEnum):
    """The model's columns, by name."""

    CREATED = 0
    WEBHOOK_ID = 1
    TYPE = 2
    URL = 3
    STATUS = 4
    RETRIES = 5
    LAST_RETRY = 6
    STATE = 7


_HEADERS = {
    LogColumn.CREATED: "Created",
    LogColumn.WEBHOOK_ID: "Webhook",
    LogColumn.TYPE: "Event type",
    LogColumn.URL: "URL",
    LogColumn.STATUS: "Last status",
    LogColumn.RETRIES: "Retries",
    LogColumn.LAST_RETRY: "Last retry",
    LogColumn.STATE: "Delivery state",
}
_RIGHT = {LogColumn.WEBHOOK_ID, LogColumn.STATUS, LogColumn.RETRIES}

# A glyph and a colour per phase: the shape tells the state without the colour.
_GLYPHS: dict[str, tuple[str, str]] = {
    "delivered": ("✓", "#2e7d32"),
    "retrying": ("↻", "#b26a00"),
    "failed": ("✕", "#c62828"),
    "pending": ("…", "#455a64"),
}


def state_icons(size: int = 16) -> dict[str, QIcon]:
    """One small icon per delivery phase (a distinct glyph on a coloured disc)."""
    icons: dict[str, QIcon] = {}
    for phase, (glyph, colour) in _GLYPHS.items():
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(0, 0, size, size)
        painter.setPen(QColor("#ffffff"))
        font = painter.font()
        font.setBold(True)
        font.setPixelSize(int(size * 0.75))
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
        painter.end()
        icons[phase] = QIcon(pixmap)
    return icons


def local_time(value: datetime | None) -> str:
    """A timestamp in the computer's time zone, to the second; ``""`` for none."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def describe_state(state: DeliveryState, now: datetime) -> str:
    """The state cell: "Delivered", "Retry 2 of 3 at 14:05:10 (in 4m 10s)", "Failed for good…"."""
    from impilo_desk.contract import MAX_RETRIES, DeliveryPhase
    from impilo_desk.contract.retry import format_duration

    if state.phase is not DeliveryPhase.RETRYING or state.next_retry_at is None:
        return state.describe(now)
    due = state.next_retry_at
    at = due.astimezone().strftime("%H:%M:%S")
    left = due - now
    when = "due now" if left <= timedelta(0) else f"in {format_duration(left)}"
    return f"Retry {state.next_retry} of {MAX_RETRIES} at {at} ({when})"


class LogsModel(QAbstractTableModel):
    """Log records as rows; :meth:`set_records` replaces them, :meth:`tick` updates the states.

    The delivery state of each row comes from ``contract.delivery_state`` with the retry schedule
    the server uses (scaled by its time scale) and the injected clock. Only the state column
    changes as time passes: :meth:`tick` emits ``dataChanged`` for that column alone.

    Args:
        clock: Returns the current time (aware UTC); tests pass a fixed one.
        icons: Icon per delivery phase value (``delivered``, ``retrying``, ``failed``,
            ``pending``); default: none (the text alone).
        parent: QObject parent.
    """

    def __init__(
        self,
        clock: Clock,
        icons: Mapping[str, QIcon] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._icons = dict(icons or {})
        self._rows: list[WebhookLog] = []
        self._schedule: tuple[timedelta, ...] | None = None
        self._now: datetime | None = None
        self._states: list[DeliveryState | None] = []
        self._texts: dict[tuple[int, int], str] = {}

    # -- contents ---------------------------------------------------------------------------

    def set_records(self, records: Sequence[WebhookLog]) -> None:
        """Replaces every row (cells are formatted when first shown)."""
        self.beginResetModel()
        self._rows = list(records)
        self._states = [None] * len(self._rows)
        self._texts = {}
        self._now = self._clock()
        self.endResetModel()

    def set_schedule(self, schedule: Sequence[timedelta]) -> None:
        """Uses the server's (scaled) retry schedule for the state column."""
        self._schedule = tuple(schedule)
        self._refresh_states()

    def tick(self) -> None:
        """Reads the clock again and updates the state column (countdowns)."""
        self._now = self._clock()
        self._refresh_states()

    def records(self) -> list[WebhookLog]:
        """Every row, in order."""
        return list(self._rows)

    def record_at(self, row: int) -> WebhookLog | None:
        """The record of ``row``, or None when out of range."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: int | None) -> int:
        """The row of the record with ``record_id``, or -1."""
        if record_id is None:
            return -1
        for row, record in enumerate(self._rows):
            if record.id == record_id:
                return row
        return -1

    def state_at(self, row: int) -> DeliveryState:
        """The delivery state of ``row`` at the model's current time."""
        state = self._states[row]
        if state is None:
            from impilo_desk.contract import RETRY_SCHEDULE, delivery_state

            state = delivery_state(
                self._rows[row], self._current(), self._schedule or RETRY_SCHEDULE
            )
            self._states[row] = state
        return state

    def state_text(self, row: int) -> str:
        """The state cell's text for ``row``."""
        return describe_state(self.state_at(row), self._current())

    def _current(self) -> datetime:
        if self._now is None:
            self._now = self._clock()
        return self._now

    def _refresh_states(self) -> None:
        if not self._rows:
            return
        self._states = [None] * len(self._rows)
        column = int(LogColumn.STATE)
        self.dataChanged.emit(
            self.index(0, column),
            self.index(len(self._rows) - 1, column),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole],
        )

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows under ``parent`` (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Columns under ``parent``."""
        return 0 if parent.isValid() else len(LogColumn)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, icon, tooltip or alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = index.row()
        column = LogColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column is LogColumn.STATE:
                return self.state_text(row)
            key = (row, column)
            text = self._texts.get(key)
            if text is None:
                text = self._texts[key] = _cell_text(self._rows[row], column)
            return text
        if role == Qt.ItemDataRole.DecorationRole and column is LogColumn.STATE:
            return self._icons.get(self.state_at(row).phase.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(LogColumn)
        ):
            return _HEADERS[LogColumn(section)]
        return None

    def _tooltip(self, row: int, column: LogColumn) -> str | None:
        from impilo_desk.contract import format_timestamp

        record = self._rows[row]
        if column is LogColumn.CREATED and record.createTimestamp is not None:
            return f"{format_timestamp(record.createTimestamp)} (UTC); log id {record.id}"
        if column is LogColumn.LAST_RETRY and record.lastRetryTimestamp is not None:
            return f"{format_timestamp(record.lastRetryTimestamp)} (UTC)"
        if column is LogColumn.URL:
            return record.webhookUrl
        if column is LogColumn.STATE:
            state = self.state_at(row)
            if state.next_retry_at is not None:
                return f"Next retry due {format_timestamp(state.next_retry_at)} (UTC)"
        return None


def _cell_text(record: WebhookLog, column: LogColumn) -> str:
    match column:
        case LogColumn.CREATED:
            return local_time(record.createTimestamp)
        case LogColumn.WEBHOOK_ID:
            return _text(record.webhookId)
        case LogColumn.TYPE:
            return record.webhookType or ""
        case LogColumn.URL:
            return record.webhookUrl or ""
        case LogColumn.STATUS:
            status = record.lastResponseStatus
            return "no answer" if status == 0 else _text(status)
        case LogColumn.RETRIES:
            return _text(record.retryAttempts)
        case LogColumn.LAST_RETRY:
            return local_time(record.lastRetryTimestamp)
    return ""


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
