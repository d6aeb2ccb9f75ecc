"""The app's style: the platform's, with check box and radio button outlines that show.

Fusion outlines its check boxes and radio buttons in the window colour made darker: on a dark
window that is as dark as the box itself (1.1:1), so an unticked box was not there at all
(found in the dark screenshots). On a dark palette they get an outline in a light grey, 3:1
or more on the window (WCAG 1.4.11); on a light palette nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

from impilo_desk.ui.kit.palette import palette_is_dark, status_colour

_OUTLINED = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
)


class OutlinedStyle(QProxyStyle):
    """The style named ``base`` (the platform's), drawing indicator outlines that show.

    Args:
        base: The name of the style to draw everything else (``QStyle.name()``).
    """

    def drawPrimitive(  # noqa: N802 - Qt API
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draws as the base style; a light outline round dark check boxes and radio buttons."""
        super().drawPrimitive(element, option, painter, widget)
        if element not in _OUTLINED:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(status_colour("muted", palette_is_dark(option.palette))), 1))
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect)
        else:
            painter.drawRoundedRect(rect, 1.5, 1.5)
        painter.restore()
