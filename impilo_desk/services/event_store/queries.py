"""The event store's reads for the subscriber and the Readings tab: resume point, history."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from impilo_desk.services.event_store.records import (
    EVENT_COLUMNS,
    PolledReading,
    RelayEvent,
    event_of,
    ts,
)


def where_clause(
    column: str,
    names: Iterable[str] | None,
    patient_id: int | None,
    start: datetime | None,
    end: datetime | None,
    time_column: str = "occurred_ts",
) -> tuple[str, list[Any]]:
    """A filter by names, patient and time, as `` WHERE …`` (or ``""``) and its arguments.

    Args:
        column: The column ``names`` are matched against (``type`` or ``kind``).
        names: The values of ``column`` to keep; ``None`` keeps all.
        patient_id: The patient to keep; ``None`` keeps all.
        start: Inclusive lower bound of ``time_column``.
        end: Exclusive upper bound of ``time_column``.
        time_column: ``occurred_ts`` (the event's own time) or ``received_ts``.
    """
    where: list[str] = []
    args: list[Any] = []
    if names is not None:
        values = list(names)
        where.append(f"{column} IN ({','.join('?' * len(values))})")
        args += values
    if patient_id is not None:
        where.append("patient_id = ?")
        args.append(patient_id)
    if start is not None:
        where.append(f"{time_column} >= ?")
        args.append(ts(start))
    if end is not None:
        where.append(f"{time_column} < ?")
        args.append(ts(end))
    return (" WHERE " + " AND ".join(where) if where else ""), args


class StoreQueries:
    """The reading half of :class:`~impilo_desk.services.event_store.EventStore`."""

    _conn: sqlite3.Connection
    _lock: threading.Lock

    def last_sequence(self) -> int:
        """The highest relay sequence stored (0 when none)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'last_relay_seq'"
            ).fetchone()
        return int(row[0]) if row else 0

    def meta(self, key: str) -> int | None:
        """A stored setting or counter (None when not set)."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else None

    def set_meta(self, key: str, value: int) -> None:
        """Stores a setting or counter."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def count(self) -> int:
        """How many events are stored."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def ids(self) -> list[int]:
        """Every stored Impilo event id, ascending."""
        with self._lock:
            rows = self._conn.execute("SELECT envelope_id FROM events ORDER BY 1").fetchall()
        return [int(r[0]) for r in rows]

    def by_ids(self, ids: Iterable[int]) -> dict[int, RelayEvent]:
        """The stored events with these Impilo ids, by id (ids not stored are left out)."""
        wanted = sorted(set(ids))
        found: dict[int, RelayEvent] = {}
        for start in range(0, len(wanted), 500):  # SQLite bounds the number of parameters
            chunk = wanted[start : start + 500]
            sql = (
                f"SELECT {EVENT_COLUMNS} FROM events"  # noqa: S608 - only "?" marks
                f" WHERE envelope_id IN ({','.join('?' * len(chunk))})"
            )
            with self._lock:
                rows = self._conn.execute(sql, chunk).fetchall()
            for event in map(event_of, rows):
                found[event.envelope.id] = event
        return found

    def query_polled(
        self,
        *,
        kinds: Iterable[str] | None = None,
        patient_id: int | None = None,
        start: datetime | None = None,
    ) -> list[PolledReading]:
        """Polled readings by kind(s), patient and time (``start`` inclusive), oldest first."""
        where, args = where_clause("kind", kinds, patient_id, start, None)
        sql = "SELECT kind, reading_id, patient_id, occurred_ts, reading FROM polled_readings"
        sql += where + " ORDER BY occurred_ts, kind, reading_id"
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [
            PolledReading(r[0], int(r[1]), r[2], datetime.fromtimestamp(r[3], UTC), r[4])
            for r in rows
        ]

    def polled_patients(self) -> list[tuple[int, str]]:
        """Each patient of the polled readings, with the JSON of one of its latest readings."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT patient_id, reading FROM polled_readings WHERE rowid IN"
                " (SELECT MAX(rowid) FROM polled_readings WHERE patient_id IS NOT NULL"
                " GROUP BY patient_id) ORDER BY patient_id"
            ).fetchall()
        return [(int(r[0]), r[1]) for r in rows]

    def query(
        self,
        *,
        types: str | Iterable[str] | None = None,
        patient_id: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[RelayEvent]:
        """Events by type(s), patient and time range (``start`` inclusive, ``end`` exclusive).

        The time is the event's own (``readingTimestamp``…), else the time it was received.
        """
        names = [types] if isinstance(types, str) else types
        where, args = where_clause("type", names, patient_id, start, end)
        sql = f"SELECT {EVENT_COLUMNS} FROM events"  # noqa: S608 - our column names
        sql += where
        sql += f" ORDER BY occurred_ts {'DESC' if newest_first else 'ASC'}, envelope_id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [event_of(r) for r in rows]
