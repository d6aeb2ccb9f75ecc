"""How a full-text filter is answered fast on a large store: two plans, chosen by match count.

A search that matches few events (at most ``SPARSE_MAX``) reads their keys from a covering
index and sorts them; one that matches many walks the receive-time index from the newest and
stops at a page. Either way only the keys are read first, and the rows of one page after.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from impilo_desk.services.event_store.browse_filter import (
    EventFilter,
    Key,
    SearchSyntaxError,
    event_where,
    match_expression,
    quoted_expression,
)

SPARSE_MAX = 5_000
"""Up to this many matches, their keys are looked up; beyond, the time index is walked."""

_MATCH = "SELECT rowid FROM events_fts WHERE events_fts MATCH ?"


def usable_expression(conn: sqlite3.Connection, f: EventFilter) -> str:
    """The filter's FTS5 expression as FTS5 reads it: as written, else word for word.

    Raises:
        SearchSyntaxError: Not even the words taken literally can be searched.
    """
    expr = match_expression(f)
    assert expr is not None
    for candidate in (expr, quoted_expression(f)):
        if candidate is None:
            continue
        try:
            conn.execute(_MATCH + " LIMIT 1", (candidate,)).fetchall()
        except sqlite3.OperationalError:  # its words ("fts5: syntax error near …") are not shown
            continue
        return candidate
    raise SearchSyntaxError(
        f'The search “{f.text.strip()}” cannot be read; use words, "a phrase" or a prefix*.'
    )


def search_keys(
    conn: sqlite3.Connection, f: EventFilter, expr: str, before: Key | None, limit: int
) -> list[Key]:
    """The keys of the newest ``limit`` events matching ``f`` (with ``expr``) before ``before``."""
    ids = [r[0] for r in conn.execute(_MATCH + " LIMIT ?", (expr, SPARSE_MAX + 1))]
    where, args = event_where(f, None)
    if before is not None:
        where.append("(received_ts, envelope_id) < (?, ?)")
        args += list(before)
    if len(ids) <= SPARSE_MAX:
        where.append("envelope_id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(ids))
        index: str | None = (
            "events_search_keys"  # covers id, time, type and patient: no row is read
        )
    else:
        where.append(f"envelope_id IN ({_MATCH})")
        args.append(expr)
        # The newest first until a page is full; a type or patient filter has its own index.
        walk = f.types is None and not f.patient.isdigit()
        index = "events_received" if walk else None
    sql = "SELECT received_ts, envelope_id FROM events"
    sql += f" INDEXED BY {index}" if index else ""
    sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY received_ts DESC, envelope_id DESC LIMIT ?"
    return [(r[0], r[1]) for r in conn.execute(sql, [*args, limit])]


def search_count(conn: sqlite3.Connection, f: EventFilter, expr: str) -> int:
    """How many events match ``f`` (with ``expr``)."""
    where, args = event_where(f, None)
    if not where:  # the index alone: each entry is one stored event
        sql = "SELECT COUNT(*) FROM events_fts WHERE events_fts MATCH ?"
        return int(conn.execute(sql, (expr,)).fetchone()[0])
    where.append(f"envelope_id IN ({_MATCH})")
    sql = "SELECT COUNT(*) FROM events INDEXED BY events_search_keys WHERE "
    sql += " AND ".join(where)
    return int(conn.execute(sql, [*args, expr]).fetchone()[0])


def rows_by_id(conn: sqlite3.Connection, columns: str, keys: list[Key]) -> list[Any]:
    """The rows (``columns``) of the events with these keys, in the keys' order."""
    if not keys:
        return []
    ids = [k[1] for k in keys]
    sql = f"SELECT envelope_id, {columns} FROM events"  # noqa: S608 - our column names
    sql += " WHERE envelope_id IN (SELECT value FROM json_each(?))"
    found = {r[0]: r[1:] for r in conn.execute(sql, (json.dumps(ids),))}
    return [found[i] for i in ids if i in found]
