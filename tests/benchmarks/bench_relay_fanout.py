"""The relay with 1,000 SSE subscribers (``make bench``): ingest stays fast, everyone gets all.

1,000 streams are held open by a child process (``sse_count.py``, one asyncio loop, a lean
protocol per stream). This process then POSTs ``RATE`` events/s, paced, over 8 keep-alive
connections, timing each POST from its send to its 200 (which comes after the commit). Printed:
POST latency p50/p99 (median of ``RUNS`` runs) and how long after the last POST the last
stream had every event. Target on a 2-core machine: POST p99 ≤ 50 ms at 200 POST/s. The one
assert: every stream received every event.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.ab import load, report, variants
from tests.benchmarks.rawpost import RawConnection
from tests.fixtures.relay import RelayProcess, make_envelope

pytestmark = pytest.mark.anyio
RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # fewer while developing
SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "1000"))
RATE = 200.0
EVENTS = 2000  # 10 s at RATE
ROOT = Path(__file__).parent.parent.parent


async def _paced_posts(relay: RelayProcess, rate: float, n: int) -> list[float]:
    pool: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(8):
        c = RawConnection(relay.ingest_url, {"Impilo-Webhook-Secret": relay.secret})
        await c.open()
        pool.put_nowait(c)
    took: list[float] = []

    async def send(i: int) -> None:
        c = await pool.get()
        start = time.perf_counter()
        assert await c.post_json(make_envelope(i)) == 200
        took.append((time.perf_counter() - start) * 1000)
        pool.put_nowait(c)

    start = time.perf_counter()
    tasks = []
    for i in range(1, n + 1):
        delay = start + (i - 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()
    return took


async def _run(relay: RelayProcess) -> tuple[float, float, float]:
    cmd = [sys.executable, "-m", "tests.benchmarks.sse_count", relay.events_url]
    cmd += [str(SUBSCRIBERS), f"Authorization: Bearer {relay.token}"]
    listener = subprocess.Popen(  # noqa: ASYNC220 - started once, before the timed part
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert listener.stdout is not None
        line = await asyncio.to_thread(listener.stdout.readline)
        assert json.loads(line) == {"event": "ready"}, line
        took = await _paced_posts(relay, RATE, EVENTS)
        out, _ = await asyncio.to_thread(listener.communicate, f"{EVENTS}\n", 120)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    result = json.loads(out.splitlines()[-1])
    counts = result["counts"]
    assert len(counts) == SUBSCRIBERS
    assert min(counts) == max(counts) == EVENTS, (min(counts), max(counts))
    q = statistics.quantiles(took, n=100)
    return q[49], q[98], result["last_ms"]


async def test_1000_subscribers_at_200_posts_per_s(tmp_path: Path) -> None:
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in variants()}
    for run in range(RUNS):
        for name, checkout in variants():  # old and new in turn when BENCH_RELAY_OLD is set
            db = tmp_path / f"f{run}-{name}.sqlite3"
            with RelayProcess(db, checkout=checkout) as relay:
                runs[name].append(await _run(relay))
    print(f"\nrelay with {SUBSCRIBERS:,} subscribers at {RATE:.0f} POST/s (load {load()}):")
    print(report("POST p50", {name: [r[0] for r in rs] for name, rs in runs.items()}))
    print(report("POST p99", {name: [r[1] for r in rs] for name, rs in runs.items()}))
    last = {name: [r[2] for r in rs] for name, rs in runs.items()}
    print(report("last event after the last POST", last))
    print(f"  target p99 ≤ 50 ms; every stream got all {EVENTS:,} events in every run")
