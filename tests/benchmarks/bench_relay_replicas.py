"""The relay on each store, in one run: ingest throughput and ingest→subscriber latency.

Four set-ups, measured the same way as ``bench_relay.py`` (its ``_throughput`` and
``_latency_run``: 64 keep-alive connections posting 10,000 events; 2,000 events paced at 200/s
to the desktop's ``RelaySubscriber``):

- one relay on SQLite, ``--synchronous normal`` (the default: survives a process kill) and
  ``full`` (also survives power loss, like PostgreSQL with its default fsync);
- one relay on PostgreSQL (a throwaway server, fsync on, ``synchronous_commit`` on);
- two relays on that PostgreSQL behind a real HAProxy: posts spread over both; the subscriber
  connects through the balancer, so half of its events come from the other replica through
  LISTEN/NOTIFY.

Everything (the sender, the subscriber, PostgreSQL, HAProxy, the relays) shares this machine's
cores, so the two-replica figure shows the cost of the shared, serialised commit path and of the
cross-replica hop, not the scaling that replicas on machines of their own would give.
Medians of 3 runs, printed; no asserts on timing.
"""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.benchmarks.bench_relay import _latency_run, _throughput
from tests.fixtures.haproxy import HAProxy
from tests.fixtures.postgres import PgServer
from tests.fixtures.replicas import start_replicas

pytestmark = pytest.mark.anyio
RUNS = 3


@dataclass
class Front:
    """Where a benchmark talks to: one relay, or the balancer in front of several."""

    url: str
    secret: str
    token: str

    @property
    def ingest_url(self) -> str:
        return self.url + "/hooks"


@pytest.fixture(scope="module")
def durable_pg() -> Iterator[PgServer]:
    server = PgServer(fsync=True)
    try:
        yield server.start()
    finally:
        server.destroy()


@contextlib.contextmanager
def setup(kind: str, pg: PgServer, tmp_path: Path, run: int) -> Iterator[Front]:
    folder = tmp_path / f"{kind}-{run}"
    folder.mkdir()
    if kind.startswith("sqlite"):
        args = ["--synchronous", kind.split("-")[1]]
        with start_replicas(str(folder / "relay.sqlite3"), folder, 1, args) as (relay,):
            yield Front(relay.url, relay.secret, relay.token)
        return
    db = pg.create_database()
    try:
        n = 2 if kind == "pg-2-haproxy" else 1
        with start_replicas(pg.url(db), folder, n) as relays:
            if n == 1:
                yield Front(relays[0].url, relays[0].secret, relays[0].token)
                return
            proxy = HAProxy([f"127.0.0.1:{r.port}" for r in relays])
            try:
                yield Front(proxy.url, relays[0].secret, relays[0].token)
            finally:
                proxy.close()
    finally:
        pg.drop_database(db)


ALL_KINDS = "sqlite-normal,sqlite-full,pg-1,pg-2-haproxy"
KINDS = (os.environ.get("RELAY_BENCH_KINDS") or ALL_KINDS).split(",")  # a subset while tuning


async def test_throughput_and_latency_on_each_store(durable_pg: PgServer, tmp_path: Path) -> None:
    rows = []
    for kind in KINDS:
        rates, p50s, p99s = [], [], []
        for run in range(RUNS):
            with setup(kind, durable_pg, tmp_path, run) as front:
                rates.append(await _throughput(front, 10_000, 64, 30.0))  # type: ignore[arg-type]
            desk = tmp_path / f"desk-{kind}-{run}.sqlite3"
            with setup(kind, durable_pg, tmp_path, run + RUNS) as front:
                ms = await _latency_run(front, desk, 200.0, 2000)  # type: ignore[arg-type]
            q = statistics.quantiles(ms, n=100)
            p50s.append(q[49])
            p99s.append(q[98])
        rows.append((kind, rates, p50s, p99s))
    print("\nrelay on each store (medians of 3; runs in brackets):")
    base = statistics.median(rows[0][1])  # the first kind (sqlite-normal unless chosen)
    for kind, rates, p50s, p99s in rows:
        rate = statistics.median(rates)
        print(
            f"  {kind:14} ingest {rate:7,.0f} events/s (×{rate / base:.2f}) "
            f"[{', '.join(f'{r:,.0f}' for r in rates)}]; "
            f"latency at 200/s p50 {statistics.median(p50s):5.1f} ms, "
            f"p99 {statistics.median(p99s):6.1f} ms [{', '.join(f'{p:.1f}' for p in p99s)}]"
        )
