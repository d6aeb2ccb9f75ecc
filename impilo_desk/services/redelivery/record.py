"""The record of manual redeliveries: every run and every attempt, in one SQLite file (WAL).

One file per profile, beside its event store (``redeliveries-<profile>.sqlite3``). An attempt is
written when it starts (``sending``) and again when it ends, so that a run cut short by a crash
or a quit still shows what it did: on the next open, its run reads ``interrupted`` and an attempt
that was in flight reads ``unknown`` (the receiver may or may not have it). The webhook secret is
never given to this module, so it cannot reach the file.

Every method is synchronous and thread-safe: call them from asyncio with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from impilo_desk.services.redelivery.models import Attempt, Outcome, RunState, RunSummary
from impilo_desk.services.redelivery.plan import Delivery

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL,
    profile_name TEXT NOT NULL,
    origin TEXT NOT NULL,
    started_ts REAL NOT NULL,
    ended_ts REAL,
    state TEXT NOT NULL,
    planned INTEGER NOT NULL,
    targets TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_ts);
CREATE TABLE IF NOT EXISTS attempts (
    attempt_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    log_id INTEGER,
    event_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    started_ts REAL NOT NULL,
    finished_ts REAL,
    outcome TEXT NOT NULL,
    status INTEGER,
    latency_ms REAL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS attempts_log ON attempts (log_id, attempt_id);
CREATE INDEX IF NOT EXISTS attempts_run ON attempts (run_id, attempt_id);
CREATE INDEX IF NOT EXISTS attempts_started ON attempts (started_ts);
"""

LOST_IN_FLIGHT = "The app stopped while this was being sent; the receiver may or may not have it."


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


_ATTEMPT_COLUMNS = (
    "a.attempt_id, a.run_id, r.profile_id, r.profile_name, a.log_id, a.event_id, a.event_type,"
    " a.source, a.target, a.started_ts, a.finished_ts, a.outcome, a.status, a.latency_ms, a.error"
)


_ATTEMPT_FROM = "attempts a JOIN runs r USING (run_id)"


def _attempt(r: Sequence[Any]) -> Attempt:
    return Attempt(
        attempt_id=int(r[0]),
        run_id=r[1],
        profile_id=r[2],
        profile_name=r[3],
        log_id=r[4],
        event_id=int(r[5]),
        event_type=r[6],
        source=r[7],
        target=r[8],
        started_at=datetime.fromtimestamp(r[9], UTC),
        finished_at=_time(r[10]),
        outcome=Outcome(r[11]),
        status=r[12],
        latency_ms=r[13],
        error=r[14],
    )


