"""The Readings tab while readings stream in: rows go on top, what you read stays, none lost."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from PySide6.QtCore import QPoint

from impilo_desk.contract import Reading, ReadingKind
from impilo_desk.services.reading_series import KindSeries
from impilo_desk.ui.readings.controller import TAKE_MAX
from impilo_desk.ui.readings.page import KindPage
from tests.ui.readings_support import open_readings, relay_reading, weight_reading

WEIGHT = ReadingKind.WEIGHT.value


def top_row(page: KindPage) -> int:
    return page.table.indexAt(QPoint(2, 2)).row()


def selected_rows(page: KindPage) -> list[int]:
    return [index.row() for index in page.table.selectionModel().selectedRows()]


@pytest.fixture
def make(qtbot, make_desk) -> Any:
    """``make(base_url=…, store_path=…, relay=…)``: a desk with the Readings tab (``Readings``)."""
    return partial(open_readings, qtbot, make_desk)


def test_live_readings_go_on_top_and_keep_the_selection_and_the_rows_in_view(qtbot, make, tmp_path):
    r = make(store_path=tmp_path / "events.db")
    r.start()  # an empty store: no patients yet
    r.tab.set_patients([(1, "Pat Stream (#1)")], 1)
    with qtbot.waitSignal(r.controller.loaded, timeout=10_000):
        r.controller.select_patient(1)
    r.tab.show_kind(WEIGHT)
    for i in range(200):
        r.hub.on_event(relay_reading(i))
    page = r.page(WEIGHT)
    model = page.model
    assert model.rowCount() == 200
    assert model.data(model.index(0, 1)) == "299.0"  # the newest first

    for i in range(200, 203):  # at the top, new readings come into view
        r.hub.on_event(relay_reading(i))
    r.controller.redraw(full=True)
    assert top_row(page) == 0
    assert model.data(model.index(0, 1)) == "302.0"

    page.table.verticalScrollBar().setValue(50)  # reading back in time
    qtbot.waitUntil(lambda: top_row(page) == 50)
    read = model.data(model.index(50, 1))
    page.table.selectRow(60)
    chosen = model.data(model.index(60, 1))
    for i in range(203, 210):
        r.hub.on_event(relay_reading(i))
    r.controller.redraw(full=True)
    assert model.rowCount() == 210
    qtbot.waitUntil(lambda: top_row(page) == 57)
    assert model.data(model.index(57, 1)) == read  # the same readings stay in view
    assert selected_rows(page) == [67]
    assert model.data(model.index(67, 1)) == chosen  # and the same one stays selected


def _reading(i: int) -> Reading:
    return Reading.model_validate(weight_reading(i))


def test_rows_fall_off_the_bottom_when_the_ring_is_full(qtbot, qtmodeltester):
    page = KindPage(ReadingKind.WEIGHT)
    qtbot.addWidget(page)
    page.resize(900, 500)
    page.show()
    model = page.model
    qtmodeltester.check(model)  # checks every insert and removal signal from here on
    series = KindSeries(ReadingKind.WEIGHT, capacity=20)
    series.add([_reading(i) for i in range(15)])
    model.set_snapshot(series.snapshot())
    reset = []
    model.modelReset.connect(lambda: reset.append(True))
    page.table.selectRow(2)  # reading 12
    series.add([_reading(i) for i in range(15, 25)])  # 5 of the oldest fall off
    model.set_snapshot(series.snapshot())
    assert reset == []  # inserted and removed, not reset
    assert model.rowCount() == 20
    assert [model.data(model.index(row, 1)) for row in (0, 19)] == ["124.0", "105.0"]
    assert selected_rows(page) == [12]
    assert model.data(model.index(12, 1)) == "112.0"

    series.add([_reading(-1)])  # history behind the newest: the order changes, so a reset
    model.set_snapshot(series.snapshot())
    assert reset == [True]
    # the ring keeps the last 20 to arrive (105 made room), shown in time order
    assert [model.data(model.index(row, 1)) for row in (0, 18, 19)] == ["124.0", "106.0", "99.0"]


def test_readings_that_arrive_while_the_tab_is_hidden_are_there_when_it_shows(
    qtbot, make, tmp_path
):
    r = make(store_path=tmp_path / "events.db")
    r.start()
    r.tab.set_patients([(1, "Pat Stream (#1)")], 1)
    with qtbot.waitSignal(r.controller.loaded, timeout=10_000):
        r.controller.select_patient(1)
    r.tab.show_kind(WEIGHT)
    page = r.tab.pages[WEIGHT]
    r.tab.hide()  # another tab is in front: nothing is drawn
    redraws: list[int] = []
    r.controller.redrawn.connect(redraws.append)
    burst = 3 * TAKE_MAX + 10  # more than one tick takes: spread over several
    for i in range(burst):
        r.hub.on_event(relay_reading(i))
    qtbot.waitUntil(lambda: r.count(WEIGHT) == burst)  # taken in while hidden
    assert redraws == []
    assert page.model.rowCount() == 0
    r.tab.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == burst)
    assert page.model.data(page.model.index(0, 1)) == f"{100 + burst - 1}.0"
    assert len(page.chart.curves["weight"].yData) == burst


def test_other_patients_events_do_not_hold_up_the_shown_patients(qtbot, make, tmp_path):
    r = make(store_path=tmp_path / "events.db")
    r.start()
    r.tab.set_patients([(1, "Pat Stream (#1)"), (2, "Other (#2)")], 1)
    with qtbot.waitSignal(r.controller.loaded, timeout=10_000):
        r.controller.select_patient(1)
    for i in range(10 * TAKE_MAX):  # a replay of another patient's readings
        r.hub.on_event(relay_reading(i, patient_id=2))
    r.hub.on_event(relay_reading(10 * TAKE_MAX, patient_id=1))
    r.controller.redraw()  # one tick
    assert r.count(WEIGHT) == 1
