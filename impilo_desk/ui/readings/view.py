"""The Readings tab (view): patient, time range, live follow, units, export, one page per kind.

This module is light (Qt widgets only) because the window imports it before its first paint;
the pages with their pyqtgraph charts are built by :meth:`ReadingsTab.build_pages` when the
first session starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action

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


class ReadingsTab(TabPage):
    """Shows the charts and tables of one patient's readings; the controller decides.

    Signals:
        visibility_changed(bool): The tab was shown (True) or hidden (False).

    Args:
        parent: Parent widget.
    """

    title = "Readings"
    visibility_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Readings tab")
        self.banner = MessageBanner(self)
        self.patient_combo = QComboBox(self)
        self.patient_combo.setAccessibleName("Patient")
        self.patient_combo.setMinimumContentsLength(26)
        self.range_combo = QComboBox(self)
        self.range_combo.setAccessibleName("Time range")
        for text, seconds in RANGE_PRESETS:
            self.range_combo.addItem(text, seconds)
        self.range_combo.setCurrentIndex(DEFAULT_RANGE)
        self.follow_box = QCheckBox("Follow live", self)
        self.follow_box.setChecked(True)
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
        layout.addWidget(self.kinds, 1)
        layout.addWidget(self.status_label)

    def build_pages(self) -> dict[str, KindPage]:
        """Creates one page per charted kind (once); returns them by kind value."""
        if not self.pages:
            from impilo_desk.services.reading_poller import CHART_KINDS
            from impilo_desk.ui.readings.page import KindPage

            for kind in CHART_KINDS:
                page = KindPage(kind, self.kinds)
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
        """The chosen time range in seconds (None: all)."""
        value = self.range_combo.currentData()
        return float(value) if value is not None else None

    def set_patients(self, patients: list[tuple[int, str]], selected: int | None) -> None:
        """Fills the patient list with ``(id, name)`` pairs without emitting a change."""
        self.patient_combo.blockSignals(True)
        try:
            self.patient_combo.clear()
            for pid, name in patients:
                self.patient_combo.addItem(name, pid)
            index = self.patient_combo.findData(selected) if selected is not None else -1
            self.patient_combo.setCurrentIndex(max(index, 0) if patients else -1)
        finally:
            self.patient_combo.blockSignals(False)

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
