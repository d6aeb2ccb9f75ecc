"""The Logs tab on the real sandbox: filters, paging, stale responses, states, payloads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from impilo_desk.contract import EVENT_TYPES, WebhookLog, format_timestamp
from impilo_desk.ui.logs.model import LogColumn, LogsModel, state_icons
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.logs_support import (
    NON_JSON,
    Clock,
    Harness,
    close_tab,
    open_tab,
    seed_db,
)


def test_model_passes_qt_model_checks(qtbot, qtmodeltester, qasync_loop):
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    owner = (
        QWidget()
    )  # Qt, not Python's GC, deletes the model: after its tester, with qtbot's widgets
    qtbot.addWidget(owner)
    model = LogsModel(lambda: now, state_icons(), owner)
    model.set_records(
        [
            WebhookLog(id=1, webhookId=2, webhookType="reading.weight", createTimestamp=now,
                       lastResponseStatus=503, retryAttempts=1, lastRetryTimestamp=now),
            WebhookLog(id=2, lastResponseStatus=200, retryAttempts=0, createTimestamp=now),
        ]
    )  # fmt: skip
    qtmodeltester.check(model)
    model.tick()
    qtmodeltester.check(model)


# -- filters ---------------------------------------------------------------------------------


def change(qtbot, logs_tab: Harness, edit) -> None:
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        edit(logs_tab.view.filters)
    assert logs_tab.controller.page == 1


def test_first_page_is_unfiltered_and_newest_first(logs_tab, logs_seeded):
    assert logs_tab.api.calls[-1].query == {}
    assert (logs_tab.api.calls[-1].page, logs_tab.api.calls[-1].size) == (1, 15)
    assert logs_tab.model.rowCount() == 15
    created = [r.createTimestamp for r in logs_tab.model.records()]
    assert created == sorted(created, reverse=True)
    assert logs_tab.view.page_label.text() == "Page 1 of 2, total 23"


def test_type_filter(qtbot, logs_tab):
    change(
        qtbot,
        logs_tab,
        lambda bar: bar.type_box.setCurrentIndex(bar.type_box.findData("reading.weight")),
    )
    assert logs_tab.api.calls[-1].query == {"webhookType": "reading.weight"}
    assert set(logs_tab.column(LogColumn.TYPE)) == {"reading.weight"}
    assert logs_tab.model.rowCount() == 5


def test_retry_filters(qtbot, logs_tab):
    change(qtbot, logs_tab, lambda bar: bar.retries_min.setValue(1))
    assert logs_tab.api.calls[-1].query == {"retryAttemptsMin": "1"}
    assert logs_tab.column(LogColumn.RETRIES) == ["3"] * 5
    change(qtbot, logs_tab, lambda bar: (bar.retries_min.setValue(-1), bar.retries_max.setValue(0)))
    assert logs_tab.api.calls[-1].query == {"retryAttemptsMax": "0"}
    assert logs_tab.controller.total == 18
    assert set(logs_tab.column(LogColumn.RETRIES)) == {"0"}


def test_status_filter_is_debounced(qtbot, logs_tab):
    before = len(logs_tab.api.calls)
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        qtbot.keyClicks(logs_tab.view.filters.status_edit, "500")
    assert len(logs_tab.api.calls) == before + 1  # one request for three keystrokes
    assert logs_tab.api.calls[-1].query == {"lastResponseStatus": "500"}
    assert logs_tab.column(LogColumn.STATUS) == ["500"] * 5
    assert all(t.startswith("Failed for good") for t in logs_tab.column(LogColumn.STATE))


def test_created_range_filters(qtbot, logs_tab, logs_seeded):
    split = logs_seeded.split.replace(microsecond=0)  # batch 2 began in a later second than batch 1
    change(qtbot, logs_tab, lambda bar: bar.created_from.set_value(split))
    assert logs_tab.api.calls[-1].query == {"startTimestamp": format_timestamp(split)}
    assert set(logs_tab.column(LogColumn.TYPE)) == {"reading.bloodGlucose"}
    change(
        qtbot,
        logs_tab,
        lambda bar: (bar.created_from.set_value(None), bar.created_to.set_value(split)),
    )
    end = split
    assert logs_tab.api.calls[-1].query == {"endTimestamp": format_timestamp(end)}
    assert all(r.createTimestamp < end for r in logs_tab.model.records())
    assert "reading.bloodGlucose" not in logs_tab.column(LogColumn.TYPE)


def test_last_retry_range_filters(qtbot, logs_tab, logs_seeded):
    retried = [r.lastRetryTimestamp for r in logs_seeded.records if r.lastRetryTimestamp]
    low = min(retried).replace(microsecond=0)
    high = max(retried).replace(microsecond=0) + timedelta(seconds=1)
    change(
        qtbot, logs_tab, lambda bar: (bar.retry_from.set_value(low), bar.retry_to.set_value(high))
    )
    assert logs_tab.api.calls[-1].query == {
        "startLastRetryTimestamp": format_timestamp(low),
        "endLastRetryTimestamp": format_timestamp(high),
    }
    assert logs_tab.model.rowCount() == 5
    calls = len(logs_tab.api.calls)
    logs_tab.view.filters.retry_to.set_value(low - timedelta(days=1))  # a range that ends first
    qtbot.waitUntil(lambda: "ends before it starts" in logs_tab.view.banner.text)
    assert logs_tab.view.banner.kind == "error"
    assert len(logs_tab.api.calls) == calls  # nothing asked


def test_filters_that_match_nothing_say_so(qtbot, logs_tab):
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        qtbot.keyClicks(logs_tab.view.filters.status_edit, "418")
        qtbot.keyClick(logs_tab.view.filters.status_edit, Qt.Key.Key_Return)  # no need to wait
    assert logs_tab.api.calls[-1].query == {"lastResponseStatus": "418"}
    assert logs_tab.model.rowCount() == 0
    assert logs_tab.view.stack.currentWidget() is logs_tab.view.message
    assert "No deliveries match these filters" in logs_tab.view.message.text()


# -- paging ----------------------------------------------------------------------------------


def click(qtbot, logs_tab: Harness, button) -> None:
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_paging_edges(qtbot, logs_tab):
    view = logs_tab.view
    assert not view.first_button.isEnabled()
    assert not view.previous_button.isEnabled()
    assert view.next_button.isEnabled()
    assert view.last_button.isEnabled()
    first_page = [r.id for r in logs_tab.model.records()]
    click(qtbot, logs_tab, view.next_button)
    assert (logs_tab.api.calls[-1].page, logs_tab.controller.page) == (2, 2)
    assert logs_tab.model.rowCount() == 8
    assert not set(first_page) & {r.id for r in logs_tab.model.records()}
    assert view.page_label.text() == "Page 2 of 2, total 23"
    assert not view.next_button.isEnabled()
    assert not view.last_button.isEnabled()
    click(qtbot, logs_tab, view.first_button)
    assert [r.id for r in logs_tab.model.records()] == first_page
    click(qtbot, logs_tab, view.last_button)
    assert logs_tab.api.calls[-1].page == 2
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        view.page_spin.setValue(2)  # unchanged: no request
        view.page_spin.setRange(1, 9)
        view.page_spin.setValue(5)
    assert logs_tab.api.calls[-1].page == 5
    assert logs_tab.model.rowCount() == 0
    assert "Page 5 is past the end" in view.message.text()
    assert view.last_button.isEnabled()
    click(qtbot, logs_tab, view.last_button)
    assert logs_tab.controller.page == 2


def test_page_size_250_shows_everything_on_one_page(qtbot, logs_tab):
    logs_tab.controller.load(2)
    qtbot.waitUntil(lambda: logs_tab.controller.page == 2)
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        logs_tab.view.set_page_size(250)
    assert (logs_tab.api.calls[-1].page, logs_tab.api.calls[-1].size) == (1, 250)
    assert logs_tab.model.rowCount() == 23
    assert logs_tab.view.page_label.text() == "Page 1 of 1, total 23"
    assert not logs_tab.view.next_button.isEnabled()


def test_a_newer_request_supersedes_a_slow_one(qtbot, logs_tab):
    gate = asyncio.Event()
    logs_tab.api.gates[1] = gate  # page 1 hangs
    logs_tab.controller.load(1)
    qtbot.waitUntil(lambda: logs_tab.api.calls[-1].page == 1)
    slow = logs_tab.controller._load_task
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000) as shown:
        logs_tab.controller.load(2)
    gate.set()
    qtbot.waitUntil(slow.done)
    assert shown.args == [8]
    assert logs_tab.controller.page == 2
    assert logs_tab.model.rowCount() == 8


# -- states and payloads ---------------------------------------------------------------------

T0 = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def states(qtbot, make_desk, tmp_path) -> Iterator[tuple[Harness, Clock]]:
    """A sandbox at time scale 60 (15/30/60 min become 15/30/60 s) with one row per state."""
    minute = timedelta(minutes=1)
    seed_db(
        tmp_path / "sandbox.db",
        [
            {"type": "reading.weight", "status": 200, "retries": 0, "created": T0 - 5 * minute},
            {"type": "reading.weight", "status": 503, "retries": 3, "created": T0 - 4 * minute,
             "last_retry": T0 - 3 * minute},
            {"type": "reading.weight", "status": 200, "retries": 0, "created": T0 - 3 * minute,
             "payload": NON_JSON},
            {"type": "reading.weight", "status": 503, "retries": 1, "created": T0 - 2 * minute,
             "last_retry": T0},
            {"type": "reading.weight", "status": None, "retries": 0, "created": T0 - minute},
        ],
    )  # fmt: skip
    clock = Clock(T0 + timedelta(seconds=10))
    with SandboxProcess(db_path=tmp_path / "sandbox.db", time_scale=60) as box:
        harness = open_tab(qtbot, make_desk, box, clock)
        qtbot.waitUntil(lambda: harness.controller.time_scale == 60)
        yield harness, clock
        close_tab(qtbot, make_desk, harness)


def test_state_column_counts_down_from_the_injected_clock(qtbot, states):
    logs_tab, clock = states
    texts = logs_tab.column(LogColumn.STATE)
    local = (T0 + timedelta(seconds=30)).astimezone().strftime("%H:%M:%S %Z")  # today: no date
    assert texts == [
        "Sending…",
        f"Retry 2 of 3 at {local} (in 20s)",  # retry 1 at T0; retry 2 is 30 s / 60 later
        "Delivered",
        "Failed for good after 4 attempts",
        "Delivered",
    ]
    icons = [
        logs_tab.model.index(r, LogColumn.STATE).data(Qt.ItemDataRole.DecorationRole)
        for r in range(5)
    ]
    assert all(icon is not None and not icon.isNull() for icon in icons)
    clock.now += timedelta(seconds=15)
    with qtbot.waitSignal(logs_tab.model.dataChanged, timeout=3000) as changed:
        pass  # the countdown timer ticks once a second
    top, bottom = changed.args[0], changed.args[1]
    assert top.column() == bottom.column() == LogColumn.STATE
    assert logs_tab.model.index(1, LogColumn.STATE).data() == f"Retry 2 of 3 at {local} (in 5s)"
    clock.now += timedelta(seconds=5 + 5)  # due 5 s ago: a few seconds of "due now"
    due_now = f"Retry 2 of 3 at {local} (due now)"
    qtbot.waitUntil(
        lambda: logs_tab.model.index(1, LogColumn.STATE).data() == due_now, timeout=3000
    )


def test_a_retry_past_due_is_not_said_to_be_due_now_for_ever(qtbot, states):
    """With auto-refresh off the row is as it was read: past due, the cell says only "was due"."""
    logs_tab, clock = states
    assert not logs_tab.view.auto_box.isChecked()
    local = (T0 + timedelta(seconds=30)).astimezone().strftime("%H:%M:%S %Z")
    clock.now = T0 + timedelta(seconds=30 + 6)  # retry 2 came due 6 s ago; rows read at T0+10 s
    cell = logs_tab.model.index(1, LogColumn.STATE)
    qtbot.waitUntil(lambda: cell.data() == f"Retry 2 of 3 was due at {local}", timeout=3000)
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"Retry 2 of 3 was due at {local}\n")  # the cell's text, whole
    assert "had not run when these rows were read. Refresh (F5)" in tip
    # the tab says how old the rows are
    assert logs_tab.view.source_label.text().startswith("Rows from Impilo, loaded 26 s ago (")
    clock.now += timedelta(minutes=30)  # still "was due", never "due now" again
    qtbot.waitUntil(lambda: "loaded 30 min" in logs_tab.view.source_label.text(), timeout=3000)
    assert cell.data() == f"Retry 2 of 3 was due at {local}"


def test_non_json_payload_shows_as_text_and_copies(qtbot, states):
    logs_tab, _ = states
    view = logs_tab.view
    view.select_row(2)
    assert view.payload_view.toPlainText() == NON_JSON
    assert "text, not JSON" in view.payload_title.text()
    view.select_row(0)
    assert view.payload_view.toPlainText() == '{\n  "id": 5\n}'
    assert "(JSON)" in view.payload_title.text()
    qtbot.mouseClick(view.payload_copy, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == '{\n  "id": 5\n}'


def test_mid_retry_through_the_real_delivery(qtbot, make_desk, sandbox_factory, receiver):
    """Empty state first; then a real failed delivery, retried 15 min / 2 later."""
    receiver.status = 500
    box = sandbox_factory(time_scale=2)
    clock = Clock(datetime.now(UTC))
    logs_tab = open_tab(qtbot, make_desk, box, clock)
    try:
        assert "No deliveries are logged yet" in logs_tab.view.message.text()
        with box.client() as api:
            api.post("/api/v3/webhook", json={"type": "reading.weight", "url": receiver.url})
            patient = api.post("/api/v3/patient", json={"firstName": "A", "lastName": "B"})
            body = {"patientId": patient.json()["id"], "weight": 80.0}
            api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()
        receiver.wait_for(1)
        qtbot.waitUntil(lambda: logs_tab.controller.time_scale == 2)

        def failed_once() -> bool:
            with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
                logs_tab.view.refresh_action.trigger()
            record = logs_tab.model.record_at(0)
            return record is not None and record.lastResponseStatus == 500

        qtbot.waitUntil(failed_once, timeout=10000)
        record = logs_tab.model.record_at(0)
        clock.now = record.createTimestamp + timedelta(seconds=10)
        logs_tab.model.tick()
        due = (record.createTimestamp + timedelta(minutes=7.5)).astimezone().strftime("%H:%M:%S %Z")
        assert (
            logs_tab.model.index(0, LogColumn.STATE).data() == f"Retry 1 of 3 at {due} (in 7m 20s)"
        )
        assert logs_tab.view.stack.currentWidget() is logs_tab.view.table
    finally:
        close_tab(qtbot, make_desk, logs_tab)


def test_type_column_fits_the_longest_catalogue_type(logs_tab):
    table = logs_tab.view.table
    metrics = table.fontMetrics()
    style = table.style()
    margin = 2 * (style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    needed = max(metrics.horizontalAdvance(name) for name in EVENT_TYPES) + margin
    assert "reading.sleepMatDuration" in EVENT_TYPES
    assert table.horizontalHeader().sectionSize(LogColumn.TYPE) >= needed


def test_times_follow_the_one_rule_and_its_utc_setting(qtbot, states):
    logs_tab, _clock = states
    created = logs_tab.model.record_at(0).createTimestamp
    zone = timezone(timedelta(hours=2), "EET")
    times = logs_tab.model.times  # the window's one rule, as View › Times in UTC changes it
    times.local_zone = zone
    times.set_utc(False)  # not a change: the cells keep what they wrote
    times.set_utc(True)
    cell = logs_tab.model.index(0, LogColumn.CREATED).data()
    assert cell == created.astimezone(UTC).strftime("%H:%M:%S UTC")  # today: the time and zone
    times.set_utc(False)
    assert logs_tab.model.index(0, LogColumn.CREATED).data() == created.astimezone(zone).strftime(
        "%H:%M:%S EET"
    )
