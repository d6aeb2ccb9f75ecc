"""Inline validation: one sentence next to a field, in room that never moves the form.

A message that appears or goes must not push the fields below it (the next click would land in
the wrong one), nor wrap one word per line in a narrow column. :class:`FieldMessage` keeps its
room while empty and is as wide as its row allows, so its text wraps at most once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from impilo_desk.ui.kit.palette import is_dark, set_tone, status_colour

MIN_MESSAGE_WIDTH = 260  # about 40 characters: a sentence wraps at most once
MESSAGE_LINES = 2


class FieldMessage(QLabel):
    """The message of one field (or a group): empty, or one sentence saying what is wrong.

    Its height is reserved for ``lines`` lines whether or not it says anything, so showing or
    clearing it moves nothing; the text is selectable and read out by screen readers (the
    accessible description follows it). ``isVisible`` is True only while it says something.

    Args:
        parent: Parent widget.
        accessible_name: What a screen reader calls it ("Heart rate message").
        lines: Lines of room kept.
    """

    def __init__(
        self, parent: QWidget | None = None, accessible_name: str = "Message", lines: int = 2
    ) -> None:
        super().__init__(parent)
        self.setObjectName("fieldMessage")
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMinimumWidth(MIN_MESSAGE_WIDTH)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 4)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)  # hidden, it still holds its room
        self.setSizePolicy(policy)
        self.sentence = ""
        self.hide()

    def say(self, sentence: str | None) -> None:
        """Shows ``sentence`` (after a warning sign: colour never says it alone), or clears."""
        self.sentence = sentence or ""
        if not sentence:
            self.clear()
            self.setAccessibleDescription("")
            self.hide()
            return
        self.setText(f"⚠ {sentence}")
        set_tone(self, "error")
        self.setToolTip(sentence)  # the whole sentence even if the room cuts it
        self.setAccessibleDescription(sentence)
        self.show()


def error_colour(widget: QWidget) -> str:
    """A red that reads on the widget's background, light palette or dark."""
    return status_colour("error", is_dark(widget))
