"""The Events tab's reads: pages of events and markers, newest first, filtered and searched.

Pages are read by key (receive time, then id), never by offset, so the thousandth page costs
what the first does; the full-text part of a filter goes through the ``events_fts`` index
(``search.py`` picks the plan).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from impilo_desk.services.event_store.browse_filter import (
    EventFilter,
    Key,
    Listed,
    event_where,
    match_expression,
)
from impilo_desk.services.event_store.records import (
    EVENT_COLUMNS,
    RelayEvent,
    event_of,
    ts,
)
from impilo_desk.services.event_store.search import (
    rows_by_id,
    search_count,
    search_keys,
    usable_expression,
)

# Where a payload names its patient (``records.patient_name_of``'s order), read by SQLite's
# JSON functions: a row of the table never parses its whole envelope in Python.
_NAME_PATHS = [
    f"'$.payload{where}.{name}'"
    for where in ("", ".patient", ".currentPatient", ".device.currentPatient")
    for name in ("firstName", "lastName")
]
_LISTED = (
    "received_ts, envelope_id, type, patient_id, relay_seq,"
    f" json_extract(envelope, {', '.join(_NAME_PATHS)}), source"
)


def _name(event_type: str, found: str | None) -> str:
    """The patient's name from the values at ``_NAME_PATHS`` (as ``patient_name_of`` finds it)."""
    values = json.loads(found) if found else []
    pairs = [values[n : n + 2] for n in range(0, len(values), 2)]
    pairs = pairs[:1] if event_type.startswith("patient.") else pairs[1:]
    for pair in pairs:
        if any(v is not None for v in pair):
            return " ".join(v.strip() for v in pair if isinstance(v, str) and v.strip())
    return ""


def _listed_event(r: Any) -> Listed:
    return Listed(
        (r[0], r[1]),
        datetime.fromtimestamp(r[0], UTC),
        False,
        r[2],
        r[3],
        _name(r[2], r[5]),
        r[1],
        r[4],
        r[6],
    )


def _listed_marker(r: Any) -> Listed:
    return Listed(
        (r[0], -r[1]), datetime.fromtimestamp(r[0], UTC), True, r[2], None, "", None, None, r[3],
        r[4],
    )  # fmt: skip


class StoreBrowse:
    """The Events tab's reads of :class:`~impilo_desk.services.event_store.EventStore`."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def search_syntax_ok(self, f: EventFilter) -> bool:
        """Whether FTS5 reads the filter's search as written (else it is searched literally)."""
        expr = match_expression(f)
        if expr is None:
            return True
        with self._lock:
            return usable_expression(self._conn, f) == expr

    def _keys(self, f: EventFilter, before: Key | None, limit: int) -> list[Key]:
        """The keys of the newest ``limit`` events matching ``f`` before ``before``."""
        if match_expression(f) is not None:
            expr = usable_expression(self._conn, f)
            return search_keys(self._conn, f, expr, before, limit)
        where, args = event_where(f, None)
        if before is not None:
            where.append("(received_ts, envelope_id) < (?, ?)")
            args += list(before)
        sql = "SELECT received_ts, envelope_id FROM events"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY received_ts DESC, envelope_id DESC LIMIT ?"
        return [(r[0], r[1]) for r in self._conn.execute(sql, [*args, limit])]

    def page(self, f: EventFilter, before: Key | None = None, limit: int = 200) -> list[Listed]:
        """The newest ``limit`` rows matching ``f`` that sit before ``before`` (None: the top).

        Markers are in the page when ``f`` is about time only.

        Raises:
            SearchSyntaxError: The search cannot be read even word for word.
        """
        with self._lock:
            keys = self._keys(f, before, limit)
            rows = [_listed_event(r) for r in rows_by_id(self._conn, _LISTED, keys)]
        if not f.events_only:
            rows = sorted([*rows, *self._markers(f, before, limit)], key=lambda r: r.key)[::-1]
        return rows[:limit]

    def _markers(self, f: EventFilter, before: Key | None, limit: int) -> list[Listed]:
        where: list[str] = []
        args: list[Any] = []
        if f.start is not None:
            where.append("received_ts >= ?")
            args.append(ts(f.start))
        if f.end is not None:
            where.append("received_ts < ?")
            args.append(ts(f.end))
        if before is not None:
            where.append("(received_ts, -id) < (?, ?)")
            args += list(before)
        sql = "SELECT received_ts, id, reason, source, text FROM markers"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY received_ts DESC, id LIMIT ?"
        with self._lock:
            rows = self._conn.execute(sql, [*args, limit]).fetchall()
        return [_listed_marker(r) for r in rows]

    def matching(self, f: EventFilter, ids: Iterable[int]) -> list[Listed]:
        """Those of the events ``ids`` that match ``f`` (new events, as they arrive)."""
        wanted = sorted(set(ids))
        found: list[Listed] = []
        with self._lock:
            expr = usable_expression(self._conn, f) if match_expression(f) else None
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                where, args = event_where(f, expr)
                where.append(f"envelope_id IN ({','.join('?' * len(chunk))})")
                sql = f"SELECT {_LISTED} FROM events WHERE " + " AND ".join(where)  # noqa: S608
                rows = self._conn.execute(sql, [*args, *chunk]).fetchall()
                found += [_listed_event(r) for r in rows]
        return found

    def count_matching(self, f: EventFilter) -> int:
        """How many events match ``f``."""
        with self._lock:
            return self._count(f)

    def _count(self, f: EventFilter) -> int:
        if match_expression(f) is not None:
            return search_count(self._conn, f, usable_expression(self._conn, f))
        where, args = event_where(f, None)
        sql = "SELECT COUNT(*) FROM events"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        return int(self._conn.execute(sql, args).fetchone()[0])

    def page_and_count(self, f: EventFilter, limit: int = 200) -> tuple[list[Listed], int]:
        """The first page and the number of matches, read together (one consistent view)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                keys = self._keys(f, None, limit)
                rows = [_listed_event(r) for r in rows_by_id(self._conn, _LISTED, keys)]
                count = self._count(f)
            finally:
                self._conn.execute("COMMIT")
        if not f.events_only:
            rows = sorted([*rows, *self._markers(f, None, limit)], key=lambda r: r.key)[::-1]
        return rows[:limit], count

    def events_page(
        self, f: EventFilter, before: Key | None = None, limit: int = 500
    ) -> list[tuple[Key, RelayEvent]]:
        """Like :meth:`page`, but whole events and no markers (exports)."""
        with self._lock:
            keys = self._keys(f, before, limit)
            rows = rows_by_id(self._conn, EVENT_COLUMNS, keys)
        return [(k, event_of(r)) for k, r in zip(keys, rows, strict=True)]
