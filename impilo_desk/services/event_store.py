"""The desktop's local event store: every webhook event it received, in one SQLite file (WAL).

It survives restarts, remembers the last relay sequence (so the subscriber resumes exactly after
it), de-duplicates by the Impilo event id, and answers queries by type, patient and time range.
Readings fetched by polling the API have no envelope: they live in their own table, keyed and
de-duplicated by (kind, reading id), so they never collide with relay events.
Every method is synchronous and thread-safe: call them from asyncio with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import platformdirs

from impilo_desk.contract import Envelope
from impilo_desk.sqlite_wal import WalCheckpointer

_log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    envelope_id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    patient_id INTEGER,
    occurred_ts REAL NOT NULL,
    received_ts REAL NOT NULL,
    relay_seq INTEGER,
    source TEXT NOT NULL,
    envelope TEXT NOT NULL,
    headers TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, occurred_ts);
CREATE INDEX IF NOT EXISTS events_patient_time ON events (patient_id, occurred_ts);
CREATE INDEX IF NOT EXISTS events_time ON events (occurred_ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS polled_readings (
    kind TEXT NOT NULL,
    reading_id INTEGER NOT NULL,
    patient_id INTEGER,
    occurred_ts REAL NOT NULL,
    reading TEXT NOT NULL,
    PRIMARY KEY (kind, reading_id)
);
CREATE INDEX IF NOT EXISTS polled_patient_time ON polled_readings (patient_id, occurred_ts);
"""

Source = Literal["relay", "smee"]
_TIME_FIELDS = ("readingTimestamp", "eventTimestamp", "timestamp", "updatedAt", "createdAt")


@dataclass(frozen=True)
class RelayEvent:
    """One webhook event as the desktop received it.

    Attributes:
        seq: the relay's sequence number; ``None`` for events read from smee.io.
        received_at: when the relay (or smee) received the POST, aware UTC.
        envelope: the Impilo envelope ``{id, type, payload}``.
        headers: the POST's headers, lower-case names, never the webhook secret.
        source: ``"relay"`` or ``"smee"``.
    """

    seq: int | None
    received_at: datetime
    envelope: Envelope
    headers: dict[str, str] = field(default_factory=dict)
    source: Source = "relay"


@dataclass(frozen=True)
class PolledReading:
    """One reading fetched from the API, as stored (no envelope, so no Impilo event id).

    Attributes:
        kind: The reading kind (``ReadingKind`` value, e.g. ``"weight"``).
        reading_id: The reading's id; with ``kind``, what makes it the same reading.
        patient_id: Its patient, when known.
        occurred_at: The reading's time, aware UTC.
        reading: The reading as JSON.
    """

    kind: str
    reading_id: int
    patient_id: int | None
    occurred_at: datetime
    reading: str


def default_event_store_path() -> Path:
    """``events.sqlite3`` in the user data directory of Impilo Desk."""
    return platformdirs.user_data_path("impilo-desk", appauthor=False) / "events.sqlite3"


def patient_id_of(envelope: Envelope) -> int | None:
    """The patient of an event: ``payload.id`` for ``patient.*``, else ``payload.patient.id``."""
    payload = envelope.payload
    candidate: Any = None
    if envelope.type.startswith("patient."):
        candidate = payload.get("id")
    elif isinstance(payload.get("patient"), dict):
        candidate = payload["patient"].get("id")
    elif "patientId" in payload:
        candidate = payload.get("patientId")
    if isinstance(candidate, bool):
        return None
    if isinstance(candidate, int):
        return candidate
    if isinstance(candidate, str) and candidate.isdigit():
        return int(candidate)
    return None


def occurred_at(envelope: Envelope, received_at: datetime) -> datetime:
    """When the event happened: the reading's (or event's) own time, else when it was received."""
    for name in _TIME_FIELDS:
        value = envelope.payload.get(name)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return received_at


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _row(event: RelayEvent) -> tuple[Any, ...]:
    """The ``events`` row of an event, in the column order of ``add_many``'s INSERT."""
    env = event.envelope
    return (
        env.id,
        env.type,
        patient_id_of(env),
        _ts(occurred_at(env, event.received_at)),
        _ts(event.received_at),
        event.seq,
        event.source,
        env.model_dump_json(),
        json.dumps(event.headers, separators=(",", ":")),
    )


