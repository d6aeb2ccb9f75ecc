"""The Webhooks tab's health, from a real mirror of a real sandbox's log (pytest-qt)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from impilo_desk.client import NO_RETRY, ImpiloClient
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from impilo_desk.session import ProfileInfo, Session
from impilo_desk.ui import webhooks
from impilo_desk.ui.webhooks.model import WebhookColumn
from tests.fixtures.desk import ProfileStub
from tests.fixtures.sandbox import Receiver, SandboxProcess, wait_until
from tests.ui.fakes import FakeStore

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}


@pytest.fixture
def failing_box(sandbox_factory: Any) -> Iterator[tuple[SandboxProcess, dict[str, int]]]:
    """A sandbox with a webhook to a receiver answering 200 and one to a receiver answering 500."""
    good, bad = Receiver(), Receiver()
    bad.status = 500
    box: SandboxProcess = sandbox_factory(time_scale=3600)
    try:
        with box.client() as api:
            hooks = {}
            for name, target in (("good", good), ("bad", bad)):
                made = api.post(
                    "/api/v3/webhook", json={"type": "reading.weight", "url": target.url + "/h"}
                ).raise_for_status()
                hooks[name] = made.json()["id"]
            patient = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"]
            for _ in range(4):
                body = {"patientId": patient, "weight": 170}
                api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()

            def settled() -> bool:
                rows = api.get("/api/v3/webhook/logs", params={"size": 250}).json()["content"]
                return len(rows) == 8 and all(r["lastResponseStatus"] for r in rows)

            wait_until(settled, 20)
        yield box, hooks
    finally:
        good.close()
        bad.close()


def _opener(box: SandboxProcess, path: Path) -> Any:
    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        store = await asyncio.to_thread(MirrorStore, path)
        try:
            async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
                mirror = LogMirror(store, client, MirrorSettings(interval_s=3600))
                await mirror.load()
                yield Session(profile, client, FakeStore(), log_mirror=mirror)
        finally:
            await asyncio.to_thread(store.close)

    return open_session


def test_a_webhook_whose_receiver_answers_500_shows_failing_with_its_chart_and_statuses(
    qtbot: Any, make_desk: Any, failing_box: tuple[SandboxProcess, dict[str, int]], tmp_path: Path
) -> None:
    box, hooks = failing_box
    desk = make_desk(
        _opener(box, tmp_path / "mirror.sqlite3"), tabs=(webhooks.build,), closed_by_test=True
    )
    desk.window.resize(1280, 800)
    tab = desk.webhooks
    with qtbot.waitSignal(tab.health.health_updated, timeout=20000):
        desk.sessions.switch_to(ProfileStub(api_base_url=box.base_url))
    qtbot.waitUntil(lambda: tab.health.health is not None, timeout=10000)
    model = tab.model
    bad_row, good_row = model.row_of(hooks["bad"]), model.row_of(hooks["good"])
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10000)

    def cell(row: int, column: WebhookColumn, role: Any = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.index(row, column).data(role)

    assert cell(bad_row, WebhookColumn.STATE) == "Failing"
    assert cell(bad_row, WebhookColumn.STATE, Qt.ItemDataRole.DecorationRole) is not None
    tip = cell(bad_row, WebhookColumn.STATE, Qt.ItemDataRole.ToolTipRole)
    assert tip == "The last 3 deliveries failed (HTTP 500)"
    assert cell(bad_row, WebhookColumn.DELIVERIES) == "4"
    assert cell(bad_row, WebhookColumn.SUCCESS) == "0%"
    assert cell(bad_row, WebhookColumn.FAILING_SINCE) != ""
    assert cell(good_row, WebhookColumn.STATE) == "Healthy"
    assert cell(good_row, WebhookColumn.SUCCESS) == "100%"
    assert cell(good_row, WebhookColumn.LAST_DELIVERED) != ""
    assert tab.view.sync_label.text().startswith("Local copy: 8 rows, synced ")

    panel = tab.view.health_panel
    table = tab.view.table
    table.sortByColumn(WebhookColumn.STATE, Qt.SortOrder.DescendingOrder)  # failing first
    first = table.visualRect(table.model().index(0, WebhookColumn.URL))
    with qtbot.waitSignal(tab.health.panel_updated, timeout=10000):
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first.center())
    assert tab.view.selected_row() == bad_row
    qtbot.waitUntil(lambda: not panel.dirty, timeout=5000)
    assert f"#{hooks['bad']} reading.weight" in panel.title.text()
    assert panel.failures.text().startswith("500 × 4 since ")
    assert "0 delivered first time" in panel.summary.text()
    heights = [sum(bar.opts["height"]) for bar in panel.bars]
    assert sum(heights) == 4
    assert heights[0] == heights[1] == 0  # nothing delivered

    with qtbot.waitSignal(tab.health.panel_updated, timeout=10000):
        qtbot.mouseClick(panel.week, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.dirty, timeout=5000)
    assert len(panel.bars[0].opts["x"]) >= 7 * 24
    assert "Impilo, last 7 days:" in panel.summary.text()
    make_desk.close(desk)


class RecordingNotifier:
    """The notifier port, recording what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, message: str) -> None:
        self.shown.append((title, message))


