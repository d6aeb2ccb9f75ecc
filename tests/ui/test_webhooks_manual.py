"""The Webhooks tab's health counts manual resends apart from Impilo's (#17), and writes its times
by the app's one rule (#20). Against a real sandbox, real receivers on 127.0.0.1, a real log
mirror and a real record of manual resends (pytest-qt).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from impilo_desk.client import NO_RETRY, ImpiloClient
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from impilo_desk.services.redelivery import (
    REDELIVERY_HEADER,
    AttemptStore,
    Outcome,
    Redelivery,
    RedeliverySettings,
    plan_logs,
)
from impilo_desk.session import ProfileInfo, Session
from impilo_desk.ui import webhooks
from impilo_desk.ui.webhooks.model import HEALTH_COLUMNS, WebhookColumn
from tests.fixtures.desk import ProfileStub
from tests.fixtures.sandbox import Receiver, SandboxProcess, wait_until
from tests.ui.fakes import FakeStore

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}
SECRET = "whsec-health-manual-7d1e"
FAST = RedeliverySettings(concurrency=2, rate_per_second=None, timeout_s=2.0)
FIRED = 4


@dataclass
class Box:
    """A sandbox whose ``bad`` webhook failed for good ``FIRED`` times; ``good`` delivered."""

    sandbox: SandboxProcess
    hooks: dict[str, int]
    receivers: dict[str, Receiver]

    def logs(self, hook: int) -> list[WebhookLog]:
        with self.sandbox.client() as api:
            rows = api.get("/api/v3/webhook/logs", params={"size": 250}).json()["content"]
        return [WebhookLog.model_validate(r) for r in rows if r["webhookId"] == hook]


@pytest.fixture
def box(sandbox_factory: Any) -> Iterator[Box]:
    receivers = {"good": Receiver(), "bad": Receiver(), "elsewhere": Receiver()}
    receivers["bad"].status = 500
    sandbox: SandboxProcess = sandbox_factory(time_scale=3600)  # 105 min of retries in ~2 s
    try:
        with sandbox.client() as api:
            hooks = {}
            for name in ("good", "bad"):
                url = receivers[name].url + "/h"
                made = api.post("/api/v3/webhook", json={"type": "reading.weight", "url": url})
                hooks[name] = made.raise_for_status().json()["id"]
            patient = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"]
            for _ in range(FIRED):
                body = {"patientId": patient, "weight": 170}
                api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()

            def final() -> bool:  # every retry made: Impilo's figures change no more
                rows = api.get("/api/v3/webhook/logs", params={"size": 250}).json()["content"]
                return len(rows) == 2 * FIRED and all(
                    r["lastResponseStatus"] == 200 or r["retryAttempts"] >= 3 for r in rows
                )

            wait_until(final, 30)
        yield Box(sandbox, hooks, receivers)
    finally:
        for receiver in receivers.values():
            receiver.close()


@dataclass
class Opened:
    """The record of manual resends of the session the desk opened."""

    record: AttemptStore | None = None


def _opener(box: Box, folder: Path, opened: Opened) -> Any:
    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        store = await asyncio.to_thread(MirrorStore, folder / "mirror.sqlite3")
        record = await asyncio.to_thread(AttemptStore, AttemptStore.path_for(folder, profile.id))
        opened.record = record
        try:
            async with ImpiloClient(
                box.sandbox.base_url, box.sandbox.api_key, retry=NO_RETRY
            ) as client:
                mirror = LogMirror(store, client, MirrorSettings(interval_s=3600))
                await mirror.load()
                yield Session(profile, client, FakeStore(), log_mirror=mirror, attempts=record)
        finally:
            await asyncio.to_thread(record.close)
            await asyncio.to_thread(store.close)

    return open_session


def _open(qtbot: Any, make_desk: Any, box: Box, folder: Path) -> tuple[Any, Opened]:
    opened = Opened()
    desk = make_desk(_opener(box, folder, opened), tabs=(webhooks.build,), closed_by_test=True)
    desk.window.resize(1280, 800)
    tab = desk.webhooks
    with qtbot.waitSignal(tab.health.health_updated, timeout=20000):
        desk.sessions.switch_to(ProfileStub(api_base_url=box.sandbox.base_url))
    qtbot.waitUntil(lambda: tab.health.health is not None, timeout=10000)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=10000)
    return desk, opened


def _select(qtbot: Any, tab: Any, row: int) -> None:
    with qtbot.waitSignal(tab.health.panel_updated, timeout=10000):
        tab.view.select_row(row)
    qtbot.waitUntil(lambda: not tab.view.health_panel.dirty, timeout=5000)


def _resend(qtbot: Any, record: AttemptStore, rows: list[WebhookLog], target: str | None) -> None:
    run = Redelivery(
        plan_logs(rows, target=target),
        secret=SECRET,
        record=record,
        profile_id="p1",
        profile_name="Clinic A",
        origin="logs",
        settings=FAST,
    )
    task = asyncio.ensure_future(run.run())
    qtbot.waitUntil(task.done, timeout=20000)
    task.result()


def test_manual_resends_show_apart_and_leave_impilos_figures_and_state_as_they_were(
    qtbot: Any, make_desk: Any, box: Box, tmp_path: Path
) -> None:
    desk, opened = _open(qtbot, make_desk, box, tmp_path)
    tab, model, panel = desk.webhooks, desk.webhooks.model, desk.webhooks.view.health_panel
    bad, good = box.hooks["bad"], box.hooks["good"]
    bad_row, good_row = model.row_of(bad), model.row_of(good)

    def impilo_cells(row: int) -> list[Any]:
        return [model.index(row, c).data() for c in HEALTH_COLUMNS]

    def manual_cell(row: int, role: Any = Qt.ItemDataRole.DisplayRole) -> Any:
        return model.index(row, WebhookColumn.MANUAL).data(role)

    before = impilo_cells(bad_row)
    assert before[:3] == ["Failing", f"{FIRED}", "0%"]
    assert manual_cell(bad_row) == manual_cell(good_row) == "none"
    _select(qtbot, tab, bad_row)
    assert panel.state_line.text() == (
        "Impilo's deliveries (24 h): failing · no manual resends in the last 24 h"
    )
    chart_before = [list(bar.opts["height"]) for bar in panel.bars]
    texts_before = (panel.summary.text(), panel.failures.text())

    # the endpoint is back, but answers the first resend 503; one resend goes elsewhere
    box.receivers["bad"].status = 200
    box.receivers["bad"].statuses = [503]
    rows = box.logs(bad)
    assert len(rows) == FIRED
    record = opened.record
    assert record is not None
    _resend(qtbot, record, rows, None)  # each to its webhook's own URL
    _resend(qtbot, record, rows[:1], box.receivers["elsewhere"].url + "/mine")

    # no sync of the log: the tab sees the record change by itself (its tick, at most 5 s)
    qtbot.waitUntil(lambda: manual_cell(bad_row) == f"{FIRED} resent, 3 delivered", timeout=15000)
    qtbot.waitUntil(lambda: panel.manual.text().startswith(f"{FIRED} resent"), timeout=10000)
    qtbot.waitUntil(lambda: not panel.dirty, timeout=5000)

    assert impilo_cells(bad_row) == before  # still failing: a resend is not Impilo's delivery
    assert tab.health.health is not None
    assert tab.health.health[bad].state.value == "failing"
    tip = model.index(bad_row, WebhookColumn.STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == (
        "The last 3 deliveries failed (HTTP 500)\nImpilo's deliveries only: the manual resends "
        "(3 of 4 delivered) are counted apart and do not change this state."
    )
    assert manual_cell(good_row) == "none"  # the resend elsewhere counts for no webhook
    assert panel.state_line.text() == (
        "Impilo's deliveries (24 h): failing · manual resends (24 h): 3 of 4 delivered"
    )
    lines = panel.manual.text().split("\n")
    assert lines[0] == f"{FIRED} resent, 3 delivered, 1 failed"
    assert lines[1] == "Failed: 503 × 1"
    assert lines[2].startswith("Latest: ")
    assert "not in the chart" in panel.manual_note.text()
    assert [list(bar.opts["height"]) for bar in panel.bars] == chart_before
    assert (panel.summary.text(), panel.failures.text()) == texts_before

    # the figures are the record's: every attempt to the webhook's URL, and nothing else
    attempts = [a for run in record.runs() for a in record.attempts(run.run_id)]
    to_hook = [a for a in attempts if a.target == rows[0].webhookUrl]
    assert len(attempts) == FIRED + 1
    assert len(to_hook) == FIRED
    shown = tab.health.manual[bad]
    assert shown.resent == len(to_hook)
    assert shown.delivered == sum(a.outcome is Outcome.DELIVERED for a in to_hook) == 3
    assert shown.failed == sum(a.outcome is Outcome.FAILED for a in to_hook) == 1
    assert shown.latest_at == max(a.started_at for a in to_hook)
    assert set(tab.health.manual) == {bad}
    manual_posts = [
        r for r in box.receivers["bad"].requests if REDELIVERY_HEADER.lower() in r.headers
    ]
    assert len(manual_posts) == FIRED  # what the receiver got is what the record says
    make_desk.close(desk)


def test_health_times_follow_the_one_rule_and_its_utc_setting(
    qtbot: Any, make_desk: Any, box: Box, tmp_path: Path
) -> None:
    desk, _opened = _open(qtbot, make_desk, box, tmp_path)
    tab, model, panel = desk.webhooks, desk.webhooks.model, desk.webhooks.view.health_panel
    bad, good = box.hooks["bad"], box.hooks["good"]
    health = tab.health.health
    assert health is not None
    failing_since, delivered = health[bad].failing_since, health[good].last_delivered
    assert failing_since is not None
    assert delivered is not None
    _select(qtbot, tab, model.row_of(bad))
    zone = timezone(timedelta(hours=2), "EET")
    times = model.times  # the window's one rule, as View › Times in UTC changes it
    times.local_zone = zone
    status_lines: list[str] = []
    tab.failing_changed.connect(status_lines.append)

    def cell(hook: int, column: WebhookColumn) -> Any:
        return model.index(model.row_of(hook), column).data()

    def written(at: datetime, tz: Any, name: str) -> str:
        local = at.astimezone(tz)
        today = datetime.now(tz).date()
        return (
            f"{local:%H:%M:%S} {name}"
            if local.date() == today
            else f"{local:%Y-%m-%d %H:%M:%S} {name}"
        )

    times.set_utc(True)
    since_utc = written(failing_since, UTC, "UTC")
    assert cell(bad, WebhookColumn.FAILING_SINCE) == since_utc
    assert cell(good, WebhookColumn.LAST_DELIVERED) == written(delivered, UTC, "UTC")
    assert panel.failures.text() == f"500 × {FIRED} since {since_utc}"
    assert panel.title.text().endswith(" UTC)")
    assert panel.axis.utcOffset == 0
    assert status_lines[-1].endswith(f"is failing since {since_utc}")

    times.set_utc(False)
    since_eet = written(failing_since, zone, "EET")
    assert cell(bad, WebhookColumn.FAILING_SINCE) == since_eet
    assert cell(good, WebhookColumn.LAST_DELIVERED) == written(delivered, zone, "EET")
    assert panel.failures.text() == f"500 × {FIRED} since {since_eet}"
    assert panel.title.text().endswith(" EET)")
    assert panel.axis.utcOffset == -7200
    assert status_lines[-1].endswith(f"is failing since {since_eet}")
    make_desk.close(desk)
