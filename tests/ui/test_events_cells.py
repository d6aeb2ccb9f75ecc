"""The Events table's cells: drawn as the style draws them, and their Received texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyledItemDelegate, QTableView

from impilo_desk.services.event_store import Listed
from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.events.model import EventColumn, EventsModel
from impilo_desk.ui.kit.cell_delegate import TextCellDelegate

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LONG_TYPE = "device.associationChanged.withAVeryLongTypeNameThatIsCut"


def _row(n: int, *, at: datetime | None = None, marker: bool = False) -> Listed:
    at = at or T0 + timedelta(seconds=n)
    if marker:
        return Listed((at.timestamp(), -n), at, True, "gap", None, "", None, None, "relay", "Gap")
    kind = LONG_TYPE if n % 4 == 0 else "reading.weight"
    return Listed((at.timestamp(), n), at, False, kind, 1000 + n, "Thandiwe Mokoena", n, n, "relay")


def _grab(table: QTableView) -> QImage:
    table.viewport().repaint()
    return table.viewport().grab().toImage()


def _table(qtbot) -> tuple[QTableView, EventsModel]:
    model = EventsModel(times=TimeDisplay(utc=True))
    model.reset([_row(n, marker=n % 7 == 3) for n in range(40, 0, -1)], more=False)
    model.set_forwarded(38, "200 in 3 ms")
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.setColumnWidth(EventColumn.TYPE, 120)  # the long type is cut with "…"
    table.resize(900, 500)
    table.show()
    qtbot.waitExposed(table)
    table.selectRow(2)
    table.setFocus()
    table.setCurrentIndex(model.index(5, EventColumn.PATIENT))
    return table, model


def _both(table: QTableView, model: EventsModel) -> tuple[QImage, QImage]:
    """The viewport drawn by the style (asking the model per role), then by the delegate."""
    table.setItemDelegate(QStyledItemDelegate(table))
    styled = _grab(table)
    table.setItemDelegate(TextCellDelegate(model, table))
    ours = _grab(table)
    assert not ours.isNull()
    return styled, ours


def test_cells_look_exactly_as_the_style_draws_them(qtbot):
    # The delegate draws plain cells from kept text layouts: every pixel must be the style's,
    # for plain, cut (too long), marker, selected and current cells alike.
    table, model = _table(qtbot)
    styled, ours = _both(table, model)
    assert ours == styled
    assert _grab(table) == styled  # again, from the kept layouts


def test_cells_follow_a_new_font_and_a_style_sheet(qtbot):
    table, model = _table(qtbot)
    delegate = TextCellDelegate(model, table)
    table.setItemDelegate(delegate)
    _grab(table)  # layouts kept in the first font
    font = table.font()
    font.setPointSize(font.pointSize() + 3)
    table.setFont(font)
    for change in (
        lambda: None,
        lambda: table.setStyleSheet("QTableView::item { padding-left: 9px; color: #8a4b00; }"),
    ):
        table.setItemDelegate(delegate)
        change()
        ours = _grab(table)
        table.setItemDelegate(QStyledItemDelegate(table))
        assert ours == _grab(table)


def test_received_texts_are_per_second_and_follow_the_utc_setting(qtbot):
    times = TimeDisplay(local_zone=timezone(timedelta(hours=2), "SAST"))
    model = EventsModel(times=times)
    same_second = [_row(n, at=T0 + timedelta(milliseconds=n)) for n in (900, 300, 1)]
    model.reset([_row(5000, at=T0 + timedelta(seconds=5)), *same_second], more=False)

    def received() -> list[str]:
        return [model.data(model.index(n, EventColumn.RECEIVED)) for n in range(4)]

    assert received() == ["2026-12-01 12:00:05 SAST"] + ["2026-12-01 12:00:00 SAST"] * 3
    changed: list[int] = []
    model.dataChanged.connect(lambda first, last: changed.append(last.row() - first.row() + 1))
    times.set_utc(True)  # View › Times in UTC: every Received cell is written again
    assert changed == [4]
    assert received() == ["2026-12-01 10:00:05 UTC"] + ["2026-12-01 10:00:00 UTC"] * 3
