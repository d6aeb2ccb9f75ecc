"""The base of the app's table models: flat tables whose columns are named once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class NamedColumnsModel(QAbstractTableModel):
    """A flat table model whose column count and header titles come from one list.

    Subclasses give :meth:`column_titles` and the usual ``rowCount`` and ``data``.
    """

    def column_titles(self) -> Sequence[str]:
        """The columns' titles, in order."""
        raise NotImplementedError

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
