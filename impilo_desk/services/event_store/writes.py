"""The event store's writes: events (and their search entries), readings, markers, pruning."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from impilo_desk.services.event_store.records import (
    Marker,
    PolledReading,
    RelayEvent,
    event_row,
    search_fields,
    ts,
)
from impilo_desk.sqlite_wal import WalCheckpointer

INDEX_BATCH = 2_000
"""Events indexed per transaction while the search index is built (the lock is held that long)."""
PRUNE_BATCH = 1_000
"""Events deleted per transaction while pruning, so that writers wait little."""

_INSERT = (
    "INSERT OR IGNORE INTO events (envelope_id, type, patient_id, occurred_ts, received_ts,"
    " relay_seq, source, envelope, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FTS_ADD = "INSERT INTO events_fts (rowid, patient, body) VALUES (?, ?, ?)"
_FTS_DELETE = "INSERT INTO events_fts (events_fts, rowid, patient, body) VALUES ('delete', ?, ?, ?)"


class StoreWrites:
    """The writing half of :class:`~impilo_desk.services.event_store.EventStore`."""

    _conn: sqlite3.Connection
    _lock: threading.Lock
    _checkpointer: WalCheckpointer
    _fts_upto: int | None  # None: no index yet; else every id up to it is indexed
    _fts_ready: bool

    def _meta_set(self, key: str, value: int) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _indexed(self, envelope_id: int) -> bool:
        return self._fts_ready or (self._fts_upto is not None and envelope_id <= self._fts_upto)

    def add(self, event: RelayEvent) -> bool:
        """Stores one event; returns False when its Impilo id was already stored."""
        return self.add_many([event])[0]

    def add_many(self, events: Sequence[RelayEvent]) -> list[bool]:
        """Stores events in one transaction; returns, for each, whether it was new.

        One commit for many events is what makes a burst or a long replay cheap: the cost of
        SQLite is the commit, not the row. An event whose Impilo id is already stored (or earlier
        in ``events``) is left out. The highest relay sequence is remembered in the same
        transaction, duplicates included, so that a resume never asks for them again. Once the
        search index exists, new events enter it in the same transaction.
        """
        rows = [event_row(event) for event in events]
        seqs = [event.seq for event in events if event.seq is not None]
        new: list[bool] = []
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:  # one statement a row: its rowcount says whether it was new
                    cur = conn.execute(_INSERT, row)
                    new.append(cur.rowcount == 1)
                    if cur.rowcount == 1 and self._indexed(row[0]):
                        conn.execute(_FTS_ADD, (row[0], *search_fields(row[7])))
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

    def reset_sequence(self, value: int = 0) -> None:
        """Sets the resume point (after a relay said its store was replaced)."""
        with self._lock:
            self._meta_set("last_relay_seq", value)
            self._checkpointer.committed()

    def add_polled(self, readings: Iterable[PolledReading]) -> int:
        """Stores polled readings (one transaction); returns how many were new.

        A reading already stored under the same (kind, reading id) is left as it was.
        """
        rows = [
            (r.kind, r.reading_id, r.patient_id, ts(r.occurred_at), r.reading) for r in readings
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

    def add_marker(self, at: datetime, source: str, reason: str, text: str) -> Marker:
        """Stores a marker (a gap, a reconnect) at ``at``; returns it with its number."""
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO markers (received_ts, source, reason, text) VALUES (?, ?, ?, ?)",
                (ts(at), source, reason, text),
            )
            self._checkpointer.committed()
        return Marker(int(cur.lastrowid or 0), at, source, reason, text)

    @property
    def search_ready(self) -> bool:
        """Whether every stored event is in the full-text index."""
        return self._fts_ready

    def build_search_index(
        self,
        progress: Callable[[int, int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> bool:
        """Indexes the stored events not in the full-text index yet, in batches; resumable.

        Events stored meanwhile are indexed as they come once the build has passed their id
        (and by the build otherwise), so the index ends complete. Returns whether it is.

        Args:
            progress: Called after each batch with (events indexed, events stored).
            stop: When set, the build stops after the current batch (it resumes next time).
        """
        with self._lock:
            total = int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            if self._fts_upto is None:
                self._fts_upto = -(2**63)
                self._meta_set("fts_upto", self._fts_upto)
            done = int(
                self._conn.execute(
                    "SELECT COUNT(*) FROM events WHERE envelope_id <= ?", (self._fts_upto,)
                ).fetchone()[0]
            )
        while not self._fts_ready:
            if stop is not None and stop.is_set():
                return False
            with self._lock:
                done += self._index_batch()
                total = max(total, done)
            if progress is not None:
                progress(done, total)
        return True

    def _index_batch(self) -> int:
        conn = self._conn
        rows = conn.execute(
            "SELECT envelope_id, envelope FROM events WHERE envelope_id > ?"
            " ORDER BY envelope_id LIMIT ?",
            (self._fts_upto, INDEX_BATCH),
        ).fetchall()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_FTS_ADD, [(r[0], *search_fields(r[1])) for r in rows])
            if rows:
                self._meta_set("fts_upto", int(rows[-1][0]))
            if len(rows) < INDEX_BATCH:
                self._meta_set("fts_ready", 1)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite rolls back itself after e.g. SQLITE_FULL
                conn.execute("ROLLBACK")
            raise
        if rows:
            self._fts_upto = int(rows[-1][0])
        self._fts_ready = len(rows) < INDEX_BATCH
        self._checkpointer.committed()
        return len(rows)

    def prune(self, *, older_than: datetime | None, keep_at_most: int | None) -> int:
        """Deletes the events received before ``older_than``, then the oldest beyond the cap.

        Runs in batches of ``PRUNE_BATCH`` (one transaction each), so the subscriber's writes
        wait at most one batch. Markers older than the oldest event kept go too. Returns how
        many events were deleted.
        """
        deleted = 0
        while True:
            with self._lock:
                where, args = self._prune_where(older_than, keep_at_most)
                if where is None:
                    break
                n = self._delete_batch(where, args)
            deleted += n
            if n == 0:
                break
        with self._lock:
            oldest = self._conn.execute("SELECT MIN(received_ts) FROM events").fetchone()[0]
            cutoff = ts(older_than) if older_than is not None else None
            if oldest is None:
                oldest = cutoff
            if oldest is not None:
                self._conn.execute("DELETE FROM markers WHERE received_ts < ?", (oldest,))
            self._checkpointer.committed()
        return deleted

    def _prune_where(
        self, older_than: datetime | None, keep_at_most: int | None
    ) -> tuple[str | None, list[Any]]:
        if older_than is not None:
            first = self._conn.execute(
                "SELECT 1 FROM events WHERE received_ts < ? LIMIT 1", (ts(older_than),)
            ).fetchone()
            if first is not None:
                return "received_ts < ?", [ts(older_than)]
        if keep_at_most is not None:
            count = int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            excess = count - keep_at_most
            if excess > 0:
                return "1", [excess]
        return None, []

    def _delete_batch(self, where: str, args: list[Any]) -> int:
        conn = self._conn
        limit = min(PRUNE_BATCH, args[0]) if where == "1" else PRUNE_BATCH
        params = [] if where == "1" else args
        rows = conn.execute(
            f"SELECT envelope_id, envelope FROM events WHERE {where}"  # noqa: S608 - ours
            " ORDER BY received_ts, envelope_id LIMIT ?",
            [*params, limit],
        ).fetchall()
        conn.execute("BEGIN IMMEDIATE")
        try:
            indexed = [(r[0], *search_fields(r[1])) for r in rows if self._indexed(r[0])]
            conn.executemany(_FTS_DELETE, indexed)
            conn.executemany("DELETE FROM events WHERE envelope_id = ?", [(r[0],) for r in rows])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite rolls back itself after e.g. SQLITE_FULL
                conn.execute("ROLLBACK")
            raise
        return len(rows)
