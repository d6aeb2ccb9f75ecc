"""What a user reads on screen, and its contrast with what is behind it (WCAG 2, AA: 4.5:1).

Every visible, enabled label of a window or dialog, and every cell of its visible tables: the
colour its text is drawn in (what its palette, or a style sheet, made of it) against the colour
of the nearest widget that paints a background behind it (itself, a box, or the window).
Disabled text is exempt (WCAG 1.4.3), as are images; a rich-text label is taken at its
palette's colour.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTabWidget, QWidget

from impilo_desk.ui.kit.palette import contrast, shown_colour

AA = 4.5
ROWS_CHECKED = 40  # a table's first rows: the colours are per state, not per row
over = shown_colour  # what a translucent colour shows as over a background: the app's blending


def behind(widget: QWidget) -> QColor:
    """The colour painted behind ``widget``'s text."""
    w: QWidget | None = widget
    while w is not None:
        paints = w.autoFillBackground() or w.isWindow() or "background" in w.styleSheet()
        if paints:
            w.ensurePolished()
            return w.palette().color(w.backgroundRole())
        w = w.parentWidget()
    return widget.palette().color(QPalette.ColorRole.Window)


def _colour(value: Any) -> QColor | None:
    if isinstance(value, QBrush):
        return value.color() if value.style() != Qt.BrushStyle.NoBrush else None
    return value if isinstance(value, QColor) else None


def _name(widget: QWidget) -> str:
    return widget.accessibleName() or widget.objectName() or type(widget).__name__


def shown_texts(root: QWidget) -> Iterator[tuple[str, str, QColor, QColor]]:
    """(where, text, text colour, background) of every text shown on ``root``."""
    labels = root.findChildren(QLabel)
    for label in [root, *labels] if isinstance(root, QLabel) else labels:
        text = label.text().strip()
        if not (label.isVisible() and label.isEnabled() and text):
            continue
        label.ensurePolished()
        colour = label.palette().color(label.foregroundRole())
        yield _name(label), text, colour, behind(label)
    for view in root.findChildren(QAbstractItemView):
        if isinstance(view, QHeaderView) or not view.isVisible() or view.model() is None:
            continue
        yield from _cells(view)


def _cells(view: QAbstractItemView) -> Iterator[tuple[str, str, QColor, QColor]]:
    model = view.model()
    palette = view.palette()
    text_colour = palette.color(QPalette.ColorRole.Text)
    for row in range(min(model.rowCount(), ROWS_CHECKED)):
        base = palette.color(
            QPalette.ColorRole.AlternateBase
            if view.alternatingRowColors() and row % 2
            else QPalette.ColorRole.Base
        )
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = str(model.data(index) or "").strip()
            if not text:
                continue
            fg = _colour(model.data(index, Qt.ItemDataRole.ForegroundRole)) or text_colour
            bg = _colour(model.data(index, Qt.ItemDataRole.BackgroundRole)) or base
            yield f"{_name(view)} row {row} column {column}", text, fg, bg


def unreadable(root: QWidget) -> list[str]:
    """Each text on ``root`` under 4.5:1 on its background, as "where “text”: ratio"."""
    low = []
    for where, text, fg, bg in shown_texts(root):
        ratio = contrast(fg, bg)
        if ratio < AA:
            low.append(f"{where} “{text[:40]}”: {ratio:.1f}:1 ({fg.name()} on {bg.name()})")
    return low


def unreadable_on_every_tab(window: QWidget, tabs: QTabWidget, qtbot: Any) -> list[str]:
    """:func:`unreadable` for the window with each of its tabs shown in turn."""
    current = tabs.currentIndex()
    low: dict[str, None] = {}
    try:
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            page = tabs.widget(index)
            assert page is not None
            qtbot.waitUntil(page.isVisible, timeout=5_000)
            low |= dict.fromkeys(f"{tabs.tabText(index)}: {p}" for p in unreadable(window))
    finally:
        tabs.setCurrentIndex(current)
    return list(low)
