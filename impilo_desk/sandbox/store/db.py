"""SQLite access off the event loop: one writer thread, a few reader threads, WAL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Concatenate, ParamSpec, TypeVar

from impilo_desk.sandbox.store.logs import rebuild_counts
from impilo_desk.sandbox.store.schema import SCHEMA

P = ParamSpec("P")
T = TypeVar("T")

READERS = 4


class Database:
    """The sandbox's SQLite file, used from worker threads.

    Writes run one at a time on a dedicated thread, each in its own ``BEGIN IMMEDIATE``
    transaction; reads run on a small pool of threads, each with its own connection (WAL lets
    them read while the writer writes). Nothing here blocks the event loop.

    Args:
        path: The database file (created when missing).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sandbox-db-write")
        self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="sandbox-db-read")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False

    async def open(self) -> None:
        """Creates the tables and indexes that are missing (call once before serving)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.open_now)

    def open_now(self) -> None:
        """Blocking :meth:`open`, on the writer thread (never from the event loop)."""
        if threading.current_thread().name.startswith("sandbox-db-write"):
            conn = self._connection()
            conn.executescript(SCHEMA)
            if conn.execute("SELECT 1 FROM log_counts LIMIT 1").fetchone() is None:
                conn.execute("BEGIN IMMEDIATE")
                rebuild_counts(conn)
                conn.execute("COMMIT")
            # Statistics for the query planner (cheap; analyses only what needs it).
            conn.execute("PRAGMA optimize=0x10002")
        else:
            self._writer.submit(self.open_now).result()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run_read(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        return fn(self._connection(), *args, **kw)

    def _run_write(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn, *args, **kw)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def read(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        """Runs ``fn(conn, *args, **kw)`` on a reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, lambda: self._run_read(fn, *args, **kw))

    async def write(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        """Runs ``fn(conn, *args, **kw)`` in one transaction on the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: self._run_write(fn, *args, **kw))

    def write_now(
        self, fn: Callable[Concatenate[sqlite3.Connection, P], T], *args: P.args, **kw: P.kwargs
    ) -> T:
        """Blocking write, for start-up and tools (never from the event loop)."""
        return self._writer.submit(lambda: self._run_write(fn, *args, **kw)).result()

    def close(self) -> None:
        """Waits for running work, then closes every connection."""
        if self._closed:
            return
        self._closed = True
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


def connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the sandbox's pragmas."""
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA mmap_size=268435456")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn
