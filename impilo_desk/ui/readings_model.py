"""The table beside every chart: the same snapshot as rows, newest reading first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from impilo_desk.ui.table_model import NamedColumnsModel

if TYPE_CHECKING:  # numpy and the contract load with the charts, after the first paint
    from impilo_desk.services.reading_series import Snapshot

_Index = QModelIndex | QPersistentModelIndex

TIME_COLUMN = "time"
MEAL_COLUMN = "meal"


class ReadingsTableModel(NamedColumnsModel):
    """One kind's readings as rows: time, then one column per charted value (and the meal).

    Columns are named: :meth:`column_names` lists them (``time``, ``systolic``, … ``meal``) and
    :meth:`column_of` finds one. The values are those of the chart, in the same units.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._names: list[str] = [TIME_COLUMN]
        self._titles: list[str] = ["Time (UTC)"]

    @property
    def snapshot(self) -> Snapshot | None:
        """What the table shows."""
        return self._snapshot

    def set_snapshot(self, snapshot: Snapshot) -> None:
        """Shows ``snapshot`` (the one its chart shows)."""
        self.beginResetModel()
        self._snapshot = snapshot
        self._names = [TIME_COLUMN, *(c.name for c in snapshot.columns)]
        self._titles = ["Time (UTC)", *(c.title for c in snapshot.columns)]
        if snapshot.meal is not None:
            self._names.append(MEAL_COLUMN)
            self._titles.append("Meal")
        self.endResetModel()

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
        if parent.isValid() or self._snapshot is None:
            return 0
        return len(self._snapshot)

    def column_titles(self) -> Sequence[str]:
        """The columns' titles, in order."""
        return self._titles

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text and alignment."""
        snap = self._snapshot
        if snap is None or not index.isValid() or not 0 <= index.row() < len(snap):
            return None
        if not 0 <= index.column() < len(self._names):
            return None
        from impilo_desk.services.reading_series import format_time, format_value, meal_text

        name = self._names[index.column()]
        i = self._point(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if name == TIME_COLUMN:
                return format_time(float(snap.t[i])).replace("T", " ").rstrip("Z")
            if name == MEAL_COLUMN:
                return meal_text(None if snap.meal is None else float(snap.meal[i]))
            return format_value(float(snap.values[name][i]))
        if role == Qt.ItemDataRole.TextAlignmentRole and name not in (TIME_COLUMN, MEAL_COLUMN):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
