"""Export of every record the Logs tab's filters match (all pages), with progress and cancel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.export_dialog import ask_export_path
from impilo_desk.ui.kit.save_folder import SaveFolder
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


class LogsExporter(QObject):
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
    finished = Signal(int, str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        view: LogsTab,
        api: Callable[[], LogsApi | None],
        filters: Callable[[], LogFilters | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self._api = api
        self._filters = filters
        self.page_size = EXPORT_PAGE_SIZE
        self.task: asyncio.Task[None] | None = None
        self.open_dialog: QFileDialog | None = None
        self.folder = SaveFolder()  # documents, then the last folder used
        view.export_cancel.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        """Whether an export is under way."""
        return self.task is not None and not self.task.done()

    def cancel(self) -> None:
        """Cancels the export under way, if any."""
        if self.running and self.task is not None:
            self.task.cancel()

    def ask_and_export(self, tasks: TaskOwner) -> None:
        """Asks where to save (CSV or JSON Lines), then exports."""
        if self.running or self._api() is None:
            return
        tasks.spawn(self._ask(tasks), name="logs.export-ask")

    async def _ask(self, tasks: TaskOwner) -> None:
        chosen = await ask_export_path(
            self.view,
            "Export the delivery log",
            _FILTERS,
            "delivery-log.csv",
            self.folder,
            self._showing,
        )
        if chosen is not None:
            self.start(tasks, *chosen, self.view.redact_box.isChecked())

    def _showing(self, dialog: QFileDialog | None) -> None:
        self.open_dialog = dialog

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
        try:
            written = await export_logs(
                pages, path, ExportFormat(fmt), redact=redact, on_progress=on_progress
            )
        except asyncio.CancelledError:
            if alive(view):
                view.show_export(False)
                view.banner.show_info("Export cancelled; no file was written.")
            self.cancelled.emit()
            raise
        except Exception as exc:
            sentence = describe_error(exc)
            if alive(view):
                view.show_export(False)
                view.banner.show_error(f"The export failed, and no file was written. {sentence}")
            self.failed.emit(sentence)
            return
        finally:
            await pages.aclose()
        view.show_export(False)
        what = "record" if written == 1 else "records"
        redacted = " with patient details redacted" if redact else ""
        view.banner.show_info(f"Exported {written:,} {what} to {path}{redacted}.")
        self.finished.emit(written, str(path))
