"""The Events table: rows read from the event store a page at a time, new ones at their place."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.palette import marker_background
from impilo_desk.ui.kit.table_model import Index, NamedColumnsModel, TitledColumn

if TYPE_CHECKING:
    from impilo_desk.services.event_store import Key, Listed

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_ROLES_ANSWERED = frozenset({_DISPLAY, _BACKGROUND, _TOOLTIP, _ACCESSIBLE})
_RECEIVED_KEPT = 10_000  # seconds whose Received text is kept (cleared when full)


class EventColumn(TitledColumn):
    """The Events table's columns."""

    RECEIVED = 0, "Received"
    TYPE = 1, "Type"
    PATIENT = 2, "Patient"
    EVENT_ID = 3, "Impilo event id"
    SEQ = 4, "Relay seq"
    SOURCE = 5, "Source"
    FORWARDED = 6, "Forwarded"


_FORWARDED = int(EventColumn.FORWARDED)


def format_received(at: datetime, times: TimeDisplay | None = None) -> str:
    """Date, time and zone, in the zone of the app's one rule (``times``; default local)."""
    return (times or TimeDisplay()).moment(at, always_date=True)


def format_patient(name: str, patient_id: int | None) -> str:
    """``Name (#id)``, the name alone, ``#id`` alone, or nothing."""
    pid = f"#{patient_id}" if patient_id is not None else ""
    if name and pid:
        return f"{name} ({pid})"
    return name or pid


def received_text(row: Listed, times: TimeDisplay | None = None) -> str:
    """When the row was received, as :func:`format_received` writes it."""
    return format_received(row.received_at, times)


def patient_text(row: Listed) -> str:
    """The row's patient, as :func:`format_patient` writes it."""
    return format_patient(row.patient_name, row.patient_id)


