"""The desktop's local event store: every webhook event it received, in one SQLite file (WAL).

It survives restarts, remembers the last relay sequence (so the subscriber resumes exactly after
it), de-duplicates by the Impilo event id, and answers queries by type, patient and time range.
Readings fetched by polling the API have no envelope: they live in their own table, keyed and
de-duplicated by (kind, reading id), so they never collide with relay events. The Events tab
reads pages of events and markers (gaps, reconnects), searches them with FTS5, and prunes them.

One class, in parts by responsibility: ``writes`` (events, search entries, markers, pruning),
``queries`` (resume point, history), ``browse`` (the Events tab's pages; ``search`` plans its
full-text part).
Every method is synchronous and thread-safe: call them from asyncio with ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from impilo_desk.services.event_store.browse import StoreBrowse
from impilo_desk.services.event_store.browse_filter import (
    EventFilter,
    Key,
    Listed,
    SearchSyntaxError,
)
from impilo_desk.services.event_store.queries import StoreQueries
from impilo_desk.services.event_store.records import (
    Marker,
    PolledReading,
    RelayEvent,
    Source,
    default_event_store_path,
    occurred_at,
    patient_id_of,
    patient_name_of,
    search_fields,
)
from impilo_desk.services.event_store.schema import SCHEMA
from impilo_desk.services.event_store.writes import StoreWrites
from impilo_desk.sqlite_wal import WalCheckpointer

__all__ = [
    "EventFilter",
    "EventStore",
    "Key",
    "Listed",
    "Marker",
    "PolledReading",
    "RelayEvent",
    "SearchSyntaxError",
    "Source",
    "default_event_store_path",
    "occurred_at",
    "patient_id_of",
    "patient_name_of",
    "search_fields",
]

_log = logging.getLogger(__name__)


class EventStore(StoreWrites, StoreQueries, StoreBrowse):
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
        meta = dict(self._conn.execute("SELECT key, value FROM meta WHERE key LIKE 'fts_%'"))
        self._fts_upto = meta.get("fts_upto")
        self._fts_ready = bool(meta.get("fts_ready"))

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
