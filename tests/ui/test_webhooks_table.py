"""The Webhooks table: selection-bound actions, sorting, the filter, new rows, the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from impilo_desk.contract import READING_EVENT_TYPES, Webhook
from impilo_desk.services.delivery_health import HealthState, WebhookHealth
from impilo_desk.ui.webhooks.dialog import WebhookDialog
from impilo_desk.ui.webhooks.model import WebhookColumn
from tests.fixtures.desk import BuiltDesk, ProfileStub
from tests.ui.fakes import FakeApi

Prof = partial(ProfileStub, relay_url="http://127.0.0.1:9/")  # nothing listens there
MANY = 300


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def desk(make_desk: Any, api: FakeApi) -> BuiltDesk:
    built: BuiltDesk = make_desk(api=api)
    built.window.resize(1280, 800)
    return built


def fill(api: FakeApi, count: int) -> None:
    """``count`` webhooks, ids 1..count, the event types in turn."""
    for n in range(1, count + 1):
        kind = READING_EVENT_TYPES[n % len(READING_EVENT_TYPES)]
        api.hooks[n] = Webhook(id=n, type=kind, url=f"https://h{n:03d}.example.com/in")
    api.next_id = count + 1


def start(qtbot: Any, desk: BuiltDesk) -> None:
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        desk.sessions.switch_to(Prof())


def shown_ids(desk: BuiltDesk) -> list[int]:
    """The ids in the order the table shows them."""
    model = desk.webhooks.view.table.model()
    return [int(model.index(r, WebhookColumn.ID).data()) for r in range(model.rowCount())]


def click_row(qtbot: Any, desk: BuiltDesk, view_row: int) -> None:
    table = desk.webhooks.view.table
    rect = table.visualRect(table.model().index(view_row, WebhookColumn.URL))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def in_view(desk: BuiltDesk, webhook_id: int) -> bool:
    """Whether the row of ``webhook_id`` is selected and wholly inside the table's viewport."""
    table = desk.webhooks.view.table
    model = table.model()
    rows = [r for r in range(model.rowCount()) if model.index(r, 0).data() == str(webhook_id)]
    if not rows:
        return False
    selected = [i.row() for i in table.selectionModel().selectedRows()]
    rect = table.visualRect(model.index(rows[0], WebhookColumn.ID))
    return selected == rows and table.viewport().rect().contains(rect)


def create(qtbot: Any, desk: BuiltDesk, kind: str, url: str) -> None:
    desk.webhooks.view.new_action.trigger()
    qtbot.waitUntil(lambda: isinstance(desk.webhooks.open_dialog, WebhookDialog))
    dialog = desk.webhooks.open_dialog
    assert isinstance(dialog, WebhookDialog)
    dialog.select_type(kind)
    dialog.url_edit.setText(url)
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(desk.webhooks.view.new_action.isEnabled)


def test_change_and_delete_are_enabled_only_with_a_selected_webhook(qtbot, desk, api):
    fill(api, 3)
    start(qtbot, desk)
    tab = desk.webhooks.view
    assert not tab.edit_action.isEnabled()
    assert not tab.delete_action.isEnabled()
    click_row(qtbot, desk, 1)
    assert tab.edit_action.isEnabled()
    assert tab.delete_action.isEnabled()
    tab.edit_action.trigger()
    qtbot.waitUntil(lambda: isinstance(desk.webhooks.open_dialog, WebhookDialog))
    assert not tab.edit_action.isEnabled()  # a change of that webhook is under way
    assert not tab.delete_action.isEnabled()
    desk.webhooks.open_dialog.reject()
    qtbot.waitUntil(lambda: desk.webhooks.open_dialog is None)
    qtbot.waitUntil(tab.delete_action.isEnabled)
    assert tab.edit_action.isEnabled()
    tab.table.clearSelection()
    assert not tab.edit_action.isEnabled()
    assert not tab.delete_action.isEnabled()


def test_every_column_sorts_by_its_meaning(qtbot, desk, api):
    fill(api, 5)
    start(qtbot, desk)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def health(hook: int, state: HealthState, total: int, ok: int, hours: int) -> WebhookHealth:
        when = now - timedelta(hours=hours)
        failing = when if state is HealthState.FAILING else None
        return WebhookHealth(hook, total, ok, when, failing, state)

    # deliveries 9 vs 10 and 100 %, 90 % vs 10.0 %: text order differs from the meaning's
    desk.webhooks.model.set_health(
        {
            1: health(1, HealthState.FAILING, 10, 1, hours=30),
            2: health(2, HealthState.HEALTHY, 9, 9, hours=2),
            3: health(3, HealthState.DEGRADED, 100, 90, hours=10),
            4: health(4, HealthState.IDLE, 0, 0, hours=1),
        }
    )  # 5: not known
    table = desk.webhooks.view.table
    expected = {
        WebhookColumn.STATE: [5, 4, 2, 3, 1],  # unknown, idle, healthy, degraded, failing
        WebhookColumn.DELIVERIES: [5, 4, 2, 1, 3],
        WebhookColumn.SUCCESS: [4, 5, 1, 3, 2],  # no rate (none delivered, not known) first
        WebhookColumn.LAST_DELIVERED: [5, 1, 3, 2, 4],
        WebhookColumn.FAILING_SINCE: [2, 3, 4, 5, 1],  # the never-failing keep their id order
        WebhookColumn.URL: [1, 2, 3, 4, 5],
        WebhookColumn.TYPE: sorted(range(1, 6), key=lambda n: api.hooks[n].type.casefold()),
    }
    for column, ids in expected.items():
        table.sortByColumn(WebhookColumn.ID, Qt.SortOrder.AscendingOrder)
        table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
        assert shown_ids(desk) == ids, column.title
    table.sortByColumn(WebhookColumn.STATE, Qt.SortOrder.DescendingOrder)
    assert shown_ids(desk)[0] == 1  # failing first
    table.sortByColumn(WebhookColumn.ID, Qt.SortOrder.DescendingOrder)
    assert shown_ids(desk) == [5, 4, 3, 2, 1]


