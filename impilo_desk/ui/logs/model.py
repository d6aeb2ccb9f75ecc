"""The table model of delivery-log records, with a delivery-state column that counts down."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.status_icons import status_icon
from impilo_desk.ui.kit.table_model import NamedColumnsModel, TitledColumn

if TYPE_CHECKING:  # the contract (pydantic) loads after the first paint
    from impilo_desk.contract import DeliveryState, WebhookLog

_Index = QModelIndex | QPersistentModelIndex
Clock = Callable[[], datetime]


class LogColumn(TitledColumn):
    """The model's columns, by name, with their titles."""

    CREATED = 0, "Created"
    WEBHOOK_ID = 1, "Webhook"
    TYPE = 2, "Event type"
    URL = 3, "URL"
    STATUS = 4, "Last status"
    RETRIES = 5, "Retries"
    LAST_RETRY = 6, "Last retry"
    STATE = 7, "Delivery state"


_RIGHT = {int(LogColumn.WEBHOOK_ID), int(LogColumn.STATUS), int(LogColumn.RETRIES)}
# Plain ints: data() runs for every visible cell and role, and enum lookups cost there.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_STATE = int(LogColumn.STATE)
# The roles answered; Qt asks each painted cell for about ten (font, colours, size, check…).
_SERVED = frozenset((_DISPLAY, _ACCESSIBLE, _DECORATION, _TOOLTIP, _ALIGNMENT))
_COLUMNS = len(LogColumn)

# A glyph and a status colour per phase: the shape tells the state without the colour.
_GLYPHS: dict[str, tuple[str, str]] = {
    "delivered": ("✓", "ok"),
    "retrying": ("↻", "warning"),
    "failed": ("✕", "error"),
    "pending": ("…", "muted"),
}


def state_icons(size: int = 16, dark: bool = False) -> dict[str, QIcon]:
    """One small icon per delivery phase: a distinct glyph on a disc, light palette or dark."""
    return {phase: status_icon(glyph, kind, dark, size) for phase, (glyph, kind) in _GLYPHS.items()}


def local_time(
    value: datetime | None, times: TimeDisplay | None = None, now: datetime | None = None
) -> str:
    """A timestamp by the app's one rule (``times``; default local time): ``""`` for none.

    The zone is always shown, the date whenever it is not ``now``'s day.
    """
    if value is None:
        return ""
    return (times or TimeDisplay()).moment(value, now)


def describe_state(state: DeliveryState, now: datetime, times: TimeDisplay | None = None) -> str:
    """The state cell: "Delivered", "Retry 2 of 3 at 14:05:10 CET (in 4m 10s)", "Failed…".

    A retry more than a few seconds past its due time "was due at 14:05:10 CET": the record was
    read before, and whether the retry ran since only a refresh can tell (:func:`state_tip`).
    """
    from impilo_desk.contract import MAX_RETRIES, DeliveryPhase
    from impilo_desk.contract.retry import format_duration

    if state.phase is not DeliveryPhase.RETRYING or state.next_retry_at is None:
        return state.describe(now)
    due = state.next_retry_at
    at = local_time(due, times, now)
    retry = f"Retry {state.next_retry} of {MAX_RETRIES}"
    if state.past_due(now):
        return f"{retry} was due at {at}"
    left = due - now
    when = "due now" if left <= timedelta(0) else f"in {format_duration(left)}"
    return f"{retry} at {at} ({when})"


def state_tip(state: DeliveryState, now: datetime) -> str:
    """The state tooltip's line on the next retry: when it is due (UTC); past it, what to do."""
    from impilo_desk.contract import MAX_RETRIES, format_timestamp

    due = state.next_retry_at
    if due is None:
        return ""
    if not state.past_due(now):
        return f"Next retry due {format_timestamp(due)} (UTC)"
    return (
        f"Retry {state.next_retry} of {MAX_RETRIES} was due {format_timestamp(due)} (UTC) and "
        "had not run when these rows were read. Refresh (F5) to see whether it has run since; "
        "the line below the table says how old the rows are."
    )