def _where(
    column: str,
    names: Iterable[str] | None,
    patient_id: int | None,
    start: datetime | None,
    end: datetime | None,
) -> tuple[str, list[Any]]:
    """The filter both tables share, as `` WHERE …`` (or ``""``) and its arguments.

    Args:
        column: The column ``names`` are matched against (``type`` or ``kind``).
        names: The values of ``column`` to keep; ``None`` keeps all.
        patient_id: The patient to keep; ``None`` keeps all.
        start: Inclusive lower bound of ``occurred_ts``.
        end: Exclusive upper bound of ``occurred_ts``.
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
        where.append("occurred_ts >= ?")
        args.append(_ts(start))
    if end is not None:
        where.append("occurred_ts < ?")
        args.append(_ts(end))
    return (" WHERE " + " AND ".join(where) if where else ""), args


class EventStore:
    """SQLite store of received events. Thread-safe; one connection guarded by a lock."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_event_store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._closed = False
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        WalCheckpointer.disable_auto(self._conn)  # its checkpoints stalled commits (p99)
        self._checkpointer = WalCheckpointer(self.path, name="event-store-checkpoint")

    def close(self) -> None:
        """Writes the write-ahead log back into the file and closes it (idempotent).

        SQLite removes ``-wal`` and ``-shm`` when the last connection closes after a full
        checkpoint; the explicit ``TRUNCATE`` checkpoint makes that so even if another
        connection (a reader elsewhere) kept them, and the file alone is then complete.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._checkpointer.close()
            try:
                busy, _, _ = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy:
                    _log.warning("event store %s: another connection kept its log", self.path)
            except sqlite3.Error as exc:  # closing still goes on: the log is replayed at open
                _log.warning("event store %s not checkpointed: %s", self.path, exc)
            finally:
                self._conn.close()
        _log.info("event store %s closed", self.path.name)

    def add(self, event: RelayEvent) -> bool:
        """Stores one event; returns False when its Impilo id was already stored."""
        return self.add_many([event])[0]

    def add_many(self, events: Sequence[RelayEvent]) -> list[bool]:
        """Stores events in one transaction; returns, for each, whether it was new.

        One commit for many events is what makes a burst or a long replay cheap: the cost of
        SQLite is the commit, not the row. An event whose Impilo id is already stored (or earlier
        in ``events``) is left out. The highest relay sequence is remembered in the same
        transaction, duplicates included, so that a resume never asks for them again.
        """
        rows = [_row(event) for event in events]
        seqs = [event.seq for event in events if event.seq is not None]
        new: list[bool] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:  # one statement a row: its rowcount says whether it was new
                    cur = conn.execute(
                        "INSERT OR IGNORE INTO events (envelope_id, type, patient_id,"
                        " occurred_ts, received_ts, relay_seq, source, envelope, headers)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    new.append(cur.rowcount == 1)
                if seqs:
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('last_relay_seq', ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                        (max(seqs),),
                    )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite rolls back itself after e.g. SQLITE_FULL
                    conn.execute("ROLLBACK")
                raise
            self._checkpointer.committed()
        return new

    def last_sequence(self) -> int:
        """The highest relay sequence stored (0 when none)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = 'last_relay_seq'"
            ).fetchone()
        return int(row[0]) if row else 0

    def reset_sequence(self, value: int = 0) -> None:
        """Sets the resume point (after a relay said its store was replaced)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('last_relay_seq', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (value,),
            )
            self._checkpointer.committed()

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
                "SELECT relay_seq, received_ts, envelope, headers, source FROM events"  # noqa: S608
                f" WHERE envelope_id IN ({','.join('?' * len(chunk))})"  # only "?" marks
            )
            with self._lock:
                rows = self._conn.execute(sql, chunk).fetchall()
            for event in map(_event, rows):
                found[event.envelope.id] = event
        return found

    def add_polled(self, readings: Iterable[PolledReading]) -> int:
        """Stores polled readings (one transaction); returns how many were new.

        A reading already stored under the same (kind, reading id) is left as it was.
        """
        rows = [
            (r.kind, r.reading_id, r.patient_id, _ts(r.occurred_at), r.reading) for r in readings
        ]
        if not rows:
            return 0
        with self._lock:
            conn = self._conn
            before = conn.total_changes
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR IGNORE INTO polled_readings (kind, reading_id, patient_id,"
                    " occurred_ts, reading) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite rolls back itself after e.g. SQLITE_FULL
                    conn.execute("ROLLBACK")
                raise
            self._checkpointer.committed()
            return conn.total_changes - before

    def query_polled(
        self,
        *,
        kinds: Iterable[str] | None = None,
        patient_id: int | None = None,
        start: datetime | None = None,
    ) -> list[PolledReading]:
        """Polled readings by kind(s), patient and time (``start`` inclusive), oldest first."""
        where, args = _where("kind", kinds, patient_id, start, None)
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
        where, args = _where("type", names, patient_id, start, end)
        sql = "SELECT relay_seq, received_ts, envelope, headers, source FROM events"
        sql += where
        sql += f" ORDER BY occurred_ts {'DESC' if newest_first else 'ASC'}, envelope_id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [_event(r) for r in rows]


def _event(r: Sequence[Any]) -> RelayEvent:
    """A ``RelayEvent`` from ``relay_seq, received_ts, envelope, headers, source``."""
    return RelayEvent(
        seq=r[0],
        received_at=datetime.fromtimestamp(r[1], UTC),
        envelope=Envelope.model_validate_json(r[2]),
        headers=json.loads(r[3]),
        source=r[4],
    )
