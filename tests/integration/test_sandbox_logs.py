"""The delivery log: each of the ten query parameters, the order, and the paging edges.

The log is seeded straight into the sandbox's SQLite file before it starts, so every field
(retries, last retry, status) has a known value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store.schema import SCHEMA
from tests.fixtures.sandbox import SandboxProcess

T0 = datetime(2026, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


# (type, status, retries, last retry) at T0 + index hours; log ids are 1..6 in this order.
ROWS = [
    ("reading.weight", 200, 0, None),
    ("reading.weight", 503, 1, T0 + 1 * H + 15 * M),
    ("reading.bloodPressure", 200, 2, T0 + 2 * H + 45 * M),
    ("reading.bloodPressure", 0, 3, T0 + 3 * H + 105 * M),
    ("reading.bloodGlucose", 404, 3, T0 + 4 * H + 105 * M),
    ("reading.bloodGlucose", 200, 0, None),
]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    db = tmp_path_factory.mktemp("logs") / "sandbox.db"
    conn = sqlite3.connect(db)
    conn.executescript(SCHEMA)
    events = [
        (i + 1, t, f'{{"id":{i + 1},"type":"{t}","payload":{{}}}}', 0)
        for i, (t, *_) in enumerate(ROWS)
    ]
    logs = [
        (i + 1, 1, t, "http://127.0.0.1:9/x", ms(T0 + i * H), status, retries,
         None if last is None else ms(last), None)
        for i, (t, status, retries, last) in enumerate(ROWS)
    ]  # fmt: skip
    with conn:
        store_logs.bulk_insert(conn, events, logs)
    conn.close()
    with SandboxProcess(db_path=db) as process:
        yield process


def ids(api: httpx.Client, **params: Any) -> list[int]:
    response = api.get("/api/v3/webhook/logs", params=params)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["content"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [6, 5, 4, 3, 2, 1]),
        ({"webhookType": "reading.weight"}, [2, 1]),
        ({"retryAttemptsMin": 2}, [5, 4, 3]),
        ({"retryAttemptsMax": 0}, [6, 1]),
        ({"lastResponseStatus": 200}, [6, 3, 1]),
        ({"lastResponseStatus": 0}, [4]),
        ({"startLastRetryTimestamp": iso(T0 + 2 * H + 45 * M)}, [5, 4, 3]),
        ({"endLastRetryTimestamp": iso(T0 + 2 * H + 45 * M)}, [3, 2]),
        ({"startTimestamp": iso(T0 + 2 * H)}, [6, 5, 4, 3]),
        ({"endTimestamp": iso(T0 + 2 * H)}, [2, 1]),
        ({"endTimestamp": "2026-01-01T02:00:00"}, [2, 1]),  # no zone: UTC
        ({"startTimestamp": "2026-01-01T03:00:00+01:00"}, [6, 5, 4, 3]),
        ({"webhookType": "reading.bloodPressure", "retryAttemptsMin": 3}, [4]),
        ({"retryAttemptsMin": 1, "retryAttemptsMax": 2, "lastResponseStatus": 503}, [2]),
        ({"startTimestamp": iso(T0 + H), "endTimestamp": iso(T0 + 4 * H),
          "startLastRetryTimestamp": iso(T0), "endLastRetryTimestamp": iso(T0 + 3 * H)}, [3, 2]),
        ({"webhookType": "reading.ecg"}, []),
    ],
)  # fmt: skip
def test_each_filter_newest_first(
    api: httpx.Client, params: dict[str, Any], expected: list[int]
) -> None:
    assert ids(api, **params) == expected


def test_record_fields(api: httpx.Client) -> None:
    record = next(r for r in api.get("/api/v3/webhook/logs").json()["content"] if r["id"] == 4)
    assert record == {
        "id": 4,
        "webhookId": 1,
        "webhookType": "reading.bloodPressure",
        "webhookUrl": "http://127.0.0.1:9/x",
        "payload": '{"id":4,"type":"reading.bloodPressure","payload":{}}',
        "createTimestamp": "2026-01-01T03:00:00.000Z",
        "lastResponseStatus": 0,
        "retryAttempts": 3,
        "lastRetryTimestamp": "2026-01-01T04:45:00.000Z",
    }


def test_paging_edges(api: httpx.Client) -> None:
    def page(**params: Any) -> dict[str, Any]:
        response = api.get("/api/v3/webhook/logs", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    default = page()
    assert (default["page"], default["size"], default["total"]) == (1, 15, 6)
    assert default["first"]
    assert default["last"]
    pages = [page(size=2, page=n) for n in (1, 2, 3, 4)]
    assert [[r["id"] for r in p["content"]] for p in pages] == [[6, 5], [4, 3], [2, 1], []]
    assert [(p["first"], p["last"]) for p in pages] == [
        (True, False), (False, False), (False, True), (False, True)
    ]  # fmt: skip
    assert all(p["total"] == 6 for p in pages)
    assert page(size=1000)["size"] == 250
    assert page(size=10**30)["size"] == 250
    assert page(page=10**9)["content"] == []


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page": -1}, {"size": 0}, {"page": 10**10}, {"page": "one"},
     {"webhookType": "reading.nope"}, {"retryAttemptsMin": "x"}, {"lastResponseStatus": 1.5},
     {"startTimestamp": "2026-13-01T00:00:00Z"}, {"endLastRetryTimestamp": "noon"},
     {"retryAttemptsMax": 10**20}],
)  # fmt: skip
def test_bad_parameters_are_400_with_a_message(api: httpx.Client, params: dict[str, Any]) -> None:
    response = api.get("/api/v3/webhook/logs", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["message"]
