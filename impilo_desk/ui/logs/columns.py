"""How wide the Logs table's columns are: the URL gets the room the others leave.

Every column but the URL is as wide as its title and its longest common text (a date with a
zone, the widest catalogue type, a retry's countdown); the URL stretches over the rest and is
cut in the middle, so its host and its path's end stay in view (the tooltip has it whole).
Sized for their longest texts with room to spare, the others left the URL about 95 px at a
1280 px window, where no URL can be read.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from impilo_desk.contract import EVENT_TYPES
from impilo_desk.ui.logs.model import LogColumn

# What each column must show whole (besides its title): its longest common text.
_SAMPLES = {
    LogColumn.CREATED: "2026-10-31 23:59:59 CEST",  # a date and a zone: not today
    LogColumn.WEBHOOK_ID: "99999",
    LogColumn.STATUS: "no answer",
    LogColumn.RETRIES: "3",
    LogColumn.LAST_RETRY: "2026-10-31 23:59:59 CEST",
    # A retry due in the hour (or one past due); the tooltip holds a longer one whole.
    LogColumn.STATE: "Retry 3 of 3 at 23:59:59 CEST (in 59m 59s)",
}


class MiddleElided(QStyledItemDelegate):
    """Draws a cell's text cut in the middle ("https://ehr.exa…/hooks/in") when it is too long."""

    def initStyleOption(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """As the base class, with the text cut in the middle."""
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


def column_widths(table: QTableView) -> dict[LogColumn, int]:
    """The width of every column but the URL: its title and its longest common text, whole.

    Only as much room as the style takes is added, so the URL keeps what is left. The sorted
    column's title needs room for the arrow too: :func:`sorted_width`.
    """
    cells = table.fontMetrics().horizontalAdvance
    header = table.horizontalHeader()
    titles = header.fontMetrics().horizontalAdvance
    metric = table.style().pixelMetric
    # Room as the style lays a cell out: a margin each side of the text and of the icon, and
    # the grid line the cell gives up.
    margin = 2 * (metric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    margin += 1 if table.showGrid() else 0
    icon = metric(QStyle.PixelMetric.PM_SmallIconSize, None, table) + margin - 1
    title_margin = 2 * metric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    samples = {**_SAMPLES, LogColumn.TYPE: max(EVENT_TYPES, key=cells)}
    widths = {}
    for column, sample in samples.items():
        needed = cells(sample) + margin + (icon if column is LogColumn.STATE else 0)
        widths[column] = max(needed, titles(column.title) + title_margin)
    return widths


def sorted_width(header: QHeaderView, column: LogColumn) -> int:
    """The width ``column`` needs for its title beside the sort arrow, when it is sorted.

    The style draws the arrow at the title's right, in half the header's height and two
    margins, and cuts the title to what is left ("Last status" showed as ".ast statu").
    """
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    height = header.height() or header.sizeHint().height()
    return header.fontMetrics().horizontalAdvance(column.title) + 4 * margin + height // 2
