"""The value form of one reading kind, generated from the contract's value fields.

Each field gets a typed input (text for numbers, a check box for yes/no, a list for choices, a
summary for an ECG waveform), its unit and plausible range beside it, and a place for the
message that says what is wrong with it. Checking is ``validate_values``'s job; the form only
collects what was typed and shows the messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

if TYPE_CHECKING:
    from impilo_desk.contract import KindInfo, ValueField

ERROR_STYLE = "QLabel { color: #b71c1c; }"
HINT_STYLE = "QLabel { color: #5f6368; }"
INPUT_WIDTH = 110


class KindForm(QWidget):
    """Inputs for every value field of one reading kind.

    Args:
        info: The kind (its fields, units and ranges).
        parent: Parent widget.
    """

    def __init__(self, info: KindInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setAccessibleName(f"{info.label} values")
        self.inputs: dict[str, QWidget] = {}
        self.hints: dict[str, QLabel] = {}
        self.messages: dict[str, QLabel] = {}
        self._samples: list[int] | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setColumnStretch(3, 1)
        for row, f in enumerate(info.fields):
            label = QLabel(f"{f.label}{' *' if f.required else ''}", self)
            editor = self._editor(f)
            label.setBuddy(editor)
            hint = QLabel("", self)
            hint.setStyleSheet(HINT_STYLE)
            message = QLabel("", self)
            message.setStyleSheet(ERROR_STYLE)
            message.setWordWrap(True)
            message.setAccessibleName(f"{f.label} problem")
            message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            grid.addWidget(label, row, 0)
            grid.addWidget(editor, row, 1)
            grid.addWidget(hint, row, 2)
            grid.addWidget(message, row, 3)
            self.inputs[f.name] = editor
            self.hints[f.name] = hint
            self.messages[f.name] = message
        grid.setRowStretch(len(info.fields), 1)
        self._update_hints()

    def _editor(self, f: ValueField) -> QWidget:
        name = f"{f.label} ({f.unit})" if f.unit else f.label
        if f.type == "bool":
            box = QCheckBox(self)
            box.setAccessibleName(name)
            return box
        if f.choices:
            combo = QComboBox(self)
            combo.addItems(list(f.choices))
            combo.setAccessibleName(name)
            combo.setMinimumWidth(INPUT_WIDTH)
            combo.currentTextChanged.connect(lambda _text: self._update_hints())
            return combo
        if f.type == "samples":
            summary = QLabel("none (use a preset or random values)", self)
            summary.setAccessibleName(name)
            return summary
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setFixedWidth(INPUT_WIDTH)
        edit.textEdited.connect(lambda _text, n=f.name: self.show_error(n, ""))
        return edit

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
                values[f.name] = parse_text(f, editor.text())
            else:
                values[f.name] = self._samples
        return values

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
        self.show_errors({})
        self._update_hints()

    def _samples_text(self, values: dict[str, Any]) -> str:
        if not self._samples:
            return "none (use a preset or random values)"
        rate = values.get("samplingFrequency")
        seconds = f", {len(self._samples) / rate:g} s" if isinstance(rate, int) and rate else ""
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
        self.messages[name].setText(message)
        editor = self.inputs[name]
        if isinstance(editor, QLineEdit):
            editor.setStyleSheet("QLineEdit { border: 1px solid #b71c1c; }" if message else "")

    def message(self, name: str) -> str:
        """The message shown next to the field ``name``."""
        return self.messages[name].text()

    def first_error_field(self) -> QWidget | None:
        """The first input with a message (to give it the focus)."""
        for name, label in self.messages.items():
            if label.text():
                return self.inputs[name]
        return None
