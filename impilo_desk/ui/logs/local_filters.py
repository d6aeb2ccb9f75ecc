"""The Logs tab's filters Impilo does not have (run on the local copy), and where rows come from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from impilo_desk.ui.kit.palette import set_tone

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.search import LocalFilters

DEBOUNCE_MS = 400
NEEDS_COPY = (
    "Webhook, URL, patient and text filters and sorting need the local copy, which covers the "
    "last {days}: move “Created from” into them, or untick it to search the whole copy."
)
COPY_NOT_READY = (
    "Webhook, URL, patient and text filters and sorting need the local copy, whose first sync "
    "has not finished; they run as soon as it has."
)
COPY_FAILED = (
    "Webhook, URL, patient and text filters and sorting need the local copy, whose first sync "
    "failed; they run once a sync succeeds. {error}"
)
NO_COPY = (
    "Webhook, URL, patient and text filters and sorting need the local copy, which this "
    "profile does not keep."
)


class LocalFilterBar(QWidget):
    """Webhook id, URL contains, patient (id or name), text in the payload; a note beside them.

    Signals:
        changed(): A filter changed (debounced, as the API filters).
        use_copy_clicked(): The user asked for the dates the local copy covers.

    Args:
        parent: Parent widget.
    """

    changed = Signal()
    use_copy_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Local copy filters")
        self.debounce = QTimer(self)
        self.debounce.setObjectName("logs-local-filter-debounce")
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.changed)
        self.webhook_edit = self._edit("Webhook", "any id, e.g. 3", 110)
        self.url_edit = self._edit("URL contains", "any, e.g. clinic", 170)
        self.patient_edit = self._edit("Patient", "id or name", 150)
        self.text_edit = self._edit("Text in payload", "words, e.g. 503 weight", 190)
        self.patient_edit.setToolTip(
            "A patient id (digits), or words that begin the patient's first or last name."
        )
        self.text_edit.setToolTip(
            "Words of the payload: each word you type must begin a word of the payload "
            "(any case); “amara 120” finds payloads with Amara… and 120…."
        )
        self.note = QLabel("", self)
        self.note.setAccessibleName("Local filters note")
        self.note.setWordWrap(True)
        self.use_copy = QToolButton(self)
        self.use_copy.setText("Use the local copy's dates")
        self.use_copy.setAccessibleName("Use the local copy's dates")
        self.use_copy.clicked.connect(self.use_copy_clicked)
        self.use_copy.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        for n, edit in enumerate(
            (self.webhook_edit, self.url_edit, self.patient_edit, self.text_edit)
        ):
            if n:
                row.addSpacing(12)  # each label stays with its own field
            label = QLabel(edit.accessibleName().removesuffix(" filter"), self)
            label.setBuddy(edit)
            row.addWidget(label)
            row.addWidget(edit)
        row.addStretch(1)
        column.addLayout(row)
        notes = QHBoxLayout()  # the sentence gets the tab's width: one line, not a column
        notes.addWidget(self.note, 1)
        notes.addWidget(self.use_copy)
        column.addLayout(notes)

    def _edit(self, name: str, placeholder: str, width: int) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(f"{name} filter")
        edit.setPlaceholderText(placeholder)
        edit.setClearButtonEnabled(True)
        edit.setMinimumWidth(width)
        edit.textChanged.connect(lambda _t: self.debounce.start())
        edit.returnPressed.connect(self.flush)
        return edit

    def values(self) -> LocalFilters:
        """The filters as typed.

        Raises:
            ValueError: With one sentence, if one cannot be used (a webhook id not a number,
                a text with no letters or digits).
        """
        from impilo_desk.services.log_mirror.search import LocalFilters
        from impilo_desk.services.log_mirror.text_index import words

        hook = self.webhook_edit.text().strip()
        if hook and not (hook.isascii() and hook.isdigit()):
            raise ValueError(f"Webhook “{hook}” is not a webhook id: enter its number, e.g. 3.")
        for name, edit in (("Patient", self.patient_edit), ("Text", self.text_edit)):
            typed = edit.text().strip()
            if typed and not words(typed):
                raise ValueError(
                    f"{name} “{typed}” has no letters or digits to look for: type a word."
                )
        return LocalFilters(
            webhook_id=int(hook) if hook else None,
            url_contains=self.url_edit.text().strip() or None,
            patient=self.patient_edit.text().strip() or None,
            text=self.text_edit.text().strip() or None,
        )

    def show_note(self, text: str, offer_dates: bool = False) -> None:
        """Says (or clears) why the filters cannot run now; offers the local copy's dates."""
        self.note.setText(text)
        set_tone(self.note, "warning" if text else "")
        self.use_copy.setVisible(offer_dates)

    def clear(self) -> None:
        """Removes every local filter."""
        for edit in (self.webhook_edit, self.url_edit, self.patient_edit, self.text_edit):
            edit.clear()

    def flush(self) -> None:
        """Sends a pending debounced change now (Enter in a field)."""
        if self.debounce.isActive():
            self.debounce.stop()
            self.changed.emit()
