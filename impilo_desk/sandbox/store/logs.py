"""Delivered events, the delivery log and the deliveries still due."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from impilo_desk.sandbox.timeutil import ms_text, now_ms

LOG_COLUMNS = (
    "l.id, l.webhook_id, l.webhook_type, l.webhook_url, e.body, l.create_ms, l.last_status, "
    "l.retry_attempts, l.last_retry_ms"
)


@dataclass(frozen=True)
class LogQuery:
    """The log filters, in storage units (epoch ms); None means "no filter"."""

    webhook_type: str | None = None
    retry_attempts_min: int | None = None
    retry_attempts_max: int | None = None
    last_response_status: int | None = None
    start_last_retry: int | None = None  # inclusive
    end_last_retry: int | None = None  # inclusive
    start: int | None = None  # inclusive
    end: int | None = None  # exclusive (documented)

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        low, high = self.retry_attempts_min, self.retry_attempts_max
        if low is not None and low == high:  # an equality lets the index give the order
            parts.append("retry_attempts = ?")
            args.append(low)
            low = high = None
        for sql, value in (
            ("webhook_type = ?", self.webhook_type),
            ("retry_attempts >= ?", low),
            ("retry_attempts <= ?", high),
            ("last_status = ?", self.last_response_status),
            ("last_retry_ms >= ?", self.start_last_retry),
            ("last_retry_ms <= ?", self.end_last_retry),
            ("create_ms >= ?", self.start),
            ("create_ms < ?", self.end),
        ):
            if value is not None:
                parts.append(sql)
                args.append(value)
        return (" WHERE " + " AND ".join(parts)) if parts else "", args


def log_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """A log row as the API shows it."""
    return {
        "id": row[0],
        "webhookId": row[1],
        "webhookType": row[2],
        "webhookUrl": row[3],
        "payload": row[4],
        "createTimestamp": ms_text(row[5]),
        "lastResponseStatus": row[6],
        "retryAttempts": row[7],
        "lastRetryTimestamp": ms_text(row[8]),
    }


HOUR_MS = 3_600_000
SORT_BY_LAST_RETRY_BELOW = 20_000


def _index_for(query: LogQuery, total: int) -> str:
    """The index that yields the page fastest (SQLite's estimates are poor for these ranges).

    An equality filter's index gives matches already newest first. Otherwise the time index is
    walked newest first and filtered inside the index, unless a last-retry range is so
    selective that collecting and sorting its few matches is cheaper.
    """
    if query.webhook_type is not None:
        return "logs_by_type"
    if query.last_response_status is not None:
        return "logs_by_status"
    if (
        query.retry_attempts_min is not None
        and query.retry_attempts_min == query.retry_attempts_max
    ):
        return "logs_by_retries"
    has_last_retry = query.start_last_retry is not None or query.end_last_retry is not None
    if has_last_retry and total < SORT_BY_LAST_RETRY_BELOW:
        return "logs_by_last_retry"
    return "logs_by_create"


def page(
    conn: sqlite3.Connection, query: LogQuery, offset: int, limit: int, total: int
) -> list[dict[str, Any]]:
    """One page of log records, newest first (``total`` from :func:`count` picks the plan).

    The ids of the page are found in one covering index; only those rows are joined with their
    payloads.
    """
    if total <= offset:
        return []
    where, args = query.where()
    index = _index_for(query, total)
    sql = (
        f"WITH ids AS (SELECT id FROM logs INDEXED BY {index}{where} "  # noqa: S608 - fixed fragments
        "ORDER BY create_ms DESC, id DESC LIMIT ? OFFSET ?) "
        f"SELECT {LOG_COLUMNS} FROM ids JOIN logs l ON l.id = ids.id "
        "JOIN events e ON e.id = l.event_id ORDER BY l.create_ms DESC, l.id DESC"
    )
    return [log_json(r) for r in conn.execute(sql, [*args, limit, offset])]


def _count_rows(conn: sqlite3.Connection, query: LogQuery) -> int:
    where, args = query.where()
    sql = f"SELECT COUNT(*) FROM logs{where}"  # noqa: S608 - fixed fragments, bound values
    return int(conn.execute(sql, args).fetchone()[0])


def _count_hours(
    conn: sqlite3.Connection, query: LogQuery, first: int | None, end: int | None
) -> int:
    """Sums ``log_counts`` over whole hours ``first`` (inclusive) to ``end`` (exclusive)."""
    parts = ["n > 0"]
    args: list[Any] = []
    low, high = query.retry_attempts_min, query.retry_attempts_max
    for sql, value in (
        ("hour >= ?", first),
        ("hour < ?", end),
        ("webhook_type = ?", query.webhook_type),
        ("status_key = ?", query.last_response_status),
        ("retry_attempts >= ?", low),
        ("retry_attempts <= ?", high),
    ):
        if value is not None:
            parts.append(sql)
            args.append(value)
    sql = "SELECT IFNULL(SUM(n), 0) FROM log_counts WHERE " + " AND ".join(parts)  # noqa: S608
    return int(conn.execute(sql, args).fetchone()[0])


def count(conn: sqlite3.Connection, query: LogQuery) -> int:
    """How many log records match.

    Whole hours are summed from ``log_counts``; the partial hours at a ``startTimestamp`` or
    ``endTimestamp`` edge, and any query on last-retry times (a selective, indexed range), are
    counted in the covering indexes.
    """
    status = query.last_response_status
    if (
        query.start_last_retry is not None
        or query.end_last_retry is not None
        or (status is not None and status < 0)
        or (query.start is not None and query.start < 0)
        or (query.end is not None and query.end < 0)
    ):
        return _count_rows(conn, query)
    first = None if query.start is None else -(-query.start // HOUR_MS)
    end = None if query.end is None else query.end // HOUR_MS
    if first is not None and end is not None and first >= end:
        return _count_rows(conn, query)
    total = _count_hours(conn, query, first, end)
    if first is not None and query.start is not None and query.start < first * HOUR_MS:
        total += _count_rows(conn, replace(query, end=first * HOUR_MS))
    if end is not None and query.end is not None and end * HOUR_MS < query.end:
        total += _count_rows(conn, replace(query, start=end * HOUR_MS))
    return total


def rebuild_counts(conn: sqlite3.Connection) -> None:
    """Recomputes ``log_counts`` from the log (for databases made before it existed)."""
    conn.execute("DELETE FROM log_counts")
    conn.execute(
        "INSERT INTO log_counts SELECT create_ms / 3600000, webhook_type, "
        "IFNULL(last_status, -1), retry_attempts, COUNT(*) FROM logs GROUP BY 1, 2, 3, 4"
    )


def new_event_id(conn: sqlite3.Connection) -> int:
    """A fresh envelope id, larger than any stored.

    Ids start from the clock (epoch ms x 1000 plus a random part) so that a new temporary
    database does not reuse ids a relay has already seen and would drop as duplicates.
    """
    last = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0
    return max(int(last) + 1, now_ms() * 1000 + secrets.randbelow(1000))


def add_event(conn: sqlite3.Connection, type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Stores an event and returns its envelope ``{id, type, payload}``."""
    envelope = {"id": new_event_id(conn), "type": type_, "payload": payload}
    conn.execute(
        "INSERT INTO events (id, type, body, created_ms) VALUES (?, ?, ?, ?)",
        (envelope["id"], type_, json.dumps(envelope, separators=(",", ":")), now_ms()),
    )
    return envelope


def add_delivery(
    conn: sqlite3.Connection, event_id: int, webhook: dict[str, Any], create_ms: int
) -> int:
    """Logs a delivery of an event to a webhook, due now; returns the log id."""
    cur = conn.execute(
        "INSERT INTO logs (event_id, webhook_id, webhook_type, webhook_url, create_ms, "
        "retry_attempts, next_attempt_ms) VALUES (?, ?, ?, ?, ?, 0, ?)",
        (event_id, webhook["id"], webhook["type"], webhook["url"], create_ms, create_ms),
    )
    return int(cur.lastrowid or 0)


def get(conn: sqlite3.Connection, log_id: int) -> dict[str, Any] | None:
    """One log record as the API shows it, or None."""
    row = conn.execute(
        f"SELECT {LOG_COLUMNS} FROM logs l JOIN events e ON e.id = l.event_id WHERE l.id = ?",  # noqa: S608 - constant
        (log_id,),
    ).fetchone()
    return None if row is None else log_json(row)


def due(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """Every delivery still to attempt: ``(due_ms, log_id)``."""
    rows = conn.execute(
        "SELECT next_attempt_ms, id FROM logs WHERE next_attempt_ms IS NOT NULL"
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


@dataclass(frozen=True)
class Attempt:
    """What an attempt needs to know about a delivery."""

    log_id: int
    url: str
    body: str
    create_ms: int
    last_status: int | None
    retry_attempts: int
    last_retry_ms: int | None
    secret: str | None

    def __repr__(self) -> str:
        return f"Attempt(log_id={self.log_id}, retry_attempts={self.retry_attempts})"


def attempt(conn: sqlite3.Connection, log_id: int, due_by_ms: int | None = None) -> Attempt | None:
    """The delivery ``log_id`` if it is still due, with the current secret.

    Args:
        conn: The database connection.
        log_id: The log row.
        due_by_ms: If given, only when its next attempt is due at or before this time.
    """
    row = conn.execute(
        "SELECT l.webhook_url, e.body, l.create_ms, l.last_status, l.retry_attempts, "
        "l.last_retry_ms, (SELECT value FROM meta WHERE key = 'webhook_secret') "
        "FROM logs l JOIN events e ON e.id = l.event_id "
        "WHERE l.id = ? AND l.next_attempt_ms IS NOT NULL "
        "AND (? IS NULL OR l.next_attempt_ms <= ?)",
        (log_id, due_by_ms, due_by_ms),
    ).fetchone()
    if row is None:
        return None
    return Attempt(log_id, row[0], row[1], row[2], row[3], row[4], row[5], row[6])


def record_attempt(
    conn: sqlite3.Connection,
    log_id: int,
    *,
    status: int,
    retry_attempts: int,
    last_retry_ms: int | None,
    next_attempt_ms: int | None,
) -> None:
    """Writes the outcome of an attempt and when (if ever) the next one is due."""
    conn.execute(
        "UPDATE logs SET last_status = ?, retry_attempts = ?, last_retry_ms = ?, "
        "next_attempt_ms = ? WHERE id = ?",
        (status, retry_attempts, last_retry_ms, next_attempt_ms, log_id),
    )


def bulk_insert(
    conn: sqlite3.Connection,
    events: Iterable[tuple[int, str, str, int]],
    logs: Iterable[tuple[Any, ...]],
) -> None:
    """Inserts history fast (demo data, benchmarks).

    Args:
        conn: The connection (inside a transaction).
        events: ``(id, type, body, created_ms)`` rows.
        logs: ``(event_id, webhook_id, webhook_type, webhook_url, create_ms, last_status,
            retry_attempts, last_retry_ms, next_attempt_ms)`` rows.
    """
    conn.executemany("INSERT INTO events (id, type, body, created_ms) VALUES (?, ?, ?, ?)", events)
    conn.executemany(
        "INSERT INTO logs (event_id, webhook_id, webhook_type, webhook_url, create_ms, "
        "last_status, retry_attempts, last_retry_ms, next_attempt_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        logs,
    )
