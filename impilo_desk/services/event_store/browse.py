"""The Events tab's reads: pages of events and markers, newest first, filtered and searched.

Pages are read by key (receive time, then id), never by offset, so the thousandth page costs
what the first does; the full-text part of a filter goes through the ``events_fts`` index.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store.records import (
    EVENT_COLUMNS,
    RelayEvent,
    event_of,
    patient_name_of,
    ts,
)

Key = tuple[float, int]
"""Where a row sits: (receive time, id); an event's id is its Impilo id, a marker's is < 0."""

_TOKEN = re.compile(r'"[^"]*"\*?|\S+')


class SearchSyntaxError(ValueError):
    """The search text cannot be read; the message says so in one sentence."""


@dataclass(frozen=True)
class EventFilter:
    """What the Events tab shows; every part combines with the others (AND).

    Attributes:
        types: Event types to keep (None: all).
        patient: A patient id (digits) or words of the patient's name (prefixes).
        start: Received at or after (inclusive).
        end: Received before (exclusive).
        text: Full-text search of the payload (FTS5: words, "phrases", prefix*).
    """

    types: frozenset[str] | None = None
    patient: str = ""
    start: datetime | None = None
    end: datetime | None = None
    text: str = ""

    @property
    def events_only(self) -> bool:
        """Whether markers are left out (a filter about events' contents is set)."""
        return self.types is not None or bool(self.patient.strip()) or bool(self.text.strip())

    @property
    def needs_index(self) -> bool:
        """Whether this filter reads the full-text index."""
        patient = self.patient.strip()
        return bool(self.text.strip()) or (bool(patient) and not patient.isdigit())


@dataclass(frozen=True)
class Listed:
    """One row of the Events table: an event, or a marker (gap, reconnect) among them.

    Attributes:
        key: Its place (receive time, id).
        received_at: When it was received (a marker: noticed), aware UTC.
        marker: Whether it is a marker rather than an event.
        type: The event type (a marker: its reason).
        patient_id: The event's patient id, if any.
        patient_name: The patient's name, if the payload gives it.
        envelope_id: The Impilo event id (None for a marker).
        seq: The relay's sequence (None for smee and markers).
        source: ``relay`` or ``smee``.
        text: A marker's sentence ("" for events).
    """

    key: Key
    received_at: datetime
    marker: bool
    type: str
    patient_id: int | None
    patient_name: str
    envelope_id: int | None
    seq: int | None
    source: str
    text: str = ""


def _phrase(token: str) -> str:
    star = token.endswith("*")
    word = token[:-1] if star else token
    word = word.strip('"').replace('"', '""')
    return f'"{word}"' + ("*" if star else "")


def match_expression(f: EventFilter) -> str | None:
    """The FTS5 expression of a filter's name and text parts (None when it has neither)."""
    parts: list[str] = []
    patient = f.patient.strip()
    if patient and not patient.isdigit():
        words = [_phrase(w.rstrip("*") + "*") for w in patient.split()]
        parts.append(f"patient : ({' AND '.join(words)})")
    text = f.text.strip()
    if text:
        parts.append(f"({text})")
    return " AND ".join(parts) if parts else None


def quoted_expression(f: EventFilter) -> str | None:
    """Like :func:`match_expression`, every word of the text taken literally (a fallback)."""
    tokens = [t for t in _TOKEN.findall(f.text.strip()) if re.search(r"\w", t)]
    text = " ".join(_phrase(t) for t in tokens)
    return match_expression(EventFilter(f.types, f.patient, f.start, f.end, text))


def _event_where(f: EventFilter, expr: str | None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if f.types is not None:
        names = sorted(f.types)
        where.append(f"type IN ({','.join('?' * len(names))})" if names else "0")
        args += names
    patient = f.patient.strip()
    if patient.isdigit():
        where.append("patient_id = ?")
        args.append(int(patient))
    if f.start is not None:
        where.append("received_ts >= ?")
        args.append(ts(f.start))
    if f.end is not None:
        where.append("received_ts < ?")
        args.append(ts(f.end))
    if expr is not None:
        where.append("envelope_id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
        args.append(expr)
    return where, args


def _listed_event(r: Any) -> Listed:
    envelope = Envelope.model_validate_json(r[5])
    return Listed(
        (r[0], r[1]),
        datetime.fromtimestamp(r[0], UTC),
        False,
        r[2],
        r[3],
        patient_name_of(envelope),
        r[1],
        r[4],
        r[6],
    )


def _listed_marker(r: Any) -> Listed:
    return Listed(
        (r[0], -r[1]), datetime.fromtimestamp(r[0], UTC), True, r[2], None, "", None, None, r[3],
        r[4],
    )  # fmt: skip


_EVENT_SELECT = "SELECT received_ts, envelope_id, type, patient_id, relay_seq, envelope, source"


class StoreBrowse:
    """The Events tab's reads of :class:`~impilo_desk.services.event_store.EventStore`."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def _run(self, f: EventFilter, sql: str, args: list[Any]) -> list[Any]:
        """Runs ``sql``; a search it cannot read is retried with every word taken literally."""
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError:
                if match_expression(f) is None:
                    raise
                literal = quoted_expression(f)
                args = [literal if a == match_expression(f) else a for a in args]
                try:
                    return self._conn.execute(sql, args).fetchall()
                except sqlite3.OperationalError as again:
                    raise SearchSyntaxError(
                        f"The search “{f.text.strip()}” cannot be read ({again}); "
                        'use words, "a phrase" or a prefix*.'
                    ) from None

    def search_syntax_ok(self, f: EventFilter) -> bool:
        """Whether FTS5 reads the filter's search as written (else it is searched literally)."""
        expr = match_expression(f)
        if expr is None:
            return True
        with self._lock:
            try:
                self._conn.execute(
                    "SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT 1", (expr,)
                ).fetchall()
            except sqlite3.OperationalError:
                return False
        return True

    def page(self, f: EventFilter, before: Key | None = None, limit: int = 200) -> list[Listed]:
        """The newest ``limit`` rows matching ``f`` that sit before ``before`` (None: the top).

        Markers are in the page when ``f`` is about time only.
        """
        where, args = _event_where(f, match_expression(f))
        if before is not None:
            where.append("(received_ts, envelope_id) < (?, ?)")
            args += list(before)
        sql = _EVENT_SELECT + " FROM events"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY received_ts DESC, envelope_id DESC LIMIT ?"
        rows = [_listed_event(r) for r in self._run(f, sql, [*args, limit])]
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
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            where, args = _event_where(f, match_expression(f))
            where.append(f"envelope_id IN ({','.join('?' * len(chunk))})")
            sql = _EVENT_SELECT + " FROM events WHERE " + " AND ".join(where)
            found += [_listed_event(r) for r in self._run(f, sql, [*args, *chunk])]
        return found

    def count_matching(self, f: EventFilter) -> int:
        """How many events match ``f``."""
        where, args = _event_where(f, match_expression(f))
        sql = "SELECT COUNT(*) FROM events"
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        return int(self._run(f, sql, args)[0][0])

    def events_page(
        self, f: EventFilter, before: Key | None = None, limit: int = 500
    ) -> list[tuple[Key, RelayEvent]]:
        """Like :meth:`page`, but whole events and no markers (exports)."""
        where, args = _event_where(f, match_expression(f))
        if before is not None:
            where.append("(received_ts, envelope_id) < (?, ?)")
            args += list(before)
        sql = f"SELECT received_ts, envelope_id, {EVENT_COLUMNS} FROM events"  # noqa: S608
        sql += (" WHERE " + " AND ".join(where)) if where else ""
        sql += " ORDER BY received_ts DESC, envelope_id DESC LIMIT ?"
        rows = self._run(f, sql, [*args, limit])
        return [((r[0], r[1]), event_of(r[2:])) for r in rows]
