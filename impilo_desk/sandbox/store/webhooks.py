"""Webhook subscriptions and the account's webhook secret."""

from __future__ import annotations

import sqlite3
from typing import Any

from impilo_desk.sandbox.timeutil import now_ms

SECRET_KEY = "webhook_secret"  # noqa: S105 - the name of a row, not a secret


def _row(row: tuple[Any, ...]) -> dict[str, Any]:
    return {"id": row[0], "type": row[1], "url": row[2]}


def create(conn: sqlite3.Connection, type_: str, url: str) -> dict[str, Any]:
    """Stores a new webhook and returns it."""
    cur = conn.execute(
        "INSERT INTO webhooks (type, url, created_ms) VALUES (?, ?, ?)", (type_, url, now_ms())
    )
    return {"id": cur.lastrowid, "type": type_, "url": url}


def get(conn: sqlite3.Connection, webhook_id: int) -> dict[str, Any] | None:
    """The webhook with ``webhook_id``, or None."""
    row = conn.execute("SELECT id, type, url FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
    return None if row is None else _row(row)


def page(conn: sqlite3.Connection, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """One page of webhooks (oldest first) and the total."""
    rows = conn.execute(
        "SELECT id, type, url FROM webhooks ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    total = conn.execute("SELECT COUNT(*) FROM webhooks").fetchone()[0]
    return [_row(r) for r in rows], int(total)


def of_type(conn: sqlite3.Connection, type_: str) -> list[dict[str, Any]]:
    """Every webhook subscribed to ``type_``."""
    rows = conn.execute(
        "SELECT id, type, url FROM webhooks WHERE type = ? ORDER BY id", (type_,)
    ).fetchall()
    return [_row(r) for r in rows]


def set_url(conn: sqlite3.Connection, webhook_id: int, url: str) -> None:
    """Changes a webhook's URL."""
    conn.execute("UPDATE webhooks SET url = ? WHERE id = ?", (url, webhook_id))


def delete(conn: sqlite3.Connection, webhook_id: int) -> bool:
    """Deletes a webhook; False when there was none."""
    return conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,)).rowcount > 0


def get_secret(conn: sqlite3.Connection) -> str | None:
    """The account's webhook secret, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SECRET_KEY,)).fetchone()
    return None if row is None else str(row[0])


def create_secret(conn: sqlite3.Connection, secret: str) -> bool:
    """Stores the secret unless one exists; False when one exists already."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (SECRET_KEY, secret)
    )
    return cur.rowcount > 0


def replace_secret(conn: sqlite3.Connection, secret: str) -> None:
    """Stores the secret, replacing any."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (SECRET_KEY, secret))


def delete_secret(conn: sqlite3.Connection) -> bool:
    """Removes the secret; False when there was none."""
    return conn.execute("DELETE FROM meta WHERE key = ?", (SECRET_KEY,)).rowcount > 0
