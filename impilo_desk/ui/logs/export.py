"""Export of every record the Logs tab's filters match (all pages), with progress and cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.export_run import ExportRun
from impilo_desk.ui.kit.tasks import TaskOwner

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.client.ports import LogsApi
    from impilo_desk.contract import WebhookLog
    from impilo_desk.ui.logs.view import LogsTab

EXPORT_PAGE_SIZE = 250
MAX_EXPORT_PAGES = 40_000  # 10 million records: bounded, far above any real log
_FILTERS = {"CSV (*.csv)": "csv", "JSON Lines (*.jsonl)": "jsonl"}


async def matching_pages(
    api: LogsApi,
    filters: LogFilters | None,
    size: int,
    on_total: Callable[[int | None], None],
) -> AsyncGenerator[Sequence[WebhookLog], None]:
    """Every page the filters match, first to last, without repeating a record.

    New deliveries logged while walking push older ones onto later pages (the log is newest
    first); a record seen on an earlier page is skipped rather than written twice.
    """
    from impilo_desk.client.paging import paginate  # the client loads after the first paint

    seen: set[int] = set()
    pages = paginate(
        lambda n: api.list_logs(filters, page=n, size=size), size=size, max_pages=MAX_EXPORT_PAGES
    )
    first = True
    async for page in pages:
        if first:
            on_total(page.total)
            first = False
        fresh = [r for r in page.content if r.id is None or r.id not in seen]
        seen.update(r.id for r in fresh if r.id is not None)
        if fresh:
            yield fresh


class LogsExporter(ExportRun):
    """Runs one export at a time; shows its progress in the tab; cancel stops it cleanly.

    The file is written by ``services.log_export`` and appears only when complete.

    Signals:
        progress(int, int): Records written so far, and the total expected (0: unknown).
        finished(int, str): The export wrote this many records to this path.
        failed(str): The export failed; the sentence says why.
        cancelled(): The export was cancelled; no file was written.

    Args:
        view: The tab.
        api: Returns the current client (None without a session).
        filters: Returns the current filters.
        parent: QObject parent.
    """

    progress = Signal(int, int)

    def __init__(
        self,
        view: LogsTab,
        api: Callable[[], LogsApi | None],
        filters: Callable[[], LogFilters | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(view, parent)
        self.view = view
        self._api = api
        self._filters = filters
        self.page_size = EXPORT_PAGE_SIZE

    def ask_and_export(self, tasks: TaskOwner) -> None:
        """Asks where to save (CSV or JSON Lines), then exports."""
        if self.running or self._api() is None:
            return
        tasks.spawn(self._ask(tasks), name="logs.export-ask")

    async def _ask(self, tasks: TaskOwner) -> None:
        chosen = await self.ask_path("Export the delivery log", _FILTERS, "delivery-log.csv")
        if chosen is not None:
            self.start(tasks, *chosen, self.view.redact_box.isChecked())

    def start(
        self, tasks: TaskOwner, path: Path, fmt: str, redact: bool
    ) -> asyncio.Task[None] | None:
        """Exports every matching record to ``path`` (``fmt`` ``csv`` or ``jsonl``)."""
        api = self._api()
        if api is None or self.running:
            return None
        self.task = tasks.spawn(self._export(api, path, fmt, redact), name="logs.export")
        return self.task

    async def _export(self, api: LogsApi, path: Path, fmt: str, redact: bool) -> None:
        from impilo_desk.services.log_export import ExportFormat, export_logs

        view = self.view
        total: list[int | None] = [None]
        view.show_export(True, f"Exporting to {path.name}…")

        def on_total(value: int | None) -> None:
            total[0] = value
            if value and alive(view):
                view.export_progress.setRange(0, value)

        def on_progress(written: int, _expected: int | None) -> None:
            if alive(view):
                expected = total[0] or 0
                view.export_progress.setValue(min(written, expected) if expected else 0)
                view.export_label.setText(
                    f"Exported {written:,} of {expected:,} records…"
                    if expected
                    else f"Exported {written:,} records…"
                )
            self.progress.emit(written, total[0] or 0)

        pages = matching_pages(api, self._filters(), self.page_size, on_total)
        written = export_logs(
            pages, path, ExportFormat(fmt), redact=redact, on_progress=on_progress
        )
        await self.write(written, pages, path, redact, ("record", "records"))