class AttemptStore:
    """SQLite record of manual redeliveries. Thread-safe; one connection guarded by a lock.

    Opening it closes the runs an earlier process left ``running`` (it crashed or was killed):
    they become ``interrupted``, and their in-flight attempts ``unknown``. This assumes one app
    process per profile at a time, as the profile's event store does.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(SCHEMA)
        self._writes = 0
        self.recovered = self._interrupt(None)
        """The ids of the runs found cut short when this store was opened."""

    @property
    def version(self) -> int:
        """Grows with every write of this store: a reader that saw it unchanged need not read.

        A plain counter in memory (no I/O), so the UI may look at it on a timer.
        """
        return self._writes

    @staticmethod
    def path_for(data_dir: Path, profile_id: str) -> Path:
        """The record's file of a profile, beside its event store."""
        return data_dir / f"redeliveries-{profile_id}.sqlite3"

    def close(self) -> None:
        """Closes the file."""
        with self._lock:
            self._conn.close()

    # -- writing, as a run goes -------------------------------------------------------------

    def start_run(
        self,
        run_id: str,
        *,
        profile_id: str,
        profile_name: str,
        origin: str,
        planned: int,
        targets: Iterable[str],
        started_at: datetime,
    ) -> None:
        """Records a run as ``running`` before its first POST."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO runs (run_id, profile_id, profile_name, origin, started_ts, state,"
                " planned, targets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    profile_id,
                    profile_name,
                    origin,
                    _ts(started_at),
                    RunState.RUNNING.value,
                    planned,
                    json.dumps(sorted(set(targets))),
                ),
            )
            self._writes += 1

    def begin_attempt(self, run_id: str, delivery: Delivery, started_at: datetime) -> int:
        """Records an attempt as ``sending`` just before its POST; returns its id."""
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO attempts (run_id, log_id, event_id, event_type, source, target,"
                " started_ts, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    delivery.log_id,
                    delivery.event_id,
                    delivery.event_type,
                    delivery.source,
                    delivery.target,
                    _ts(started_at),
                    Outcome.SENDING.value,
                ),
            )
            self._writes += 1
            return int(cur.lastrowid or 0)

    def finish_attempt(
        self,
        attempt_id: int,
        *,
        outcome: Outcome,
        status: int | None,
        latency_ms: float | None,
        error: str | None,
        finished_at: datetime,
    ) -> None:
        """Records how an attempt ended."""
        with self._lock:
            self._conn.execute(
                "UPDATE attempts SET outcome = ?, status = ?, latency_ms = ?, error = ?,"
                " finished_ts = ? WHERE attempt_id = ?",
                (outcome.value, status, latency_ms, error, _ts(finished_at), attempt_id),
            )
            self._writes += 1

    def end_run(self, run_id: str, state: RunState, ended_at: datetime) -> None:
        """Records how a run ended; ``INTERRUPTED`` also marks its in-flight attempts unknown."""
        if state is RunState.INTERRUPTED:
            self._interrupt(run_id, ended_at)
            return
        with self._lock:
            self._conn.execute(
                "UPDATE runs SET state = ?, ended_ts = ? WHERE run_id = ?",
                (state.value, _ts(ended_at), run_id),
            )
            self._writes += 1

    def _interrupt(self, run_id: str | None, ended_at: datetime | None = None) -> list[str]:
        """Marks ``run_id`` (or every ``running`` run) interrupted; returns the runs marked."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                if run_id is None:
                    rows = conn.execute(
                        "SELECT run_id FROM runs WHERE state = ?", (RunState.RUNNING.value,)
                    ).fetchall()
                    runs = [r[0] for r in rows]
                else:
                    runs = [run_id]
                for run in runs:
                    conn.execute(
                        "UPDATE attempts SET outcome = ?, error = ? WHERE run_id = ?"
                        " AND outcome = ?",
                        (Outcome.UNKNOWN.value, LOST_IN_FLIGHT, run, Outcome.SENDING.value),
                    )
                    conn.execute(
                        "UPDATE runs SET state = ?, ended_ts = ? WHERE run_id = ?",
                        (
                            RunState.INTERRUPTED.value,
                            None if ended_at is None else _ts(ended_at),
                            run,
                        ),
                    )
                if run_id is None:
                    # No run is in progress when the store opens, so no POST is in flight: a
                    # row still "sending" was cut short (even one of a run closed meanwhile,
                    # whose start was being written when its task was cancelled).
                    conn.execute(
                        "UPDATE attempts SET outcome = ?, error = ? WHERE outcome = ?",
                        (Outcome.UNKNOWN.value, LOST_IN_FLIGHT, Outcome.SENDING.value),
                    )
                conn.execute("COMMIT")
                self._writes += 1
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return runs

    # -- reading -----------------------------------------------------------------------------

    def latest_for_logs(self, log_ids: Iterable[int]) -> dict[int, Attempt]:
        """The latest manual attempt of each of these log rows (rows never resent are left out)."""
        wanted = sorted(set(log_ids))
        found: dict[int, Attempt] = {}
        for start in range(0, len(wanted), 500):  # SQLite bounds the number of parameters
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            # Only constants and "?" marks are formatted in.
            sql = (
                f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM}"  # noqa: S608
                " WHERE a.attempt_id IN (SELECT MAX(attempt_id) FROM attempts"
                f" WHERE log_id IN ({marks}) GROUP BY log_id)"
            )
            with self._lock:
                rows = self._conn.execute(sql, chunk).fetchall()
            for attempt in map(_attempt, rows):
                if attempt.log_id is not None:
                    found[attempt.log_id] = attempt
        return found

    def attempts_between(self, since: datetime, until: datetime) -> list[Attempt]:
        """Every attempt started at or after ``since`` and before ``until``, oldest first."""
        sql = (
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM}"  # noqa: S608 - constants
            " WHERE a.started_ts >= ? AND a.started_ts < ? ORDER BY a.started_ts, a.attempt_id"
        )
        with self._lock:
            rows = self._conn.execute(sql, (_ts(since), _ts(until))).fetchall()
        return [_attempt(r) for r in rows]

    def attempts(self, run_id: str) -> list[Attempt]:
        """Every attempt of a run, in the order they started."""
        sql = (
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM}"  # noqa: S608 - constants
            " WHERE a.run_id = ? ORDER BY a.attempt_id"
        )
        with self._lock:
            rows = self._conn.execute(sql, (run_id,)).fetchall()
        return [_attempt(r) for r in rows]

    def runs(self, limit: int = 100) -> list[RunSummary]:
        """The latest runs, newest first, with their attempts counted by outcome."""
        sql = (
            "SELECT r.run_id, r.profile_id, r.profile_name, r.origin, r.started_ts, r.ended_ts,"
            " r.state, r.planned, r.targets,"
            " COALESCE(SUM(a.outcome = 'delivered'), 0), COALESCE(SUM(a.outcome = 'failed'), 0),"
            " COALESCE(SUM(a.outcome = 'unknown'), 0), COALESCE(SUM(a.outcome = 'sending'), 0)"
            " FROM runs r LEFT JOIN attempts a USING (run_id)"
            " GROUP BY r.run_id ORDER BY r.started_ts DESC, r.rowid DESC LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, (limit,)).fetchall()
        return [
            RunSummary(
                run_id=r[0],
                profile_id=r[1],
                profile_name=r[2],
                origin=r[3],
                started_at=datetime.fromtimestamp(r[4], UTC),
                ended_at=_time(r[5]),
                state=RunState(r[6]),
                planned=int(r[7]),
                targets=tuple(json.loads(r[8])),
                delivered=int(r[9]),
                failed=int(r[10]),
                unknown=int(r[11]),
                sending=int(r[12]),
            )
            for r in rows
        ]
