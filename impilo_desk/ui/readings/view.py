"""The Readings tab (view): patient, time range, live follow, units, export, one page per kind.

This module is light (Qt widgets only) because the window imports it before its first paint;
the pages with their pyqtgraph charts are built by :meth:`ReadingsTab.build_pages` when the
first session starts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QSignalBlocker, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action
from impilo_desk.ui.kit.validation import FieldMessage

if TYPE_CHECKING:
    from impilo_desk.ui.readings.page import KindPage

HOUR = 3600.0
RANGE_PRESETS: tuple[tuple[str, float | None], ...] = (
    ("Last hour", HOUR),
    ("Last 24 hours", 24 * HOUR),
    ("Last 7 days", 7 * 24 * HOUR),
    ("Last 30 days", 30 * 24 * HOUR),
    ("All", None),
)
DEFAULT_RANGE = 3  # 30 days: what the demo seeds
CUSTOM = "custom"  # the range combo's data for "Custom range"
Window = tuple[datetime | None, datetime | None]
"""A time range: start (inclusive) and end (exclusive); None: open on that side."""


class ReadingsTab(TabPage):
    """Shows the charts and tables of one patient's readings; the controller decides.

    Signals:
        visibility_changed(bool): The tab was shown (True) or hidden (False).
        range_changed(): The chosen time range changed (a preset, or a valid custom range).

    Args:
        parent: Parent widget.
        times: How times are written (local or UTC), for the tables, readouts and titles.
    """

    title = "Readings"
    visibility_changed = Signal(bool)
    range_changed = Signal()

    def __init__(self, parent: QWidget | None = None, times: TimeDisplay | None = None) -> None:
        super().__init__(parent)
        self.times = times or TimeDisplay()
        self.setAccessibleName("Readings tab")
        self.banner = MessageBanner(self)
        self.patient_combo = QComboBox(self)
        self.patient_combo.setAccessibleName("Patient")
        self.patient_combo.setMinimumContentsLength(26)
        self.range_combo = QComboBox(self)
        self.range_combo.setAccessibleName("Time range")
        for text, seconds in RANGE_PRESETS:
            self.range_combo.addItem(text, seconds)
        self.range_combo.addItem("Custom range", CUSTOM)
        self.range_combo.setCurrentIndex(DEFAULT_RANGE)
        now = QDateTime.currentDateTime()
        self.from_edit = self._date_edit("Range from", now.addDays(-7))
        self.to_edit = self._date_edit("Range to (not included)", now)
        self.range_error = FieldMessage(self, "Time range message", lines=1)
        self._custom: Window = self._edited_window() or (None, None)
        self.follow_box = QCheckBox("Follow live", self)
        self.follow_box.setChecked(True)
        self.follow_box.setAccessibleName("Follow live readings")
        self.follow_box.setToolTip("Keep the newest readings in view; panning the chart stops it.")
        self.weight_combo = QComboBox(self)
        self.weight_combo.setAccessibleName("Weight unit")
        self.weight_combo.addItem("lbs", "lbs")
        self.weight_combo.addItem("kg", "kg")
        self.temperature_combo = QComboBox(self)
        self.temperature_combo.setAccessibleName("Temperature unit")
        self.temperature_combo.addItem("°F", "fahrenheit")
        self.temperature_combo.addItem("°C", "celsius")
        self.png_action = page_action(self, "Export &PNG…", "export-png", None)
        self.csv_action = page_action(self, "Export &CSV…", "export-csv", None)
        self.status_label = QLabel("", self)
        self.status_label.setAccessibleName("Readings status")

        bar = QHBoxLayout()
        for text, widget in (
            ("Patient", self.patient_combo),
            ("Range", self.range_combo),
            ("Weight", self.weight_combo),
            ("Temperature", self.temperature_combo),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget)
            bar.addSpacing(6)
        self._custom_widgets: list[QWidget] = []
        for text, edit in (("From", self.from_edit), ("to", self.to_edit)):
            label = QLabel(text, self)
            label.setBuddy(edit)
            bar.addWidget(label)
            bar.addWidget(edit)
            self._custom_widgets += [label, edit]
        bar.addSpacing(6)
        bar.addWidget(self.follow_box)
        bar.addStretch(1)
        bar.addWidget(action_button(self, self.png_action, "Export the chart as PNG"))
        bar.addWidget(action_button(self, self.csv_action, "Export the readings as CSV"))

        self.kinds = QTabWidget(self)
        self.kinds.setAccessibleName("Reading kinds")
        self.kinds.setDocumentMode(True)
        self.pages: dict[str, KindPage] = {}

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.range_error)
        layout.addWidget(self.kinds, 1)
        layout.addWidget(self.status_label)

        self.range_combo.currentIndexChanged.connect(lambda _i: self._preset_chosen())
        self._show_custom(False)

    def _date_edit(self, name: str, value: QDateTime) -> QDateTimeEdit:
        edit = QDateTimeEdit(value, self)
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.dateTimeChanged.connect(lambda _v: self._custom_edited())
        return edit

    def _show_custom(self, shown: bool) -> None:
        for widget in self._custom_widgets:
            widget.setVisible(shown)
        if not shown:
            self.range_error.say(None)

    def _preset_chosen(self) -> None:
        custom = self.range_combo.currentData() == CUSTOM
        self._show_custom(custom)
        if custom:
            self._custom_edited()
        else:
            self.range_changed.emit()

    def _edited_window(self) -> Window | None:
        start = self.from_edit.dateTime().toPython()
        end = self.to_edit.dateTime().toPython()
        if not isinstance(start, datetime) or not isinstance(end, datetime) or end <= start:
            return None
        return start.astimezone(), end.astimezone()  # local times, as the user typed them

    def _custom_edited(self) -> None:
        if self.range_combo.currentData() != CUSTOM:
            return
        window = self._edited_window()
        if window is None:
            self.range_error.say("The end of the range must be after its start.")
            return  # the last valid range stays shown
        self.range_error.say(None)
        self._custom = window
        self.range_changed.emit()

    def set_custom_range(self, start: datetime, end: datetime) -> None:
        """Chooses the custom range ``[start, end)`` (as if typed into its two fields)."""
        self.range_combo.setCurrentIndex(self.range_combo.findData(CUSTOM))
        for edit, value in ((self.from_edit, start), (self.to_edit, end)):
            with QSignalBlocker(edit):
                edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(value.timestamp())))
        self._custom_edited()

    def time_window(self, now: datetime) -> Window:
        """The chosen range as of ``now``: a preset ends open (live), a custom range does not."""
        if self.range_combo.currentData() == CUSTOM:
            return self._custom
        seconds = self.range_seconds()
        return (None if seconds is None else now - timedelta(seconds=seconds)), None

    def build_pages(self) -> dict[str, KindPage]:
        """Creates one page per charted kind (once); returns them by kind value."""
        if not self.pages:
            from impilo_desk.services.reading_poller import CHART_KINDS
            from impilo_desk.ui.readings.page import KindPage

            for kind in CHART_KINDS:
                page = KindPage(kind, self.kinds, self.times)
                self.kinds.addTab(page, "ECG" if kind.value == "ecg" else page.title)
                self.pages[kind.value] = page
        return self.pages

    def current_page(self) -> KindPage | None:
        """The page in view."""
        widget = self.kinds.currentWidget()
        return next((p for p in self.pages.values() if p is widget), None)

    def show_kind(self, kind: str) -> None:
        """Brings the page of ``kind`` into view."""
        page = self.pages.get(kind)
        if page is not None:
            self.kinds.setCurrentWidget(page)

    def range_seconds(self) -> float | None:
        """The chosen preset's length in seconds (None: all, or a custom range)."""
        value = self.range_combo.currentData()
        return float(value) if isinstance(value, int | float) else None

    def set_patients(self, patients: list[tuple[int, str]], selected: int | None) -> None:
        """Fills the patient list with ``(id, name)`` pairs without emitting a change."""
        with QSignalBlocker(self.patient_combo):
            self.patient_combo.clear()
            for pid, name in patients:
                self.patient_combo.addItem(name, pid)
            index = self.patient_combo.findData(selected) if selected is not None else -1
            self.patient_combo.setCurrentIndex(max(index, 0) if patients else -1)

    def selected_patient(self) -> int | None:
        """The chosen patient's id."""
        value = self.patient_combo.currentData()
        return int(value) if value is not None else None

    def ask_save_path(self, caption: str, suggested: str, file_filter: str) -> str:
        """Asks where to save; empty when the user cancelled."""
        path, _ = QFileDialog.getSaveFileName(self, caption, suggested, file_filter)
        return path

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Tells the controller to start redrawing."""
        super().showEvent(event)
        self.visibility_changed.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        """Tells the controller it may stop redrawing."""
        super().hideEvent(event)
        self.visibility_changed.emit(False)
