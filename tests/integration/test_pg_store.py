"""The PostgreSQL store on a real server: order under concurrent writers, schema, dedup, retention.

Several ``PgRelayStore`` objects on one database stand for several replicas (each has its own
connections, exactly as separate processes would).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from impilo_desk.relay.pg_store import LOCK_NS, RETENTION, PgRelayStore
from impilo_desk.relay.store import Incoming
from tests.fixtures.relay import make_envelope
from tests.fixtures.waiting import wait_until

WAIT_S = 10.0


def incoming(event_id: int, ts: float = 1000.0) -> Incoming:
    return Incoming(
        event_id=event_id,
        received_at="2026-12-01T09:00:00.000Z",
        received_ts=ts,
        envelope=json.dumps(make_envelope(event_id), separators=(",", ":")),
        headers="{}",
    )


@pytest.fixture
def replicas(pg_url: str) -> Iterator[list[PgRelayStore]]:
    """Two stores on one database (two replicas)."""
    stores = [PgRelayStore(pg_url), PgRelayStore(pg_url)]
    try:
        yield stores
    finally:
        for store in stores:
            store.close()


def advisory_waiters(url: str) -> int:
    """How many sessions wait for an advisory lock on this server right now."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()
        return int(row[0]) if row else 0


def test_a_position_taken_earlier_cannot_commit_after_a_later_one_is_read(pg_url: str) -> None:
    """The hazard, forced: replica A takes position 1 and is slow to commit; B writes meanwhile.

    A reader that looks while A is in flight and then reads "after what it saw" must still get
    A's event. With positions from a plain sequence, B would commit position 2 first, the reader
    would move past 2, and position 1 would be skipped forever.
    """
    in_flight = threading.Event()
    release = threading.Event()

    def slow_commit(positions: list[int]) -> None:
        in_flight.set()
        assert release.wait(WAIT_S)

    a = PgRelayStore(pg_url, before_commit=slow_commit)
    b = PgRelayStore(pg_url)
    reader = PgRelayStore(pg_url)
    try:
        with ThreadPoolExecutor(2) as pool:
            wrote_a = pool.submit(a.write_batch, [incoming(1)])
            assert in_flight.wait(WAIT_S)  # A holds position 1, uncommitted
            wrote_b = pool.submit(b.write_batch, [incoming(2)])
            # B has either finished (it got around A) or waits for A: then look
            wait_until(lambda: wrote_b.done() or advisory_waiters(pg_url) >= 1, WAIT_S)
            seen = reader.read_after(0, 10)
            last = seen[-1].seq if seen else 0
            release.set()
            [result_a], [result_b] = wrote_a.result(WAIT_S), wrote_b.result(WAIT_S)
        later = reader.read_after(last, 10)
        assert [e.seq for e in seen + later] == [1, 2]
        assert (result_a.seq, result_b.seq) == (1, 2)
        assert reader.bounds()["last_seq"] == 2
    finally:
        release.set()
        for store in (a, b, reader):
            store.close()


def test_concurrent_writers_give_one_gap_free_increasing_order(
    replicas: list[PgRelayStore],
) -> None:
    """Two replicas write 400 events in batches at once; every position is taken exactly once."""

    def write(store: PgRelayStore, start: int) -> list[int]:
        seqs = []
        for base in range(start, start + 200, 10):
            seqs += [
                r.seq for r in store.write_batch([incoming(i) for i in range(base, base + 10)])
            ]
        return seqs

    with ThreadPoolExecutor(2) as pool:
        one, two = pool.map(write, replicas, [1, 1001])
    assert sorted(one + two) == list(range(1, 401))
    assert one == sorted(one)
    assert two == sorted(two)
    stored = replicas[0].read_after(0, 1000)
    assert [e.seq for e in stored] == list(range(1, 401))


def test_the_same_id_on_two_replicas_at_once_is_stored_once(
    replicas: list[PgRelayStore],
) -> None:
    barrier = threading.Barrier(2)

    def send(store: PgRelayStore) -> list[tuple[int, bool]]:
        barrier.wait(WAIT_S)
        return [(r.seq, r.new) for r in store.write_batch([incoming(i) for i in range(1, 51)])]

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(send, replicas)
    assert [s for s, _ in first] == [s for s, _ in second] == list(range(1, 51))
    # one replica stored them all; the other found them all (the lock orders the batches)
    assert sorted([[n for _, n in first], [n for _, n in second]]) == [[False] * 50, [True] * 50]
    assert replicas[1].bounds() == {"pruned_through": 0, "last_seq": 50, "count": 50}


def test_several_replicas_starting_at_once_create_the_schema_once(pg_url: str) -> None:
    barrier = threading.Barrier(4)

    def start() -> PgRelayStore:
        barrier.wait(WAIT_S)
        return PgRelayStore(pg_url)

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: start(), range(4)))
    try:
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT version FROM relay_schema").fetchall() == [(1,)]
        assert stores[3].write_batch([incoming(1)])[0].seq == 1
    finally:
        for store in stores:
            store.close()


def test_retention_runs_on_one_replica_at_a_time(replicas: list[PgRelayStore], pg_url: str) -> None:
    a, b = replicas
    a.write_batch([incoming(i) for i in range(1, 11)])
    with psycopg.connect(pg_url) as other, other.transaction():
        # another replica's retention pass is under way
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NS, RETENTION))
        assert b.prune(older_than_ts=None, keep_count=3) == 0
        assert b.bounds()["count"] == 10
    assert b.prune(older_than_ts=None, keep_count=3) == 7
    assert a.bounds() == {"pruned_through": 7, "last_seq": 10, "count": 3}
    # a pruned id sent again to the other replica is still known
    [again] = a.write_batch([incoming(2)])
    assert (again.seq, again.new) == (2, False)
