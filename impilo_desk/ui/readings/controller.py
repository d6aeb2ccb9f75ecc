"""The Readings tab's controller: where readings come from, which patient, what to redraw.

Sources, used together: the local event store (history that survives restarts, offline), the
reading endpoints (backfill of the time window, then polling; at once after a relay gap or
reconnect) and live relay events. A reading from two sources is shown once (``reading_key``).
Points go into ring buffers; :class:`ReadingsDrawing` redraws what changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSignalBlocker, Signal

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.readings.drawing import ReadingsDrawing
from impilo_desk.ui.readings.export import ReadingsExporter
from impilo_desk.ui.readings.markers import FailureMarkers
from impilo_desk.ui.readings.view import ReadingsTab, Window

if TYPE_CHECKING:  # numpy, pydantic and the services load after the first paint
    from impilo_desk.client.ports import ReadingsApi
    from impilo_desk.contract import ReadingKind
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.reading_feed import EventHub
    from impilo_desk.services.reading_poller import KindReading, ReadingPoller
    from impilo_desk.services.reading_series import KindSeries
    from impilo_desk.services.sse_base import Gap
    from impilo_desk.session import Session

_log = logging.getLogger(__name__)

TAKE_MAX = 200  # relay events charted per redraw at most (6,000/s): a burst spreads over ticks


class ReadingsController(TabController[ReadingsTab]):
    """Feeds the Readings tab from the event store, the reading endpoints and the relay.

    Signals:
        loaded(int): A patient's history is shown (stored and first poll pass); how many readings.
        received(int): This many new readings arrived (any source) for the shown patient.
        redrawn(int): A redraw updated this many kinds (the drawing's signal, forwarded).
        exported(str): A file was written (its path; :attr:`exporter`'s signal, forwarded).
        api_ok(), api_failed(str): As for every :class:`TabController`.

    Args:
        view: The tab.
        tasks: Owner of the tasks this controller starts (replaced per session).
        parent: QObject parent.
        poll_interval_s: Seconds between polls of the reading endpoints.
        capacity: Points kept per value and kind.
    """

    loaded = Signal(int)
    received = Signal(int)

    def __init__(
        self,
        view: ReadingsTab,
        tasks: TaskOwner,
        parent: QObject | None = None,
        *,
        poll_interval_s: float = 30.0,
        capacity: int = 100_000,
    ) -> None:
        super().__init__(view, tasks, parent)
        self.poll_interval_s = poll_interval_s
        self.capacity = capacity
        self._api: ReadingsApi | None = None
        self._hub: EventHub | None = None
        self._unlisten: Any = None
        self.series: dict[str, KindSeries] = {}
        self.patient_id: int | None = None
        self.poller: ReadingPoller | None = None
        self._patient_tasks: list[asyncio.Task[Any]] = []
        self.markers = FailureMarkers(self._failures_found, lambda p: p == self.patient_id)
        self.failed: dict[str, list[float]] = {}
        self.gaps: list[float] = []
        self.api_down = False  # the last call to the API failed (stored readings are shown)
        self._window: Window = (None, None)  # the range loaded: readings outside are dropped
        self._live: deque[RelayEvent] = deque()  # relay events not charted yet (see _on_event)
        self._patient_of: Callable[[Any], int | None] = lambda _e: None  # set by _build
        self.drawing = ReadingsDrawing(view, self.series, self._status, self.take_live, self)
        self.redrawn = self.drawing.redrawn
        self.exporter = ReadingsExporter(view, self.redraw, lambda: self.patient_id, self)
        self.exported = self.exporter.exported
        view.visibility_changed.connect(self._visibility_changed)
        view.patient_combo.currentIndexChanged.connect(lambda _i: self._patient_chosen())
        view.range_changed.connect(self._range_changed)
        view.png_action.triggered.connect(lambda: self.exporter.ask("png", self._tasks))
        view.csv_action.triggered.connect(lambda: self.exporter.ask("csv", self._tasks))
        view.png_action.setEnabled(False)
        view.csv_action.setEnabled(False)

    # -- session -----------------------------------------------------------------------------

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (its client, relay events and poll interval), or none."""
        self.set_tasks(tasks)
        if session is None:
            self.set_session(None, None)
            return
        self.poll_interval_s = session.profile.poll_interval_s
        self.set_session(session.api, session.events)

    def set_session(self, api: ReadingsApi | None, hub: EventHub | None) -> None:
        """Shows the readings of another session (client and/or relay hub), or none."""
        self._stop_patient()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._api, self._hub = api, hub
        self.gaps = []
        self._live.clear()
        self.api_down = False
        self.view.banner.clear()
        self.view.set_patients([], None)
        self.patient_id = None
        if api is None and hub is None:
            self.drawing.timer.stop()
            for series in self.series.values():
                series.clear()
            self.view.status_label.setText("")
            return
        self._build()
        if hub is not None:
            from impilo_desk.services.reading_feed import HubListener

            self._unlisten = hub.add_listener(
                HubListener(self._on_event, self._on_gap, self._on_reconnected)
            )
        self.drawing.timer.start()  # hidden, it only takes in live readings; shown, it draws
        self._tasks.spawn(self._open(), name="readings.open")

    def _build(self) -> None:
        if self.series:
            return
        from impilo_desk.services.event_store import patient_id_of
        from impilo_desk.services.reading_poller import CHART_KINDS
        from impilo_desk.services.reading_series import KindSeries

        self._patient_of = patient_id_of
        self.view.build_pages()
        self.series.update({k.value: KindSeries(k, self.capacity) for k in CHART_KINDS})
        for page in self.view.pages.values():
            page.chart.panned.connect(lambda: self.view.follow_box.setChecked(False))
        self.drawing.follow_rows()
        self.view.png_action.setEnabled(True)
        self.view.csv_action.setEnabled(True)

    async def _open(self) -> None:
        from impilo_desk.services.reading_poller import fetch_patients, stored_patients

        names: dict[int, str] = {}
        store = self._hub.store if self._hub is not None else None
        if store is not None:
            names.update(await asyncio.to_thread(stored_patients, store))
        if self._api is not None:
            try:
                found = await fetch_patients(self._api)
                names.update({p.id: p.display_name for p in found if p.id is not None})
                self.api_ok.emit()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._offline(exc)
        patients = sorted(names.items())
        self.view.set_patients(patients, self.patient_id)
        if not patients:
            self.view.status_label.setText("No patients with readings yet.")
            self.loaded.emit(0)
            return
        self.select_patient(self.view.selected_patient())

    def _offline(self, exc: Exception) -> None:
        self.api_down = True
        self.report_failure(exc, shown="{} Showing the readings stored on this computer.".format)
        self.drawing.show_status()

    # -- patient and window -----------------------------------------------------------------

    def select_patient(self, patient_id: int | None) -> None:
        """Shows ``patient_id``'s readings: stored ones at once, then the API's, then live."""
        if patient_id is not None and self.view.selected_patient() != patient_id:
            combo = self.view.patient_combo
            with QSignalBlocker(combo):  # the list follows; no second select_patient
                combo.setCurrentIndex(combo.findData(patient_id))
        self._stop_patient()
        self.patient_id = patient_id
        self._live.clear()  # the previous patient's (this one's are in the store, loaded below)
        for series in self.series.values():
            series.clear()
        self.failed = {}
        self.drawing.set_markers(self.failed, self.gaps)
        if patient_id is None:
            return
        self._window = self.view.time_window(datetime.now(UTC))
        self._patient_tasks.append(
            self._tasks.spawn(self._load(patient_id, self._window[0]), name="readings.load")
        )
        self.drawing.show_range()

    def _stop_patient(self) -> None:
        for task in self._patient_tasks:
            task.cancel()
        self._patient_tasks = []
        self.markers.cancel()
        self.poller = None

    def _patient_chosen(self) -> None:
        if self.series:
            self.select_patient(self.view.selected_patient())

    def _range_changed(self) -> None:
        # One range for the chart, the table and the count: reload within it (the store and
        # the API are asked from its start; ``ingest`` drops what falls outside it).
        if self.series and self.patient_id is not None:
            self.select_patient(self.patient_id)
        else:
            self.drawing.show_range()

    async def _load(self, patient_id: int, start: datetime | None) -> None:
        from impilo_desk.services.reading_poller import ReadingPoller, stored_readings

        store = self._hub.store if self._hub is not None else None
        if store is not None:
            self.ingest(await asyncio.to_thread(stored_readings, store, patient_id, start))
        if self._api is None:
            self.loaded.emit(self.shown())
            return
        first = asyncio.get_running_loop().create_future()

        def passed(_count: int) -> None:
            if self.api_down:  # the cause of the "stored on this computer" banner is gone
                self.api_down = False
                self.view.banner.clear()
            self.api_ok.emit()
            if not first.done():
                first.set_result(None)
            self._fetch_failures()

        def failed(exc: Exception) -> None:
            self._offline(exc)
            if not first.done():
                first.set_result(None)

        def unavailable(kind: ReadingKind, exc: Exception) -> None:
            page = self.view.pages.get(kind.value)
            if page is not None:
                page.chart.set_unavailable(describe_error(exc))

        for page in self.view.pages.values():  # a new poller asks every kind again
            page.chart.set_unavailable(None)
        self.poller = ReadingPoller(
            self._api,
            patient_id,
            self.ingest,
            start=start,
            interval_s=self.poll_interval_s,
            on_error=failed,
            on_pass=passed,
            store=store,
            on_unavailable=unavailable,
        )
        run = self._tasks.spawn(self.poller.run(), name="readings.poll")
        self._patient_tasks.append(run)
        await first
        self.loaded.emit(self.shown())

    @property
    def fetching_markers(self) -> bool:
        """Whether the failed-delivery markers are being fetched right now."""
        return self.markers.fetching

    def _fetch_failures(self) -> None:
        if self._api is not None and self.patient_id is not None:
            self.markers.fetch(self._tasks, self._api, self.patient_id, self._window[0])

    def _failures_found(self, failed: dict[str, list[float]]) -> None:
        self.failed = failed
        self.drawing.set_markers(self.failed, self.gaps)

    # -- incoming readings ------------------------------------------------------------------

    def ingest(self, items: list[KindReading]) -> int:
        """Adds the shown patient's readings in the chosen range; returns how many were new.

        Readings of other patients, or outside the range, are ignored.
        """
        by_kind: dict[str, list[Any]] = {}
        start, end = self._window
        for item in items:
            if item.patient_id == self.patient_id and item.kind.value in self.series:
                if (start is not None or end is not None) and not in_window(
                    item.reading.readingTimestamp, start, end
                ):
                    continue
                by_kind.setdefault(item.kind.value, []).append(item.reading)
        new = sum(self.series[kind].add(readings) for kind, readings in by_kind.items())
        if new:
            self.received.emit(new)
        return new

    def _on_event(self, event: RelayEvent) -> None:
        # Held for the next tick of the redraw timer, which charts them as one batch: one array
        # write per kind instead of one per reading (at 1,000 readings/s that was most of the
        # cost), and a burst of a few hundred is spread over ticks instead of stalling one.
        # Only the shown patient's are held (the store keeps every event): a replay of other
        # patients' events neither delays these nor grows the queue.
        if self.series and self._patient_of(event.envelope) == self.patient_id:
            self._live.append(event)

    def take_live(self) -> int:
        """Charts up to ``TAKE_MAX`` of the held relay events; returns how many were new."""
        from impilo_desk.services.reading_poller import reading_from_event

        count = min(TAKE_MAX, len(self._live))
        events = [self._live.popleft() for _ in range(count)]
        items = []
        for event in events:
            try:
                item = reading_from_event(event)
            except ValueError as exc:  # a payload that is not a reading of its kind
                _log.warning("reading event %s not shown: %s", event.envelope.id, exc)
                continue
            if item is not None:
                items.append(item)
        return self.ingest(items) if items else 0

    def _on_gap(self, gap: Gap, at: datetime) -> None:
        _log.info("relay gap (%s): polling to fill it", gap.reason)
        self._mark_gap(at)

    def _on_reconnected(self, at: datetime) -> None:
        self._mark_gap(at)

    def _mark_gap(self, at: datetime) -> None:
        self.gaps.append(at.timestamp())
        self.drawing.set_markers(self.failed, self.gaps)
        if self.poller is not None:
            self.poller.poll_now()

    def shown(self) -> int:
        """How many readings of the shown patient are held (all kinds)."""
        return sum(len(s) for s in self.series.values())

    # -- drawing ----------------------------------------------------------------------------

    def redraw(self, full: bool = False) -> int:
        """Redraws the kinds whose data changed (all tables too with ``full``); returns how many."""
        return self.drawing.redraw(full)

    def _visibility_changed(self, visible: bool) -> None:
        if visible and self.series and (self._api is not None or self._hub is not None):
            self.drawing.redraw()  # at once: what changed while another tab was in front

    def _status(self, count: int) -> str:
        from impilo_desk.services.reading_poller import status_line

        page, poller = self.view.current_page(), self.poller
        return status_line(
            count,
            self.shown(),
            live=self._hub is not None and self._hub.live,
            polled_every_s=self.poll_interval_s if self._api is not None else None,
            unavailable=poller is not None and page is not None and page.kind in poller.unavailable,
            api_down=self.api_down,
        )


def in_window(when: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    """Whether a reading of time ``when`` lies in ``[start, end)`` (an unknown time does not)."""
    if when is None:
        return False
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return (start is None or when >= start) and (end is None or when < end)
