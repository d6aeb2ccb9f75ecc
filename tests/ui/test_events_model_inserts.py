"""The Events table model puts new rows at their place, a block at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from impilo_desk.services.event_store import Listed
from impilo_desk.ui.events.model import EventColumn, EventsModel
from impilo_desk.ui.kit.cell_delegate import TextCellDelegate

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _row(n: int, marker: bool = False) -> Listed:
    at = T0 + timedelta(seconds=n)
    if marker:
        return Listed((at.timestamp(), -n), at, True, "gap", None, "", None, None, "relay", "Gap")
    return Listed((at.timestamp(), n), at, False, "order.status", 7, "Ann Bee", n, n, "relay")


def _ids(model: EventsModel) -> list[int | None]:
    return [r.envelope_id for r in model.rows]


def test_rows_out_of_order_go_to_their_places_with_one_insert_per_place(qtbot):
    model = EventsModel()
    model.reset([_row(n) for n in (40, 30, 20, 10)], more=False)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    # A flush that brings events newer than the top and some that belong between shown rows
    # (a batch committed late, a replay after a gap): each group in one insert.
    new = [_row(n) for n in (45, 50, 35, 36, 25, 41, 5)]
    assert model.insert_new(new) == 7
    assert _ids(model) == [50, 45, 41, 40, 36, 35, 30, 25, 20, 10, 5]
    assert sorted(inserts) == [(0, 2), (1, 2), (2, 2), (4, 4)]  # four places, four inserts
    assert model.insert_new(new) == 0  # each once


def test_a_row_older_than_the_loaded_ones_waits_for_its_page(qtbot):
    model = EventsModel()
    model.reset([_row(n) for n in (40, 30)], more=True)
    assert model.insert_new([_row(50), _row(5)]) == 1
    assert _ids(model) == [50, 40, 30]


def test_cells_say_the_same_through_the_delegate_as_through_data(qtbot):
    model = EventsModel()
    model.reset([_row(2), _row(1, marker=True)], more=False)
    model.set_forwarded(2, "200 in 3 ms")
    for n in range(2):
        for column in EventColumn:
            index = model.index(n, column)
            text, brush = model.cell(n, column)
            assert text == (model.data(index) or "")
            assert brush == model.data(index, Qt.ItemDataRole.BackgroundRole)
    assert model.cell(1, EventColumn.TYPE) == ("⚠ Gap", model.marker_brush)
    assert model.cell(0, EventColumn.FORWARDED)[0] == "200 in 3 ms"
    assert isinstance(TextCellDelegate(model), TextCellDelegate)


def test_a_forward_result_updates_its_row_wherever_it_moved(qtbot):
    model = EventsModel()
    model.reset([_row(n) for n in (40, 30, 20)], more=True)
    model.insert_new([_row(50), _row(45), _row(35)])
    model.append_page([_row(10), _row(5, marker=True)], more=False)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, _last: changed.append((first.row(), first.column())))
    for event_id in (30, 10, 50, 99):  # 99 is not loaded: nothing to redraw
        model.set_forwarded(event_id, "200 in 3 ms")
    forwarded = int(EventColumn.FORWARDED)
    assert changed == [(4, forwarded), (6, forwarded), (0, forwarded)]
    assert model.cell(4, forwarded) == ("200 in 3 ms", None)
    model.trim(2)  # rows past the first two are dropped (read again when scrolled to)
    changed.clear()
    model.set_forwarded(30, "500 in 4 ms")
    assert changed == []
    assert model.forwarded[30] == "500 in 4 ms"  # shown when its row is read again
