"""Redraws the Readings tab from its series: charts, tables, markers, the followed window.

One timer (at most 30 Hz) first takes in the readings that arrived, then, while the tab is
shown, redraws only the kinds whose data changed; tables refresh at most twice a second (rows
are inserted, not reset, so a selection and the rows in view stay).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.readings.view import ReadingsTab

if TYPE_CHECKING:  # numpy and the services load after the first paint
    from impilo_desk.services.reading_series import KindSeries, Units

REDRAW_MS = 33  # at most 30 Hz
SLIDE_S = 1.0  # a followed window moves at most once a second (it reaches a little ahead)
TABLE_S = 0.5  # tables refresh at most twice a second
LEAD = 0.02  # a followed window ends this share of its width after now


class ReadingsDrawing(QObject):
    """Draws the series of the shown patient on the tab's pages.

    Signals:
        redrawn(int): A redraw updated this many kinds.

    Args:
        view: The tab.
        series: The series by kind value (the controller fills and clears them in place).
        status: The status line for the page in view (given the count of its kind).
        pull: Called first by every redraw: brings in the readings that arrived since.
        parent: QObject parent.
    """

    redrawn = Signal(int)

    def __init__(
        self,
        view: ReadingsTab,
        series: dict[str, KindSeries],
        status: Callable[[int], str],
        pull: Callable[[], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.series = series
        self._status_text = status
        self._pull = pull
        self._failed: Mapping[str, Sequence[float]] = {}
        self._gaps: Sequence[float] = ()
        self._markers_dirty = True
        self._last_slide = 0.0
        self._units: Units | None = None
        self._tables_at = 0.0
        self._stale_tables: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setObjectName("readings-redraw")
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        view.follow_box.toggled.connect(lambda _on: self.show_range())
        view.weight_combo.currentIndexChanged.connect(lambda _i: self._units_changed())
        view.temperature_combo.currentIndexChanged.connect(lambda _i: self._units_changed())
        view.kinds.currentChanged.connect(lambda _i: self._kind_shown())

    def follow_rows(self) -> None:
        """Shows the strip of the selected ECG row (the newest while none is selected)."""
        page, series = self.view.pages.get("ecg"), self.series.get("ecg")
        if page is None or series is None:
            return

        def chosen(t: object) -> None:
            if not isinstance(t, float):  # no row selected: the newest
                page.show_ecg(series.latest_ecg)
            else:
                missing = "ECG: only the newest strips are kept; this one is not"
                page.show_ecg(series.ecg_at(t), missing)

        page.row_chosen.connect(chosen)

    def set_markers(self, failed: Mapping[str, Sequence[float]], gaps: Sequence[float]) -> None:
        """Failed deliveries by kind and relay gaps (times in seconds), drawn at the next redraw."""
        self._failed, self._gaps = failed, gaps
        self._markers_dirty = True

    def units(self) -> Units:
        """The units the user chose."""
        from impilo_desk.services.reading_series import Units

        view = self.view
        return Units(view.weight_combo.currentData(), view.temperature_combo.currentData())

    def _units_changed(self) -> None:
        self._units = None
        self.redraw(full=True)

    def redraw(self, full: bool = False) -> int:
        """Redraws the kinds whose data (or units) changed; returns how many.

        Charts follow every change; tables at most every ``TABLE_S`` (a table of many rows
        costs more to refresh than a chart), or at once with ``full``.
        """
        if not self.series or not alive(self.view):
            return 0
        self._pull()
        if not full and not self.view.isVisible():
            return 0  # drawn when the tab is shown again (the series keep the points)
        units = self.units()
        changed_units = units != self._units
        self._units = units
        now = time.monotonic()
        tables = full or changed_units or now - self._tables_at >= TABLE_S
        count = 0
        for kind, series in self.series.items():
            page = self.view.pages[kind]
            if series.dirty or changed_units:
                ecg_changed = series.latest_ecg_changed
                snapshot = series.snapshot(units)
                page.chart.set_snapshot(snapshot)
                if ecg_changed and page.selected_time() is None:
                    page.show_ecg(series.latest_ecg)  # a selected row keeps its own strip
                self._stale_tables.add(kind)
                count += 1
                shown = page.model.snapshot
                if shown is not None and shown.epoch != snapshot.epoch:
                    # reordered or forgotten points: the table's snapshot shares the ring's
                    # memory, which now holds other points, so it cannot wait for its turn
                    page.model.set_snapshot(snapshot)
                    self._stale_tables.discard(kind)
            if tables and kind in self._stale_tables:
                page.model.set_snapshot(series.snapshot(units))
                self._stale_tables.discard(kind)
        if tables:
            self._tables_at = now
        if self._markers_dirty:
            self._markers_dirty = False
            for kind, page in self.view.pages.items():
                page.chart.set_markers(self._failed.get(kind, ()), self._gaps)
        self.slide()
        if count:
            self.show_status()
            self.redrawn.emit(count)
        return count

    def slide(self, force: bool = False) -> None:
        """Moves the page in view to the newest readings when following (at most every second)."""
        if not self.series or not self.view.follow_box.isChecked():
            return
        if self.view.time_window(datetime.now(UTC))[1] is not None:
            return  # a custom range ends in the past: nothing to follow
        now = time.time()
        if not force and now - self._last_slide < SLIDE_S:
            return
        self._last_slide = now
        seconds = self.view.range_seconds()
        page = self.view.current_page()  # the others follow when they come into view
        if page is not None:
            if seconds is None:
                page.chart.set_window(None, None)
            else:
                page.chart.set_window(now - seconds, now + seconds * LEAD)

    def show_range(self) -> None:
        """Shows the chosen range on the page in view: a custom one as it is, else followed."""
        start, end = self.view.time_window(datetime.now(UTC))
        page = self.view.current_page()
        if start is None or end is None or page is None:
            self.slide(force=True)
            return
        page.chart.set_window(start.timestamp(), end.timestamp())

    def _kind_shown(self) -> None:
        self.show_range()
        if self.series:
            self.show_status()

    def show_status(self) -> None:
        """Updates the status line for the page in view."""
        page = self.view.current_page()
        count = len(self.series[page.kind.value]) if page is not None else 0
        self.view.status_label.setText(self._status_text(count))
