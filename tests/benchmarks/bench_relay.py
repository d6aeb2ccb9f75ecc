"""Relay benchmarks (``make bench``): durable ingest throughput, ingest→subscriber latency.

Throughput: a concurrent loopback sender (64 keep-alive connections, a lean raw HTTP client so
the sender is not the bottleneck) posts events; each 200 comes only after its commit. Latency:
200 and 1,000 events/s paced, from the moment the POST is sent to the moment the desktop's
RelaySubscriber has stored and delivered it. Several runs; medians printed. Targets on a 2-core
machine: ≥ 2,000 events/s; p99 ≤ 25 ms at 200/s, ≤ 10 ms at 1,000/s. No asserts on timing:
the figures are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from pathlib import Path

import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import RelayEvent, RelaySubscriber
from tests.benchmarks.ab import load, report, variants
from tests.benchmarks.rawpost import RawConnection
from tests.fixtures.relay import RelayProcess, make_envelope

pytestmark = pytest.mark.anyio
RUNS = 3


async def _throughput(relay: RelayProcess, n: int, connections: int, limit_s: float) -> float:
    conns = [
        RawConnection(relay.ingest_url, {"Impilo-Webhook-Secret": relay.secret})
        for _ in range(connections)
    ]
    for c in conns:
        await c.open()
    ids = iter(range(1, n + 1))
    done = 0
    deadline = time.perf_counter() + limit_s

    async def worker(c: RawConnection) -> None:
        nonlocal done
        for i in ids:
            if time.perf_counter() > deadline:
                return
            assert await c.post_json(make_envelope(i)) == 200
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        await c.close()
    return done / elapsed


@pytest.mark.parametrize("synchronous", ["normal", "full"])
async def test_durable_ingest_throughput(tmp_path: Path, synchronous: str) -> None:
    rates = []
    for run in range(RUNS):
        args = ["--synchronous", synchronous]
        with RelayProcess(tmp_path / f"t{run}.sqlite3", extra_args=args) as relay:
            rates.append(await _throughput(relay, 10_000, 64, 30.0))
    print(
        f"\nrelay ingest, synchronous={synchronous}: median {statistics.median(rates):,.0f} "
        f"events/s (runs: {', '.join(f'{r:,.0f}' for r in rates)}; target ≥ 2,000)"
    )


async def _latency_run(relay: RelayProcess, store_path: Path, rate: float, n: int) -> list[float]:
    arrived: dict[int, float] = {}
    sent: dict[int, float] = {}
    all_in = asyncio.Event()

    def on_event(event: RelayEvent) -> None:
        arrived[event.envelope.id] = time.perf_counter()
        if len(arrived) >= n:
            all_in.set()

    sub = RelaySubscriber(relay.url, relay.token, EventStore(store_path), on_event=on_event)
    task = asyncio.create_task(sub.run())
    try:
        async with asyncio.timeout(30):
            while sub.state.phase != "live":  # noqa: ASYNC110 - bounded wait on another task
                await asyncio.sleep(0.01)
        pool: asyncio.Queue[RawConnection] = asyncio.Queue()
        for _ in range(8):
            c = RawConnection(relay.ingest_url, {"Impilo-Webhook-Secret": relay.secret})
            await c.open()
            pool.put_nowait(c)

        async def send(i: int) -> None:
            c = await pool.get()
            sent[i] = time.perf_counter()
            assert await c.post_json(make_envelope(i)) == 200
            pool.put_nowait(c)

        start = time.perf_counter()
        senders = []
        for i in range(1, n + 1):
            delay = start + (i - 1) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            senders.append(asyncio.create_task(send(i)))
        await asyncio.gather(*senders)
        await asyncio.wait_for(all_in.wait(), 30)
        while not pool.empty():
            await pool.get_nowait().close()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return [(arrived[i] - sent[i]) * 1000 for i in range(1, n + 1)]


@pytest.mark.parametrize(
    ("rate", "n", "target_ms"), [(200.0, 2000, 25.0), (1000.0, 5000, 10.0)], ids=["200/s", "1000/s"]
)
async def test_ingest_to_subscriber_latency(
    tmp_path: Path, rate: float, n: int, target_ms: float
) -> None:
    p50s: dict[str, list[float]] = {name: [] for name, _ in variants()}
    p99s: dict[str, list[float]] = {name: [] for name, _ in variants()}
    for run in range(RUNS):
        for name, checkout in variants():  # old and new in turn when BENCH_RELAY_OLD is set
            with RelayProcess(tmp_path / f"l{run}-{name}.sqlite3", checkout=checkout) as relay:
                ms = await _latency_run(relay, tmp_path / f"desk{run}-{name}.sqlite3", rate, n)
            q = statistics.quantiles(ms, n=100)
            p50s[name].append(q[49])
            p99s[name].append(q[98])
    print(f"\nrelay ingest→subscriber latency at {rate:,.0f} events/s (load {load()}):")
    print(report("p50", p50s))
    print(report("p99", p99s))
    print(f"  target p99 ≤ {target_ms:.0f} ms")
