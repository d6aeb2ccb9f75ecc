"""The Logs tab refuses what is invalid, next to the field, and never changes what was typed.

Issue 20: Last status "-5" and "9999", "Go to page 9999", "Page 1 of 0", date filters that
started at the app's start time, and an invalid range that left unfiltered rows on screen.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt

from impilo_desk.ui.logs.filters import LogsFilterBar
from tests.ui.logs_support import Harness

INVALID = "No rows are shown until the filters are valid."


def type_status(qtbot, tab: Harness, text: str) -> None:
    edit = tab.view.filters.status_edit
    edit.clear()
    with qtbot.waitSignal(tab.view.filters.changed, timeout=5000):
        qtbot.keyClicks(edit, text)


def test_last_status_keeps_what_was_typed_and_refuses_it(qtbot, logs_tab):
    bar = logs_tab.view.filters
    calls = len(logs_tab.api.calls)
    for typed in ("-5", "9999"):
        type_status(qtbot, logs_tab, typed)
        assert bar.status_edit.text() == typed  # not "5", not "999"
        assert bar.problem.text() == (
            f"Last status “{typed}” is not a status: enter a whole number from 0 to 999 "
            "(0 means no answer), e.g. 503."
        )
        assert logs_tab.model.rowCount() == 0  # no rows that look filtered
        assert logs_tab.view.message.text() == INVALID
        assert logs_tab.view.page_label.text() == "No records"
    assert len(logs_tab.api.calls) == calls  # nothing asked with a changed value
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        type_status(qtbot, logs_tab, "500")
    assert bar.problem.text() == ""
    assert logs_tab.api.calls[-1].query == {"lastResponseStatus": "500"}
    assert logs_tab.model.rowCount() == 5


def test_an_upside_down_range_shows_no_rows(qtbot, logs_tab):
    bar = logs_tab.view.filters
    assert logs_tab.model.rowCount() == 15
    with qtbot.waitSignal(bar.changed, timeout=5000):
        bar.retries_min.setValue(3)
        bar.retries_max.setValue(1)
    assert bar.problem.text() == "The minimum retry count is above the maximum."
    assert logs_tab.view.banner.kind == "error"
    assert logs_tab.model.rowCount() == 0
    assert logs_tab.view.message.text() == INVALID
    assert not logs_tab.controller.redeliver.bar.recover_action.isEnabled()  # nothing to act on
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        bar.retries_max.setValue(3)
    assert bar.problem.text() == ""
    assert logs_tab.model.rowCount() == 5  # the five that failed for good (3 retries)


def test_go_to_a_page_past_the_end_says_so(qtbot, logs_tab):
    spin = logs_tab.view.page_spin
    spin.selectAll()
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        qtbot.keyClicks(spin, "9999")
        qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert logs_tab.api.calls[-1].page == 9999  # not clamped to the last page
    assert spin.value() == 9999
    assert logs_tab.view.message.text().startswith(
        "Page 9999 is past the end: the log has 2 pages (23 records)"
    )


def test_an_empty_result_has_no_page_1_of_0(qtbot, logs_tab):
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        type_status(qtbot, logs_tab, "418")
    assert logs_tab.model.rowCount() == 0
    assert logs_tab.view.page_label.text() == "No records"


def test_a_date_bound_starts_at_the_time_it_is_ticked(qtbot):
    times = [QDateTime.fromSecsSinceEpoch(1_800_000_000 + 3600 * n) for n in range(10)]
    clock = iter(times)
    bar = LogsFilterBar(now=lambda: next(clock))
    qtbot.addWidget(bar)
    started = bar.created_from.edit.dateTime()
    bar.created_from.check.setChecked(True)  # an hour "later"
    ticked = bar.created_from.edit.dateTime()
    assert started.secsTo(ticked) > 0  # now, not when the bar was built
    bar.created_from.check.setChecked(False)
    chosen = ticked.addDays(-2)
    bar.created_from.edit.setDateTime(chosen)
    bar.created_from.check.setChecked(True)
    assert bar.created_from.edit.dateTime() == chosen  # a time the user chose stays
