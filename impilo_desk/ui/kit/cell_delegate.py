"""A text-cell delegate that asks its model once per cell, not once per role.

Qt's ``QStyledItemDelegate.initStyleOption`` asks the model for seven roles of every cell it
paints (font, alignment, colour, check state, icon, text, background). For a model written in
Python each of those is a call from C++ into Python, so a table repainted under a live load
spent about half of each redraw there. A model that only ever has text and, for some rows, a
background gives both in one call (:class:`CellSource`), and the style draws the cell exactly
as before.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

_NO_BRUSH = QBrush()


class CellSource(Protocol):
    """A model whose cells are a text and, at most, a background brush."""

    def cell(self, row: int, column: int) -> tuple[str, QBrush | None]:
        """The text and background of a cell (``("", None)`` out of range)."""
        ...


class TextCellDelegate(QStyledItemDelegate):
    """Paints the cells of a :class:`CellSource` with the style, one model call per cell.

    Args:
        source: The model the view shows.
        parent: QObject parent (the view).
    """

    def __init__(self, source: CellSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source

    def initStyleOption(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """What the base class sets for a text cell, from one call to the source."""
        text, brush = self._source.cell(index.row(), index.column())
        if isinstance(index, QModelIndex):  # what a view paints with (never a persistent one)
            option.index = index
        if text:
            option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            option.text = text
        option.backgroundBrush = brush if brush is not None else _NO_BRUSH
        # As the base class does (no style animations in views); the stub wants a QObject.
        option.styleObject = None  # type: ignore[assignment]
