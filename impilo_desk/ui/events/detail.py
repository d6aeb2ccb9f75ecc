"""The Events tab's detail pane models: the payload as a JSON tree, the headers as a table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from impilo_desk.ui.kit.table_model import Index, NamedColumnsModel, TitledColumn

TREE_MAX_ITEMS = 5_000  # an ECG's samples: the raw text has them all, the tree the first ones


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


class JsonTreeModel(QStandardItemModel):
    """A JSON value as a two-column tree: key, and value (objects and lists collapse)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Key", "Value"])

    def show(self, data: Any) -> None:
        """Shows ``data`` (None: nothing)."""
        self.removeRows(0, self.rowCount())
        if data is None:
            return
        budget = [TREE_MAX_ITEMS]
        root = self.invisibleRootItem()
        if isinstance(data, dict):
            for key, value in data.items():
                self._add(root, str(key), value, budget)
        else:
            self._add(root, "value", data, budget)

    def _add(self, parent: QStandardItem, key: str, value: Any, budget: list[int]) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        name = QStandardItem(key)
        name.setEditable(False)
        if isinstance(value, dict):
            shown = QStandardItem(f"{{{len(value)} fields}}")
            children: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            shown = QStandardItem(f"[{len(value)} items]")
            children = [(f"[{n}]", v) for n, v in enumerate(value)]
        else:
            shown = QStandardItem(_scalar(value))
            children = []
        shown.setEditable(False)
        parent.appendRow([name, shown])
        for child_key, child in children:
            self._add(name, child_key, child, budget)


class HeaderColumn(TitledColumn):
    """The headers table's columns."""

    NAME = 0, "Header"
    VALUE = 1, "Value"


class HeadersModel(NamedColumnsModel):
    """The request headers of an event as the relay received them (never the secret)."""

    columns = HeaderColumn

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.headers: list[tuple[str, str]] = []

    def show(self, headers: dict[str, str]) -> None:
        """Shows ``headers`` sorted by name."""
        self.beginResetModel()
        self.headers = sorted(headers.items())
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Headers shown."""
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The header's name or value."""
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        if not 0 <= index.row() < len(self.headers):
            return None
        return self.headers[index.row()][index.column()]
