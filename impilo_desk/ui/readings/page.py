"""One reading kind's page in the Readings tab: its chart(s) and the same data as a table.

Imported (with pyqtgraph) when the first session starts, after the first paint.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.contract import READING_KINDS, ReadingKind
from impilo_desk.services.reading_series import Units, chart_columns
from impilo_desk.services.series import ecg_waveform
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.readings.charts import ChartPanel, EcgWaveform
from impilo_desk.ui.readings.model import ReadingsTableModel

ECG_ASSUMED_TIP = (
    "Impilo has not published the fields of an ECG reading. This strip is drawn the way the "
    "app's own sandbox stores one: samples in microvolts at the sampling rate in Hz."
)


class KindPage(QWidget):
    """A chart of one kind against time (for ECG also a waveform) and its table.

    Signals:
        row_chosen(object): The selected row's reading time (s since the epoch), or None when
            no row is selected.

    Args:
        kind: The reading kind.
        parent: Parent widget.
    """

    row_chosen = Signal(object)

    def __init__(
        self, kind: ReadingKind, parent: QWidget | None = None, times: TimeDisplay | None = None
    ) -> None:
        super().__init__(parent)
        info = READING_KINDS[kind]
        self.times = times or TimeDisplay()
        self.kind = kind
        self.title = "Heart rate (ECG)" if kind is ReadingKind.ECG else info.label
        self.setAccessibleName(f"{info.label} readings")
        self.chart = ChartPanel(
            self.title, chart_columns(info, Units()), kind is ReadingKind.BLOOD_GLUCOSE, self,
            self.times,
        )  # fmt: skip
        self.waveform: EcgWaveform | None = None
        self.model = ReadingsTableModel(self, self.times)
        self.table = QTableView(self)
        self.table.setAccessibleName(f"{info.label} readings table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(96)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.model.modelReset.connect(self._size_columns)
        self._scrolled_to = 0
        self.model.rowsAboutToBeInserted.connect(self._remember_scroll)
        self.model.rowsInserted.connect(self._keep_rows_in_view)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())

        charts = QWidget(self)
        chart_layout = QVBoxLayout(charts)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        if kind is ReadingKind.ECG:
            self.waveform = EcgWaveform(charts)
            split = QSplitter(Qt.Orientation.Vertical, charts)
            split.addWidget(self.waveform)
            split.addWidget(self.chart)
            split.setSizes([300, 300])
            chart_layout.addWidget(split)
        else:
            chart_layout.addWidget(self.chart)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(charts)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([700, 560])  # room for the table's headers
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(splitter)

    def _size_columns(self) -> None:
        """Time as wide as a timestamp; every other column at least as wide as its header."""
        metrics = self.table.horizontalHeader().fontMetrics()
        self.table.setColumnWidth(0, metrics.horizontalAdvance("2026-12-31 23:59:59 +0530") + 16)
        for column in range(1, self.model.columnCount()):
            header = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            self.table.setColumnWidth(column, max(72, metrics.horizontalAdvance(header) + 20))

    def selected_time(self) -> float | None:
        """The reading time of the selected row, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < self.model.rowCount():
            return None
        return self.model.row_values(rows[0].row())[0]

    def _chosen(self) -> None:
        self.row_chosen.emit(self.selected_time())

    def _remember_scroll(self) -> None:
        self._scrolled_to = self.table.verticalScrollBar().value()

    def _keep_rows_in_view(self, _parent: object, first: int, last: int) -> None:
        """Newer readings go on top: at the top, show them; scrolled down, stay on the rows read."""
        if self._scrolled_to > 0:
            self.table.updateGeometries()  # the scroll range grows now, not at the next layout
            self.table.verticalScrollBar().setValue(self._scrolled_to + last - first + 1)

    def show_ecg(self, reading: object | None, missing: str = "ECG: no waveform yet") -> None:
        """Shows the waveform of ``reading`` (an ECG), or ``missing`` in its title."""
        if self.waveform is None:
            return
        from impilo_desk.contract import Reading

        if not isinstance(reading, Reading):
            self.waveform.curve.setData([], [])
            self.waveform.set_title(missing)
            return
        seconds, microvolts = ecg_waveform(reading)
        stamp = reading.readingTimestamp
        when = self.times.moment(stamp) if stamp is not None else "unknown time"
        rate = reading.value("heartRate")
        title = f"ECG of {when}" + (f", {rate} bpm" if rate else "")
        self.waveform.set_waveform(seconds, microvolts, title)
        self.waveform.setToolTip(ECG_ASSUMED_TIP)
