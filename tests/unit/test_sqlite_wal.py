"""The write-ahead log of a store written without pause stays bounded (``WalCheckpointer``).

A ``PASSIVE`` checkpoint alone never rewinds the log while the writer keeps appending: the event
store's log reached 4.7 GB after 600,000 events at full speed, and the ``-shm`` index mapped in
the process grew with it (the soak's RSS). These tests write on a real file, with the writer's
own automatic checkpoint off, as the event store and the relay do.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from impilo_desk.sqlite_wal import WalCheckpointer

ROW = b"x" * 3000  # about one page a row: the log grows by at least a page a commit
COMMITS = 3000  # ~12 MB of log if it is never emptied


def _writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    WalCheckpointer.disable_auto(conn)
    return conn


def _write_without_pause(
    conn: sqlite3.Connection, checkpointer: WalCheckpointer, wal: Path
) -> tuple[int, int]:
    """Commits without pause; returns the largest log seen and how often it was seen shrink."""
    largest = shrunk = last = 0
    for i in range(COMMITS):
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", (ROW,))
        checkpointer.committed()
        if i % 10 == 0:
            size = wal.stat().st_size
            largest, shrunk, last = max(largest, size), shrunk + (size < last), size
    return largest, shrunk


def test_the_log_of_a_store_written_without_pause_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    conn = _writer(path)
    checkpointer = WalCheckpointer(
        path, name="test-checkpoint", interval_s=0.0, max_log_bytes=256 * 1024
    )
    try:
        largest, shrunk = _write_without_pause(conn, checkpointer, tmp_path / "store.sqlite3-wal")
    finally:
        checkpointer.close()
    # A log that is never emptied only grows (PASSIVE alone: ~37 MB for these commits). Emptied
    # past 256 KB, it shrinks again and again; how far it grows first depends on when the
    # checkpoint thread gets a core (5.6 MB seen at load 8), so the bound is loose.
    assert shrunk >= 3, f"the log shrank {shrunk} times (largest {largest} bytes)"
    never_emptied = COMMITS * 4096  # at least a page a commit: ~12 MB
    assert largest < never_emptied * 0.75, f"the log reached {largest} bytes"
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == COMMITS  # nothing lost
    conn.close()


def test_a_reader_that_holds_on_delays_the_emptying_but_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    conn = _writer(path)
    reader = sqlite3.connect(path, isolation_level=None)
    checkpointer = WalCheckpointer(
        path, name="test-checkpoint", interval_s=0.0, max_log_bytes=64 * 1024
    )
    try:
        reader.execute("BEGIN")
        seen = reader.execute("SELECT count(*) FROM t").fetchone()[0]  # holds a snapshot
        for _ in range(200):
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t (body) VALUES (?)", (ROW,))
            checkpointer.committed()
        assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == seen  # its snapshot held
        reader.execute("COMMIT")
    finally:
        checkpointer.close()
        reader.close()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 200
    conn.close()
