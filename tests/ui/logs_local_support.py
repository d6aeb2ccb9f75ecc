"""Data and a brute-force filter for the local Logs tests (the local copy's filters and sort)."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from impilo_desk.client import LogFilters
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror.search import LocalFilters, LogSort

TYPES = ["reading.weight", "reading.bloodPressure", "reading.bloodGlucose", "patient.created"]
URLS = {
    1: "https://ehr.example.org/hooks",
    2: "https://Clinic-A.example.net/in",
    3: "https://relay.example.com/hooks/3",
    4: "http://127.0.0.1:9/down",
}
PATIENTS = [
    (11, "Amara", "Nwosu"),
    (12, "Amaranth", "Botha"),
    (13, "José", "van Wyk"),
    (14, "Thandiwe", "Mokoena"),
    (15, "Sipho", "Nwosu"),
]


def varied_rows(now: datetime, count: int = 140, seed: int = 20) -> list[dict[str, Any]]:
    """``seed_db`` rows: four webhooks, every outcome, patients in JSON bodies (and a few
    bodies that are not JSON); created over the last 10 days (the copy keeps 7)."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        hook = rng.choice(list(URLS))
        type_ = TYPES[(hook + n) % len(TYPES)]
        pid, first, last = rng.choice(PATIENTS)
        created = now - timedelta(minutes=rng.randrange(1, 10 * 24 * 60), seconds=n % 60)
        status = rng.choice([200, 200, 200, 503, 500, 0, 404])
        retries = 0 if status == 200 and rng.random() < 0.6 else rng.randint(0, 3)
        last_retry = None if retries == 0 else created + timedelta(minutes=15 * retries)
        patient = {"id": pid, "firstName": first, "lastName": last}
        if n % 23 == 5:
            body = f"{{'id':{n}, 'note':'not json {first}'}}"  # the docs' own kind of sample
        elif type_ == "patient.created":
            body = json.dumps({"id": n, "type": type_, "payload": patient})
        else:
            value = rng.choice([70, 120, 172, 503])
            reading = {"id": 900 + n, "value": value, "patient": patient, "device": "Omron BP7450"}
            body = json.dumps({"id": n, "type": type_, "payload": reading})
        rows.append(
            {"type": type_, "status": status, "retries": retries, "created": created,
             "last_retry": last_retry, "payload": body, "webhook_id": hook, "url": URLS[hook]}
        )  # fmt: skip
    return rows


# -- the brute force: the documented meaning of each filter, in plain Python ----------------------


def _words(text: str) -> list[str]:
    out, word = [], ""
    for ch in text.lower():
        if ch.isalnum():
            word += ch
        elif word:
            out.append(word)
            word = ""
    return [*out, word] if word else out


def _begins_words(query: str, text: str | None) -> bool:
    have = _words(text or "")
    return all(any(h.startswith(q) for h in have) for q in _words(query))


def _patient(row: WebhookLog) -> tuple[int | None, str | None]:
    try:
        body = json.loads(row.payload or "")
    except ValueError:
        return None, None
    if not isinstance(body, dict) or not isinstance(body.get("payload"), dict):
        return None, None
    payload = body["payload"]
    person = payload if str(body.get("type", "")).startswith("patient.") else payload.get("patient")
    if not isinstance(person, dict):
        return None, None
    pid = person.get("id")
    name = f"{person.get('firstName') or ''} {person.get('lastName') or ''}".strip() or None
    return (pid if isinstance(pid, int) else None), name


def _ok(row: WebhookLog, f: LogFilters, local: LocalFilters) -> bool:
    c, r = row.createTimestamp, row.lastRetryTimestamp
    checks = [
        f.webhook_type is None or row.webhookType == f.webhook_type,
        f.retry_attempts_min is None or (row.retryAttempts or 0) >= f.retry_attempts_min,
        f.retry_attempts_max is None or (row.retryAttempts or 0) <= f.retry_attempts_max,
        f.last_response_status is None or row.lastResponseStatus == f.last_response_status,
        f.start is None or (c is not None and c >= f.start),
        f.end is None or (c is not None and c < f.end),
        f.start_last_retry is None or (r is not None and r >= f.start_last_retry),
        f.end_last_retry is None or (r is not None and r <= f.end_last_retry),
        local.webhook_id is None or row.webhookId == local.webhook_id,
        not local.url_contains or local.url_contains.lower() in (row.webhookUrl or "").lower(),
        not local.text or _begins_words(local.text, row.payload),
    ]
    if local.patient:
        pid, name = _patient(row)
        wanted = local.patient.strip()
        checks.append(pid == int(wanted) if wanted.isdigit() else _begins_words(wanted, name))
    return all(checks)


def _outcome(row: WebhookLog) -> int:
    status, retries = row.lastResponseStatus, row.retryAttempts or 0
    if status is None:
        return 0
    if 200 <= status <= 299:
        return 1 if retries == 0 else 2
    return 4 if retries >= 3 else 3


_KEYS = {
    "created": lambda r: r.createTimestamp,
    "webhook": lambda r: r.webhookId,
    "type": lambda r: r.webhookType,
    "url": lambda r: r.webhookUrl,
    "status": lambda r: r.lastResponseStatus,
    "retries": lambda r: r.retryAttempts,
    "last_retry": lambda r: r.lastRetryTimestamp,
    "state": _outcome,
}


def brute(
    rows: list[WebhookLog], f: LogFilters, local: LocalFilters, sort: LogSort
) -> list[int | None]:
    """The ids of the rows that match, in the sort's order (missing values lowest; ties by
    create time, then id)."""
    key = _KEYS[sort.column]
    found = [r for r in rows if _ok(r, f, local)]

    def order(r: WebhookLog) -> tuple[Any, ...]:
        value = key(r)
        return (value is not None, value if value is not None else 0, r.createTimestamp, r.id)

    found.sort(key=order, reverse=sort.descending)
    return [r.id for r in found]
