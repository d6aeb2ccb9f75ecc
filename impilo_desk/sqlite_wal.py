"""Checkpointing a SQLite write-ahead log on a thread of its own, off the commit path.

SQLite's automatic checkpoint runs inside the ``COMMIT`` that takes the log past 1,000 pages,
and with ``synchronous=NORMAL`` that checkpoint fsyncs: measured 15-45 ms every ~0.3 s at
1,000 events/s, on the relay and on the desktop alike, which was most of the p99 of the
ingest→subscriber latency. So the committing connection turns it off (``disable_auto``) and
this thread runs the same ``PASSIVE`` checkpoint from a connection of its own, after commits,
at most once per ``interval_s``. In WAL mode a checkpoint and a writer run side by side, so a
commit no longer waits for it. Durability is unchanged: a commit is in the log either way; the
checkpoint only copies the log back into the database file.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

__all__ = ["WalCheckpointer"]

_log = logging.getLogger(__name__)


class WalCheckpointer:
    """Checkpoints the log of ``path`` after commits; its thread starts with the first one.

    Call ``committed`` after each commit of the connection that had ``disable_auto``, and
    ``close`` before closing that connection (it joins the thread).

    Args:
        path: the database file.
        name: the thread's name.
        interval_s: at least this long between two checkpoints (commits in between share one).
    """

    def __init__(self, path: Path, *, name: str, interval_s: float = 0.2) -> None:
        self._path = path
        self._name = name
        self._interval_s = interval_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @staticmethod
    def disable_auto(conn: sqlite3.Connection) -> None:
        """Stops ``conn`` from checkpointing inside its own commits."""
        conn.execute("PRAGMA wal_autocheckpoint=0")

    def committed(self) -> None:
        """Asks for a checkpoint soon (cheap; call from the committing thread)."""
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stops and joins the thread (idempotent); a checkpoint under way finishes first."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        try:
            while True:
                self._wake.wait()
                if self._stop.is_set():
                    return
                self._wake.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # the next commit asks again; the log only grows
                    _log.warning("checkpoint of %s failed: %s", self._path.name, exc)
                if self._stop.wait(self._interval_s):
                    return
        finally:
            conn.close()