class LogsModel(NamedColumnsModel):
    """Log records as rows; :meth:`set_records` replaces them, :meth:`tick` updates the states.

    The delivery state of each row comes from ``contract.delivery_state`` with the retry schedule
    the server uses (scaled by its time scale) and the injected clock. Only the state column
    changes as time passes: :meth:`tick` emits ``dataChanged`` for that column alone.

    Args:
        clock: Returns the current time (aware UTC); tests pass a fixed one.
        icons: Icon per delivery phase value (``delivered``, ``retrying``, ``failed``,
            ``pending``); default: none (the text alone).
        parent: QObject parent.
        times: How times are written (the app's one rule; default local time).
    """

    columns = LogColumn

    def __init__(
        self,
        clock: Clock,
        icons: Mapping[str, QIcon] | None = None,
        parent: Any = None,
        times: TimeDisplay | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.times = times or TimeDisplay()  # the window's one rule for writing times
        self.times.listen(self._times_changed)
        self._icons = dict(icons or {})
        self._rows: list[WebhookLog] = []
        self._schedule: tuple[timedelta, ...] | None = None
        self._now: datetime | None = None
        self._states: list[DeliveryState | None] = []
        self._state_texts: list[str | None] = []
        self._texts: list[list[str] | None] = []
        self._manual: dict[int | None, tuple[str, str]] = {}  # log id -> (note, tooltip)

    # -- contents ---------------------------------------------------------------------------

    def set_records(self, records: Sequence[WebhookLog]) -> None:
        """Replaces every row (cells are formatted when first shown)."""
        self.beginResetModel()
        self._rows = list(records)
        self._states = [None] * len(self._rows)
        self._state_texts = [None] * len(self._rows)
        self._texts = [None] * len(self._rows)
        self._now = self._clock()
        self.endResetModel()

    def set_manual(self, notes: Mapping[int, tuple[str, str]]) -> None:
        """Shows the latest manual redelivery beside Impilo's state: ``{log id: (note, tip)}``.

        The note follows the state ("… · resent 10:32, 200"); the tip (target, error) is the
        state cell's tooltip. Rows not in ``notes`` show Impilo's state alone.
        """
        self._manual = {key: value for key, value in notes.items()}
        self._refresh_states()

    def set_schedule(self, schedule: Sequence[timedelta]) -> None:
        """Uses the server's (scaled) retry schedule for the state column."""
        self._schedule = tuple(schedule)
        self._refresh_states()

    def set_icons(self, icons: Mapping[str, QIcon]) -> None:
        """Shows ``icons`` (per delivery phase) from now on: the palette changed."""
        self._icons = dict(icons)
        self._refresh_states()

    def icon_of(self, phase: str) -> QIcon | None:
        """The icon shown beside a delivery state of ``phase`` (None: none)."""
        return self._icons.get(phase)

    def tick(self) -> None:
        """Reads the clock again and updates the state column (countdowns)."""
        self._now = self._clock()
        self._refresh_states()

    def clock(self) -> datetime:
        """The model's clock: the current time (aware UTC)."""
        return self._clock()

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
        text = self._state_texts[row]
        if text is None:
            text = describe_state(self.state_at(row), self._current(), self.times)
            manual = self._manual.get(self._rows[row].id) if self._manual else None
            if manual is not None:
                text = f"{text} · {manual[0]}"
            self._state_texts[row] = text
        return text

    def _current(self) -> datetime:
        if self._now is None:
            self._now = self._clock()
        return self._now

    def _times_changed(self) -> None:
        """The user switched local time / UTC: every time cell is written again."""
        if not self._rows:
            return
        self._texts = [None] * len(self._rows)
        self._state_texts = [None] * len(self._rows)
        self.dataChanged.emit(
            self.index(0, 0), self.index(len(self._rows) - 1, len(LogColumn) - 1), [_DISPLAY]
        )

    def _refresh_states(self) -> None:
        if not self._rows:
            return
        self._states = [None] * len(self._rows)
        self._state_texts = [None] * len(self._rows)
        column = _STATE
        self.dataChanged.emit(
            self.index(0, column),
            self.index(len(self._rows) - 1, column),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole],
        )

    # -- Qt model API -----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows under ``parent`` (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, icon, tooltip or alignment."""
        if role not in _SERVED:  # before the index is asked: each call to it costs on the loop
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None  # also an invalid index (row -1)
        column = index.column()
        if role in (_DISPLAY, _ACCESSIBLE):
            if column == _STATE:
                return self.state_text(row)
            texts = self._texts[row]
            if texts is None:
                record = self._rows[row]
                now = self._current()
                texts = self._texts[row] = [
                    _cell_text(record, c, self.times, now) for c in LogColumn
                ]
            return texts[column]
        if role == _DECORATION:
            return self._icons.get(self.state_at(row).phase.value) if column == _STATE else None
        if role == _TOOLTIP:
            return self._tooltip(row, LogColumn(column))
        if role == _ALIGNMENT and column in _RIGHT:
            return _ALIGN_RIGHT
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
            # the cell's text first: a narrow column cuts it
            tips = [self.state_text(row)]
            due = state_tip(state, self._current())
            if due:
                tips.append(due)
            manual = self._manual.get(record.id)
            if manual is not None:
                tips.append(manual[1])
            return "\n".join(tips)
        return None


def _cell_text(record: WebhookLog, column: LogColumn, times: TimeDisplay, now: datetime) -> str:
    match column:
        case LogColumn.CREATED:
            return local_time(record.createTimestamp, times, now)
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
            return local_time(record.lastRetryTimestamp, times, now)
    return ""


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
