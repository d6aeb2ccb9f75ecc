"""Small status icons: a glyph on a disc of a status colour, for the light or the dark palette.

The shape of the glyph tells the state without the colour, and the word beside the icon says
it too. The disc is a status colour (:data:`~impilo_desk.ui.kit.palette.STATUS_COLOURS`): at
least 4.5:1 on the palette's tables, so it never fades into the row (a slate grey one was 2.2:1
on the dark table, the style's yellow warning sign 1.5:1 on the white one). The glyph is in the
table's own background colour, as far from the disc.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from impilo_desk.ui.kit.palette import status_colour

PAUSE = "pause"  # two bars, drawn: fonts differ in whether (and how) they have a pause sign
_GLYPH_COLOURS = ("#ffffff", "#17181a")  # (on the light palette's discs, on the dark's)


def status_icon(glyph: str, kind: str, dark: bool, size: int = 16) -> QIcon:
    """``glyph`` (a character, or :data:`PAUSE`) on a disc of status colour ``kind``."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(status_colour(kind, dark)))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(0, 0, size, size)
    ink = QColor(_GLYPH_COLOURS[dark])
    if glyph == PAUSE:
        bar, tall = size * 0.17, size * 0.5
        for left in (size * 0.31, size * 0.52):
            painter.fillRect(QRectF(left, (size - tall) / 2, bar, tall), ink)
    else:
        painter.setPen(ink)
        font = painter.font()
        font.setBold(True)
        font.setPixelSize(int(size * 0.75))
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    icon = QIcon(pixmap)
    # the same on a selected row: the style's tint of a selected icon turned the disc grey
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon
