"""The local copy's filters and sort against a brute-force filter of the same rows from Impilo.

The rows are seeded into a real sandbox, read over HTTP by the mirror's real sync into a real
SQLite file; the ground truth is every row the sandbox's API lists, filtered in plain Python.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desk.client import NO_RETRY, ImpiloClient, LogFilters
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from impilo_desk.services.log_mirror.search import (
    COUNT_CAP,
    SORT_COLUMNS,
    LocalFilters,
    LogSort,
    search,
)
from tests.ui.logs_local_support import brute, varied_rows
from tests.ui.logs_support import seed_db

pytestmark = pytest.mark.anyio
WINDOW = timedelta(days=7)


def _all_rows(api: httpx.Client) -> list[WebhookLog]:
    rows, page = [], 1
    while True:
        body = api.get("/api/v3/webhook/logs", params={"size": 250, "page": page}).json()
        rows += [WebhookLog.model_validate(r) for r in body["content"]]
        if body["last"] or not body["content"]:
            return rows
        page += 1


def _combos(now: datetime) -> list[tuple[LogFilters, LocalFilters]]:
    start = now - WINDOW + timedelta(hours=1)
    api = [
        LogFilters(start=start),
        LogFilters(start=start, webhook_type="reading.weight"),
        LogFilters(start=start, retry_attempts_min=1),
        LogFilters(start=start, retry_attempts_max=0),
        LogFilters(start=start, retry_attempts_min=1, retry_attempts_max=2),
        LogFilters(start=start, last_response_status=503),
        LogFilters(start=start, last_response_status=0),
        LogFilters(start=start, end=now - timedelta(days=2)),
        LogFilters(start=start, start_last_retry=now - timedelta(days=3)),
        LogFilters(start=start, end_last_retry=now - timedelta(days=3)),
    ]
    local = [
        LocalFilters(),
        LocalFilters(webhook_id=2),
        LocalFilters(webhook_id=99),
        LocalFilters(url_contains="clinic-a"),  # any case: the URL has "Clinic-A"
        LocalFilters(url_contains="HOOKS"),
        LocalFilters(url_contains="nowhere"),
        LocalFilters(patient="13"),
        LocalFilters(patient="amara"),  # Amara and Amaranth
        LocalFilters(patient="Amara Nwosu"),
        LocalFilters(patient="nwosu"),
        LocalFilters(patient="van"),
        LocalFilters(patient="josé"),
        LocalFilters(text="503"),
        LocalFilters(text="omron bp7450"),
        LocalFilters(text="not json"),
        LocalFilters(text="thandiwe"),
        LocalFilters(text="zzz"),
        LocalFilters(text="1"),  # one digit: the word begins many terms
    ]
    combos = [(f, LocalFilters()) for f in api] + [(api[0], lo) for lo in local]
    combos += [  # together
        (api[2], LocalFilters(webhook_id=3, text="hooks")),
        (api[5], LocalFilters(url_contains="example", patient="nwosu")),
        (api[0], LocalFilters(patient="amara", text="omron")),  # each index narrows the other
        (api[0], LocalFilters(patient="nwosu", text="503")),
        (
            LogFilters(start=start, end=now, webhook_type="reading.bloodPressure",
                       retry_attempts_min=0, retry_attempts_max=3),
            LocalFilters(webhook_id=1, url_contains="ehr", patient="amara", text="value"),
        ),
        (  # every filter at once (two rows meet them all)
            LogFilters(start=start, end=now, webhook_type="reading.bloodGlucose",
                       retry_attempts_min=1, retry_attempts_max=3, last_response_status=0,
                       start_last_retry=start, end_last_retry=now + timedelta(hours=2)),
            LocalFilters(webhook_id=3, url_contains="hooks", patient="nwosu", text="value 1"),
        ),
        (api[0], LocalFilters(patient="amara", text="1")),
    ]  # fmt: skip
    return combos


async def test_each_local_filter_and_sort_gives_exactly_the_brute_force_rows(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    db = tmp_path / "sandbox.db"
    seed_db(db, varied_rows(now))
    box = sandbox_factory(db_path=db)
    store = MirrorStore(tmp_path / "mirror.sqlite3")
    async with ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY) as client:
        mirror = LogMirror(store, client, MirrorSettings(window=WINDOW, page_size=40))
        await mirror.sync()
    with box.client() as api:
        truth = _all_rows(api)
    assert len(truth) == 140
    held = [r for r in truth if r.createTimestamp and r.createTimestamp >= now - WINDOW]
    assert 0 < store.count() == len(held) < len(truth)  # the copy keeps its window only
    checked = 0
    for filters, local in _combos(now):
        for sort in [LogSort()] + [LogSort(c, d) for c in SORT_COLUMNS for d in (True, False)]:
            if not sort.is_default() and local.any() and checked % 3:
                checked += 1  # every sort with every filter would be slow; a third of them
                continue
            expected = brute(truth, filters, local, sort)
            found = search(store, filters, local, sort, page=1, size=250)
            assert [r.id for r in found.rows] == expected, (filters, local, sort)
            assert (found.total, found.capped) == (len(expected), False)
            if len(expected) > 7:  # a later page is the same slice of the same order
                page2 = search(store, filters, local, sort, page=2, size=7)
                assert [r.id for r in page2.rows] == expected[7:14]
            checked += 1
    assert checked > 100
    # the rows match what Impilo says of them, field by field
    by_id = {r.id: r for r in truth}
    for row in search(store, LogFilters(start=now - WINDOW), size=250).rows:
        assert row == by_id[row.id]
    store.close()


def _text_ids(store: MirrorStore, text: str) -> set[int | None]:
    found = search(store, None, LocalFilters(text=text), size=250)
    return {r.id for r in found.rows}


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    for table in ("logs_text", "logs_names"):  # raises if not in step with the rows
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")  # noqa: S608
    conn.close()


def test_the_text_index_keeps_in_step_with_upserts_and_prunes(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    store = MirrorStore(path)
    now = datetime.now(UTC)
    bodies = ['{"type":"reading.weight","payload":{"patient":{"id":1,"firstName":"Amara"}}}',
              '{"type":"reading.weight","payload":{"note":"Thandiwe"}}', "{'id':1234}"]  # fmt: skip
    logs = [
        WebhookLog(id=n, webhookId=1, webhookUrl="https://x/h", payload=bodies[n % 3],
                   createTimestamp=now - timedelta(hours=n), lastResponseStatus=503,
                   retryAttempts=0)
        for n in range(1, 31)
    ]  # fmt: skip
    store.upsert(logs)
    assert _text_ids(store, "thandiwe") == {n for n in range(1, 31) if n % 3 == 1}
    assert _text_ids(store, "1234") == {n for n in range(1, 31) if n % 3 == 2}
    assert {r.id for r in search(store, None, LocalFilters(patient="amara"), size=99).rows} == {
        n for n in range(1, 31) if n % 3 == 0
    }
    # a later state of the same rows (a retry), and a row whose body changed
    store.upsert([log.model_copy(update={"retryAttempts": 1}) for log in logs])
    store.upsert([logs[0].model_copy(update={"payload": '{"note":"Lerato"}'})])
    assert _text_ids(store, "lerato") == {1}
    assert _text_ids(store, "thandiwe") == {n for n in range(2, 31) if n % 3 == 1}
    assert search(store, None, LocalFilters(patient="amara"), size=99).total == 10
    store.prune(int((now - timedelta(hours=10, minutes=30)).timestamp() * 1000))
    assert _text_ids(store, "thandiwe") == {4, 7, 10}
    assert _text_ids(store, "1234") == {2, 5, 8}
    store.close()
    _integrity(path)


def test_an_older_copy_is_indexed_when_first_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE logs (id INTEGER PRIMARY KEY, webhook_id INTEGER, webhook_type TEXT, "
        "webhook_url TEXT, create_ms INTEGER NOT NULL, last_status INTEGER, retry_attempts "
        "INTEGER NOT NULL, last_retry_ms INTEGER, final INTEGER NOT NULL, patient_id INTEGER, "
        "payload TEXT);"
    )
    body = '{"type":"patient.updated","payload":{"id":7,"firstName":"Naledi","lastName":"Zulu"}}'
    conn.execute("INSERT INTO logs VALUES (1, 2, 'patient.updated', 'u', 5, 200, 0, NULL, 1, 7, ?)",
                 (body,))  # fmt: skip
    conn.commit()
    conn.close()
    store = MirrorStore(path)  # an older copy: no name column, no text index
    found = search(store, None, LocalFilters(patient="zulu", text="naledi"))
    assert [r.id for r in found.rows] == [1]
    store.close()
    _integrity(path)


def test_counting_stops_at_the_cap_and_says_so(tmp_path: Path) -> None:
    store = MirrorStore(tmp_path / "m.sqlite3")
    now = datetime.now(UTC)
    store.upsert(
        WebhookLog(id=n, webhookId=1, createTimestamp=now - timedelta(seconds=n),
                   lastResponseStatus=200, retryAttempts=0, payload='{"a":1}')
        for n in range(1, COUNT_CAP + 3)
    )  # fmt: skip
    found = search(store, None, LocalFilters(text="a"), size=15)
    assert (found.total, found.capped, len(found.rows)) == (COUNT_CAP, True, 15)
    found = search(store, None, LocalFilters(webhook_id=1), page=2, size=COUNT_CAP)
    assert [r.id for r in found.rows] == [COUNT_CAP + 1, COUNT_CAP + 2]
    store.close()


def _names(store: MirrorStore, name: str) -> set[int | None]:
    return {r.id for r in search(store, None, LocalFilters(patient=name), size=250).rows}


def test_a_changed_patient_name_and_a_new_source_keep_the_indexes_in_step(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    store = MirrorStore(path)
    now = datetime.now(UTC)
    named = '{{"type":"patient.updated","payload":{{"id":7,"firstName":"{}","lastName":"Zulu"}}}}'
    logs = [
        WebhookLog(id=n, webhookId=1, payload=named.format("Naledi"), lastResponseStatus=200,
                   createTimestamp=now - timedelta(minutes=n), retryAttempts=0)
        for n in range(1, 6)
    ]  # fmt: skip
    store.upsert(logs + logs[:2])  # a page that repeats rows: each is indexed once
    store.upsert([logs[1].model_copy(update={"payload": named.format("Sipho")})])
    assert _names(store, "naledi") == {1, 3, 4, 5}
    assert _names(store, "sipho") == {2}
    assert _text_ids(store, "sipho") == {2}
    store.close()
    _integrity(path)
    store = MirrorStore(path)
    assert store.use_source("http://127.0.0.1:1") is False  # the first source: nothing emptied
    store.upsert(logs[:1])
    assert store.use_source("http://127.0.0.1:2") is True  # another API: emptied, index too
    assert _names(store, "zulu") == set()
    store.upsert(logs[2:3])
    assert _names(store, "zulu") == {3}
    store.close()
    _integrity(path)


def test_a_copy_whose_indexes_were_kept_by_triggers_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    store = MirrorStore(path)
    now = datetime.now(UTC)
    store.upsert(
        WebhookLog(id=n, webhookId=1, payload=f'{{"note":"word{n}"}}', lastResponseStatus=503,
                   createTimestamp=now - timedelta(hours=n), retryAttempts=0)
        for n in range(1, 5)
    )  # fmt: skip
    store.close()
    conn = sqlite3.connect(path)  # what version 2 of the schema had on top: triggers
    conn.executescript(
        "CREATE TRIGGER logs_text_insert AFTER INSERT ON logs BEGIN "
        "INSERT INTO logs_text (rowid, payload) VALUES (NEW.id, NEW.payload); END;"
        "CREATE TRIGGER logs_text_delete AFTER DELETE ON logs BEGIN INSERT INTO logs_text "
        "(logs_text, rowid, payload) VALUES ('delete', OLD.id, OLD.payload); END;"
        "PRAGMA user_version = 2;"
    )
    conn.close()
    store = MirrorStore(path)
    triggers = store.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    assert not [t for (t,) in triggers if t.startswith("logs_text")]  # else rows indexed twice
    assert _text_ids(store, "word3") == {3}  # the index it had is kept
    store.upsert([WebhookLog(id=9, webhookId=1, payload='{"note":"word9"}', retryAttempts=0,
                             createTimestamp=now, lastResponseStatus=200)])  # fmt: skip
    store.prune(int((now - timedelta(hours=2, minutes=30)).timestamp() * 1000))
    assert _text_ids(store, "word") == {1, 2, 9}
    store.close()
    _integrity(path)
