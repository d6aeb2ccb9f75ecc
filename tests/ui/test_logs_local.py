"""The Logs tab on the local copy: its own filters, sorting, and the line that says where rows
come from (real sandbox over HTTP, real mirror file, the real tab)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QPoint, Qt

from impilo_desk.client import NO_RETRY, ImpiloClient, LogFilters
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from impilo_desk.services.log_mirror.search import LocalFilters, LogSort
from impilo_desk.session import Session
from impilo_desk.ui.logs.local_filters import COPY_FAILED, COPY_NOT_READY, NEEDS_COPY
from impilo_desk.ui.logs.local_rows import SORT_OF_COLUMN
from impilo_desk.ui.logs.model import LogColumn
from tests.fixtures.desk import ProfileStub
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.fakes import FakeStore
from tests.ui.logs_local_support import brute, varied_rows
from tests.ui.logs_support import Clock, RecordingApi, seed_db

WINDOW = timedelta(days=7)
REFUSAL = NEEDS_COPY.format(days="7 days")


@dataclass
class LocalTab:
    desk: Any
    api: RecordingApi
    mirror: LogMirror
    clock: Clock
    truth: list[WebhookLog]
    box: SandboxProcess

    @property
    def controller(self) -> Any:
        return self.desk.logs

    @property
    def view(self) -> Any:
        return self.desk.logs.view

    def ids(self) -> list[int | None]:
        return [r.id for r in self.controller.model.records()]

    def expected(self, local: LocalFilters, sort: LogSort | None = None) -> list[int | None]:
        return brute(self.truth, self.controller.filters, local, sort or LogSort())

    def source(self) -> str:
        return str(self.view.source_label.text())


def _all_rows(api: httpx.Client) -> list[WebhookLog]:
    body = api.get("/api/v3/webhook/logs", params={"size": 250}).raise_for_status().json()
    return [WebhookLog.model_validate(r) for r in body["content"]]


def _open_tab(
    qtbot: Any, make_desk: Any, sandbox_factory: Any, tmp_path: Any, synced: bool
) -> LocalTab:
    """The Logs tab on a session with a local copy (synced first, or not synced yet)."""
    from impilo_desk.ui import logs

    now = datetime.now(UTC).replace(microsecond=0)
    db = tmp_path / "sandbox.db"
    seed_db(db, varied_rows(now))
    box = sandbox_factory(db_path=db)
    with box.client() as http:
        truth = _all_rows(http)
    clock = Clock(now)
    api = RecordingApi(ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY))
    store = MirrorStore(tmp_path / "mirror.sqlite3")
    mirror = LogMirror(store, api, MirrorSettings(window=WINDOW, interval_s=3600), clock)

    @asynccontextmanager
    async def open_session(profile: Any) -> AsyncIterator[Session]:
        yield Session(profile, api, FakeStore(), log_mirror=mirror)

    async def close_client() -> None:
        await api.client.aclose()

    desk = make_desk(
        open_session, clock=clock, tabs=(logs.build,), close_after=(close_client, store.close)
    )
    desk.window.resize(1400, 800)
    if synced:
        syncing = asyncio.ensure_future(mirror.sync())
        qtbot.waitUntil(syncing.done, timeout=20_000)
        syncing.result()
    with qtbot.waitSignal(desk.logs.loaded, timeout=15_000):
        desk.sessions.switch_to(ProfileStub(api_base_url=box.base_url))
    return LocalTab(desk, api, mirror, clock, truth, box)


@pytest.fixture
def local_tab(qtbot, make_desk, sandbox_factory, tmp_path) -> Iterator[LocalTab]:
    tab = _open_tab(qtbot, make_desk, sandbox_factory, tmp_path, synced=True)
    yield tab
    make_desk.close(tab.desk)


@pytest.fixture
def unsynced_tab(qtbot, make_desk, sandbox_factory, tmp_path) -> Iterator[LocalTab]:
    tab = _open_tab(qtbot, make_desk, sandbox_factory, tmp_path, synced=False)
    yield tab
    make_desk.close(tab.desk)


def _set(qtbot, tab: LocalTab, edit: Any, text: str) -> None:
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        edit.setText(text)


def _click_header(qtbot, tab: LocalTab, column: LogColumn) -> None:
    header = tab.view.table.horizontalHeader()
    pos = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, 5)
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _sort_shown(tab: LocalTab) -> LogSort:
    header = tab.view.table.horizontalHeader()
    column = SORT_OF_COLUMN[LogColumn(header.sortIndicatorSection())]
    return LogSort(column, header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)


def _copy_only(tab: LocalTab) -> LogFilters:
    """What the whole copy holds: the rows of its window when it synced (the clock is fixed)."""
    return LogFilters(start=tab.clock.now - WINDOW)


def test_with_no_range_a_local_filter_reads_the_whole_copy_at_once_and_says_so(qtbot, local_tab):
    tab, bar = local_tab, local_tab.view.local_filters
    assert tab.source() == "Rows from Impilo, just now"
    assert tab.api.calls[-1].query == {}  # no dates: Impilo holds more than the copy's 7 days
    assert bar.note.text() == ""  # nothing in the way: the filters work as they are
    assert not bar.use_copy.isVisibleTo(tab.view)
    calls = len(tab.api.calls)
    qtbot.keyClicks(bar.text_edit, "omron")
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        qtbot.keyClick(bar.text_edit, Qt.Key.Key_Return)
    expected = brute(tab.truth, _copy_only(tab), LocalFilters(text="omron"), LogSort())
    assert len(expected) > 15
    assert tab.ids() == expected[:15]
    assert (
        tab.view.page_label.text()
        == f"Page 1 of {-(-len(expected) // 15)}, total {len(expected):,}"
    )
    assert tab.source() == "Rows from the whole local copy (the last 7 days), just now"
    assert tab.view.stack.currentWidget() is tab.view.table
    assert not tab.view.filters.created_from.check.isChecked()  # what the user set stays
    assert bar.note.text() == ""
    assert len(tab.api.calls) == calls  # all of it from the copy

    # a sort Impilo cannot do reads the whole copy too, with no local filter
    _set(qtbot, tab, bar.text_edit, "")
    assert tab.source() == "Rows from Impilo, just now"
    _click_header(qtbot, tab, LogColumn.STATUS)
    sort = _sort_shown(tab)
    assert tab.ids() == brute(tab.truth, _copy_only(tab), LocalFilters(), sort)[:15]
    assert tab.source() == "Rows from the whole local copy (the last 7 days), just now"
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        tab.view.table.horizontalHeader().setSortIndicator(
            LogColumn.CREATED, Qt.SortOrder.DescendingOrder
        )
    assert tab.source() == "Rows from Impilo, just now"  # Impilo's own order: from Impilo


def test_a_chosen_range_before_the_copy_refuses_local_filters_and_loses_nothing(qtbot, local_tab):
    tab, bar = local_tab, local_tab.view.local_filters
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        tab.view.filters.created_from.set_value(tab.clock.now - timedelta(days=8))
    assert tab.source() == "Rows from Impilo, just now"
    assert bar.note.text() == REFUSAL
    assert bar.use_copy.isVisibleTo(tab.view)
    calls = len(tab.api.calls)
    bar.webhook_edit.setText("2")
    qtbot.waitUntil(lambda: tab.view.message.text() == REFUSAL, timeout=5000)
    assert tab.controller.model.rowCount() == 0  # no rows that would look filtered
    assert tab.view.stack.currentWidget() is tab.view.message
    assert tab.source() == ""
    assert len(tab.api.calls) == calls
    assert not tab.view.export_action.isEnabled()
    assert not tab.view.curl_action.isEnabled()
    # unticking "Created from" (as the sentence says) reads the whole copy; what was typed stays
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        tab.view.filters.created_from.check.setChecked(False)
    assert bar.webhook_edit.text() == "2"
    assert (
        tab.ids() == brute(tab.truth, _copy_only(tab), LocalFilters(webhook_id=2), LogSort())[:15]
    )
    assert tab.source() == "Rows from the whole local copy (the last 7 days), just now"
    assert bar.note.text() == ""
    assert len(tab.api.calls) == calls
    # a sort Impilo cannot do is refused too, in a range the copy does not cover
    _set(qtbot, tab, bar.webhook_edit, "")
    tab.view.filters.created_from.set_value(tab.clock.now - timedelta(days=8))
    qtbot.waitUntil(lambda: tab.source().startswith("Rows from Impilo"), timeout=5000)
    header = tab.view.table.horizontalHeader()
    header.setSortIndicator(LogColumn.STATUS, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: tab.view.message.text() == REFUSAL, timeout=5000)
    assert tab.controller.model.rowCount() == 0


def test_before_the_first_sync_ends_local_filters_wait_for_it_then_run(qtbot, unsynced_tab):
    tab, bar = unsynced_tab, unsynced_tab.view.local_filters
    assert tab.source() == "Rows from Impilo, just now"
    assert bar.note.text() == COPY_NOT_READY
    assert not bar.use_copy.isVisibleTo(tab.view)  # the copy's dates would not help
    bar.patient_edit.setText("nwosu")
    qtbot.waitUntil(lambda: tab.view.message.text() == COPY_NOT_READY, timeout=5000)
    assert tab.controller.model.rowCount() == 0
    with qtbot.waitSignal(tab.controller.loaded, timeout=20_000):
        syncing = asyncio.ensure_future(tab.mirror.sync())
    qtbot.waitUntil(syncing.done, timeout=20_000)
    syncing.result()
    assert (
        tab.ids()
        == brute(tab.truth, _copy_only(tab), LocalFilters(patient="nwosu"), LogSort())[:15]
    )
    assert tab.source() == "Rows from the whole local copy (the last 7 days), just now"
    assert bar.note.text() == ""
    assert bar.patient_edit.text() == "nwosu"


def test_a_first_sync_that_failed_is_said_beside_the_local_filters(qtbot, unsynced_tab):
    tab, bar = unsynced_tab, unsynced_tab.view.local_filters
    bar.url_edit.setText("clinic")
    qtbot.waitUntil(lambda: tab.view.message.text() == COPY_NOT_READY, timeout=5000)
    tab.box.close()  # Impilo stops answering before the copy is made
    running = asyncio.ensure_future(tab.mirror.run())
    try:
        qtbot.waitUntil(lambda: tab.mirror.status.phase == "failed", timeout=15_000)
    finally:
        running.cancel()
        qtbot.waitUntil(running.done, timeout=5000)
    failed = COPY_FAILED.format(error=tab.mirror.status.error)
    assert tab.mirror.status.error
    assert tab.view.message.text() == failed
    assert bar.note.text() == failed
    assert tab.controller.model.rowCount() == 0
    assert bar.url_edit.text() == "clinic"


def test_in_the_copys_range_every_filter_and_sort_runs_locally_as_brute_force_says(
    qtbot, local_tab
):
    tab, bar = local_tab, local_tab.view.local_filters
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        qtbot.mouseClick(bar.use_copy, Qt.MouseButton.LeftButton)
    assert tab.controller.filters.start == tab.clock.now - WINDOW + timedelta(minutes=1)
    assert tab.source() == "Rows from the local copy, just now"
    assert bar.note.text() == ""
    assert not bar.use_copy.isVisibleTo(tab.view)
    tab.view.set_page_size(250)
    qtbot.waitUntil(lambda: tab.controller.model.rowCount() > 15, timeout=5000)
    assert tab.ids() == tab.expected(LocalFilters())
    calls = len(tab.api.calls)

    for edit, text, local in (
        (bar.webhook_edit, "2", LocalFilters(webhook_id=2)),
        (bar.url_edit, "clinic", LocalFilters(webhook_id=2, url_contains="clinic")),
        (bar.webhook_edit, "", LocalFilters(url_contains="clinic")),
        (bar.url_edit, "", LocalFilters()),
        (bar.patient_edit, "nwosu", LocalFilters(patient="nwosu")),
        (bar.patient_edit, "13", LocalFilters(patient="13")),
        (bar.text_edit, "omron", LocalFilters(patient="13", text="omron")),
        (bar.patient_edit, "", LocalFilters(text="omron")),
        (bar.text_edit, "1", LocalFilters(text="1")),  # one digit: it begins many words
        (bar.patient_edit, "amara", LocalFilters(patient="amara", text="1")),
        (bar.patient_edit, "", LocalFilters(text="1")),
        (bar.text_edit, "503", LocalFilters(text="503")),
    ):
        _set(qtbot, tab, edit, text)
        expected = tab.expected(local)
        assert expected, local
        assert tab.ids() == expected, local
        assert tab.view.page_label.text() == f"Page 1 of 1, total {len(expected):,}"
    # with an API filter too, which keeps the API's meaning
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        tab.view.filters.retries_min.setValue(1)
    assert tab.ids() == tab.expected(LocalFilters(text="503"))
    assert tab.controller.filters.retry_attempts_min == 1
    assert len(tab.api.calls) == calls  # all of it from the copy

    newest_first = tab.ids()
    orders = set()
    for column in (LogColumn.STATUS, LogColumn.STATUS, LogColumn.URL, LogColumn.STATE):
        _click_header(qtbot, tab, column)
        sort = _sort_shown(tab)
        assert sort.column == SORT_OF_COLUMN[column]
        assert tab.ids() == tab.expected(LocalFilters(text="503"), sort), sort
        assert tab.ids() != newest_first
        orders.add(sort.descending)
    assert orders == {True, False}  # a second click on a title turns its order round
    assert len(tab.api.calls) == calls


def test_the_source_line_follows_the_range_and_the_sync(qtbot, local_tab):
    tab, filters = local_tab, local_tab.view.filters
    tab.clock.now += timedelta(seconds=20)
    qtbot.waitUntil(lambda: "loaded 20 s ago" in tab.source(), timeout=3000)
    assert tab.source().startswith("Rows from Impilo, loaded 20 s ago (")
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.created_from.set_value(tab.clock.now - timedelta(days=2))
    assert tab.source() == "Rows from the local copy, synced 20 s ago (" + (
        tab.controller.model.times.moment(tab.mirror.status.synced_at, tab.clock.now) + ")"
    )
    assert tab.ids() == tab.expected(LocalFilters())[:15]
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.created_from.set_value(tab.clock.now - timedelta(days=8))  # before the copy
    assert tab.source() == "Rows from Impilo, just now"
    assert tab.api.calls[-1].query["startTimestamp"]
    assert tab.ids() == tab.expected(LocalFilters())[:15]
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.created_from.set_value(tab.clock.now - timedelta(days=6))
    assert tab.source().startswith("Rows from the local copy")

    # Impilo stops answering: the next sync fails, and the line says so
    tab.box.close()
    running = asyncio.ensure_future(tab.mirror.run())
    try:
        qtbot.waitUntil(lambda: "the last sync failed" in tab.source(), timeout=15_000)
    finally:
        running.cancel()
        qtbot.waitUntil(running.done, timeout=5000)
    assert tab.source().startswith("Rows from the local copy, synced 20 s ago (")
    assert tab.ids() == tab.expected(LocalFilters())[:15]  # the rows held are still shown


def test_the_copys_note_goes_with_its_cause_while_a_filter_is_invalid(qtbot, local_tab):
    tab, bar, filters = local_tab, local_tab.view.local_filters, local_tab.view.filters
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.created_from.set_value(tab.clock.now - timedelta(days=8))
    assert bar.note.text() == REFUSAL
    # an invalid filter: nothing loads, and the note's cause is still there
    bar.webhook_edit.setText("abc")
    qtbot.waitUntil(lambda: tab.view.banner.kind == "error", timeout=5000)
    assert tab.view.banner.text.startswith("Webhook “abc” is not a webhook id")
    assert bar.note.text() == REFUSAL
    assert tab.controller.model.rowCount() == 0
    # "Created from" unticked, as the note says: its cause is gone, so is the note (found under
    # Xvfb: it stayed, even after Clear filters, which left the invalid webhook filter behind)
    filters.created_from.check.setChecked(False)
    qtbot.waitUntil(lambda: bar.note.text() == "", timeout=5000)
    assert not bar.use_copy.isVisibleTo(tab.view)
    assert tab.view.banner.kind == "error"  # the webhook filter is still invalid
    assert tab.controller.model.rowCount() == 0
    # Clear filters clears every filter, the local ones too: rows again, no note, no error
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        qtbot.mouseClick(filters.clear_button, Qt.MouseButton.LeftButton)
    assert bar.webhook_edit.text() == ""
    qtbot.waitUntil(lambda: tab.source() == "Rows from Impilo, just now", timeout=5000)
    assert tab.view.banner.kind != "error"
    assert bar.note.text() == ""
    assert tab.controller.model.rowCount() == 15

    # the same with an invalid API filter (retries 3 to 1) while "Created from" is unticked
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.created_from.set_value(tab.clock.now - timedelta(days=8))
    assert bar.note.text() == REFUSAL
    filters.retries_max.setValue(1)
    filters.retries_min.setValue(3)
    qtbot.waitUntil(lambda: filters.problem.text() != "", timeout=5000)
    filters.created_from.check.setChecked(False)
    qtbot.waitUntil(lambda: bar.note.text() == "", timeout=5000)


def test_while_the_filters_are_invalid_the_source_line_names_no_source(qtbot, local_tab):
    tab, bar, filters = local_tab, local_tab.view.local_filters, local_tab.view.filters
    qtbot.keyClicks(bar.text_edit, "omron")
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        qtbot.keyClick(bar.text_edit, Qt.Key.Key_Return)
    assert tab.source() == "Rows from the whole local copy (the last 7 days), just now"
    # Retries "3 to 1": the error, no rows, and no line that says where rows came from (found
    # after issue 20: "Rows from the whole local copy …" stayed beside the emptied table)
    with qtbot.waitSignal(filters.changed, timeout=5000):
        filters.retries_min.setValue(3)
        filters.retries_max.setValue(1)
    assert filters.problem.text() == "The minimum retry count is above the maximum."
    assert tab.controller.model.rowCount() == 0
    assert tab.source() == ""
    assert tab.view.source_label.toolTip() == ""
    tab.clock.now += timedelta(seconds=20)
    with qtbot.waitSignal(tab.controller.countdown.timeout, timeout=3000):
        pass  # the line is written again each second: still no source
    assert tab.source() == ""
    # fixed: rows again, and where they come from
    with qtbot.waitSignal(tab.controller.loaded, timeout=10_000):
        filters.retries_max.setValue(3)
    assert tab.source().startswith("Rows from the whole local copy (the last 7 days), synced 20 s")
