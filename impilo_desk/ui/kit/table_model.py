"""The base of the app's table models: flat tables whose columns are named once."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, ClassVar, Self

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class TitledColumn(IntEnum):
    """A table's columns by name, each with its header title: ``STEP = 0, "Step"``.

    ``Column(n)`` finds a column by its number, as for any ``IntEnum``.
    """

    title: str

    def __new__(cls, value: int, title: str = "") -> Self:
        """A column numbered ``value`` whose header reads ``title``."""
        member = int.__new__(cls, value)
        member._value_ = value
        member.title = title
        return member


class NamedColumnsModel(QAbstractTableModel):
    """A flat table model whose column count and header titles come from one list.

    Subclasses name their :class:`TitledColumn` enum in ``columns`` (or, for columns that
    change, override :meth:`column_titles`), and give the usual ``rowCount`` and ``data``.
    """

    columns: ClassVar[type[TitledColumn] | None] = None
    _column_titles: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.columns is not None:  # once per class: views ask for the count very often
            cls._column_titles = tuple(column.title for column in cls.columns)

    def column_titles(self) -> Sequence[str]:
        """The columns' titles, in order."""
        return self._column_titles

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Columns under ``parent`` (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self.column_titles())

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        titles = self.column_titles()
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(titles)
        ):
            return titles[section]
        return None
