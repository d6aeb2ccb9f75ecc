"""A wrapped text in room of a fixed number of lines: its changes never move what is below."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

ELLIPSIS = "…"


class FixedLines(QLabel):
    """A word-wrapped label exactly ``lines`` lines high, whatever it says.

    A sentence that needs more lines is cut at a word with "…" (the whole of it is the tooltip
    and the accessible description); one that needs fewer leaves the room empty. So a longer
    or shorter sentence (a summary that turns into "Nothing is sent…") moves nothing under
    the pointer. :meth:`full_text` is what was set.

    Args:
        parent: Parent widget.
        lines: Lines of room.
    """

    def __init__(self, parent: QWidget | None = None, lines: int = 3) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 4)
        # the width is the layout's to give: the text never widens the dialog
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._full = ""

    def full_text(self) -> str:
        """The whole text, as set (the label may show it cut)."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Shows ``text``, cut with "…" if its lines do not fit."""
        self._full = text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt API
        """A new width: the text wraps, and is cut, anew."""
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        """Shown: its width is known now."""
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect()
        text = self._full
        # not shown yet: no width to cut at (the first resize of the shown label does it)
        if self.isVisible() and not self._fits(text, room):
            words = text.split(" ")
            fits, too_many = 1, len(words)  # the most words that fit before "…": a search
            while too_many - fits > 1:
                middle = (fits + too_many) // 2
                if self._fits(" ".join(words[:middle]) + ELLIPSIS, room):
                    fits = middle
                else:
                    too_many = middle
            text = " ".join(words[:fits]) + ELLIPSIS
        if self.text() != text:
            self.setText(text)

    def _fits(self, text: str, room: QRect) -> bool:
        flags = int(Qt.TextFlag.TextWordWrap)
        drawn = self.fontMetrics().boundingRect(QRect(0, 0, room.width(), 10**6), flags, text)
        return drawn.height() <= room.height()