class EventsModel(NamedColumnsModel):
    """Rows newest first: pages appended as the view scrolls, new rows at their place.

    The model never reads the store itself: when the view wants more it emits
    ``more_wanted``, and the controller reads the next page off the Qt thread.

    Signals:
        more_wanted(): The view scrolled to the end and more rows exist.
    """

    columns = EventColumn
    more_wanted = Signal()

    def __init__(self, parent: QObject | None = None, times: TimeDisplay | None = None) -> None:
        super().__init__(parent)
        self.times = times or TimeDisplay()  # the app's one rule for writing times
        self.times.listen(self._times_changed)
        self.rows: list[Listed] = []
        self._keys: list[tuple[float, int]] = []  # negated keys, ascending (for bisect)
        self._ids: set[tuple[float, int]] = set()
        self._placed: dict[int, tuple[float, int]] = {}  # an event's id: its negated key
        self.more = False
        self.fetching = False
        self.forwarded: dict[int, str] = {}
        self._texts: dict[Key, tuple[str, ...]] = {}  # each loaded row's cell texts, once
        self._received: dict[int, str] = {}  # a whole second's Received text
        # amber: a place where events may be missing (under the palette's text, light or dark)
        self.marker_brush = QBrush(marker_background(False))

    def set_dark(self, dark: bool) -> None:
        """Marks rows in the colour that reads on a dark (or light) palette."""
        brush = QBrush(marker_background(dark))
        if brush.color() != self.marker_brush.color():
            self.marker_brush = brush
            if self.rows:
                last = self.index(len(self.rows) - 1, self.columnCount() - 1)
                self.dataChanged.emit(self.index(0, 0), last, [_BACKGROUND])

    # -- Qt's interface ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows loaded."""
        return 0 if parent.isValid() else len(self.rows)

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802 - Qt API
        """Whether older rows exist and none are being read."""
        return not parent.isValid() and self.more and not self.fetching

    def fetchMore(self, parent: Index) -> None:  # noqa: N802 - Qt API
        """Asks the controller for the next page."""
        if self.canFetchMore(parent):
            self.fetching = True
            self.more_wanted.emit()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Texts, a marker's colour and sentence."""
        # Every repaint asks each visible cell for about ten roles: answer the ones this
        # model has no value for first, and the texts from a per-row cache, so a redraw
        # under a live load costs little of the loop.
        if role not in _ROLES_ANSWERED:
            return None
        n = index.row()
        if not 0 <= n < len(self.rows) or not index.isValid():
            return None
        row = self.rows[n]
        if role == _DISPLAY:
            return self._cell_text(row, index.column())
        if not row.marker:
            return None
        if role == _BACKGROUND:
            return self.marker_brush
        if role == _TOOLTIP:
            return row.text
        return f"Marker: {row.text}"  # the accessible text

    def cell(self, n: int, column: int) -> tuple[str, QBrush | None]:
        """The text and background of a cell, in one call (for ``TextCellDelegate``)."""
        if not 0 <= n < len(self.rows):
            return "", None
        row = self.rows[n]
        return self._cell_text(row, column) or "", self.marker_brush if row.marker else None

    def _cell_text(self, row: Listed, column: int) -> str | None:
        if column == _FORWARDED and not row.marker:
            return self.forwarded.get(row.envelope_id or 0, "")
        texts = self._texts.get(row.key)
        if texts is None:
            texts = self._texts[row.key] = self._row_texts(row)
        return texts[column] if 0 <= column < len(texts) else None

    def _row_texts(self, row: Listed) -> tuple[str, ...]:
        """The row's texts in column order (the Forwarded text is read live, not kept)."""
        received = self._received_text(row.received_at)
        if row.marker:
            return (received, "⚠ " + row.text, "", "", "", row.source, "")
        seq = "" if row.seq is None else str(row.seq)
        return (received, row.type, patient_text(row), str(row.envelope_id), seq, row.source, "")

    def _received_text(self, at: datetime) -> str:
        # Every row of a flush was received within the same second or two, and the text
        # shows whole seconds: written once per second, not once per row (a paint of new
        # rows spent about 40 us a row on it).
        second = math.floor(at.timestamp())
        text = self._received.get(second)
        if text is None:
            if len(self._received) >= _RECEIVED_KEPT:
                self._received.clear()
            text = self._received[second] = format_received(at, self.times)
        return text

    # -- what the controller does ------------------------------------------------------------
    def _times_changed(self) -> None:
        """The user switched local time / UTC: the Received cells are written again."""
        self._texts.clear()
        self._received.clear()
        if self.rows:
            column = EventColumn.RECEIVED
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def reset(self, rows: Sequence[Listed], more: bool) -> None:
        """Shows ``rows`` (the first page) instead of what was shown."""
        self.beginResetModel()
        self._texts.clear()
        self.rows = list(rows)
        self._keys = [(-r.key[0], -r.key[1]) for r in self.rows]
        self._ids = set(self._keys)
        self._placed = {r.key[1]: (-r.key[0], -r.key[1]) for r in self.rows if not r.marker}
        self.more = more
        self.fetching = False
        self.endResetModel()

    def has(self, key: Key) -> bool:
        """Whether the row at ``key`` is loaded."""
        return (-key[0], -key[1]) in self._ids

    @property
    def last_key(self) -> Key | None:
        """The key of the oldest row shown (where the next page starts)."""
        return self.rows[-1].key if self.rows else None

    def append_page(self, rows: Sequence[Listed], more: bool) -> None:
        """Adds the next (older) page at the end."""
        fresh = [r for r in rows if (-r.key[0], -r.key[1]) not in self._ids]
        self.fetching = False
        self.more = more
        if not fresh:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
        for r in fresh:
            key = (-r.key[0], -r.key[1])
            self.rows.append(r)
            self._keys.append(key)
            self._ids.add(key)
            if not r.marker:
                self._placed[r.key[1]] = key
        self.endInsertRows()

    def insert_new(self, rows: Sequence[Listed]) -> int:
        """Puts new rows at their place by time; returns how many were inserted.

        A row older than every row shown, while older pages are still unread, is left to
        those pages. Selection and current row follow their rows (Qt's persistent indexes).
        Rows that land between the same two shown rows go in with one insert, so a flush
        costs the view one or two inserts however many rows it brings (a row at a time was
        most of a long stall under a live load).
        """
        fresh = sorted(
            {
                (-r.key[0], -r.key[1]): r for r in rows if (-r.key[0], -r.key[1]) not in self._ids
            }.items()
        )  # newest first
        blocks: dict[int, list[tuple[tuple[float, int], Listed]]] = {}
        for key, r in fresh:
            at = bisect.bisect_left(self._keys, key)
            if at == len(self.rows) and self.more:
                continue
            blocks.setdefault(at, []).append((key, r))
        inserted = 0
        for at in sorted(blocks, reverse=True):  # lowest first: the places above stay put
            block = blocks[at]  # newest first, as the rows
            self.beginInsertRows(QModelIndex(), at, at + len(block) - 1)
            self.rows[at:at] = [r for _, r in block]
            self._keys[at:at] = [k for k, _ in block]
            self._ids.update(k for k, _ in block)
            self._placed.update((r.key[1], k) for k, r in block if not r.marker)
            self.endInsertRows()
            inserted += len(block)
        return inserted

    def trim(self, keep: int) -> None:
        """Drops rows beyond the first ``keep`` (they are read again when scrolled to)."""
        if len(self.rows) <= keep:
            return
        self.beginRemoveRows(QModelIndex(), keep, len(self.rows) - 1)
        for key in self._keys[keep:]:
            self._ids.discard(key)
            if self._placed.get(-key[1]) == key:  # an event's (a marker's id is < 0)
                del self._placed[-key[1]]
            self._texts.pop((-key[0], -key[1]), None)
        del self.rows[keep:]
        del self._keys[keep:]
        self.more = True
        self.endRemoveRows()

    def set_forwarded(self, envelope_id: int, text: str) -> None:
        """Shows the forward result of an event (if its row is loaded)."""
        self.forwarded[envelope_id] = text
        key = self._placed.get(envelope_id)
        if key is None:
            return
        n = bisect.bisect_left(self._keys, key)  # found by its place, not a scan of every row
        if n < len(self._keys) and self._keys[n] == key:
            index = self.index(n, EventColumn.FORWARDED)
            self.dataChanged.emit(index, index)

    def listed(self, n: int) -> Listed | None:
        """The row at ``n`` (None out of range)."""
        return self.rows[n] if 0 <= n < len(self.rows) else None
