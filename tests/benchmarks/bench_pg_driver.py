"""Which PostgreSQL driver for the relay: asyncpg, or psycopg 3 (sync, in a thread) with its pool.

The measurement runs the relay's own write and read shapes on a real server (fsync on), from an
asyncio loop as the relay does: psycopg's calls go through ``asyncio.to_thread`` (the relay's
store is synchronous and runs on its writer thread), asyncpg's are awaited directly.

- write: one transaction per batch: transaction-scoped advisory lock, the de-duplication look-up,
  one INSERT of the batch from arrays, the position counter, ``pg_notify``; batches of 1 and 16.
- read: ``read_after`` pages of 500 events (the catch-up read).

asyncpg is not a dependency of the project; ``pip install asyncpg`` to run this comparison
(it is skipped otherwise). Figures: medians of 3 runs, printed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import pytest

from tests.fixtures.postgres import PgServer

pytestmark = pytest.mark.anyio
RUNS = 3
ENVELOPE = '{"id":1,"type":"reading.weight","payload":{"weight":70.5,"patient":{"id":7}}}'
SCHEMA = """
DROP TABLE IF EXISTS ev; DROP TABLE IF EXISTS meta;
CREATE TABLE ev (seq BIGINT PRIMARY KEY, event_id BIGINT NOT NULL UNIQUE, received_at TEXT,
  received_ts DOUBLE PRECISION, envelope TEXT, headers TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('last_seq', 0);
"""
LOCK = "SELECT pg_advisory_xact_lock(7, 2)"
LOOKUP = "SELECT event_id FROM ev WHERE event_id = ANY($1)"
LAST = "SELECT value FROM meta WHERE key = 'last_seq'"
INSERT = (
    "WITH i AS (INSERT INTO ev SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[],"
    " $4::float8[], $5::text[], $6::text[])), u AS (UPDATE meta SET value = $7"
    " WHERE key = 'last_seq') SELECT pg_notify('bench', $8)"
)
READ = "SELECT seq, received_at, envelope, headers FROM ev WHERE seq > $1 ORDER BY seq LIMIT 500"


def _pg(sql: str) -> str:
    for i in range(8, 0, -1):
        sql = sql.replace(f"${i}", "%s")
    return sql


@pytest.fixture(scope="module")
def durable_pg() -> Iterator[PgServer]:
    server = PgServer(fsync=True)
    try:
        yield server.start()
    finally:
        server.destroy()


def _rows(start: int, n: int) -> tuple[list[object], ...]:
    ids = list(range(start, start + n))
    return (
        ids,
        ids,
        ["2026-12-01T09:00:00.000Z"] * n,
        [1.0] * n,
        [ENVELOPE] * n,
        ["{}"] * n,
    )


async def _asyncpg_run(url: str, batch: int, total: int, writers: int) -> tuple[float, float]:
    asyncpg = pytest.importorskip("asyncpg")
    pool = await asyncpg.create_pool(url, min_size=writers + 1, max_size=writers + 1)
    try:
        async with pool.acquire() as c:
            await c.execute(SCHEMA)
        counter = iter(range(0, total, batch))

        async def writer() -> None:
            async with pool.acquire() as c:
                for start in counter:
                    async with c.transaction():
                        await c.execute(LOCK)
                        await c.fetch(LOOKUP, list(range(start, start + batch)))
                        last = await c.fetchval(LAST)
                        await c.execute(INSERT, *_rows(start, batch), last + batch, str(last))

        t0 = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        write_rate = total / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        async with pool.acquire() as c:
            after = 0
            while rows := await c.fetch(READ, after):
                after = rows[-1]["seq"]
        read_rate = total / (time.perf_counter() - t0)
    finally:
        await pool.close()
    return write_rate, read_rate


async def _psycopg_run(url: str, batch: int, total: int, writers: int) -> tuple[float, float]:
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(
        url, min_size=writers + 1, max_size=writers + 1, kwargs={"autocommit": True}, open=False
    )
    pool.open(wait=True)
    try:
        with pool.connection() as c:
            c.execute(SCHEMA)
        counter = iter(range(0, total, batch))

        def write_one(start: int) -> None:
            with pool.connection() as c, c.transaction():
                c.execute(LOCK)
                c.execute(_pg(LOOKUP), (list(range(start, start + batch)),)).fetchall()
                row = c.execute(LAST).fetchone()
                assert row is not None
                last = int(row[0])
                c.execute(_pg(INSERT), (*_rows(start, batch), last + batch, str(last)))

        async def writer() -> None:
            for start in counter:
                await asyncio.to_thread(write_one, start)

        t0 = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        write_rate = total / (time.perf_counter() - t0)

        def read_all() -> None:
            with pool.connection() as c:
                after = 0
                while rows := c.execute(_pg(READ), (after,)).fetchall():
                    after = rows[-1][0]

        t0 = time.perf_counter()
        await asyncio.to_thread(read_all)
        read_rate = total / (time.perf_counter() - t0)
    finally:
        pool.close()
    return write_rate, read_rate


@pytest.mark.parametrize("batch", [1, 16])
async def test_driver_write_and_read_rates(durable_pg: PgServer, batch: int) -> None:
    pytest.importorskip("asyncpg")
    total = 3000 if batch == 1 else 16_000
    figures: dict[str, list[tuple[float, float]]] = {"asyncpg": [], "psycopg": []}
    for _ in range(RUNS):
        for name, run in (("asyncpg", _asyncpg_run), ("psycopg", _psycopg_run)):
            db = durable_pg.create_database()
            figures[name].append(await run(durable_pg.url(db), batch, total, 2))
            durable_pg.drop_database(db)
    for name, runs in figures.items():
        w = statistics.median(r[0] for r in runs)
        r = statistics.median(r[1] for r in runs)
        print(
            f"\npg driver {name}, batches of {batch}, 2 writers: median write {w:,.0f} events/s, "
            f"median catch-up read {r:,.0f} events/s "
            f"(write runs: {', '.join(f'{x[0]:,.0f}' for x in runs)})"
        )
