"""The order Tab visits a page's controls in: reading order, set where creation order is not."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtWidgets import QAbstractButton, QWidget


def tab_order(*widgets: QWidget) -> None:
    """Makes Tab visit ``widgets`` one after the other, in this order.

    Qt's default order is the order the widgets were made in, which differs from where a
    layout puts them as soon as a row is built from widgets made earlier (a check box made
    before the buttons left of it). Each widget is moved to right after the one before it;
    the rest of the chain keeps its order.
    """
    for before, after in pairwise(widgets):
        QWidget.setTabOrder(before, after)


def buttons_of(widget: QWidget) -> list[QWidget]:
    """The buttons inside ``widget``, in the order they were made (for :func:`tab_order`)."""
    return list(widget.findChildren(QAbstractButton))
