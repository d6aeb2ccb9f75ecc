"""The relay's durable event log: one SQLite file in WAL mode.

Only the writer (one thread at a time, see ``ingest.py``) writes; readers use their own
connection per thread, so replays never block ingest (WAL lets readers and the writer overlap).

Durability: ``synchronous=NORMAL`` by default. In WAL mode a commit then reaches the operating
system before the call returns, so an acknowledged event survives the death of the relay process
(SIGKILL, OOM kill, crash); it is fsynced at the next checkpoint, so a power loss may lose the last
moments. ``synchronous=FULL`` (``--synchronous full``) fsyncs every commit and survives power loss
too; with group commit its cost is one fsync per batch, not per event.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impilo_desk.sqlite_wal import WalCheckpointer

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    received_ts REAL NOT NULL,
    envelope TEXT NOT NULL,
    headers TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_received_ts ON events (received_ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS seen (
    seq INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL UNIQUE,
    received_ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS seen_received_ts ON seen (received_ts);
"""
# ``seen`` remembers the Impilo ids of events that retention deleted, so that a re-send of one
# is still answered as a duplicate instead of being stored and streamed a second time.
# Why a table of ids and not a high-water mark: the contract (impilo-api.md §7.2) only says an id
# is "unique per delivered event"; nothing says ids grow with time, and retries of an old event
# arrive after newer ones anyway, so "id <= highest seen" would drop real new events.
# A row is three integers (a few tens of bytes with its indexes), far less than the event, and
# the table is bounded by age and by count (``prune``): the retry schedule re-sends an event for
# about 1 h 45 min after its first attempt, so the default of 7 days leaves a wide margin.


