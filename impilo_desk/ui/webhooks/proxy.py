"""The Webhooks table as the user arranged it: sorted by any column, filtered on type or URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt

from impilo_desk.ui.webhooks.model import FILTER_ROLE, SORT_ROLE, WebhookColumn, WebhooksModel

if TYPE_CHECKING:
    from impilo_desk.contract import Webhook


class WebhooksProxy(QSortFilterProxyModel):
    """Sorts the webhooks by each column's meaning and keeps those whose type or URL matches.

    Sorting uses the model's ``SORT_ROLE`` (state by severity, rates as numbers, times in
    order); the filter is plain text, case-insensitive, matched against type and URL.
    Rows of the view (this model) and of the source (``WebhooksModel``) differ once sorted or
    filtered: :meth:`source_row` and :meth:`view_row` map between them.
    """

    def __init__(self, source: WebhooksModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(WebhookColumn.TYPE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)  # new health figures re-sort the rows

    def source(self) -> WebhooksModel:
        """The model of every webhook."""
        source = self.sourceModel()
        assert isinstance(source, WebhooksModel)  # set once, in __init__
        return source

    def source_row(self, view_row: int) -> int:
        """The source row shown at ``view_row``, or -1."""
        if not 0 <= view_row < self.rowCount():
            return -1
        return self.mapToSource(self.index(view_row, 0)).row()

    def view_row(self, source_row: int) -> int:
        """Where the source row ``source_row`` is shown, or -1 (filtered out or none)."""
        source = self.source()
        if not 0 <= source_row < source.rowCount():
            return -1
        index = self.mapFromSource(source.index(source_row, 0))
        return index.row() if index.isValid() else -1

    def webhook_at(self, view_row: int) -> Webhook | None:
        """The webhook shown at ``view_row``, or None."""
        return self.source().webhook_at(self.source_row(view_row))

    def filtered(self) -> bool:
        """Whether a filter is set."""
        return bool(self.filterRegularExpression().pattern())
