"""Checkpointing a SQLite write-ahead log on a thread of its own, off the commit path.

SQLite's automatic checkpoint runs inside the ``COMMIT`` that takes the log past 1,000 pages,
and with ``synchronous=NORMAL`` that checkpoint fsyncs: measured 15-45 ms every ~0.3 s at
1,000 events/s, on the relay and on the desktop alike, which was most of the p99 of the
ingest→subscriber latency. So the committing connection turns it off (``disable_auto``) and
this thread runs the same ``PASSIVE`` checkpoint from a connection of its own, after commits,
at most once per ``interval_s``. In WAL mode a checkpoint and a writer run side by side, so a
commit no longer waits for it. Durability is unchanged: a commit is in the log either way; the
checkpoint only copies the log back into the database file.

A ``PASSIVE`` checkpoint never rewinds the log: SQLite starts the log again from its beginning
only when a write begins while every frame has been copied back, and under a steady load the
writer has always appended more by then. So the log grew without end (4.7 GB after 600,000
events at full speed; its ``-shm`` index, mapped in every process using the file, grew with it:
the desktop's and the relay's RSS in the 30-minute soak). Once a checkpoint finds the log past
``max_log_bytes``, the writer's next ``committed`` empties it with a ``TRUNCATE`` checkpoint, on
the writer's thread between two of its transactions: from the checkpoint thread it would have
to win the write lock from a writer that takes it again at once, and it did not (measured). So
once in a long while one commit waits for the few frames left and an fsync, not every commit.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

__all__ = ["MAX_LOG_BYTES", "WalCheckpointer"]

MAX_LOG_BYTES = 64 * 1024 * 1024
"""The log is emptied once it holds more than this (about 8,000 desktop events, 8 s at 1,000/s)."""

_READER_WAIT_MS = 5
"""How long the emptying waits for readers of the log to finish: the writer waits meanwhile, and
a reader that holds on (a long replay) would cost it that much at every try."""

_RETRY_S = 1.0
"""After readers kept the log, the next emptying is tried no sooner than this."""

_log = logging.getLogger(__name__)


class WalCheckpointer:
    """Checkpoints the log of ``path`` after commits; its thread starts with the first one.

    Call ``committed`` after each commit of the connection that had ``disable_auto``, and
    ``close`` before closing that connection (it joins the thread).

    Args:
        path: the database file.
        name: the thread's name.
        interval_s: at least this long between two checkpoints (commits in between share one).
        max_log_bytes: past this size the log is emptied (a ``TRUNCATE`` checkpoint).
    """

    def __init__(
        self,
        path: Path,
        *,
        name: str,
        interval_s: float = 0.2,
        max_log_bytes: int = MAX_LOG_BYTES,
    ) -> None:
        self._path = path
        self._name = name
        self._interval_s = interval_s
        self._max_log_bytes = max_log_bytes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._too_long = threading.Event()  # the last checkpoint found the log past the limit
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the thread's start and stop
        self._conn_lock = threading.Lock()  # one checkpoint at a time on the connection
        self._retry_at = 0.0

    @staticmethod
    def disable_auto(conn: sqlite3.Connection) -> None:
        """Stops ``conn`` from checkpointing inside its own commits."""
        conn.execute("PRAGMA wal_autocheckpoint=0")

    def committed(self) -> None:
        """Asks for a checkpoint soon; empties a log that grew too long (call from the writer).

        Call it after the commit, outside any transaction of the writer's connection.
        """
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None:
                self._conn = sqlite3.connect(
                    self._path, check_same_thread=False, isolation_level=None
                )
                self._conn.execute(f"PRAGMA busy_timeout={_READER_WAIT_MS}")
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        if self._too_long.is_set() and time.monotonic() >= self._retry_at:
            self._too_long.clear()
            self._empty()
        self._wake.set()

    def close(self) -> None:
        """Stops and joins the thread (idempotent); a checkpoint under way finishes first."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()
        with self._conn_lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            self._checkpoint("PASSIVE")
            if self._stop.wait(self._interval_s):
                return

    def _empty(self) -> None:
        if self._checkpoint("TRUNCATE"):  # readers kept the log: not again at once
            self._retry_at = time.monotonic() + _RETRY_S

    def _checkpoint(self, mode: str) -> bool:
        """Runs a checkpoint; returns whether the log was kept busy by readers or the writer."""
        with self._conn_lock:
            if self._conn is None:
                return False
            try:
                page_size = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
                busy, frames, _ = self._conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            except sqlite3.Error as exc:  # the next commit asks again; the log only grows
                _log.warning("checkpoint of %s failed: %s", self._path.name, exc)
                return False
        if frames * page_size > self._max_log_bytes:
            self._too_long.set()
        return bool(busy)
