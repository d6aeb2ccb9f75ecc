"""The Events tab's controller: pages from the store, live rows, pause, filters.

The store's cap and its pruning are in ``store_cap.py``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QObject, QTimer, Signal

from impilo_desk.ui.events.details import DetailPane
from impilo_desk.ui.events.export import EventsExporter
from impilo_desk.ui.events.forwarding import Forwarding
from impilo_desk.ui.events.markers import marker_sentence
from impilo_desk.ui.events.model import EventsModel
from impilo_desk.ui.events.replay import Replay
from impilo_desk.ui.events.store_cap import StoreCap
from impilo_desk.ui.events.view import EventsTab
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner

if TYPE_CHECKING:  # the services load after the first paint
    from impilo_desk.services.event_store import EventFilter, EventStore, Listed, RelayEvent
    from impilo_desk.services.reading_feed import EventHub
    from impilo_desk.services.sse_base import Gap
    from impilo_desk.session import Session

PAGE = 200
FLUSH_MS = 100  # new events are matched against the filter in one query per tick
FILTER_MS = 250  # typing in a filter reloads once the typing pauses
KEEP_ROWS_FOLLOWING = 2_000  # rows kept loaded while following (older ones are read again)
TRIM_SLACK = 1_000  # ...trimmed back to it once this many more came (one removal, not many)


class EventsController(TabController[EventsTab]):
    """Shows the session's event store in the Events tab and keeps it live.

    Signals:
        loaded(int): The first page for the current filters is shown (rows in it).
        counted(int): The number of matching events is shown.
        arrived(int): This many new rows were put in the table.
        held(int): While paused, this many new rows wait.
        indexed(): The search index covers every stored event.
        pruned(int): Pruning deleted this many events.
        detail_shown(int): The detail pane shows the event with this Impilo id.
        api_ok(), api_failed(str): As for every :class:`TabController` (never emitted here).

    Args:
        view: The tab.
        model: Its table model.
        tasks: Owner of the tasks (replaced per session).
        clock: Now, aware.
        parent: QObject parent.
    """

    loaded = Signal(int)
    counted = Signal(int)
    arrived = Signal(int)
    held = Signal(int)
    indexed = Signal()
    pruned = Signal(int)
    detail_shown = Signal(object)  # an Impilo id passes 2**31: Signal(int) overflowed

    def __init__(
        self,
        view: EventsTab,
        model: EventsModel,
        tasks: TaskOwner,
        clock: Callable[[], datetime],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(view, tasks, parent)
        self.model = model
        self.clock = clock
        self.store: EventStore | None = None
        self.source = "relay"
        self._hub: EventHub | None = None
        self._unlisten: Callable[[], None] | None = None
        self._filter: EventFilter | None = None
        self._gen = 0
        self._arrived: list[int] = []
        self._held_rows: list[Listed] = []
        self._matching = False
        self.count = 0
        self._index_stop: threading.Event | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setObjectName("events-flush")
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._filter_timer = QTimer(self)
        self._filter_timer.setObjectName("events-filter")
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_MS)
        self._filter_timer.timeout.connect(self.reload)
        self.detail = DetailPane(
            view, model, lambda: self.store, self._spawn, self.detail_shown.emit
        )
        self.exporter = EventsExporter(view, model, lambda: self.store, lambda: self._filter, self)
        self.forwarding = Forwarding(view, model, lambda: self._tasks, self)
        self.replay = Replay(
            view,
            self.exporter.selected_ids,
            lambda: self.store,
            lambda: self._tasks,
            lambda exc: self.report_failure(exc, to_status=False),
            self,
        )
        view.filters.changed.connect(self._filter_timer.start)
        view.filters.search_edit.returnPressed.connect(self.reload)
        model.more_wanted.connect(lambda: self._spawn(self._fetch_more(), "events.more"))
        view.pause_action.toggled.connect(self._pause_toggled)
        self.cap = StoreCap(
            view, clock, lambda: self.store, lambda: self._tasks, self._reload, self.pruned.emit
        )
        view.export_selected_action.triggered.connect(
            lambda: self.exporter.ask_and_export(self._tasks, selected=True)
        )
        view.export_all_action.triggered.connect(
            lambda: self.exporter.ask_and_export(self._tasks, selected=False)
        )
        self._set_enabled(False)

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.spawn(coro, name=name)

    def _set_enabled(self, on: bool) -> None:
        for action in (self.view.export_all_action, self.view.export_selected_action):
            action.setEnabled(on)
        self.view.filters.setEnabled(on)

    # -- session -----------------------------------------------------------------------------
    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session``'s event store and relay events, or none."""
        self.set_tasks(tasks)
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._index_stop is not None:
            self._index_stop.set()
        self._flush_timer.stop()
        self._gen += 1
        self._arrived.clear()
        self._held_rows.clear()
        self.view.pause_action.setChecked(False)
        self.view.held_label.clear()
        self.view.count_label.clear()
        self.view.banner.clear()
        self.model.reset([], False)
        self.detail.clear()
        self.forwarding.bind(session)
        hub = session.events if session is not None else None
        self._hub = hub
        self.store = hub.store if hub is not None else None
        self._set_enabled(self.store is not None)
        self.replay.bind(session)
        if session is None or hub is None or self.store is None:
            self.view.count_label.setText("No event store: open a profile with a relay.")
            return
        self.source = getattr(session.profile, "relay_kind", "relay") or "relay"
        from impilo_desk.services.reading_feed import HubListener

        self._unlisten = hub.add_listener(
            HubListener(
                event=self._event, gap=self._gap, reconnected=self._reconnected, lost=self._lost
            )
        )
        tasks.spawn(self._open(self.store), name="events.open")

    async def _open(self, store: EventStore) -> None:
        await self.cap.load(store)
        await self._reload()
        self.cap.start(store)

    def current_filter(self) -> EventFilter:
        """The filter the widgets describe now."""
        from impilo_desk.services.event_store import EventFilter

        bar = self.view.filters
        start, end = bar.time_range(self.clock())
        return EventFilter(
            bar.types(), bar.patient_edit.text().strip(), start, end, bar.search_edit.text()
        )

    def reload(self) -> None:
        """Reads the first page for the current filters again."""
        self._filter_timer.stop()
        if self.store is not None:
            self._tasks.spawn(self._reload(), name="events.reload")

    async def _reload(self) -> None:
        from impilo_desk.services.event_store import SearchSyntaxError

        store = self.store
        if store is None:
            return
        self._gen += 1
        gen = self._gen
        f = self.current_filter()
        if f.start is not None and f.end is not None and f.start >= f.end:
            self.view.filters.range_note.setText("“From” must be before “until”.")
            self._refuse_filter()
            return
        self.view.filters.range_note.clear()
        if f.needs_index and not store.search_ready and not await self._build_index(store):
            return
        if gen != self._gen:
            return
        try:
            rows, count = await asyncio.to_thread(store.page_and_count, f, PAGE)
        except SearchSyntaxError as exc:
            if gen == self._gen and alive(self.view):
                self.view.banner.show_error(str(exc))
                self._refuse_filter()
            return
        if gen != self._gen or not alive(self.view):
            return
        self.view.banner.clear()
        self.view.export_all_action.setEnabled(True)
        if f.text.strip() and not await asyncio.to_thread(store.search_syntax_ok, f):
            self.view.banner.show_info(
                f'“{f.text.strip()}” is not search syntax (words, "a phrase", prefix*, '
                "AND, OR, NOT), so its words were searched as they are."
            )
        self._filter = f
        self._held_rows.clear()
        self.view.held_label.clear()
        self.model.reset(rows, more=len(rows) >= PAGE)
        self.count = count  # read with the rows: new events add to both from here
        self._show_count()
        self.loaded.emit(len(rows))
        self.counted.emit(count)

    def _refuse_filter(self) -> None:
        """Empties the table while a filter cannot be used (unreadable search, empty range).

        Rows left from the filter before would look filtered by the one shown, new events
        would join them, and Export all matches would export them (found under Xvfb).
        """
        self._gen += 1  # a page or live match of the filter before comes too late
        self._filter = None
        self._arrived.clear()
        self._held_rows.clear()
        self.view.held_label.clear()
        self.model.reset([], more=False)
        self.detail.clear()
        self.count = 0
        self.view.count_label.setText("No events shown: correct the filter above.")
        self.view.export_all_action.setEnabled(False)

    def _show_count(self) -> None:
        f = self._filter
        filtered = f is not None and (f.events_only or f.start is not None)
        what = ("matching event" if filtered else "event") + ("" if self.count == 1 else "s")
        text = f"{self.count:,} {what}"
        if self.count == 0:
            text += ": none match these filters" if filtered else ": none received yet"
        self.view.count_label.setText(text)

    async def _build_index(self, store: EventStore) -> bool:
        """Indexes the stored events for search, showing progress; False if it stopped."""
        loop = asyncio.get_running_loop()
        bar = self.view.index_progress
        stop = self._index_stop = threading.Event()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(show, done, total)

        def show(done: int, total: int) -> None:
            if alive(bar):
                bar.setRange(0, max(total, 1))
                bar.setValue(done)

        bar.setRange(0, 0)
        bar.show()
        try:
            ready = await asyncio.to_thread(store.build_search_index, progress, stop)
        finally:
            stop.set()  # a cancelled wait stops the thread after its batch
            if alive(bar):
                bar.hide()
        if ready:
            self.indexed.emit()
        return ready

    async def _fetch_more(self) -> None:
        store, f, key, gen = self.store, self._filter, self.model.last_key, self._gen
        if store is None or f is None:
            self.model.fetching = False
            return
        try:
            rows = await asyncio.to_thread(store.page, f, key, PAGE)
        finally:
            self.model.fetching = False
        if gen == self._gen:
            self.model.append_page(rows, more=len(rows) >= PAGE)

    # -- live --------------------------------------------------------------------------------
    def _event(self, event: RelayEvent) -> None:
        self.forwarding.offer(event)
        self._arrived.append(event.envelope.id)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        if self._matching:  # one query at a time; the next tick takes what came meanwhile
            self._flush_timer.start()
            return
        if not self._arrived or self.store is None or self._filter is None:
            return
        if self._tasks.closed:  # the session is ending (its feed drains): the store has them
            return
        ids, self._arrived = self._arrived, []
        self._matching = True
        self._tasks.spawn(self._match(self.store, self._filter, ids, self._gen), name="events.new")

    async def _match(self, store: EventStore, f: EventFilter, ids: list[int], gen: int) -> None:
        try:
            rows = await asyncio.to_thread(store.matching, f, ids)
        finally:
            self._matching = False
        if gen == self._gen and alive(self.view):
            self._show_new(rows)

    def _show_new(self, rows: list[Listed]) -> None:
        held = {r.key for r in self._held_rows}
        rows = [r for r in rows if not self.model.has(r.key) and r.key not in held]
        self.count += sum(1 for r in rows if not r.marker)  # an event already counted, once
        self._show_count()
        if self.view.pause_action.isChecked():
            self._held_rows += rows
            n = len(self._held_rows)
            self.view.held_label.setText(f"{n:,} new event{'s' if n != 1 else ''}")
            self.held.emit(n)
            return
        inserted = self._insert(rows)
        if self.view.follow_box.isChecked():
            if self.model.rowCount() > KEEP_ROWS_FOLLOWING + TRIM_SLACK:
                self.model.trim(KEEP_ROWS_FOLLOWING)
            self.view.table.scrollToTop()
        self.arrived.emit(inserted)

    def _insert(self, rows: list[Listed]) -> int:
        """Puts new rows in the table; while following, only as many as it keeps loaded.

        A replay after a reconnect can bring thousands at once: all but the newest
        ``KEEP_ROWS_FOLLOWING`` would be trimmed straight after, so they are left to the
        pages read when the user scrolls down (one loop turn never inserts a whole replay).
        """
        if not self.view.follow_box.isChecked() or len(rows) <= KEEP_ROWS_FOLLOWING:
            return self.model.insert_new(rows)
        newest = sorted(rows, key=lambda r: r.key, reverse=True)[:KEEP_ROWS_FOLLOWING]
        inserted = self.model.insert_new(newest)
        self.model.trim(KEEP_ROWS_FOLLOWING)  # what lay below them is read again with the rest
        return inserted

    def _pause_toggled(self, paused: bool) -> None:
        self.view.pause_action.setText("&Resume" if paused else "&Pause")
        if paused:
            return
        rows, self._held_rows = self._held_rows, []
        self.view.held_label.clear()
        current = self.view.table.selectionModel().currentIndex()
        inserted = self._insert(rows) if not current.isValid() else self.model.insert_new(rows)
        if self.view.follow_box.isChecked() and not current.isValid():
            self.view.table.scrollToTop()
        self.arrived.emit(inserted)

    def _gap(self, gap: Gap, at: datetime) -> None:
        self._mark(at, gap.reason, marker_sentence(gap.reason, gap.after, gap.resume_after))

    def _reconnected(self, at: datetime) -> None:
        if self.source != "smee":  # smee's reconnect comes as a gap, with its own sentence
            self._mark(at, "reconnect", marker_sentence("reconnect", None, None))

    def _lost(self, at: datetime) -> None:
        reason = "smee-lost" if self.source == "smee" else "lost"
        self._mark(at, reason, marker_sentence(reason, None, None))

    def _mark(self, at: datetime, reason: str, text: str) -> None:
        store = self.store
        if store is not None:
            self._tasks.spawn(self._write_marker(store, at, reason, text), name="events.marker")

    async def _write_marker(self, store: EventStore, at: datetime, reason: str, text: str) -> None:
        from impilo_desk.services.event_store import Listed

        marker = await asyncio.to_thread(store.add_marker, at, self.source, reason, text)
        f = self._filter
        if f is None or f.events_only or (f.start is not None and at < f.start):
            return
        key = (marker.at.timestamp(), -marker.id)
        self._show_new([Listed(key, at, True, reason, None, "", None, None, self.source, text)])

    def select_row(self, row: int) -> None:
        """Makes ``row`` current and selected (keyboard users and tests)."""
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.view.table.selectionModel().setCurrentIndex(index, flags)

    def window_closing(self) -> None:
        """Stops forwarding and a search-index build (it resumes next time)."""
        self.forwarding.stop()
        if self._index_stop is not None:
            self._index_stop.set()
