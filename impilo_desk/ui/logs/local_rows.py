"""The Logs tab's local part: the filters Impilo lacks, sorting, and the source line.

It decides, before each load, whether the page comes from Impilo or the local copy
(:class:`~impilo_desk.ui.logs.source.LogsSource`), refuses in a sentence what only the copy can
do when the copy cannot serve the range, and reloads when a sync changed what the copy holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from impilo_desk.ui.logs.model import LogColumn
from impilo_desk.ui.logs.source import LOCAL, LogsSource, Plan

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.client.ports import LogsApi
    from impilo_desk.contract import Page, WebhookLog
    from impilo_desk.services.log_mirror import SyncStatus
    from impilo_desk.services.log_mirror.search import LocalFilters, LogSort
    from impilo_desk.session import Session
    from impilo_desk.ui.logs.controller import LogsController

SORT_OF_COLUMN = {
    LogColumn.CREATED: "created",
    LogColumn.WEBHOOK_ID: "webhook",
    LogColumn.TYPE: "type",
    LogColumn.URL: "url",
    LogColumn.STATUS: "status",
    LogColumn.RETRIES: "retries",
    LogColumn.LAST_RETRY: "last_retry",
    LogColumn.STATE: "state",
}
LOCAL_ONLY_TIP = "Not with the webhook, URL, patient or text filters: Impilo has none of them."


class LocalRows:
    """Runs the Logs tab's local filters and sorting for its controller.

    Args:
        controller: The tab's controller (its view, model and loads).
    """

    def __init__(self, controller: LogsController) -> None:
        self._controller = controller
        view = controller.view
        self.source = LogsSource(controller.model.clock, controller.model.times)
        self.capped = False  # the page's count stopped at the cap ("more than")
        self._local: LocalFilters | None = None
        self._sort: LogSort | None = None
        self._plan = Plan(None)
        view.local_filters.changed.connect(controller.filters_changed)
        view.local_filters.use_copy_clicked.connect(self._use_copy_dates)
        view.table.horizontalHeader().sortIndicatorChanged.connect(self._sort_changed)

    def bind(self, session: Session | None) -> None:
        """Follows ``session``'s local copy (or none)."""
        self.source.bind(session, self._mirror_status)
        self.capped = False
        self.show_source()

    # -- what the controller asks ----------------------------------------------------------------

    def read(self) -> bool:
        """Reads the local filters and the sort; False (said in the banner) when one is bad."""
        from impilo_desk.services.log_mirror.search import LogSort

        view = self._controller.view
        try:
            self._local = view.local_filters.values()
        except ValueError as exc:
            view.banner.show_error(str(exc))
            return False
        header = view.table.horizontalHeader()
        column = SORT_OF_COLUMN.get(LogColumn(header.sortIndicatorSection()), "created")
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        self._sort = LogSort(column, descending)
        return True

    def from_copy(self) -> bool:
        """Whether the page planned (or shown) comes from the local copy."""
        return self._plan.origin == LOCAL

    def filtered(self) -> bool:
        """Whether a local filter is set."""
        return self._local is not None and self._local.any()

    def refused(self, filters: LogFilters | None) -> bool:
        """Plans the next page; when it cannot be shown, says why, shows no rows: True."""
        from impilo_desk.services.log_mirror.search import LocalFilters, LogSort

        controller, view = self._controller, self._controller.view
        local, sort = self._local or LocalFilters(), self._sort or LogSort()
        self._plan = self.source.plan(filters, local, sort)
        self._show_note(filters)
        local_only = self.filtered()
        for action in (view.curl_action, view.export_action):
            action.setEnabled(not local_only and controller.api is not None)
            action.setToolTip(LOCAL_ONLY_TIP if local_only else "")
        if self._plan.origin is not None:
            return False
        controller.model.set_records([])
        self.source.clear()
        self.capped = False
        controller.total = controller.pages = 0
        view.show_position(1, 0, 0)
        view.show_message(self._plan.refusal)
        view.show_payload("Payload: select a row to see what was sent", "", False)
        self.show_source()
        return True

    async def fetch(
        self, api: LogsApi, filters: LogFilters | None, page: int, size: int
    ) -> Page[WebhookLog]:
        """The page, from where :meth:`refused` planned."""
        from impilo_desk.contract import Page
        from impilo_desk.services.log_mirror.search import LocalFilters, LogSort

        if self._plan.origin != LOCAL:
            self.capped = False
            return await api.list_logs(filters, page=page, size=size)
        found = await self.source.fetch_local(
            filters, self._local or LocalFilters(), self._sort or LogSort(), page, size
        )
        self.capped = found.capped
        return Page(content=found.rows, total=found.total, page=page, size=size)

    def shown(self) -> None:
        """The planned page is shown."""
        if self._plan.origin is not None:
            self.source.shown(self._plan.origin, self._plan.whole_copy)
        self.show_source()

    def show_source(self) -> None:
        """Writes the source line again (its "… s ago" moves on)."""
        self._controller.view.show_source(self.source.text())

    # -- events ------------------------------------------------------------------------------

    def show_note_for(self, start: datetime | None) -> None:
        """Says the note for a "Created from" of ``start`` alone (other filters are invalid)."""
        from impilo_desk.client import LogFilters

        self._show_note(LogFilters(start=start))

    def _show_note(self, filters: LogFilters | None) -> None:
        note, offer = self.source.note(filters)
        self._controller.view.local_filters.show_note(note, offer)

    def _sort_changed(self, _section: int, _order: Qt.SortOrder) -> None:
        self._controller.filters_changed()

    def _would_be_local(self, filters: LogFilters | None) -> bool:
        from impilo_desk.services.log_mirror.search import LocalFilters, LogSort

        local, sort = self._local or LocalFilters(), self._sort or LogSort()
        return self.source.plan(filters, local, sort).origin == LOCAL

    def _use_copy_dates(self) -> None:
        self._controller.view.filters.created_from.set_value(self.source.copy_start())

    def _mirror_status(self, status: SyncStatus) -> None:
        """A sync ended: the copy may cover the range now (or not), or hold newer rows."""
        controller = self._controller
        if status.phase not in ("synced", "failed"):
            self.show_source()
            return
        filters = controller.filters
        was_local = self._plan.origin == LOCAL
        if status.phase == "synced" and (was_local or self._would_be_local(filters)):
            controller.load(controller.page, keep=True)
        elif self._plan.refusal:  # refused: its sentence may change (the sync failed)
            controller.load(controller.page)
        else:
            self._show_note(filters)
            self.show_source()
