"""Export of the selected events or of all matches, with progress and cancel (Events tab)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.export_run import ExportRun
from impilo_desk.ui.kit.tasks import TaskOwner

if TYPE_CHECKING:
    from impilo_desk.services.event_store import EventFilter, EventStore, RelayEvent
    from impilo_desk.ui.events.model import EventsModel
    from impilo_desk.ui.events.view import EventsTab

PAGE = 500
_FILTERS = {"JSON Lines (*.jsonl)": "jsonl", "CSV (*.csv)": "csv"}


class EventsExporter(ExportRun):
    """Runs one export at a time; the file appears only when complete.

    Signals:
        finished(int, str): This many events were written to this path.
        failed(str): The export failed; the sentence says why.
        cancelled(): The export was cancelled; no file was written.

    Args:
        view: The tab.
        model: Its table model (the selection's rows).
        store: Returns the session's store (None without one).
        filters: Returns the filter the table shows.
        parent: QObject parent.
    """

    def __init__(
        self,
        view: EventsTab,
        model: EventsModel,
        store: Callable[[], EventStore | None],
        filters: Callable[[], EventFilter | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(view, parent)
        self.view = view
        self.model = model
        self._store = store
        self._filters = filters

    def selected_ids(self) -> list[int]:
        """The Impilo ids of the selected event rows (markers left out), newest first."""
        rows = sorted({i.row() for i in self.view.table.selectionModel().selectedRows()})
        found = [self.model.listed(r) for r in rows]
        return [r.envelope_id for r in found if r is not None and r.envelope_id is not None]

    def ask_and_export(self, tasks: TaskOwner, *, selected: bool) -> None:
        """Asks where to save (JSON Lines or CSV), then exports."""
        if self.running or self._store() is None:
            return
        if selected and not self.selected_ids():
            self.view.banner.show_info("Select the events to export first (or export all).")
            return
        tasks.spawn(self._ask(tasks, selected), name="events.export-ask")

    async def _ask(self, tasks: TaskOwner, selected: bool) -> None:
        chosen = await self.ask_path("Export events", _FILTERS, "events.jsonl")
        if chosen is not None:
            path, fmt = chosen
            self.start(tasks, path, fmt, self.view.redact_box.isChecked(), selected=selected)

    def start(
        self, tasks: TaskOwner, path: Path, fmt: str, redact: bool, *, selected: bool
    ) -> asyncio.Task[None] | None:
        """Exports the selection (or every match) to ``path`` (``jsonl`` or ``csv``)."""
        store = self._store()
        if store is None or self.running:
            return None
        self.folder.used(path)
        ids = self.selected_ids() if selected else None
        self.task = tasks.spawn(self._export(store, path, fmt, redact, ids), name="events.export")
        return self.task

    async def _pages(
        self, store: EventStore, ids: list[int] | None
    ) -> AsyncGenerator[Sequence[RelayEvent], None]:
        if ids is not None:
            for start in range(0, len(ids), PAGE):
                chunk = ids[start : start + PAGE]
                found = await asyncio.to_thread(store.by_ids, chunk)
                yield [found[i] for i in chunk if i in found]
            return
        f = self._filters()
        if f is None:
            return
        key = None
        while page := await asyncio.to_thread(store.events_page, f, key, PAGE):
            yield [event for _, event in page]
            key = page[-1][0]

    async def _export(
        self, store: EventStore, path: Path, fmt: str, redact: bool, ids: list[int] | None
    ) -> None:
        from impilo_desk.services.event_export import ExportFormat, export_events

        view = self.view
        f = self._filters()
        total = len(ids) if ids is not None else (
            await asyncio.to_thread(store.count_matching, f) if f is not None else 0
        )  # fmt: skip
        view.show_export(True, f"Exporting to {path.name}…")
        view.export_progress.setRange(0, max(total, 1))

        def on_progress(written: int) -> None:
            if alive(view):
                view.export_progress.setValue(min(written, total))
                view.export_label.setText(f"Exported {written:,} of {total:,} events…")

        pages = self._pages(store, ids)
        written = export_events(
            pages, path, ExportFormat(fmt), redact=redact, on_progress=on_progress
        )
        await self.write(written, pages, path, redact, ("event", "events"))
