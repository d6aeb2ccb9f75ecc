"""The app's style: the platform's, with outlines that show round boxes, fields and lists.

Fusion outlines check boxes, radio buttons, text fields, spin and combo boxes in the window colour
made darker: 2:1 on the light window, and on a dark one as dark as the box itself (1.1:1), so
an unticked box or an empty spin box was not there at all (found in the dark screenshots).
They get an outline in the muted status grey instead, 3:1 or more on the window on either
palette (WCAG 1.4.11, non-text contrast).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QStyleOptionComplex, QWidget

from impilo_desk.ui.kit.palette import palette_is_dark, status_colour

_OUTLINED = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
    QStyle.PrimitiveElement.PE_FrameLineEdit,
)


_OUTLINED_CONTROLS = (
    QStyle.ComplexControl.CC_SpinBox,
    QStyle.ComplexControl.CC_ComboBox,
)


def _outline(painter: QPainter, option: QStyleOption, *, round_: bool = False) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(status_colour("muted", palette_is_dark(option.palette))), 1))
    rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
    if round_:
        painter.drawEllipse(rect)
    else:
        painter.drawRoundedRect(rect, 1.5, 1.5)
    painter.restore()


class OutlinedStyle(QProxyStyle):
    """The style named ``base`` (the platform's), drawing outlines that show.

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
        """Draws as the base style; an outline that shows round boxes, buttons and fields."""
        super().drawPrimitive(element, option, painter, widget)
        if element in _OUTLINED:
            _outline(
                painter, option, round_=element == QStyle.PrimitiveElement.PE_IndicatorRadioButton
            )

    def drawComplexControl(  # noqa: N802 - Qt API
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        """Draws as the base style; an outline that shows round spin boxes and combo boxes."""
        super().drawComplexControl(control, option, painter, widget)
        if control in _OUTLINED_CONTROLS:
            _outline(painter, option)
