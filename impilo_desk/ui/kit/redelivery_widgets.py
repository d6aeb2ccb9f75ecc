"""The widgets both redelivery flows show: target URL, production confirmation, run row.

Used by the Logs tab's Resend/Recover and the Events tab's Replay to….
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QWidget

from impilo_desk.ui.kit.banners import keep_room
from impilo_desk.ui.kit.fixed_lines import FixedLines
from impilo_desk.ui.kit.palette import set_tone

PLACEHOLDER_URL = "http://localhost:3000/webhook"


class TargetUrl:
    """The URL a run sends to, and the sentence that says why it cannot be used.

    Before anything was typed in the field, that sentence is a hint ("Enter the URL…") in
    the palette's own colour: nothing is wrong yet. Once the field has held text, it is an
    error: a warning sign and the error colour.

    Attributes:
        edit: The URL field.
        error: The problem with it ("" when usable); its height is kept for two lines, so
            nothing below moves under the pointer while the user types.
    """

    def __init__(self, parent: QWidget, accessible_name: str) -> None:
        self.edit = QLineEdit(parent)
        self.edit.setPlaceholderText(PLACEHOLDER_URL)
        self.edit.setAccessibleName(accessible_name)
        # two lines, fixed: a sentence that comes, wraps or goes changes no height in the dialog
        self.error = FixedLines(parent, 2)
        self.error.setAccessibleName("Target URL problem")
        self._typed = False

    def show_problem(self, sentence: str) -> None:
        """Says why the URL cannot be used ("": it can): a hint until text was typed."""
        self._typed = self._typed or bool(self.edit.text())
        wrong = bool(sentence) and self._typed
        self.error.set_full_text(f"⚠ {sentence}" if wrong else sentence)
        set_tone(self.error, "error" if wrong else "")


class ProductionConfirmation:
    """On a production profile, the profile's name typed before anything is sent.

    Attributes:
        label: What to type, and why (hidden for other profiles).
        edit: Where it is typed (hidden for other profiles).
    """

    def __init__(self, parent: QWidget, production_name: str | None, why: str) -> None:
        self._name = production_name
        self.label = QLabel("", parent)
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Production confirmation")
        self.edit = QLineEdit(parent)
        self.edit.setAccessibleName("Type the profile name to confirm")
        for widget in (self.label, self.edit):
            widget.setVisible(production_name is not None)
        if production_name is not None:
            self.label.setText(f"{why} Type the profile name “{production_name}” to send.")

    def typed(self) -> bool:
        """Whether sending is confirmed (always, for a profile that is not production)."""
        return self._name is None or self.edit.text().strip() == self._name


class RunBar(QWidget):
    """A run's state, its progress bar and its Cancel button, shown while it runs.

    The label keeps one width for the whole run: a width that followed the digits re-laid
    out the whole window ten times a second (most of a long event-loop stall in the Logs tab).

    Args:
        parent: The tab.
        what: The run's name in the accessible names ("redelivery", "replay").
        kept_room: Whether it sits beside other controls in room kept for it while hidden
            (``keep_room``): its text then never changes the layout, and a text longer than
            the room is cut (the whole text is in the tooltip).
    """

    def __init__(self, parent: QWidget, what: str, *, kept_room: bool = False) -> None:
        super().__init__(parent)
        self._kept_room = kept_room
        self.label = QLabel("", self)
        self.label.setAccessibleName(f"{what.capitalize()} run state")
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(f"{what.capitalize()} progress")
        self.cancel_button = QPushButton(f"Cancel {what}", self)
        self.cancel_button.setAccessibleName(f"Cancel the {what}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        if kept_room:
            keep_room(self, self.label)
        self.hide()

    def show_run(self, total: int, text: str, *longest: str) -> None:
        """Shows a run of ``total`` POSTs starting, saying ``text``.

        ``longest`` are the longest texts the run will show; the label is as wide as the
        widest of all, for the whole run.
        """
        if not self._kept_room:
            width = self.label.fontMetrics().horizontalAdvance
            self.label.setFixedWidth(max(width(t) for t in (text, *longest)) + 8)
        self.label.setText(text)
        self.label.setToolTip(text)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(0)
        self.progress.setFormat(f"%v of {total:,}")
        self.cancel_button.setEnabled(True)
        self.show()

    def show_progress(self, done: int, text: str | None = None) -> None:
        """Shows ``done`` POSTs finished (and ``text``, unless cancelling)."""
        self.progress.setValue(done)
        if text is not None and self.cancel_button.isEnabled():
            self.label.setText(text)

    def show_cancelling(self, text: str) -> None:
        """Shows that no more POSTs start; those in flight finish."""
        self.cancel_button.setEnabled(False)
        self.label.setText(text)
