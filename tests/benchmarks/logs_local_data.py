"""A mirror of 1,000,000 delivery-log rows for the local Logs benchmarks, built once.

Rows spread over the 7-day window: 25 webhooks (each its own URL, three hosts), every event
type, 2,000 patients with names from a small list (so a name matches a few hundred rows),
the outcome mix of ``bench_log_mirror``. The bodies are the envelope the sandbox sends, made
compact (a reading's values and its patient's id and name; about 250 bytes, where a full
Impilo body is about 2 KB): the full-text index is built from them as the app builds it, by
the store's own upsert statement and triggers.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from impilo_desk.contract import READING_KINDS
from impilo_desk.services.log_mirror.store import _UPSERT, SCHEMA, is_final
from impilo_desk.services.log_mirror.text_index import ensure, rebuild

ROWS = 1_000_000
HOOKS = 25
DAY_MS = 86_400_000
FIRST = ["Amara", "Thandiwe", "José", "Lerato", "Pieter", "Nomsa", "Sipho", "Aisha", "Kofi",
         "Zanele", "Johan", "Precious", "Themba", "Naledi", "Bongani", "Ayanda"]  # fmt: skip
LAST = ["Nwosu", "Mokoena", "Dlamini", "Naidoo", "van Wyk", "Botha", "Khumalo", "Pillay",
        "Mensah", "Osei", "Ndlovu", "Smith", "Jacobs", "Zulu", "Mahlangu", "Adams",
        "Petersen", "Nkosi", "Molefe", "Sithole"]  # fmt: skip
TYPES = [i.webhook_type for i in READING_KINDS.values()] + ["patient.created", "patient.updated"]
HOSTS = ["https://ehr.example.org", "https://clinic-a.example.net", "https://relay.example.com"]


def hook_url(hook: int) -> str:
    return f"{HOSTS[hook % len(HOSTS)]}/hooks/{hook}"


def _rows(now_ms: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(15)
    start = now_ms - 7 * DAY_MS + 3_600_000  # inside the window, with an hour to spare
    patients = [(i, rng.choice(FIRST), rng.choice(LAST)) for i in range(1, 2001)]
    for n in range(ROWS):
        created = start + n * (now_ms - start) // ROWS
        hook = 1 + rng.randrange(HOOKS)
        type_ = TYPES[hook % len(TYPES)]
        pid, first, last = patients[rng.randrange(len(patients))]
        patient = {"id": pid, "firstName": first, "lastName": last}
        if type_.startswith("patient."):
            payload: dict[str, object] = patient
        else:
            payload = {"id": 50_000 + n, "readingTimestamp": created, "value": rng.randint(40, 200),
                       "manual": rng.random() < 0.1, "patient": patient}  # fmt: skip
        body = json.dumps({"id": n + 1, "type": type_, "payload": payload}, separators=(",", ":"))
        roll = rng.random()
        status = 200 if roll < 0.91 else 503 if roll < 0.97 else (500 if roll < 0.99 else None)
        retries = 0 if roll < 0.86 else 3 if roll < 0.97 else rng.randint(0, 2)
        last_retry = None if retries == 0 else created + 900_000 * retries
        final = 1 if is_final(status, retries) else 0
        yield (n + 1, hook, type_, hook_url(hook), created, status, retries, last_retry, final,
               body)  # fmt: skip


def build(folder: Path, now_ms: int) -> Path:
    """The mirror file (made once; kept in ``folder`` for later runs)."""
    path = folder / f"logs-local-{ROWS}.sqlite3"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    ensure(conn)
    conn.execute("BEGIN")
    conn.executemany(_UPSERT, _rows(now_ms))
    rebuild(conn)  # the store indexes what it writes; rows written here are indexed at once
    conn.execute("COMMIT")
    conn.execute("PRAGMA analysis_limit=1000")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('backfilled_to', ?)",
                 (now_ms - 7 * DAY_MS,))  # fmt: skip
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('synced_at', ?)", (now_ms,))
    conn.close()
    tmp.rename(path)
    return path
