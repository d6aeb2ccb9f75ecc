"""The Logs table at 1280 px: the URL has room to be read, and so has every other column.

Found after issue 20: the other columns were sized for their longest texts and the URL got what
was left, about 95 px at 1280 px, where no URL can be read. Each cell is measured as the style
lays it out (its icon, its margins), on the real window, with rows like the demo's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from impilo_desk.contract import EVENT_TYPES
from impilo_desk.ui.logs.model import LogColumn
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.logs_support import Harness, close_tab, open_tab, seed_db

# The demo's webhooks deliver to its sandbox's sinks ("…/sandbox/sink/ok", "/flaky", "/down").
DEMO_URL = "http://127.0.0.1:65535/sandbox/sink/flaky"
LONG_URL = "https://clinic-42.ehr.example.org/integrations/impilo/webhooks/readings/weight"


def _rows(now: datetime) -> list[dict[str, object]]:
    """One row per kind of state, with dates shown (not today) and the widest type."""
    day, minute = timedelta(days=2), timedelta(minutes=1)
    widest = max(EVENT_TYPES, key=len)
    return [
        {"type": widest, "status": 200, "retries": 0, "created": now - day, "url": DEMO_URL},
        {"type": "reading.weight", "status": 200, "retries": 2, "created": now - day,
         "last_retry": now - day + 45 * minute, "url": DEMO_URL},
        {"type": "reading.weight", "status": 0, "retries": 3, "created": now - day,
         "last_retry": now - day + 105 * minute, "webhook_id": 12345, "url": DEMO_URL},
        # retry 3 is 60 min after retry 2: "Retry 3 of 3 at … (in 59m …)"
        {"type": "reading.bloodPressure", "status": 503, "retries": 2, "created": now - 50 * minute,
         "last_retry": now - minute // 2, "url": DEMO_URL},
        {"type": "reading.bloodPressure", "status": 503, "retries": 0, "created": now - minute,
         "url": LONG_URL},
    ]  # fmt: skip


@pytest.fixture
def wide_tab(qtbot, make_desk, tmp_path) -> Iterator[Harness]:
    seed_db(tmp_path / "sandbox.db", _rows(datetime.now(UTC).replace(microsecond=0)))
    with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
        harness = open_tab(qtbot, make_desk, box)
        window = harness.desk.window
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        yield harness
        close_tab(qtbot, make_desk, harness)


def _option(table: QTableView, row: int, column: int) -> QStyleOptionViewItem:
    """The style option the table paints the cell with."""
    index = table.model().index(row, column)
    option = QStyleOptionViewItem()
    table.initViewItemOption(option)
    delegate = table.itemDelegateForIndex(index)
    assert isinstance(delegate, QStyledItemDelegate)
    delegate.initStyleOption(option, index)
    option.rect = table.visualRect(index)
    return option


def _text_room(table: QTableView, row: int, column: int) -> int:
    """The width the style draws the cell's text in (after its icon and margins), in px."""
    option = _option(table, row, column)
    style = table.style()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, table)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    return rect.width() - 2 * margin


def _title_room(table: QTableView, column: int) -> int:
    """The width the style leaves a title: its margins off, and the sort arrow's share if
    sorted (half the header's height and two margins, at its right: seen under Xvfb)."""
    header = table.horizontalHeader()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    room = header.sectionSize(column) - 2 * margin
    if header.sortIndicatorSection() == column:
        room -= header.height() // 2 + 2 * margin
    return room


def test_at_1280_px_the_url_and_every_other_column_can_be_read(qtbot, wide_tab):
    table = wide_tab.view.table
    header = table.horizontalHeader()
    model = wide_tab.model
    assert model.rowCount() == 5
    qtbot.waitUntil(lambda: wide_tab.desk.window.width() == 1280)
    qtbot.waitUntil(lambda: header.length() == table.viewport().width())  # the URL stretched
    assert not table.horizontalScrollBar().isVisible()  # every column in view

    cell = table.fontMetrics().horizontalAdvance
    demo_row = next(r for r in range(5) if model.record_at(r).webhookUrl == DEMO_URL)
    assert cell(DEMO_URL) <= _text_room(table, demo_row, LogColumn.URL)  # was ~95 px of 251
    # a row selected, as when reading its payload: the titles as the header paints them then
    wide_tab.view.select_row(demo_row)
    font = QFont(header.font())
    font.setBold(header.highlightSections())  # a selected column's title is bold
    title = QFontMetrics(font).horizontalAdvance
    for column in LogColumn:
        assert title(column.title) <= _title_room(table, column), column.title
        if column is LogColumn.URL:
            continue
        for row in range(model.rowCount()):
            text = model.index(row, column).data()
            assert cell(text) <= _text_room(table, row, column), (column.title, text)
    states = {model.index(r, LogColumn.STATE).data() for r in range(5)}
    assert any("(in 59m" in s for s in states), states  # the longest countdown, whole
    assert any(t.count("-") == 2 for t in wide_tab.column(LogColumn.CREATED))  # with a date

    # sorted by any column, its title is whole beside the arrow (the URL gives way), and the
    # column widened for it goes back when another is sorted
    narrow = {column: header.sectionSize(column) for column in LogColumn}
    for column in LogColumn:
        header.setSortIndicator(column, Qt.SortOrder.AscendingOrder)
        qtbot.waitUntil(lambda: header.length() == table.viewport().width())
        assert title(column.title) <= _title_room(table, column), column.title
        assert not table.horizontalScrollBar().isVisible()
    header.setSortIndicator(LogColumn.CREATED, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: header.sectionSize(LogColumn.URL) == narrow[LogColumn.URL])
    assert {column: header.sectionSize(column) for column in LogColumn} == narrow


def test_a_url_longer_than_its_column_keeps_its_host_and_path_end_and_its_tooltip(wide_tab):
    table, model = wide_tab.view.table, wide_tab.model
    row = next(r for r in range(5) if model.record_at(r).webhookUrl == LONG_URL)
    index = model.index(row, LogColumn.URL)
    assert table.fontMetrics().horizontalAdvance(LONG_URL) > _text_room(table, row, LogColumn.URL)
    option = _option(table, row, LogColumn.URL)
    assert option.textElideMode == Qt.TextElideMode.ElideMiddle  # "https://clinic…/weight"
    shown = table.fontMetrics().elidedText(
        LONG_URL, option.textElideMode, _text_room(table, row, LogColumn.URL)
    )
    assert shown.startswith("https://clinic-42.")
    assert shown.endswith("/readings/weight")
    assert index.data(Qt.ItemDataRole.ToolTipRole) == LONG_URL
