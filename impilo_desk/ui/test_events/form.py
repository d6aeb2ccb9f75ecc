"""The value form of one reading kind, generated from the contract's value fields.

Each field gets a typed input (text for numbers, a check box for yes/no, a list for choices, a
summary for an ECG waveform), its unit and plausible range beside it, and a place for the
message that says what is wrong with it. Checking is ``validate_values``'s job (the form adds
only what it alone can tell: a typed number in doubt); the form collects what was typed and shows
the messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from impilo_desk.ui.kit.validation import FieldMessage, error_colour

if TYPE_CHECKING:
    from impilo_desk.contract import KindInfo, ValueField

INPUT_WIDTH = 110
EXCLUSIVE = (("beforeMeal", "afterMeal"),)  # yes/no fields of which at most one may be yes
WAVEFORM_FROM = ("heartRate", "samplingFrequency")  # an ECG strip is made from these
NO_WAVEFORM = "none yet: type both rates, or use a preset or random values"
# "1,000" or "1.000": a thousand with a separator, or one with three decimals? Either reading
# would change a value without a word ("1,000" lbs was fired as 1 lb, found under Xvfb).
GROUPED = re.compile(r"[+-]?(\d{1,3})[.,](\d{3})")


class KindForm(QWidget):
    """Inputs for every value field of one reading kind.

    Each field's message has a row of its own under the field, as wide as the form and kept
    while empty, so a message neither wraps a word per line nor moves the fields below it.

    Signals:
        edited(): The user changed a value (typed, ticked or chose).

    Args:
        info: The kind (its fields, units and ranges).
        parent: Parent widget.
    """

    edited = Signal()

    def __init__(self, info: KindInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setAccessibleName(f"{info.label} values")
        self.inputs: dict[str, QWidget] = {}
        self.hints: dict[str, QLabel] = {}
        self.messages: dict[str, FieldMessage] = {}
        self._samples: list[int] | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(3, 1)
        for index, f in enumerate(info.fields):
            row = 2 * index
            label = QLabel(f"{f.label}{' *' if f.required else ''}", self)
            editor = self._editor(f)
            label.setBuddy(editor)
            hint = QLabel("", self)
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # light or dark
            message = FieldMessage(self, f"{f.label} problem", lines=1)
            grid.addWidget(label, row, 0)
            grid.addWidget(editor, row, 1)
            grid.addWidget(hint, row, 2, 1, 2)
            grid.addWidget(message, row + 1, 1, 1, 3)  # under the field, the form's width
            self.inputs[f.name] = editor
            self.hints[f.name] = hint
            self.messages[f.name] = message
        grid.setRowStretch(2 * len(info.fields), 1)
        for first, second in EXCLUSIVE:
            self._exclusive(first, second)
        self._update_hints()

    def _editor(self, f: ValueField) -> QWidget:
        name = f"{f.label} ({f.unit})" if f.unit else f.label
        if f.type == "bool":
            box = QCheckBox(self)
            box.setAccessibleName(name)
            box.toggled.connect(lambda _on, n=f.name: self._changed(n))
            return box
        if f.choices:
            combo = QComboBox(self)
            combo.addItems(list(f.choices))
            combo.setAccessibleName(name)
            combo.setMinimumWidth(INPUT_WIDTH)
            combo.currentTextChanged.connect(lambda _text: self._update_hints())
            combo.activated.connect(lambda _i, n=f.name: self._changed(n))
            return combo
        if f.type == "samples":
            summary = QLabel(NO_WAVEFORM, self)
            summary.setAccessibleName(name)
            return summary
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setFixedWidth(INPUT_WIDTH)
        edit.setFixedHeight(edit.sizeHint().height())  # its error border must not grow the row
        edit.textEdited.connect(lambda _text, n=f.name: self._changed(n))
        return edit

    def _exclusive(self, first: str, second: str) -> None:
        """Ticking one of two yes/no fields unticks the other (both cannot be true)."""
        one, other = self.inputs.get(first), self.inputs.get(second)
        if not isinstance(one, QCheckBox) or not isinstance(other, QCheckBox):
            return

        def untick(box: QCheckBox) -> Callable[[bool], None]:
            def done(on: bool) -> None:
                if on:
                    box.setChecked(False)

            return done

        one.toggled.connect(untick(other))
        other.toggled.connect(untick(one))

    def _changed(self, name: str) -> None:
        self.show_error(name, "")
        if name in WAVEFORM_FROM:  # typed rates make the strip, as a preset's do
            self._remake_waveform()
        self.edited.emit()

    def _remake_waveform(self) -> None:
        """A strip that matches the rates typed: its length in seconds and its beats."""
        from impilo_desk.services.test_event_values import waveform_for

        values = self.values()
        samples = waveform_for(values)
        if samples is not None:  # else a rate being typed (or wrong): Fire says what is wrong
            self._samples = samples
        summary = self.inputs.get("samples")
        if isinstance(summary, QLabel):  # what the strip is now, in samples and seconds
            summary.setText(self._samples_text(values))

    def _update_hints(self) -> None:
        from impilo_desk.services.test_event_values import range_hint

        values = self.values()
        for f in self.info.fields:
            unit, span = range_hint(self.info, f, values)
            hint = " · ".join(p for p in (unit, span) if p)
            self.hints[f.name].setText(hint)
            editor = self.inputs[f.name]
            if isinstance(editor, QLineEdit):
                editor.setPlaceholderText(span)

    def values(self) -> dict[str, Any]:
        """What the form holds, parsed (text that is not a number stays text)."""
        from impilo_desk.services.test_event_values import parse_text

        values: dict[str, Any] = {}
        for f in self.info.fields:
            editor = self.inputs[f.name]
            if isinstance(editor, QCheckBox):
                values[f.name] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                values[f.name] = editor.currentText() or None
            elif isinstance(editor, QLineEdit):
                text = editor.text().strip()  # a grouped number stays text: it is refused
                values[f.name] = text if GROUPED.fullmatch(text) else parse_text(f, text)
            else:
                values[f.name] = self._samples
        return values

    def check(self) -> dict[str, str]:
        """What is wrong with each field (``validate_values``), a number in doubt said as such."""
        from impilo_desk.contract import validate_values

        errors = validate_values(self.info, self.values())
        for f in self.info.fields:
            editor = self.inputs[f.name]
            text = editor.text().strip() if isinstance(editor, QLineEdit) else ""
            grouped = GROUPED.fullmatch(text)
            if grouped is not None:
                whole, decimals = grouped.groups()
                sign = "-" if text.startswith("-") else ""
                decimal = f"{sign}{float(f'{whole}.{decimals}'):g}"
                thousands = f"{sign}{whole}{decimals}"
                errors[f.name] = f"{f.label}: “{text}” could be {thousands} or {decimal}; type one."
        return {f.name: errors[f.name] for f in self.info.fields if f.name in errors}

    def set_values(self, values: dict[str, Any]) -> None:
        """Fills the inputs from ``values`` (fields not in it are emptied) and clears messages."""
        from impilo_desk.services.test_event_values import format_value

        for f in self.info.fields:
            editor = self.inputs[f.name]
            value = values.get(f.name)
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QComboBox):
                if value is not None:
                    editor.setCurrentText(str(value))
            elif isinstance(editor, QLineEdit):
                editor.setText(format_value(f, value))
            elif isinstance(editor, QLabel):
                self._samples = list(value) if isinstance(value, list) else None
                editor.setText(self._samples_text(values))
        if self._samples is not None:
            self._remake_waveform()  # the strip follows the rates shown
        self.show_errors({})
        self._update_hints()

    def _samples_text(self, values: dict[str, Any]) -> str:
        if not self._samples:
            return NO_WAVEFORM
        from impilo_desk.services.time_display import duration

        rate = values.get("samplingFrequency")
        seconds = (
            f", {duration(len(self._samples) / rate)}" if isinstance(rate, int) and rate else ""
        )
        low, high = min(self._samples), max(self._samples)
        return f"{len(self._samples)} samples{seconds}, {low} to {high} µV (synthetic)"

    def set_text(self, name: str, text: str) -> None:
        """Types ``text`` into the field ``name`` (a text field)."""
        editor = self.inputs[name]
        if isinstance(editor, QLineEdit):
            editor.setText(text)
            self.show_error(name, "")

    def show_errors(self, errors: dict[str, str]) -> None:
        """Shows each field's message (and clears the others)."""
        for name in self.messages:
            self.show_error(name, errors.get(name, ""))

    def show_error(self, name: str, message: str) -> None:
        """Shows ``message`` next to the field ``name`` (empty: clears it)."""
        self.messages[name].say(message)
        editor = self.inputs[name]
        editor.setAccessibleDescription(message)
        self._border(name)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """A field's red border follows the palette (light or dark)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for name in self.messages:
                self._border(name)

    def _border(self, name: str) -> None:
        # A style sheet keeps the palette it was set under: set again, the field takes the
        # palette in use (its text and background), and the red that reads on it.
        editor = self.inputs[name]
        if isinstance(editor, QLineEdit) and (self.message(name) or editor.styleSheet()):
            message = self.message(name)
            border = f"QLineEdit {{ border: 1px solid {error_colour(self)}; }}"
            editor.setStyleSheet(border if message else "")

    def message(self, name: str) -> str:
        """The message shown next to the field ``name``."""
        return self.messages[name].sentence

    def first_error_field(self) -> QWidget | None:
        """The first input with a message (to give it the focus)."""
        for name in self.messages:
            if self.message(name):
                return self.inputs[name]
        return None
