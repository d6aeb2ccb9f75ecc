"""Each way the local search can take gives exactly the brute-force rows.

The search picks its way by sizes (which set drives the count, whether an index's span is read
or the few rows are probed, whether the sort index is walked past the cap), and the sizes that
pick each way on a million rows cannot be stored in a test. So the thresholds are set here to
force each way in turn over a few hundred rows in a real SQLite file, and every answer is
checked against the brute force of the same rows. Conditions that every row meets (and are
left out of the query) are asked too, with and without rows that have no URL.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from impilo_desk.client import LogFilters
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror import (
    MirrorStore,
    capped,
    presence,
    probe,
    text_index,
    text_search,
)
from impilo_desk.services.log_mirror import search as plan
from impilo_desk.services.log_mirror.search import LocalFilters, LogSort, search
from impilo_desk.services.log_mirror.text_search import CHECK_COST
from tests.ui.logs_local_support import brute, varied_rows

WAYS: dict[str, dict[str, Any]] = {
    "as shipped": {},
    "others drive, every check probes": {"PROBE_COST": 0, "_DRIVE": 0, "_CHUNK": 7},
    "others drive, every check probed in SQLite": {
        "PROBE_COST": 0,
        "_DRIVE": 0,
        "_CHUNK": 7,
        "matcher": lambda typed: None,
    },
    "indexes drive, every span read": {"PROBE_COST": 10**9, "_DRIVE": 10**9, "_CHUNK": 7},
    "indexes drive, others' rows from an index": {
        "COVER": 10**9,
        "FEW": 0,
        "_DRIVE": 10**9,
        "_CHUNK": 5,
    },
    "others' rows from an index drive": {
        "COVER": 10**9,
        "FEW": 10**9,
        "_DRIVE": 10**9,
        "_CHUNK": 7,
    },
    "indexes drive, joined to the others' rows": {"COVER": 0, "_DRIVE": 10**9, "_CHUNK": 7},
    "capped early: the sort index walked, probed": {
        "PROBE_COST": 0,
        "cap": 9,
        "_MAX_BATCH": 16,
        "_PIECE": 3,
    },
    "capped early: the sort index walked, spans read": {"PROBE_COST": 10**9, "cap": 9},
    "words of many terms probed, rows walked": {"TERMS": 1, "HUGE": 2, "_DENSE": 0, "_CHUNK": 7},
    "words of many terms read after a first chunk": {
        "TERMS": 1,
        "HUGE": 2,
        "_DENSE": 2,
        "_CHUNK": 7,
    },
    "words of many terms probed, capped early": {"TERMS": 1, "HUGE": 2, "_DENSE": 0, "cap": 9},
    "capped early: a name and a word counted in the payload index": {
        "cap": 3,
        "capped._LIKELY": 0,
        "capped._FEW": 0,
        "capped._CHUNK": 2,
        "capped._MOST": 3,  # the name's rows in a chunk's span: a few read, or many
    },
    "capped early: the payload index tried first, given up": {
        "cap": 3,
        "capped._LIKELY": 0,
        "capped._FEW": 2,
        "capped._CHUNK": 4,
        "capped._MOST": 4,
    },
}


def _logs(now: datetime) -> list[WebhookLog]:
    logs = []
    for n, row in enumerate(varied_rows(now, count=400, seed=7), start=1):
        logs.append(
            WebhookLog(id=n, webhookId=row["webhook_id"], webhookType=row["type"],
                       webhookUrl=row["url"], payload=row["payload"],
                       createTimestamp=row["created"], lastResponseStatus=row["status"],
                       retryAttempts=row["retries"], lastRetryTimestamp=row["last_retry"])
        )  # fmt: skip
    return logs


def _questions(held: list[WebhookLog], now: datetime) -> list[tuple[LogFilters, LocalFilters]]:
    first = min(r.createTimestamp for r in held if r.createTimestamp)
    api = [
        LogFilters(start=first),  # every row: left out
        LogFilters(start=first - timedelta(days=3), end=now + timedelta(days=1)),  # both ends
        LogFilters(start=first + timedelta(days=4)),  # not every row: kept
        LogFilters(end=first + timedelta(days=5)),
        LogFilters(start=first, retry_attempts_min=0, retry_attempts_max=3),  # every row
        LogFilters(start=first, retry_attempts_min=1, last_response_status=503),
        LogFilters(  # every filter of the API at once
            start=first, end=now + timedelta(days=1), webhook_type="reading.weight",
            retry_attempts_min=0, retry_attempts_max=3, last_response_status=503,
            start_last_retry=first, end_last_retry=now + timedelta(days=1),
        ),
    ]  # fmt: skip
    local = [
        LocalFilters(),
        LocalFilters(url_contains="/"),  # every URL, but not a row without one
        LocalFilters(url_contains="hooks"),
        LocalFilters(webhook_id=2, text="omron"),
        LocalFilters(patient="13", text="120"),
        LocalFilters(patient="amara"),
        LocalFilters(patient="amara", text="bp7450"),
        LocalFilters(patient="amara", text="not"),  # bodies not JSON have the name, no patient
        LocalFilters(patient="nwosu", text="503"),
        LocalFilters(patient="josé", text="value"),
        LocalFilters(patient="van wyk"),
        LocalFilters(text="1"),  # begins more than 64 terms: FTS5's prefix query
        LocalFilters(text="1 omron"),
        LocalFilters(text="not json"),
        LocalFilters(url_contains="/", patient="nwosu", text="omron"),
        LocalFilters(webhook_id=1, url_contains="hooks", patient="amara", text="value 1"),
    ]
    return [(f, lo) for f in api for lo in local]


NOW = datetime.now(UTC).replace(microsecond=0)
_TRUTH: dict[str, list[int | None]] = {}  # the brute force is slow: its answers serve every way


def _check(store: MirrorStore, held: list[WebhookLog], now: datetime, cap: int | None) -> int:
    checked = 0
    sorts = [LogSort(), LogSort("status", False), LogSort("type"), LogSort("state", False),
             LogSort("webhook", False), LogSort("url")]  # fmt: skip
    for n, (filters, local) in enumerate(_questions(held, now)):
        for sort in (sorts[0], sorts[1 + n % 5]):
            key = repr((len(held), filters, local, sort))
            if key not in _TRUTH:
                _TRUTH[key] = brute(held, filters, local, sort)
            expected = _TRUTH[key]
            found = search(store, filters, local, sort, page=1, size=1000)
            if cap is not None and len(expected) > cap:
                assert (found.total, found.capped) == (cap, True), (filters, local, sort)
            else:
                assert (found.total, found.capped) == (len(expected), False), (filters, local)
            assert [r.id for r in found.rows] == expected, (filters, local, sort)
            # the ids a search held in memory (up to twice a word's rows) do not stay there
            assert store.query("SELECT count(*) FROM temp.logs_held") == [(0,)]
            if n % 2:  # a later page: the same slice of the same order
                page3 = search(store, filters, local, sort, page=3, size=4)
                assert [r.id for r in page3.rows] == expected[8:12], (filters, local, sort)
            checked += 1
    return checked


@pytest.mark.parametrize("way", list(WAYS))
def test_every_way_of_searching_gives_the_brute_force_rows(
    way: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dict(WAYS[way])
    cap = settings.pop("cap", None)
    if cap is not None:
        monkeypatch.setattr(plan, "COUNT_CAP", cap)
        monkeypatch.setattr(plan, "_FIRST_BATCH", 4)  # the walk grows batch by batch
    for name, value in settings.items():
        if name == "PROBE_COST":  # a row probed or checked in Python: the same cost
            monkeypatch.setattr(text_search, "CHECK_COST", dict.fromkeys(CHECK_COST, value))
            value = dict.fromkeys(text_search.PROBE_COST, value)
        where = {"_MAX_BATCH": plan, "_PIECE": probe}.get(name, text_search)
        if name.startswith("capped."):
            where, name = capped, name.removeprefix("capped.")
        monkeypatch.setattr(where, name, value)
    now = NOW  # the same rows for every way
    store = MirrorStore(tmp_path / "m.sqlite3")
    held = _logs(now)
    store.upsert(held)
    assert _check(store, held, now, cap) > 100
    orphans = [  # rows without a URL or a webhook: "URL contains /" no longer means every row
        log.model_copy(update={"id": 1000 + n, "webhookUrl": None, "webhookId": None})
        for n, log in enumerate(held[:12])
    ]
    store.upsert(orphans)
    assert _check(store, held + orphans, now, cap) > 100
    store.close()


def _ids(store: MirrorStore, text: str = "", patient: str = "") -> set[int | None]:
    found = search(store, None, LocalFilters(text=text or None, patient=patient or None), size=99)
    return {r.id for r in found.rows}


def _log(n: int, body: str) -> WebhookLog:
    return WebhookLog(id=n, webhookId=1, webhookUrl="https://x/h", payload=body,
                      createTimestamp=datetime.now(UTC) - timedelta(minutes=n),
                      lastResponseStatus=200, retryAttempts=0)  # fmt: skip


def _person(first: str, last: str = "Zulu") -> str:
    return f'{{"type":"reading.weight","payload":{{"patient":{{"firstName":"{first}","lastName":"{last}"}}}}}}'  # noqa: E501


def test_a_word_asked_before_finds_the_rows_written_since(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    store = MirrorStore(path)
    store.upsert([_log(1, _person("Thandiwe")), _log(2, '{"note":"thanks"}')])
    assert _ids(store, text="thand") == {1}
    assert _ids(store, patient="thand") == {1}
    assert _ids(store, text="lera") == set()  # a word no row has: known to have no term
    # a write with no new term beginning with the words keeps their expansions
    store.upsert([_log(3, _person("Thandiwe", "Nkosi"))])
    assert store.terms.get("logs_text", "thand")[0]
    assert _ids(store, text="thand") == {1, 3}
    # new terms: in the payload, in the name, a word that had none, a non-ASCII body
    store.upsert([_log(4, _person("Thandeka")), _log(5, '{"note":"Lerato"}')])
    assert _ids(store, text="thand") == {1, 3, 4}
    assert _ids(store, patient="thand") == {1, 3, 4}
    assert _ids(store, text="lera") == {5}
    assert _ids(store, text="jos") == set()
    store.upsert([_log(6, _person("Josée"))])
    assert _ids(store, text="jos") == {6}
    assert _ids(store, patient="josé") == {6}
    # FTS5 lower-cases a final capital sigma as σ, Python as ς: not ASCII, so not guessed at
    assert _ids(store, text="σίσυφοσ") == set()
    store.upsert([_log(7, '{"note":"ΣΊΣΥΦΟΣ"}')])
    assert _ids(store, text="σίσυφοσ") == {7}
    # a row changed by another connection (another process on the same file)
    assert _ids(store, text="thand") == {1, 3, 4}
    assert _ids(store, patient="thand") == {1, 3, 4}
    other = MirrorStore(path)  # it writes (and indexes) as every store does
    other.upsert([_log(2, _person("Thandolwethu", "Mdlalose"))])
    other.close()
    assert _ids(store, text="thand") == {1, 2, 3, 4}
    assert _ids(store, patient="thand") == {1, 2, 3, 4}
    store.close()


_GROUPS_WORDS = ["reading", "read", "re", "r", "readingtimestamp", "josé", "zoë", "jos", "1",
                 "12", "value 1", "created", "omron", "reading zoë", "ünïcode", "a", "w",
                 "p"]  # fmt: skip


def _grouped_logs(now: datetime) -> list[WebhookLog]:
    """Rows whose webhooks, types and URLs hold different words: the patients' events no
    "reading", one webhook's readings no "omron"; names in UTF-8 (not escaped); some rows
    without a webhook, a type or a URL."""
    names = [("José", "Zoë"), ("Amara", "Ünïcode"), ("Zoë", "Botha")]
    logs = []
    for n in range(1, 121):
        hook = n % 5
        kind = ["patient.created", "reading.weight", "reading.bloodPressure", "patient.updated",
                "reading.weight"][hook]  # fmt: skip
        first, last = names[n % 3]
        person = {"id": n % 7, "firstName": first, "lastName": last}
        if kind.startswith("patient."):
            body: dict[str, Any] = {"id": n, "type": kind, "payload": person}
        else:
            device = "Omron BP7450" if hook != 4 else "Withings"
            reading = {"readingTimestamp": n, "value": n % 13, "device": device, "patient": person}
            body = {"id": n, "type": kind, "payload": reading}
        logs.append(WebhookLog(
            id=n, webhookId=None if n % 17 == 0 else hook,
            webhookType=None if n % 19 == 0 else kind,
            webhookUrl=None if n % 23 == 0 else f"https://h{hook}.example.org/in",
            payload=None if n % 29 == 0 else json.dumps(body, ensure_ascii=False),
            createTimestamp=now - timedelta(minutes=n), lastResponseStatus=200, retryAttempts=0,
        ))  # fmt: skip
    return logs


def _check_groups(store: MirrorStore, held: list[WebhookLog]) -> int:
    checked = 0
    for word in _GROUPS_WORDS:
        for column in presence.GROUPED:
            for descending in (False, True):
                sort, local = LogSort(column, descending), LocalFilters(text=word)
                expected = brute(held, LogFilters(), local, sort)
                found = search(store, None, local, sort, page=1, size=1000)
                assert [r.id for r in found.rows] == expected, (word, sort)
                paged: list[int | None] = []  # page by page: slices of the same order
                for n in range(1, len(expected) // 9 + 2):
                    paged += [r.id for r in search(store, None, local, sort, n, 9).rows]
                assert paged == expected, (word, sort)
                checked += len(expected)
    return checked


def test_a_sort_by_group_skips_only_groups_that_cannot_hold_the_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "COUNT_CAP", 3)  # past it: the sort index is walked
    monkeypatch.setattr(plan, "_FIRST_BATCH", 2)
    store = MirrorStore(tmp_path / "m.sqlite3")
    held = _grouped_logs(NOW)
    for start in range(0, len(held), 40):  # written in pages, as a sync writes them
        store.upsert(held[start : start + 40])
    found = [(w, i.keys) for w in ("reading", "omron") for i in text_search.questions(
        store, LocalFilters(text=w)) or []]  # fmt: skip
    by_type = {w: presence.groups(store, "webhook_type", k, False) for w, k in found}
    assert "patient.created" not in by_type["reading"]  # skipped: its rows lack the word
    assert "reading.weight" in by_type["omron"]  # one of its webhooks has it
    assert _check_groups(store, held) > 500
    # a row changes webhook, type and payload: its new group holds its new words
    moved = held[0].model_copy(update={
        "webhookId": 3, "webhookType": "patient.updated", "webhookUrl": "https://h3.example.org/in",
        "payload": '{"note":"reading Omron zoë"}',
    })  # fmt: skip
    store.upsert([moved])
    assert _check_groups(store, [moved, *held[1:]]) > 500
    store.close()


def test_a_copy_of_the_previous_schema_gets_its_groups_on_first_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "COUNT_CAP", 3)
    path = tmp_path / "m.sqlite3"
    store = MirrorStore(path)
    held = _grouped_logs(NOW)
    store.upsert(held)
    store.close()
    conn = sqlite3.connect(path)  # what version 3 had: no groups, the type index without retries
    conn.executescript(
        "DROP TABLE logs_presence; DROP INDEX logs_by_type; CREATE INDEX logs_by_type ON logs "
        "(webhook_type, create_ms, webhook_id, last_status, retry_attempts);"
        "PRAGMA user_version = 3;"
    )
    conn.close()
    store = MirrorStore(path)
    assert store.query("PRAGMA user_version") == [(text_index.SEARCH_VERSION,)]
    columns = [r[2] for r in store.query("PRAGMA index_info(logs_by_type)")]
    assert columns[-1] == "last_retry_ms"
    assert _check_groups(store, held) > 500
    store.close()


def test_the_groups_index_payloads_as_the_text_index_does() -> None:
    # the table's scratch index must make the terms the payload index makes
    assert presence._TOKENIZE == text_index.TOKENIZE