def test_filter_on_type_or_url_counts_and_escape_clears_it(qtbot, desk, api):
    fill(api, MANY)
    start(qtbot, desk)
    tab = desk.webhooks.view
    assert tab.count_label.text() == f"{MANY} webhooks"
    tab.filter_edit.setFocus()
    qtbot.keyClicks(tab.filter_edit, "TEMPERATURE")
    matching = [n for n, h in api.hooks.items() if h.type == "reading.temperature"]
    assert shown_ids(desk) == matching
    assert tab.count_label.text() == f"{len(matching)} of {MANY} webhooks"
    tab.filter_edit.clear()
    qtbot.keyClicks(tab.filter_edit, "h12")  # URL text: h120..h129
    assert shown_ids(desk) == list(range(120, 130))
    assert tab.count_label.text() == f"10 of {MANY} webhooks"
    qtbot.keyClick(tab.filter_edit, Qt.Key.Key_Escape)
    assert tab.filter_edit.text() == ""
    assert len(shown_ids(desk)) == MANY
    assert tab.count_label.text() == f"{MANY} webhooks"


def test_acting_on_a_row_after_sorting_and_filtering_acts_on_that_webhook(qtbot, desk, api):
    fill(api, 30)
    start(qtbot, desk)
    tab = desk.webhooks.view
    tab.table.sortByColumn(WebhookColumn.URL, Qt.SortOrder.DescendingOrder)
    qtbot.keyClicks(tab.filter_edit, "weight")
    weights = sorted((n for n, h in api.hooks.items() if h.type == "reading.weight"), reverse=True)
    assert shown_ids(desk) == weights
    click_row(qtbot, desk, 1)
    target = weights[1]
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: isinstance(desk.webhooks.open_dialog, QMessageBox))
    box = desk.webhooks.open_dialog
    assert f"#{target} " in box.text()
    delete_button = next(b for b in box.buttons() if b.text() == "Delete")
    with qtbot.waitSignal(desk.webhooks.loaded, timeout=5000):
        qtbot.mouseClick(delete_button, Qt.MouseButton.LeftButton)
    assert target not in api.hooks
    assert len(api.hooks) == 29


def test_a_created_webhook_is_selected_and_in_view_even_past_a_filter(qtbot, desk, api):
    fill(api, MANY)
    start(qtbot, desk)
    tab = desk.webhooks.view
    create(qtbot, desk, "reading.weight", "https://new.example.com/in")
    new = MANY + 1
    assert in_view(desk, new)
    assert tab.banner.text == f"Created webhook #{new} for reading.weight."

    qtbot.keyClicks(tab.filter_edit, "temperature")
    create(qtbot, desk, "reading.ecg", "https://newer.example.com/in")
    assert tab.filter_edit.text() == ""  # it would have hidden the new webhook
    assert in_view(desk, new + 1)
    assert "The filter was cleared to show webhook" in tab.banner.text


def test_the_keyboard_walks_filter_table_buttons(qtbot, desk, api):
    fill(api, 3)
    start(qtbot, desk)
    window, tab = desk.window, desk.webhooks.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab.filter_edit.setFocus()
    qtbot.waitUntil(tab.filter_edit.hasFocus)
    qtbot.keyClick(tab.filter_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is tab.table
    qtbot.keyClick(tab.table, Qt.Key.Key_Down)  # the arrows pick a webhook
    assert tab.selected_row() >= 0
    walked = []
    for _ in range(len(tab.buttons)):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        walked.append(QApplication.focusWidget())
    assert walked == tab.buttons  # Change URL and Delete too, a webhook being selected
    for widget in [tab.filter_edit, tab.table, *tab.buttons]:
        assert widget.accessibleName()


def test_the_sorted_filtered_table_passes_qt_model_checks(qtmodeltester, qasync_loop):
    from impilo_desk.ui.webhooks.model import WebhooksModel
    from impilo_desk.ui.webhooks.proxy import WebhooksProxy

    model = WebhooksModel()
    model.set_webhooks(
        [Webhook(id=n, type="reading.weight", url=f"https://{n}.example/h") for n in (3, 1, 2)]
    )
    proxy = WebhooksProxy(model)
    proxy.sort(WebhookColumn.URL, Qt.SortOrder.DescendingOrder)
    proxy.setFilterFixedString("example")
    qtmodeltester.check(proxy)
    shown = [proxy.webhook_at(r) for r in range(3)]
    assert [h.id for h in shown if h is not None] == [3, 2, 1]
    assert proxy.view_row(model.row_of(1)) == 2
