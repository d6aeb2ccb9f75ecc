"""The table model of webhooks: id, type, URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from impilo_desk.ui.kit.table_model import NamedColumnsModel, TitledColumn

if TYPE_CHECKING:  # the contract (pydantic) loads after the first paint
    from impilo_desk.contract import Webhook

_Index = QModelIndex | QPersistentModelIndex


class WebhookColumn(TitledColumn):
    """The model's columns, by name, with their titles."""

    ID = 0, "ID"
    TYPE = 1, "Event type"
    URL = 2, "URL"


class WebhooksModel(NamedColumnsModel):
    """Webhooks as rows; :meth:`set_webhooks` replaces them all."""

    columns = WebhookColumn

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Webhook] = []

    def set_webhooks(self, webhooks: list[Webhook]) -> None:
        """Replaces every row."""
        self.beginResetModel()
        self._rows = list(webhooks)
        self.endResetModel()

    def webhooks(self) -> list[Webhook]:
        """Every row, in order."""
        return list(self._rows)

    def webhook_at(self, row: int) -> Webhook | None:
        """The webhook of ``row``, or None when out of range."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, webhook_id: int | None) -> int:
        """The row of the webhook with ``webhook_id``, or -1."""
        for row, hook in enumerate(self._rows):
            if hook.id == webhook_id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows under ``parent`` (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, tooltip or alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        hook = self._rows[index.row()]
        column = WebhookColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column is WebhookColumn.ID:
                return "" if hook.id is None else str(hook.id)
            return hook.type if column is WebhookColumn.TYPE else hook.url
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is WebhookColumn.TYPE:
                from impilo_desk.contract import EVENT_TYPES

                known = EVENT_TYPES.get(hook.type)
                return known.description if known else "An event type this app does not know."
            return hook.url if column is WebhookColumn.URL else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column is WebhookColumn.ID:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
