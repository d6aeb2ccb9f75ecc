"""A text-cell delegate that asks its model once per cell and lays each text out once.

Qt's ``QStyledItemDelegate.initStyleOption`` asks the model for seven roles of every cell it
paints (font, alignment, colour, check state, icon, text, background). For a model written in
Python each of those is a call from C++ into Python, so a table repainted under a live load
spent about half of each redraw there. A model that only ever has text and, for some rows, a
background gives both in one call (:class:`CellSource`), and the style draws the cell exactly
as before.

A plain cell (no background, not selected, current or hovered, text that fits) is drawn from
a ``QStaticText`` kept per text, at the place the style puts it, pixel for pixel: the style
lays out every cell's text again on every paint (a ``QTextLayout`` each), and a live table
repaints every visible row ten times a second. Every other cell is drawn by the style.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette, QStaticText, QTransform
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

_NO_BRUSH = QBrush()
_State = QStyle.StateFlag
_STYLED = _State.State_Selected | _State.State_HasFocus | _State.State_MouseOver
_STYLED |= _State.State_Editing
_CHANGES = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.PaletteChange)
_KEPT_TEXTS = 4_096  # laid-out texts kept (all of them dropped when full)


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
        self._texts: dict[str, QStaticText] = {}
        self._font = QFont()  # the font the kept texts were laid out in
        self._pens: dict[tuple[object, object, int], QColor | None] = {}  # None: the style draws
        self._margin: int | None = None
        if isinstance(parent, QWidget):  # the view: its style, font or palette may change
            parent.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Forgets what it kept when the view's style, font or palette changes."""
        if event.type() in _CHANGES:
            self._texts.clear()
            self._pens.clear()
            self._margin = None
        return False

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """A plain cell from its kept layout; any other cell as the style draws it."""
        text, brush = self._source.cell(index.row(), index.column())
        if brush is not None:
            super().paint(painter, option, index)
            return
        key = (option.state, option.features, option.palette.cacheKey())
        pen = self._pens[key] if key in self._pens else self._pen(key, option)
        if pen is None:
            super().paint(painter, option, index)
            return
        if not text:  # the style draws nothing for an empty plain cell
            return
        font = option.font  # the option's own (copied to be kept)
        if font != self._font:
            self._texts.clear()
            self._font = QFont(font)
        static = self._texts.get(text)
        if static is None:
            if len(self._texts) >= _KEPT_TEXTS:
                self._texts.clear()
            static = self._texts[text] = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), font)
        rect = option.rect
        margin = self._margin if self._margin is not None else self._text_margin(option)
        size = static.size()
        if size.width() > rect.width() - 2 * margin:  # the style elides it
            super().paint(painter, option, index)
            return
        # Where the style puts a line of text: in from the focus margin, centred as an
        # integer rectangle (QStyle.alignedRect), so the pixels are the style's.
        painter.save()
        painter.setFont(font)
        painter.setPen(pen)
        y = rect.y() + (rect.height() - int(size.height())) // 2
        painter.drawStaticText(rect.x() + margin, y, static)
        painter.restore()

    def _pen(self, key: tuple[object, object, int], option: QStyleOptionViewItem) -> QColor | None:
        """The text colour of a plain cell in this state, or None when the style draws it."""
        state = option.state
        pen: QColor | None = None
        widget = option.widget
        style = widget.style() if widget is not None else None
        plain = not (state & _STYLED) and option.direction == Qt.LayoutDirection.LeftToRight
        # A style sheet draws items its own way (padding, colours): the style draws those.
        plain = plain and style is not None and style.metaObject().className() != "QStyleSheetStyle"
        plain = plain and not option.features & QStyleOptionViewItem.ViewItemFeature.Alternate
        if plain:  # the colour group the style picks
            group = QPalette.ColorGroup.Normal
            if not state & _State.State_Enabled:
                group = QPalette.ColorGroup.Disabled
            elif not state & _State.State_Active:
                group = QPalette.ColorGroup.Inactive
            pen = option.palette.color(group, QPalette.ColorRole.Text)
        if len(self._pens) > 64:  # states times palettes: a handful
            self._pens.clear()
        self._pens[key] = pen
        return pen

    def _text_margin(self, option: QStyleOptionViewItem) -> int:
        widget = option.widget  # never None here: a plain cell has a view with a style
        metric = QStyle.PixelMetric.PM_FocusFrameHMargin
        self._margin = widget.style().pixelMetric(metric, None, widget) + 1
        return self._margin

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
