"""The Logs tab's controller: loads pages of the delivery log for the filters, keeps them fresh."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.logs.export import LogsExporter
from impilo_desk.ui.logs.local_rows import LocalRows
from impilo_desk.ui.logs.model import LogsModel
from impilo_desk.ui.logs.view import LogsTab

if TYPE_CHECKING:  # the contract (pydantic) and the client load after the first paint
    from impilo_desk.client import LogFilters
    from impilo_desk.client.ports import LogsApi
    from impilo_desk.contract import Page, WebhookLog
    from impilo_desk.session import Session
    from impilo_desk.ui.logs.redeliver_controller import RedeliverController

LOGS_PATH = "/api/v3/webhook/logs"
COUNTDOWN_MS = 1000
TimeScaleOf = Callable[[str], Awaitable[float]]
"""Asks the server at a base URL for its retry time scale (1 when it has none)."""


class LogsController(TabController[LogsTab]):
    """Decides what the Logs tab does: which page to load, when, and what to show meanwhile.

    Every load is a task owned by the session's :class:`TaskOwner`; a newer request cancels
    and supersedes an older one, and a response that arrives late is dropped. Filter edits
    arrive debounced from the filter bar and go back to page 1. One timer refreshes the
    countdowns of the state column; another (optional) reloads the page, keeping the selected
    record and the scroll position.

    Signals:
        loaded(int): A page with this many rows is shown.
        session_bound(object): The tab now follows this session (or None); the redelivery
            part of the tab follows it too.
        api_ok(), api_failed(str): As for every :class:`TabController`.

    Args:
        view: The tab.
        model: The table model the tab shows.
        tasks: Owner of the tasks (replaced per session by :meth:`set_tasks`).
        time_scale_of: Asks a server for its retry time scale.
        parent: QObject parent.
    """

    loaded = Signal(int)
    session_bound = Signal(object)

    def __init__(
        self,
        view: LogsTab,
        model: LogsModel,
        tasks: TaskOwner,
        time_scale_of: TimeScaleOf,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(view, tasks, parent)
        self.model = model
        self._time_scale_of = time_scale_of
        self._api: LogsApi | None = None
        self._filters: LogFilters | None = None
        self.page = 1
        self.pages = 0
        self.total = 0
        self._generation = 0
        self._filters_invalid = False  # the filter bar says what is wrong; nothing loads
        self._load_task: asyncio.Task[None] | None = None
        self.time_scale = 1.0
        self._hide_unmatched = False  # rows failing a filter Impilo ignored: hidden on request
        self._ignored_shown = False
        self._last_page: tuple[Page[WebhookLog], int, int] | None = None
        self.exporter = LogsExporter(view, lambda: self._api, lambda: self._filters, self)
        self.redeliver: RedeliverController | None = None  # set by the tab's factory
        self.local = LocalRows(self)  # the local copy: filters Impilo lacks, sorting, source
        self.countdown = QTimer(self)
        self.countdown.setObjectName("logs-countdown")
        self.countdown.setInterval(COUNTDOWN_MS)
        self.countdown.timeout.connect(model.tick)
        self.countdown.timeout.connect(self.local.show_source)
        self.auto_refresh = QTimer(self)
        self.auto_refresh.setObjectName("logs-auto-refresh")
        self.auto_refresh.timeout.connect(self._auto_refresh)

        view.refresh_action.triggered.connect(lambda: self.load(self.page, keep=True))
        view.curl_action.triggered.connect(self.copy_curl)
        view.export_action.triggered.connect(lambda: self.exporter.ask_and_export(self._tasks))
        view.filters.changed.connect(self.filters_changed)
        view.filters.status_edit.returnPressed.connect(view.filters.flush)
        view.size_box.currentIndexChanged.connect(lambda _i: self.load(1))
        view.first_button.clicked.connect(lambda: self.load(1))
        view.previous_button.clicked.connect(lambda: self.load(max(1, self.page - 1)))
        view.next_button.clicked.connect(lambda: self.load(self.page + 1))
        view.last_button.clicked.connect(lambda: self.load(max(1, self.pages)))
        view.page_spin.valueChanged.connect(self.load)
        view.auto_box.toggled.connect(self._auto_changed)
        view.auto_interval.valueChanged.connect(lambda _v: self._auto_changed())
        view.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_payload())
        view.payload_copy.clicked.connect(self._copy_payload)
        self.set_session(None)

    # -- session ----------------------------------------------------------------------------

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (its client), or none."""
        self.set_tasks(tasks)
        self.set_session(session)
        self.session_bound.emit(session)

    @property
    def tasks(self) -> TaskOwner:
        """The owner of the session's tasks."""
        return self._tasks

    @property
    def api(self) -> LogsApi | None:
        """The session's client, or None."""
        return self._api

    @property
    def filters(self) -> LogFilters | None:
        """The filters of the rows shown (the last valid ones)."""
        return self._filters

    def set_session(self, session: Session | None) -> None:
        """Switches to another profile's client (or none) and loads page 1."""
        self._api = session.api if session is not None else None
        self.local.bind(session)
        self._generation += 1
        self._load_task = None
        self._hide_unmatched = self._ignored_shown = False
        self._last_page = None
        self.exporter.cancel()
        self.model.set_records([])
        self.view.banner.clear()
        self.view.show_position(1, 0, 0)
        self.view.page_label.setText("")
        self._show_payload()
        api_now = self._api
        connected = api_now is not None
        for action in (self.view.refresh_action, self.view.curl_action, self.view.export_action):
            action.setEnabled(connected)
        if api_now is None:
            self.countdown.stop()
            self.auto_refresh.stop()
            self.view.show_message("Choose a profile to see its delivery log.")
            return
        from impilo_desk.contract import EVENT_TYPES

        self.view.filters.set_types(EVENT_TYPES)
        self._filters = self._read_filters()
        self._filters_invalid = self._filters is None or not self.local.read()
        self.countdown.start()
        self._auto_changed()
        self.view.show_message("Loading the delivery log…")
        from impilo_desk.services.server_info import may_ask_sandbox_info

        ask = session is not None and may_ask_sandbox_info(session.profile.environment)
        self._tasks.spawn(self._begin(api_now, self._generation, ask), name="logs.begin")

    async def _begin(self, api: LogsApi, generation: int, ask_scale: bool) -> None:
        """Learns the server's retry time scale (for the state column), then loads page 1.

        Only a sandbox is asked (``ask_scale``); any other server runs the documented schedule.
        """
        from impilo_desk.contract import scaled_schedule

        scale = await self._time_scale_of(api.base_url) if ask_scale else 1.0
        if api is not self._api or not alive(self.view):
            return
        self.time_scale = scale
        self.model.set_schedule(scaled_schedule(scale))
        if generation == self._generation:  # nothing loaded meanwhile
            if self._filters_invalid:
                self.view.show_message("No rows are shown until the filters are valid.")
            self.load(1)

    # -- loading ----------------------------------------------------------------------------

    def filters_changed(self) -> None:
        """The filter bar changed: back to page 1 with the new filters (or say what is wrong).

        Invalid filters show no rows (rows of the previous filters would look filtered), and
        the source line names no source.
        """
        filters = self._read_filters()
        if filters is None or not self.local.read():
            # the local copy's note follows "Created from" even now: its cause may be gone
            self.local.show_note_for(self.view.filters.created_from.value())
            self._filters_invalid = True
            self._generation += 1  # a load in flight is not shown
            if self._load_task is not None and not self._load_task.done():
                self._load_task.cancel()
            self.model.set_records([])
            self.local.source.clear()
            self.local.show_source()  # at once: the countdown's next tick was up to 1 s away
            self.total = self.pages = 0
            self.view.show_position(1, 0, 0)
            self.view.show_message("No rows are shown until the filters are valid.")
            self._show_payload()
            return
        self._filters_invalid = False
        self._filters = filters
        self.load(1)

    def load(self, page: int, keep: bool = False) -> asyncio.Task[None] | None:
        """Loads ``page`` (1-based) with the current filters; supersedes any load in flight.

        Args:
            page: The page to show.
            keep: Keep the selected record and the scroll position (refresh).
        """
        if self._api is None or self._tasks.closed or self._filters_invalid:
            return None
        self._generation += 1
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        if self.local.refused(self._filters):  # says so; no rows that would look filtered
            return None
        self._load_task = self._tasks.spawn(
            self._load(self._generation, max(1, page), self.view.page_size(), keep),
            name=f"logs.page{page}",
        )
        return self._load_task

    async def _load(self, generation: int, page: int, size: int, keep: bool) -> None:
        api = self._api
        if api is None:
            return
        self.view.set_busy(True, f"Loading page {page}…")
        if self.model.rowCount() == 0:
            self.view.show_message("Loading the delivery log…")
        try:
            result = await self.local.fetch(api, self._filters, page, size)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if generation == self._generation and alive(self.view):
                self._failed(exc)
            return
        finally:
            if generation == self._generation and alive(self.view):
                self.view.set_busy(False)
        if generation != self._generation or not alive(self.view):
            return  # a newer request superseded this one
        self._show_page(result, page, size, keep)

    def _show_page(self, result: Page[WebhookLog], page: int, size: int, keep: bool) -> None:
        from impilo_desk.client.filters import check_filters, matching_rows

        view = self.view
        selected = self.model.record_at(view.selected_row()) if keep else None
        scroll = view.table.verticalScrollBar().value() if keep else 0
        self._last_page = (result, page, size)
        # Never pass rows off as filtered; the local copy ran every filter itself.
        ignored = None if self.local.from_copy() else check_filters(self._filters, result.content)
        rows = result.content
        if ignored is not None and self._hide_unmatched:
            rows = matching_rows(self._filters, rows)
        self.model.set_records(rows)
        total = (
            result.total if result.total is not None else (page - 1) * size + len(result.content)
        )
        self.page, self.total = page, total
        self.pages = max(1, math.ceil(total / size)) if total else 0
        view.show_position(page, self.pages, total, self.local.capped)
        self.local.shown()
        if result.content:
            view.show_table()
            if selected is not None:
                view.select_row(self.model.row_of(selected.id))
            view.table.verticalScrollBar().setValue(scroll)
        elif total:
            view.show_message(
                f"Page {page} is past the end: the log has {self.pages} "
                f"page{'s' if self.pages != 1 else ''} ({total:,} records) for these filters. "
                "Use Last to go to the last page."
            )
        elif self.local.filtered() or (
            self._filters is not None and any(v is not None for v in asdict(self._filters).values())
        ):
            view.show_message("No deliveries match these filters. Clear or widen them.")
        else:
            view.show_message(
                "No deliveries are logged yet. Create a webhook and fire a test event; "
                "each delivery shows up here."
            )
        self._show_payload()
        if ignored is not None:
            self._show_ignored(ignored.sentence())
        elif view.banner.kind == "error" or self._ignored_shown:
            view.banner.clear()
        self._ignored_shown = ignored is not None
        self.api_ok.emit()
        self.loaded.emit(len(rows))

    def _show_ignored(self, sentence: str) -> None:
        """Says which filters Impilo ignored, and offers to hide (or show) the rows that fail."""
        if self._hide_unmatched:
            self.view.banner.show_info(
                sentence.replace(" shown that don't match", " that don't match are hidden"),
                ("Show them", lambda: self._set_hide_unmatched(False)),
            )
        else:
            self.view.banner.show_info(
                sentence, ("Hide them", lambda: self._set_hide_unmatched(True))
            )

    def _set_hide_unmatched(self, hide: bool) -> None:
        self._hide_unmatched = hide
        if self._last_page is not None:
            self._show_page(*self._last_page, keep=True)

    def _failed(self, exc: Exception) -> None:
        sentence = self.report_failure(exc)
        if self.model.rowCount() == 0:
            self.view.show_message(f"The delivery log could not be loaded. {sentence}")

    def _read_filters(self) -> LogFilters | None:
        try:
            filters = self.view.filters.values()
        except ValueError as exc:
            self.view.banner.show_error(str(exc))
            return None
        if self.view.banner.kind == "error":
            self.view.banner.clear()
        return filters

    # -- auto-refresh, curl, payload -----------------------------------------------------------

    def _auto_changed(self) -> None:
        if self.view.auto_box.isChecked() and self._api is not None:
            self.auto_refresh.start(self.view.auto_interval.value() * 1000)
        else:
            self.auto_refresh.stop()

    def _auto_refresh(self) -> None:
        if self._load_task is None or self._load_task.done():
            self.load(self.page, keep=True)

    def curl_text(self) -> str:
        """The curl command of the page shown, with the API key as a placeholder."""
        from impilo_desk.services.curl import curl_command

        if self._api is None:
            return ""
        query = {**(self._filters.to_query() if self._filters else {})}
        query.update(page=str(self.page), size=str(self.view.page_size()))
        return curl_command(self._api.base_url, LOGS_PATH, query)

    def copy_curl(self) -> None:
        """Copies :meth:`curl_text` to the clipboard."""
        text = self.curl_text()
        if text:
            self.view.clipboard.setText(text)
            self.view.banner.show_info(
                "Copied the request as curl; it reads your key from $IMPILO_API_KEY."
            )

    def _show_payload(self) -> None:
        record = self.model.record_at(self.view.selected_row())
        if record is None:
            self.view.show_payload("Payload: select a row to see what was sent", "", False)
            return
        text, is_json = payload_text(record.payload)
        self.view.show_payload(f"Payload of log #{record.id}", text, is_json)

    def _copy_payload(self) -> None:
        self.view.clipboard.setText(self.view.payload_view.toPlainText())


def payload_text(payload: str | None) -> tuple[str, bool]:
    """The payload for people: pretty JSON when it parses, else the text as it is."""
    if not payload:
        return "", False
    try:
        data: Any = json.loads(payload)
    except ValueError:
        return payload, False
    return json.dumps(data, indent=2, ensure_ascii=False), True
