"""The relay's event log on PostgreSQL, shared by several relay replicas.

Same interface as ``store.RelayStore`` (SQLite): synchronous methods, run on the writer thread and
through ``asyncio.to_thread``. Driver: psycopg 3 with its connection pool, chosen by measurement
and for two reasons besides (see ``packaging/relay/README.md``): its synchronous API drops into
the store interface the relay already has, and libpq honours ``PGPASSWORD``, ``PGPASSFILE`` and
service files by itself.

**One global order, nothing skipped (the hard part).** With concurrent writers, a position
(``seq``) taken earlier can commit later; a reader that read "after N" and moved past a position
that was still uncommitted would skip that event forever. Here that cannot happen, because
*positions are assigned and committed under one lock*: every write transaction first takes the
transaction-scoped advisory lock ``POSITIONS``, and only then reads the last position, assigns the
next ones, and commits. PostgreSQL releases the lock only after the commit is visible, so the
next writer (on any replica) assigns its positions after every earlier position is visible. The
committed positions are therefore always a gap-free prefix ``1..last_seq``, and "read after N"
never passes over a position that will commit later. The price is that commits of all replicas
are serialised; group commit (a batch per transaction, ``ingest.py``) shares that cost over the
events of a batch, and the lock is held for the length of one short transaction only.

The same lock makes de-duplication across replicas exact: the look-up of an Impilo id runs after
the lock is taken (a new statement, so a new snapshot in READ COMMITTED), and so sees every id
committed before it.

Schema: created or migrated at start-up under the advisory lock ``SCHEMA``, in one transaction,
so several replicas starting at once neither race on ``CREATE TABLE`` nor migrate twice.
Retention runs under ``pg_try_advisory_xact_lock(RETENTION)``: one replica at a time; the others
skip the pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from impilo_desk.relay.config import redact_db_url
from impilo_desk.relay.errors import StoreUnavailableError
from impilo_desk.relay.store import Incoming, StoredEvent, WriteResult

log = logging.getLogger(__name__)
T = TypeVar("T")

LOCK_NS = 0x1A70  # advisory-lock namespace of the relay (first key of the two-key form)
SCHEMA, POSITIONS, RETENTION = 1, 2, 3
CHANNEL = "impilo_relay_events"  # NOTIFY payload: the highest seq of the commit
POOL_WAIT_S = 3.0  # how long a call waits for a connection before answering "unavailable"
CONNECT_TIMEOUT_S = 3

MIGRATIONS = [
    """
    CREATE TABLE relay_events (
        seq BIGINT PRIMARY KEY,
        event_id BIGINT NOT NULL UNIQUE,
        received_at TEXT NOT NULL,
        received_ts DOUBLE PRECISION NOT NULL,
        envelope TEXT NOT NULL,
        headers TEXT NOT NULL
    );
    CREATE INDEX relay_events_received_ts ON relay_events (received_ts);
    CREATE TABLE relay_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO relay_meta (key, value) VALUES ('last_seq', 0), ('pruned_through', 0);
    CREATE TABLE relay_seen (
        seq BIGINT PRIMARY KEY,
        event_id BIGINT NOT NULL UNIQUE,
        received_ts DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX relay_seen_received_ts ON relay_seen (received_ts);
    """,
]
# ``relay_seen``: the ids of events that retention deleted, as in ``store.SCHEMA`` (SQLite).

# One round trip: the last position, and the ids of the batch already known (with their seq).
_KNOWN = (
    "SELECT (SELECT value FROM relay_meta WHERE key = 'last_seq'), k.event_id, k.seq"
    " FROM (SELECT 1) AS one LEFT JOIN ("
    "SELECT event_id, seq FROM relay_events WHERE event_id = ANY(%(ids)s)"
    " UNION ALL SELECT event_id, seq FROM relay_seen WHERE event_id = ANY(%(ids)s)) AS k ON true"
)
_INSERT = (
    "WITH ins AS (INSERT INTO relay_events"
    " (seq, event_id, received_at, received_ts, envelope, headers)"
    " SELECT * FROM unnest(%(seq)s::bigint[], %(eid)s::bigint[], %(at)s::text[],"
    " %(ts)s::float8[], %(env)s::text[], %(hdr)s::text[]))"
    ", upd AS (UPDATE relay_meta SET value = %(last)s WHERE key = 'last_seq')"
    # delivered to every listening replica when (and only if) this commits
    " SELECT pg_notify(%(channel)s, %(last)s::text)"
)


def _one_line(exc: Exception) -> str:
    """The message of libpq without its indented hints ("Is the server running on that host...")."""
    lines = [line for line in str(exc).splitlines() if line.strip() and not line[0].isspace()]
    return lines[-1].strip() if lines else type(exc).__name__


class SchemaError(Exception):
    """The database was set up by a newer relay; this one must not write to it."""


class PgRelayStore:
    """The PostgreSQL log. ``write_batch`` and ``prune`` run on the writer thread; reads anywhere.

    Args:
        url: A libpq URL (``postgresql://USER@HOST[:PORT]/DB``, ``?service=NAME``…).
        pool_size: Connections at most (the writer, readers, retention).
        before_commit: For tests only: called inside each write transaction after its positions
            are assigned and before it commits, with those positions.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 6,
        before_commit: Callable[[list[int]], None] | None = None,
    ) -> None:
        self.url = url
        self.display = redact_db_url(url)
        self._before_commit = before_commit
        self._down = False  # set by a failed call, cleared by the first one that succeeds
        self._connect_kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "impilo-relay",
        }
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=POOL_WAIT_S,
            kwargs=self._connect_kwargs,
            name="impilo-relay",
        )
        try:
            # One connection first: a wrong password or a refused port is told at once, in
            # libpq's words, instead of after the pool's wait.
            psycopg.connect(url, **self._connect_kwargs).close()
        except psycopg.Error as exc:
            raise StoreUnavailableError(
                f"cannot reach PostgreSQL at {self.display}: {_one_line(exc)}"
            ) from None
        try:
            self._pool.open(wait=True, timeout=POOL_WAIT_S * 2)
            self._call(self._migrate)
        except PoolTimeout:
            self._pool.close()
            raise StoreUnavailableError(
                f"cannot reach PostgreSQL at {self.display}: {self._why()}"
            ) from None
        except BaseException:
            self._pool.close()
            raise

    def _why(self) -> str:
        """Why a connection fails now, in libpq's words (one line; libpq never shows passwords)."""
        try:
            psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.Error as exc:
            return _one_line(exc)
        return "it answers again"

    def close(self) -> None:
        """Closes every connection (call when no thread uses the store any more)."""
        self._pool.close()

    def _call(self, job: Callable[[psycopg.Connection[Any]], T]) -> T:
        """Runs ``job`` on a pooled connection; connection trouble becomes StoreUnavailableError.

        A connection that broke while idle (PostgreSQL restarted) fails on first use; the job is
        then run once more on a fresh one. That is safe for writes too: a batch that did commit
        before its answer was lost is found again by its Impilo ids. Once PostgreSQL is known to
        be down, calls try a connection of their own instead of waiting for the pool, so they
        fail at once while it is down and succeed as soon as it is back (see ``_call_direct``).
        """
        if self._down:
            return self._call_direct(job)
        for attempt in (1, 2):
            try:
                with self._pool.connection() as conn:
                    return job(conn)
            except PoolTimeout:
                self._down = True
                raise StoreUnavailableError(
                    f"PostgreSQL at {self.display} is unreachable: {self._why()}"
                ) from None
            except psycopg.OperationalError as exc:
                if attempt == 2:
                    self._down = True
                    raise StoreUnavailableError(
                        f"PostgreSQL at {self.display} failed: {_one_line(exc)}"
                    ) from None
                log.info("a PostgreSQL connection broke (%s); trying a fresh one", exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _call_direct(self, job: Callable[[psycopg.Connection[Any]], T]) -> T:
        try:
            with psycopg.connect(self.url, **self._connect_kwargs) as conn:
                result = job(conn)
        except psycopg.OperationalError as exc:
            raise StoreUnavailableError(
                f"PostgreSQL at {self.display} is unreachable: {_one_line(exc)}"
            ) from None
        if self._down:
            self._down = False
            log.warning("PostgreSQL at %s answers again", self.display)
            self._pool.check()  # replaces the pooled connections that broke meanwhile
        return result

    # --- schema ---

    @staticmethod
    def _migrate(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, SCHEMA))
            conn.execute("CREATE TABLE IF NOT EXISTS relay_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM relay_schema").fetchone()
            version = int(row[0]) if row and row[0] is not None else 0
            if version > len(MIGRATIONS):
                raise SchemaError(
                    f"the database is at schema version {version}, newer than this relay "
                    f"({len(MIGRATIONS)}): upgrade the relay"
                )
            for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
                conn.execute(sql.encode())
                conn.execute("DELETE FROM relay_schema")
                conn.execute("INSERT INTO relay_schema (version) VALUES (%s)", (number,))
                log.info("relay schema migrated to version %d", number)

    # --- writer side ---

    def write_batch(self, items: list[Incoming]) -> list[WriteResult]:
        """Writes a batch in one transaction, positions assigned under the ``POSITIONS`` lock.

        A duplicate Impilo id (stored by any replica, earlier in this batch, or remembered after
        retention) is not written again; its result carries the first copy's ``seq``.
        """
        return self._call(lambda conn: self._write(conn, items))

    def _write(self, conn: psycopg.Connection[Any], items: list[Incoming]) -> list[WriteResult]:
        with conn.transaction():
            # Its own statement: a statement's snapshot is taken when it starts, so a look-up in
            # the same statement as the lock could miss what the previous holder committed.
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, POSITIONS))
            ids = [item.event_id for item in items]
            rows = conn.execute(_KNOWN, {"ids": ids}).fetchall()
            last = int(rows[0][0])
            known: dict[int, int] = {int(r[1]): int(r[2]) for r in rows if r[1] is not None}
            results: list[WriteResult] = []
            fresh: list[Incoming] = []
            for item in items:
                seq = known.get(item.event_id)
                if seq is not None:
                    results.append(WriteResult(seq, False))
                    continue
                last += 1
                known[item.event_id] = last
                fresh.append(item)
                results.append(WriteResult(last, True))
            if fresh:
                first = last - len(fresh) + 1
                conn.execute(
                    _INSERT,
                    {
                        "seq": list(range(first, last + 1)),
                        "eid": [i.event_id for i in fresh],
                        "at": [i.received_at for i in fresh],
                        "ts": [i.received_ts for i in fresh],
                        "env": [i.envelope for i in fresh],
                        "hdr": [i.headers for i in fresh],
                        "last": last,
                        "channel": CHANNEL,
                    },
                )
                if self._before_commit is not None:
                    self._before_commit(list(range(first, last + 1)))
        return results

    def prune(
        self,
        *,
        older_than_ts: float | None,
        keep_count: int | None,
        forget_before_ts: float | None = None,
        remember_count: int | None = None,
    ) -> int:
        """Retention, as ``RelayStore.prune``; on one replica at a time (others return 0)."""

        def job(conn: psycopg.Connection[Any]) -> int:
            with conn.transaction():
                got = conn.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NS, RETENTION)
                ).fetchone()
                if not got or not got[0]:
                    return 0  # another replica runs this pass
                pruned = self._prune_events(conn, older_than_ts, keep_count, forget_before_ts)
                self._trim_seen(conn, forget_before_ts, remember_count)
                return pruned

        return self._call(job)

    @staticmethod
    def _prune_events(
        conn: psycopg.Connection[Any],
        older_than_ts: float | None,
        keep_count: int | None,
        forget_before_ts: float | None,
    ) -> int:
        cutoff = 0
        if older_than_ts is not None:
            row = conn.execute(
                "SELECT max(seq) FROM relay_events WHERE received_ts < %s", (older_than_ts,)
            ).fetchone()
            cutoff = max(cutoff, int(row[0] or 0) if row else 0)
        if keep_count is not None:
            row = conn.execute(
                "SELECT seq FROM relay_events ORDER BY seq DESC LIMIT 1 OFFSET %s", (keep_count,)
            ).fetchone()
            if row is not None:
                cutoff = max(cutoff, int(row[0]))
        if cutoff == 0:
            return 0
        conn.execute(
            "INSERT INTO relay_seen (seq, event_id, received_ts)"
            " SELECT seq, event_id, received_ts FROM relay_events"
            " WHERE seq <= %s AND received_ts >= %s ON CONFLICT DO NOTHING",
            (cutoff, forget_before_ts if forget_before_ts is not None else float("-inf")),
        )
        cur = conn.execute("DELETE FROM relay_events WHERE seq <= %s", (cutoff,))
        conn.execute(
            "UPDATE relay_meta SET value = greatest(value, %s) WHERE key = 'pruned_through'",
            (cutoff,),
        )
        return int(cur.rowcount)

    @staticmethod
    def _trim_seen(
        conn: psycopg.Connection[Any], forget_before_ts: float | None, remember_count: int | None
    ) -> None:
        if forget_before_ts is not None:
            conn.execute("DELETE FROM relay_seen WHERE received_ts < %s", (forget_before_ts,))
        if remember_count is not None:
            row = conn.execute(
                "SELECT seq FROM relay_seen ORDER BY seq DESC LIMIT 1 OFFSET %s", (remember_count,)
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM relay_seen WHERE seq <= %s", (int(row[0]),))

    # --- reader side ---

    def read_after(self, after: int, limit: int) -> list[StoredEvent]:
        """Events with ``seq > after``, oldest first, at most ``limit``."""

        def job(conn: psycopg.Connection[Any]) -> list[StoredEvent]:
            rows = conn.execute(
                "SELECT seq, received_at, envelope, headers FROM relay_events"
                " WHERE seq > %s ORDER BY seq LIMIT %s",
                (after, limit),
            ).fetchall()
            return [StoredEvent(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

        return self._call(job)

    def bounds(self) -> dict[str, int]:
        """``pruned_through`` (highest deleted seq), ``last_seq`` (highest given), ``count``."""

        def job(conn: psycopg.Connection[Any]) -> dict[str, int]:
            row = conn.execute(
                "SELECT (SELECT value FROM relay_meta WHERE key = 'pruned_through'),"
                " (SELECT value FROM relay_meta WHERE key = 'last_seq'),"
                " (SELECT count(*) FROM relay_events)"
            ).fetchone()
            assert row is not None
            return {
                "pruned_through": int(row[0]),
                "last_seq": int(row[1]),
                "count": int(row[2]),
            }

        return self._call(job)

    def info(self) -> dict[str, Any]:
        """Facts for /healthz (the URL with its password masked)."""
        return {"store": "postgresql", "db": self.display, **self.bounds()}
