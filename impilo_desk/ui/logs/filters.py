"""The Logs tab's filter bar: every filter of ``GET /webhook/logs``, debounced."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

from impilo_desk.ui.kit.palette import set_tone

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters

DEBOUNCE_MS = 400
ANY = "Any"


class _DateBound(QWidget):
    """A date-time bound that is off until its box is ticked (a QDateTimeEdit cannot be empty)."""

    def __init__(self, label: str, parent: QWidget, now: Callable[[], QDateTime]) -> None:
        super().__init__(parent)
        self._now = now
        self.check = QCheckBox(label, self)
        self.check.setAccessibleName(f"Filter: {label}")
        self.edit = QDateTimeEdit(self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self._auto = now()  # the time shown until the user picks one
        self.edit.setDateTime(self._auto)
        self.edit.setEnabled(False)
        self.edit.setAccessibleName(label)
        self.check.toggled.connect(self._ticked)
        self.check.toggled.connect(self.edit.setEnabled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)

    def _ticked(self, on: bool) -> None:
        # Ticked with no time chosen yet: start from now, not from when the app started.
        if on and self.edit.dateTime() == self._auto:
            self._auto = self._now()
            self.edit.setDateTime(self._auto)

    def value(self) -> datetime | None:
        if not self.check.isChecked():
            return None
        return datetime.fromtimestamp(self.edit.dateTime().toMSecsSinceEpoch() / 1000, UTC)

    def set_value(self, value: datetime | None) -> None:
        self.check.setChecked(value is not None)
        if value is not None:
            self.edit.setDateTime(QDateTime.fromMSecsSinceEpoch(round(value.timestamp() * 1000)))


class LogsFilterBar(QWidget):
    """Type, retries min/max, last status, created from/to, last retry from/to.

    Edits are debounced: ``changed`` fires once typing has paused for ``DEBOUNCE_MS``, so no
    request goes out per keystroke.

    Signals:
        changed(): The filters changed (debounced).

    Args:
        parent: Parent widget.
        now: The current local time (the date bounds start from it when ticked).
    """

    changed = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        now: Callable[[], QDateTime] = QDateTime.currentDateTime,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Log filters")
        self.debounce = QTimer(self)
        self.debounce.setObjectName("logs-filter-debounce")
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.changed)

        self.type_box = QComboBox(self)
        self.type_box.setAccessibleName("Event type filter")
        self.type_box.addItem("Any event type", None)
        self.retries_min = self._retries_box("Minimum retries")
        self.retries_max = self._retries_box("Maximum retries")
        self.status_edit = QLineEdit(self)
        self.status_edit.setPlaceholderText("any, e.g. 503")
        self.status_edit.setAccessibleName("Last response status filter")
        # No validator: it would drop the "-" of -5 or the fourth 9 without a word. What is
        # typed stays, and values() refuses it in a sentence below the fields.
        self.status_edit.setMaximumWidth(110)
        self.problem = QLabel("", self)
        self.problem.setAccessibleName("Filter problem")
        set_tone(self.problem, "error")
        self.problem.setMinimumHeight(self.fontMetrics().lineSpacing())  # room kept: no jump
        self.created_from = _DateBound("Created from", self, now)
        self.created_to = _DateBound("to (before)", self, now)
        self.retry_from = _DateBound("Last retry from", self, now)
        self.retry_to = _DateBound("to", self, now)
        self.clear_button = QToolButton(self)
        self.clear_button.setText("Clear filters")
        self.clear_button.setAccessibleName("Clear filters")
        self.clear_button.clicked.connect(self.clear)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.addWidget(_label("Type", self.type_box), 0, 0)
        grid.addWidget(self.type_box, 0, 1)
        grid.addWidget(_label("Retries", self.retries_min), 0, 2)
        retries = QHBoxLayout()
        retries.addWidget(self.retries_min)
        retries.addWidget(QLabel("to", self))
        retries.addWidget(self.retries_max)
        grid.addLayout(retries, 0, 3)
        grid.addWidget(_label("Last status", self.status_edit), 0, 4)
        grid.addWidget(self.status_edit, 0, 5)
        grid.addWidget(self.clear_button, 0, 7)
        grid.addWidget(self.created_from, 1, 0, 1, 2)
        grid.addWidget(self.created_to, 1, 2, 1, 2)
        grid.addWidget(self.retry_from, 1, 4, 1, 2)
        grid.addWidget(self.retry_to, 1, 6, 1, 2)
        grid.addWidget(self.problem, 2, 0, 1, 8)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(6, 1)

        self.type_box.currentIndexChanged.connect(self._edited)
        self.status_edit.textChanged.connect(self._edited)
        for box in (self.retries_min, self.retries_max):
            box.valueChanged.connect(self._edited)
        for bound in (self.created_from, self.created_to, self.retry_from, self.retry_to):
            bound.check.toggled.connect(self._edited)
            bound.edit.dateTimeChanged.connect(self._edited)

    def set_types(self, types: Iterable[str]) -> None:
        """Offers ``types`` (the catalogue) in the type box, once."""
        if self.type_box.count() > 1:
            return
        with QSignalBlocker(self.type_box):
            for name in types:
                self.type_box.addItem(name, name)

    def _retries_box(self, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(-1, 3)
        box.setSpecialValueText(ANY)  # -1 shows "Any"
        box.setValue(-1)
        box.setAccessibleName(name)
        return box

    def _edited(self, *_args: object) -> None:
        self.debounce.start()

    def values(self) -> LogFilters:
        """The filters as they are now.

        Raises:
            ValueError: With one sentence, if they contradict each other (a range upside down).
        """
        from impilo_desk.client import LogFilters  # the client loads after the first paint

        status = self.status_edit.text().strip()
        low, high = self.retries_min.value(), self.retries_max.value()
        try:
            if status and not (status.isascii() and status.isdigit() and int(status) <= 999):
                raise ValueError(
                    f"Last status “{status}” is not a status: enter a whole number from 0 "
                    "to 999 (0 means no answer), e.g. 503."
                )
            filters = LogFilters(
                webhook_type=self.type_box.currentData(),
                retry_attempts_min=None if low < 0 else low,
                retry_attempts_max=None if high < 0 else high,
                last_response_status=int(status) if status else None,
                start_last_retry=self.retry_from.value(),
                end_last_retry=self.retry_to.value(),
                start=self.created_from.value(),
                end=self.created_to.value(),
            )
        except ValueError as exc:
            self.problem.setText(str(exc))
            raise
        self.problem.setText("")
        return filters

    def set_values(self, values: LogFilters) -> None:
        """Shows ``values`` (``changed`` follows, debounced, as for typing)."""
        index = self.type_box.findData(values.webhook_type) if values.webhook_type else 0
        self.type_box.setCurrentIndex(max(0, index))
        self.retries_min.setValue(
            -1 if values.retry_attempts_min is None else values.retry_attempts_min
        )
        self.retries_max.setValue(
            -1 if values.retry_attempts_max is None else values.retry_attempts_max
        )
        status = values.last_response_status
        self.status_edit.setText("" if status is None else str(status))
        self.created_from.set_value(values.start)
        self.created_to.set_value(values.end)
        self.retry_from.set_value(values.start_last_retry)
        self.retry_to.set_value(values.end_last_retry)
        self._edited()

    def clear(self) -> None:
        """Removes every filter."""
        from impilo_desk.client import LogFilters

        self.set_values(LogFilters())

    def flush(self) -> None:
        """Sends a pending debounced change now (Enter in a field)."""
        if self.debounce.isActive():
            self.debounce.stop()
            self.changed.emit()


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text, buddy.parentWidget())
    label.setBuddy(buddy)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label
