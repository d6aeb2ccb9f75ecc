"""Helpers for the Logs tab tests: seeding the sandbox, a recording client, the tab harness."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from impilo_desk.client import NO_RETRY, ImpiloClient, LogFilters
from impilo_desk.contract import Page, WebhookLog
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store.db import connect
from impilo_desk.sandbox.store.schema import SCHEMA
from tests.fixtures.sandbox import Receiver, SandboxProcess, wait_until

PATIENT = {"firstName": "Amara", "lastName": "Nwosu", "email": "amara@example.org", "siteId": 1}
BODIES: dict[str, dict[str, Any]] = {
    "blood-pressure": {"systolic": 120, "diastolic": 80, "heartRate": 70},
    "weight": {"weight": 172.4},
    "blood-glucose": {"glucose": 110},
}
NON_JSON = "{'id':1234}"


@dataclass
class Call:
    query: dict[str, str]
    page: int
    size: int


class RecordingApi:
    """The real client, recording every ``list_logs`` call; can hold calls at a gate."""

    def __init__(self, client: ImpiloClient) -> None:
        self.client = client
        self.calls: list[Call] = []
        self.gates: dict[int, asyncio.Event] = {}  # page -> hold calls for it until set

    @property
    def base_url(self) -> str:
        return self.client.base_url

    async def list_logs(
        self, filters: LogFilters | None = None, page: int = 1, size: int = 15
    ) -> Page[WebhookLog]:
        self.calls.append(Call(filters.to_query() if filters else {}, page, size))
        gate = self.gates.get(page)
        if gate is not None:
            await gate.wait()
        return await self.client.list_logs(filters, page=page, size=size)

    def __getattr__(self, name: str) -> Any:  # every other call goes to the real client
        return getattr(self.client, name)


@dataclass
class Seeded:
    box: SandboxProcess
    split: datetime  # created before: batch 1 (bp + weight); at or after: batch 2 (glucose)
    records: list[WebhookLog] = field(default_factory=list)


def fire(api: httpx.Client, kind: str, patient_id: int, times: int) -> None:
    for _ in range(times):
        api.post(
            f"/api/v3/test/{kind}-webhook", json={"patientId": patient_id, **BODIES[kind]}
        ).raise_for_status()


def all_logs(api: httpx.Client) -> list[WebhookLog]:
    body = api.get("/api/v3/webhook/logs", params={"size": 250}).raise_for_status().json()
    return [WebhookLog.model_validate(r) for r in body["content"]]


def seed_through_api(box: SandboxProcess, ok: Receiver, down: Receiver) -> Seeded:
    """12 blood pressure (200), 5 weight (500, failed for good), then 6 glucose (200)."""
    with box.client() as api:
        for type_, target in (
            ("reading.bloodPressure", ok),
            ("reading.weight", down),
            ("reading.bloodGlucose", ok),
        ):
            api.post("/api/v3/webhook", json={"type": type_, "url": target.url + "/in"})
        patient = api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"]
        fire(api, "blood-pressure", patient, 12)
        fire(api, "weight", patient, 5)

        def settled() -> bool:
            logs = all_logs(api)
            return len(logs) == 17 and all(
                r.lastResponseStatus == 200 or r.retryAttempts == 3 for r in logs
            )

        try:
            wait_until(settled, timeout=30)
        except TimeoutError:
            raise AssertionError(
                [(r.webhookType, r.lastResponseStatus, r.retryAttempts) for r in all_logs(api)]
            ) from None
        first = all_logs(api)
        split = max(r.createTimestamp for r in first if r.createTimestamp is not None)
        # the next batch starts in a later second (the date editors have second precision)
        wait_until(lambda: int(datetime.now(UTC).timestamp()) > int(split.timestamp()), 3)
        fire(api, "blood-glucose", patient, 6)
        wait_until(lambda: sum(r.lastResponseStatus == 200 for r in all_logs(api)) == 18)
        later = [r for r in all_logs(api) if r.webhookType == "reading.bloodGlucose"]
        cut = min(r.createTimestamp for r in later if r.createTimestamp is not None)
        return Seeded(box, cut, all_logs(api))


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def seed_db(path: Path, rows: list[dict[str, Any]]) -> None:
    """Writes log rows straight into a new sandbox database (the store's bulk helper).

    Each row: type, status, retries, created (datetime), last_retry (datetime or None),
    payload (text), and optionally webhook_id (default 1) and url. No row is due, so the
    sandbox's worker leaves them as they are.
    """
    conn = connect(str(path))
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    events, logs = [], []
    for n, row in enumerate(rows, start=1):
        created = ms(row["created"])
        events.append((n, row["type"], row.get("payload", json.dumps({"id": n})), created))
        last = row.get("last_retry")
        last_ms = None if last is None else ms(last)
        url = row.get("url", "https://ehr.example.org/hooks")
        hook = row.get("webhook_id", 1)
        logs.append(
            (n, hook, row["type"], url, created, row["status"], row["retries"], last_ms, None)
        )
    store_logs.bulk_insert(conn, events, logs)
    conn.execute("COMMIT")
    conn.close()


@dataclass
class Harness:
    """The Logs tab of a desk built by ``make_desk``, in a session on a real client."""

    desk: Any  # a tests.fixtures.desk.BuiltDesk
    api: RecordingApi

    @property
    def controller(self) -> Any:
        return self.desk.logs

    @property
    def tasks(self) -> Any:
        """The session's task owner."""
        return self.desk.sessions.owner

    @property
    def view(self) -> Any:
        return self.controller.view

    @property
    def model(self) -> Any:
        return self.controller.model

    def column(self, column: int) -> list[str]:
        model = self.model
        return [model.index(r, column).data() for r in range(model.rowCount())]


class Clock:
    """An injectable clock that moves only when told to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def open_tab(qtbot: Any, make_desk: Any, box: SandboxProcess, clock: Any = None) -> Harness:
    """The desk (``make_desk``) on a client of ``box``, its Logs tab's first page shown."""
    from impilo_desk.ui import logs
    from tests.fixtures.desk import ProfileStub
    from tests.ui.fakes import FakeStore

    api = RecordingApi(ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY))
    # Only the Logs tab: the Readings tab's own list_logs calls would blur the counted calls.
    desk = make_desk(
        api=api, store=FakeStore(), clock=clock, tabs=(logs.build,), closed_by_test=True
    )
    desk.window.resize(1280, 800)
    with qtbot.waitSignal(desk.logs.loaded, timeout=15000):
        desk.sessions.switch_to(ProfileStub(api_base_url=box.base_url))
    return Harness(desk, api)


def close_tab(qtbot: Any, make_desk: Any, harness: Harness) -> None:
    """Closes the desk (the session ends, its tasks end), then the client."""
    make_desk.close(harness.desk)
    closing = asyncio.ensure_future(harness.api.client.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
