"""The table beside every chart: the same snapshot as rows, newest reading first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

# numpy and the contract come with this module, which loads with the charts after the first paint
from impilo_desk.services.reading_series import Snapshot, format_value, meal_text
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.table_model import NamedColumnsModel

_Index = QModelIndex | QPersistentModelIndex

TIME_COLUMN = "time"
MEAL_COLUMN = "meal"
ROW_CACHE = 512  # formatted rows kept: a screenful many times over, and bounded
# Qt asks for about eight roles per cell and paint; compare plain ints, not enum members
_TEXT_ROLES = frozenset(
    {int(Qt.ItemDataRole.DisplayRole.value), int(Qt.ItemDataRole.AccessibleTextRole.value)}
)
_ALIGN_ROLE = int(Qt.ItemDataRole.TextAlignmentRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


class ReadingsTableModel(NamedColumnsModel):
    """One kind's readings as rows: time, then one column per charted value (and the meal).

    Columns are named: :meth:`column_names` lists them (``time``, ``systolic``, … ``meal``) and
    :meth:`column_of` finds one. The values are those of the chart, in the same units. A row is
    formatted once, when first shown, and kept until the next snapshot.
    """

    def __init__(self, parent: Any = None, times: TimeDisplay | None = None) -> None:
        super().__init__(parent)
        self.times = times or TimeDisplay()
        self._snapshot: Snapshot | None = None
        self._names: list[str] = [TIME_COLUMN]
        self._titles: list[str] = [self.times.column_title()]
        self.times.listen(self._times_changed)
        self._rows: dict[int, tuple[str, ...]] = {}
        self._shown = 0  # rows; while rows are being removed, fewer than the snapshot holds

    @property
    def snapshot(self) -> Snapshot | None:
        """What the table shows."""
        return self._snapshot

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Shows ``snapshot`` (the one its chart shows).

        When it only adds newer readings (and drops the oldest) to the one shown, rows are
        inserted at the top and removed at the bottom, so the selection and the rows in view
        stay; anything else (another patient, units, history behind live data) resets.
        """
        old = self._snapshot
        if old is None or old.columns != snapshot.columns or old.epoch != snapshot.epoch:
            self._reset(snapshot)
            return
        dropped = snapshot.first - old.first
        added = snapshot.first + len(snapshot) - (old.first + len(old))
        if dropped < 0 or added < 0 or dropped > len(old):
            self._reset(snapshot)
            return
        if dropped:  # the oldest readings are the last rows
            self.beginRemoveRows(QModelIndex(), len(old) - dropped, len(old) - 1)
            self._show(old, len(old) - dropped)
            self.endRemoveRows()
        if not added:
            self._show(snapshot, len(snapshot))
            return
        self.beginInsertRows(QModelIndex(), 0, added - 1)
        self._show(snapshot, len(snapshot))
        self.endInsertRows()

    def _show(self, snapshot: Snapshot, rows: int) -> None:
        """Shows the newest ``rows`` points of ``snapshot``; formatted rows are now stale."""
        self._snapshot, self._shown, self._rows = snapshot, rows, {}

    def _reset(self, snapshot: Snapshot) -> None:
        self.beginResetModel()
        self._show(snapshot, len(snapshot))
        self._names = [TIME_COLUMN, *(c.name for c in snapshot.columns)]
        self._titles = [self.times.column_title(), *(c.title for c in snapshot.columns)]
        if snapshot.meal is not None:
            self._names.append(MEAL_COLUMN)
            self._titles.append("Meal")
        self.endResetModel()

    def _times_changed(self) -> None:
        """The time rule changed (local or UTC): the time column is written again."""
        self._titles[0] = self.times.column_title()
        self._rows = {}
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, 0))

    def column_names(self) -> list[str]:
        """The columns' names, in order."""
        return list(self._names)

    def column_of(self, name: str) -> int:
        """The index of the column called ``name``, or -1."""
        return self._names.index(name) if name in self._names else -1

    def _point(self, row: int) -> int:
        """The snapshot index of ``row`` (row 0 is the newest reading)."""
        assert self._snapshot is not None
        return len(self._snapshot) - 1 - row

    def row_values(self, row: int) -> tuple[float, dict[str, float]]:
        """The time and values of ``row``, as numbers."""
        snap = self._snapshot
        assert snap is not None
        i = self._point(row)
        return float(snap.t[i]), {c.name: float(snap.values[c.name][i]) for c in snap.columns}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows under ``parent`` (a flat table)."""
        return 0 if parent.isValid() else self._shown

    def column_titles(self) -> Sequence[str]:
        """The columns' titles, in order."""
        return self._titles

    def row_texts(self, row: int) -> tuple[str, ...]:
        """The cells of ``row`` as shown, one per column."""
        texts = self._rows.get(row)
        if texts is None:
            snap = self._snapshot
            assert snap is not None
            i = self._point(row)
            cells = [self.times.moment(float(snap.t[i]))]
            cells += [format_value(float(snap.values[c.name][i]), c.unit) for c in snap.columns]
            if snap.meal is not None:
                cells.append(meal_text(float(snap.meal[i])))
            if len(self._rows) >= ROW_CACHE:
                self._rows.clear()
            texts = self._rows[row] = tuple(cells)
        return texts

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text and alignment."""
        snap = self._snapshot
        if snap is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not 0 <= row < self._shown or not 0 <= column < len(self._names):
            return None
        role = int(role)
        if role in _TEXT_ROLES:
            return self.row_texts(row)[column]
        if role == _ALIGN_ROLE and self._names[column] not in (TIME_COLUMN, MEAL_COLUMN):
            return _RIGHT
        return None
