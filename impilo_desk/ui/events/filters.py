"""The Events tab's filter bar: type, patient, time range (presets or custom), text search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QLineEdit, QWidget

from impilo_desk.contract import EVENT_TYPES
from impilo_desk.ui.kit.palette import set_tone

ALL_TYPES = "All types"
CUSTOM = "Custom range…"
PRESETS: dict[str, timedelta | None] = {
    "Any time": None,
    "Last 15 minutes": timedelta(minutes=15),
    "Last hour": timedelta(hours=1),
    "Last 24 hours": timedelta(days=1),
    "Last 7 days": timedelta(days=7),
    CUSTOM: None,
}


class EventsFilterBar(QWidget):
    """The filter widgets; it only shows them and says when one changed.

    A custom range starts as the last day (to an hour ahead) counted from when it is chosen,
    until the user sets it: counted from when the tab was made, it ended in the past once the
    app had run an hour, and hid every new event.

    Signals:
        changed(): A filter changed (the controller reads them and reloads).

    Args:
        parent: Parent widget.
        now: The local time now (tests give their own).
    """

    changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        now: Callable[[], QDateTime] = QDateTime.currentDateTime,
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._range_edited = False  # the user set a date: choosing Custom again keeps it
        self.type_box = QComboBox(self)
        self.type_box.setAccessibleName("Event type filter")
        self.type_box.addItem(ALL_TYPES)
        self.type_box.addItems(list(EVENT_TYPES))
        self.patient_edit = QLineEdit(self)
        self.patient_edit.setPlaceholderText("Patient name or id")
        self.patient_edit.setAccessibleName("Patient filter")
        self.patient_edit.setClearButtonEnabled(True)
        self.time_box = QComboBox(self)
        self.time_box.setAccessibleName("Time range")
        self.time_box.addItems(list(PRESETS))
        made = now()
        self.from_edit = QDateTimeEdit(made.addDays(-1), self)
        self.from_edit.setAccessibleName("Received from")
        self.to_edit = QDateTimeEdit(made.addSecs(3600), self)
        self.to_edit.setAccessibleName("Received until")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setVisible(False)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText('Search payloads: words, "a phrase", prefix*')
        self.search_edit.setAccessibleName("Search payloads")
        self.search_edit.setClearButtonEnabled(True)
        self.range_note = QLabel("", self)
        self.range_note.setAccessibleName("Time range problem")
        set_tone(self.range_note, "error")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("&Type", self.type_box),
            ("&Patient", self.patient_edit),
            ("T&ime", self.time_box),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
        row.addWidget(self.from_edit)
        row.addWidget(self.to_edit)
        row.addWidget(self.range_note)
        caption = QLabel("&Search", self)
        caption.setBuddy(self.search_edit)
        row.addWidget(caption)
        row.addWidget(self.search_edit, 1)

        for text_edit in (self.patient_edit, self.search_edit):  # Escape clears a text filter
            clear = QShortcut(QKeySequence(Qt.Key.Key_Escape), text_edit)
            clear.setContext(Qt.ShortcutContext.WidgetShortcut)
            clear.activated.connect(text_edit.clear)
        self.time_box.currentIndexChanged.connect(self._time_changed)
        for edit in (self.from_edit, self.to_edit):
            edit.dateTimeChanged.connect(self._range_set)
        for signal in (
            self.type_box.currentIndexChanged,
            self.from_edit.dateTimeChanged,
            self.to_edit.dateTimeChanged,
            self.patient_edit.textChanged,
            self.search_edit.textChanged,
        ):
            signal.connect(self._emit_changed)

    def _emit_changed(self, *_: object) -> None:
        self.changed.emit()

    def _range_set(self, *_: object) -> None:
        self._range_edited = True

    def _time_changed(self, *_: object) -> None:
        custom = self.time_box.currentText() == CUSTOM
        if custom and not self._range_edited:
            now = self._now()
            for edit, value in (
                (self.from_edit, now.addDays(-1)),
                (self.to_edit, now.addSecs(3600)),
            ):
                edit.blockSignals(True)  # not the user's choice: a later pick moves it again
                edit.setDateTime(value)
                edit.blockSignals(False)
        self.from_edit.setVisible(custom)
        self.to_edit.setVisible(custom)
        self.changed.emit()

    def types(self) -> frozenset[str] | None:
        """The chosen type (None: all)."""
        text = self.type_box.currentText()
        return None if text == ALL_TYPES else frozenset({text})

    def time_range(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """(start, end) of the chosen range; a custom range ends where it says."""
        preset = self.time_box.currentText()
        if preset == CUSTOM:
            start = self.from_edit.dateTime().toPython()
            end = self.to_edit.dateTime().toPython()
            assert isinstance(start, datetime)
            assert isinstance(end, datetime)
            return start.astimezone(), end.astimezone()
        span = PRESETS.get(preset)
        return (now - span if span is not None else None), None

    def clear(self) -> None:
        """Back to everything (no filter)."""
        self.type_box.setCurrentIndex(0)
        self.time_box.setCurrentIndex(0)
        self.patient_edit.clear()
        self.search_edit.clear()
