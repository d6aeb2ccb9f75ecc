"""Webhook health from the mirror of a real sandbox's log, checked against the log's own rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desk.client import NO_RETRY, ImpiloClient
from impilo_desk.contract import WebhookLog
from impilo_desk.services.delivery_health import (
    HealthState,
    compute_health,
    outcomes_per_hour,
    top_failures,
)
from impilo_desk.services.log_mirror import LogMirror, MirrorStore
from impilo_desk.services.time_display import TimeDisplay
from tests.fixtures.sandbox import Receiver, SandboxProcess
from tests.fixtures.waiting import wait_until

pytestmark = pytest.mark.anyio

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "siteId": 1}


def _rows(api: httpx.Client) -> list[WebhookLog]:
    body = api.get("/api/v3/webhook/logs", params={"size": 250}).raise_for_status().json()
    return [WebhookLog.model_validate(r) for r in body["content"]]


def _ok(r: WebhookLog) -> bool:
    return r.lastResponseStatus is not None and 200 <= r.lastResponseStatus < 300


def _fire(api: httpx.Client, patient: int, times: int) -> None:
    for _ in range(times):
        body = {"patientId": patient, "weight": 170}
        api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()


def _settled(api: httpx.Client, count: int) -> bool:
    rows = _rows(api)
    return len(rows) == count and all(r.lastResponseStatus is not None for r in rows)


async def test_health_figures_match_the_rows_and_a_receiver_answering_500_turns_it_failing(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    good, bad = Receiver(), Receiver()
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
            bad.statuses = [200, 500, 200, 200]  # one failed first attempt, then retried fine
            _fire(api, patient, 3)
            wait_until(lambda: _settled(api, 6) and all(_ok(r) for r in _rows(api)), 20)
            store = MirrorStore(tmp_path / "m.sqlite3")
            async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
                mirror = LogMirror(store, client)
                await mirror.sync()
                now = datetime.now(UTC)
                health = compute_health(store, now)
                rows = _rows(api)
                for hook in hooks.values():
                    mine = [r for r in rows if r.webhookId == hook]
                    h = health[hook]
                    assert h.deliveries == len(mine) == 3
                    assert h.delivered == sum(_ok(r) for r in mine)
                    last = max(r.lastRetryTimestamp or r.createTimestamp for r in mine if _ok(r))
                    assert h.last_delivered == last
                    assert h.failing_since is None
                    assert h.state is HealthState.HEALTHY
                chart = outcomes_per_hour(store, hooks["bad"], now)
                assert sum(b.after_retries for b in chart) == 1
                assert sum(b.first_time for b in chart) == 2
                assert len(chart) in (24, 25)

                # the bad receiver now answers 500 to everything
                bad.status = 500
                _fire(api, patient, 3)
                wait_until(lambda: _settled(api, 12), 20)
                await mirror.sync()
                now = datetime.now(UTC)
                health = compute_health(store, now)
                failing = health[hooks["bad"]]
                rows = [r for r in _rows(api) if r.webhookId == hooks["bad"]]
                assert failing.state is HealthState.FAILING
                assert failing.deliveries == 6
                assert failing.delivered == sum(_ok(r) for r in rows) == 3
                first_bad = min(r.createTimestamp for r in rows if not _ok(r))
                assert failing.failing_since == first_bad
                assert "the last 3 deliveries failed" in failing.reason
                assert health[hooks["good"]].state is HealthState.HEALTHY
                failures = top_failures(store, hooks["bad"], now)
                assert [(f.status, f.count) for f in failures] == [(500, 3)]
                assert failures[0].describe(TimeDisplay(utc=True)).startswith("500 × 3 since ")
            store.close()
    finally:
        good.close()
        bad.close()


def test_an_empty_mirror_is_idle_and_a_quiet_day_too(tmp_path: Path) -> None:
    store = MirrorStore(tmp_path / "m.sqlite3")
    old = datetime.now(UTC) - timedelta(days=2)
    store.upsert(
        [
            WebhookLog(id=1, webhookId=7, createTimestamp=old, lastResponseStatus=200),
            WebhookLog(id=2, webhookId=7, createTimestamp=datetime.now(UTC)),  # pending
        ]
    )
    health = compute_health(store, datetime.now(UTC))
    assert health[7].state is HealthState.IDLE
    assert health[7].deliveries == 0
    store.close()