def test_a_receiver_that_starts_answering_500_turns_failing_with_one_notification(
    qtbot: Any, make_desk: Any, sandbox_factory: Any, tmp_path: Path
) -> None:
    receiver = Receiver()
    box: SandboxProcess = sandbox_factory(time_scale=3600)
    notifier = RecordingNotifier()
    try:
        with box.client() as api:
            made = api.post(
                "/api/v3/webhook", json={"type": "reading.weight", "url": receiver.url + "/h"}
            ).raise_for_status()
            hook = made.json()["id"]
            patient = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"]

            def fire(times: int, expected: int) -> None:
                for _ in range(times):
                    body = {"patientId": patient, "weight": 170}
                    api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()

                def settled() -> bool:
                    rows = api.get("/api/v3/webhook/logs", params={"size": 250}).json()["content"]
                    return len(rows) == expected and all(r["lastResponseStatus"] for r in rows)

                wait_until(settled, 20)

            fire(2, 2)
            build = partial(webhooks.build, notifier=notifier)
            desk = make_desk(
                _opener(box, tmp_path / "mirror.sqlite3"), tabs=(build,), closed_by_test=True
            )
            tab = desk.webhooks
            with qtbot.waitSignal(tab.health.health_updated, timeout=20000):
                desk.sessions.switch_to(ProfileStub(api_base_url=box.base_url))
            qtbot.waitUntil(lambda: tab.health.health is not None, timeout=10000)
            assert tab.health.health[hook].state.value == "healthy"

            receiver.status = 500
            fire(3, 5)
            with qtbot.waitSignal(tab.health.health_updated, timeout=20000):
                tab.view.refresh_action.trigger()  # F5
            qtbot.waitUntil(
                lambda: (
                    tab.health.health is not None
                    and tab.health.health[hook].state.value == "failing"
                ),
                timeout=20000,
            )
            assert len(notifier.shown) == 1
            title, message = notifier.shown[0]
            assert title == f"Webhook #{hook} is failing"
            assert message.startswith(f"#{hook} reading.weight: the last 3 deliveries failed")
            assert "Amara" not in message
            assert "Nwosu" not in message
            tabs = desk.window.tabs
            assert tabs.tabText(tabs.indexOf(tab.view)) == "Webhooks (1 failing)"
            assert desk.window.status.alert_label.text().startswith(
                f"⚠ Webhook #{hook} reading.weight is failing since "
            )

            # another sync with the webhook still failing: no second notification
            with qtbot.waitSignal(tab.health.health_updated, timeout=20000):
                tab.view.refresh_action.trigger()
            assert len(notifier.shown) == 1
            make_desk.close(desk)
    finally:
        receiver.close()