@dataclass(frozen=True, slots=True)
class Incoming:
    """One accepted POST, ready to be written."""

    event_id: int
    received_at: str
    received_ts: float
    envelope: str  # JSON on one line (as received, see validate.py)
    headers: str  # compact JSON


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the log, as the stream and the history page send it."""

    seq: int
    received_at: str
    envelope: str
    headers: str

    def to_json(self) -> str:
        """The stream's ``data:`` object, composed without re-parsing the stored JSON."""
        return (
            f'{{"seq":{self.seq},"received_at":{json.dumps(self.received_at)},'
            f'"envelope":{self.envelope},"headers":{self.headers}}}'
        )


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What happened to one ``Incoming``: its sequence, and whether it was new."""

    seq: int
    new: bool


class RelayStore:
    """The SQLite log. Writes go through ``write_batch``; reads may come from any thread."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in {"NORMAL", "FULL"}:
            raise ValueError("synchronous must be NORMAL or FULL")
        self._path = path
        self._synchronous = synchronous.upper()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = self._connect()
        self._writer.executescript(SCHEMA)
        WalCheckpointer.disable_auto(self._writer)  # its checkpoints stalled commits (p99)
        self._checkpointer = WalCheckpointer(path, name="relay-checkpoint")
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        """Closes every connection (call when no thread uses the store any more)."""
        self._checkpointer.close()
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._writer.close()

    # --- writer side (one thread at a time) ---

    def _rollback(self) -> None:
        # SQLite ends the transaction itself on some errors (a full disk, SQLITE_FULL): a second
        # ROLLBACK would then raise "no transaction is active" and hide the real error.
        if self._writer.in_transaction:
            self._writer.execute("ROLLBACK")

    def write_batch(self, items: list[Incoming]) -> list[WriteResult]:
        """Writes a batch in one transaction (one commit, one fsync at most) and returns its fate.

        A duplicate Impilo id (already stored, earlier in this batch, or stored once and since
        deleted by retention but still remembered) is not written again; its result carries the
        sequence of the first copy with ``new=False``.
        """
        results: list[WriteResult] = []
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                # Look first: INSERT OR IGNORE would use up a sequence number on a duplicate.
                # An id is known while its event is stored, and in ``seen`` after retention.
                row = conn.execute(
                    "SELECT seq FROM events WHERE event_id = ?1"
                    " UNION ALL SELECT seq FROM seen WHERE event_id = ?1 LIMIT 1",
                    (item.event_id,),
                ).fetchone()
                if row is not None:
                    results.append(WriteResult(int(row[0]), False))
                    continue
                cur = conn.execute(
                    "INSERT INTO events (event_id, received_at, received_ts, envelope, headers)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (
                        item.event_id,
                        item.received_at,
                        item.received_ts,
                        item.envelope,
                        item.headers,
                    ),
                )
                results.append(WriteResult(int(cur.lastrowid or 0), True))
            conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self._checkpointer.committed()
        return results

    def prune(
        self,
        *,
        older_than_ts: float | None,
        keep_count: int | None,
        forget_before_ts: float | None = None,
        remember_count: int | None = None,
    ) -> int:
        """Deletes the oldest events by age and by count; returns how many went.

        The highest deleted sequence is remembered, so that a subscriber asking for events after
        an older point can be told that it missed some (the ``gap`` event). The Impilo ids of the
        deleted events move to ``seen`` (see ``SCHEMA``), which is itself trimmed here.

        Args:
            older_than_ts: Events received before this (epoch seconds) go; ``None``: no age limit.
            keep_count: At most this many events stay; ``None``: no count limit.
            forget_before_ts: Ids of events received before this are forgotten; ``None``: none
                are forgotten for their age.
            remember_count: At most this many ids of deleted events are remembered (the newest);
                ``None``: no count limit.
        """
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            pruned = self._prune_events(older_than_ts, keep_count, forget_before_ts)
            self._trim_seen(forget_before_ts, remember_count)
            conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        self._checkpointer.committed()
        return pruned

    def _prune_events(
        self, older_than_ts: float | None, keep_count: int | None, forget_before_ts: float | None
    ) -> int:
        conn = self._writer
        cutoff = 0
        if older_than_ts is not None:
            row = conn.execute(
                "SELECT MAX(seq) FROM events WHERE received_ts < ?", (older_than_ts,)
            ).fetchone()
            cutoff = max(cutoff, int(row[0] or 0))
        if keep_count is not None:
            row = conn.execute(
                "SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?", (keep_count,)
            ).fetchone()
            if row is not None:
                cutoff = max(cutoff, int(row[0]))
        if cutoff == 0:
            return 0
        # Ids that would be forgotten at once (too old) are not copied in the first place.
        conn.execute(
            "INSERT OR IGNORE INTO seen (seq, event_id, received_ts)"
            " SELECT seq, event_id, received_ts FROM events WHERE seq <= ? AND received_ts >= ?",
            (cutoff, forget_before_ts if forget_before_ts is not None else float("-inf")),
        )
        cur = conn.execute("DELETE FROM events WHERE seq <= ?", (cutoff,))
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('pruned_through', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
            (cutoff,),
        )
        return int(cur.rowcount)

    def _trim_seen(self, forget_before_ts: float | None, remember_count: int | None) -> None:
        conn = self._writer
        if forget_before_ts is not None:
            conn.execute("DELETE FROM seen WHERE received_ts < ?", (forget_before_ts,))
        if remember_count is not None:
            row = conn.execute(
                "SELECT seq FROM seen ORDER BY seq DESC LIMIT 1 OFFSET ?", (remember_count,)
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM seen WHERE seq <= ?", (int(row[0]),))

    # --- reader side (any thread) ---

    def read_after(self, after: int, limit: int) -> list[StoredEvent]:
        """Events with ``seq > after``, oldest first, at most ``limit``."""
        rows = (
            self._reader()
            .execute(
                "SELECT seq, received_at, envelope, headers FROM events"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            )
            .fetchall()
        )
        return [StoredEvent(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def bounds(self) -> dict[str, int]:
        """``pruned_through`` (highest deleted seq), ``last_seq`` (highest given), ``count``."""
        conn = self._reader()
        pruned = conn.execute("SELECT value FROM meta WHERE key = 'pruned_through'").fetchone()
        last = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        count = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        return {
            "pruned_through": int(pruned[0]) if pruned else 0,
            "last_seq": int(last[0]) if last else 0,
            "count": int(count[0]),
        }

    def info(self) -> dict[str, Any]:
        """Facts for /healthz."""
        return {"path": str(self._path), "synchronous": self._synchronous, **self.bounds()}
