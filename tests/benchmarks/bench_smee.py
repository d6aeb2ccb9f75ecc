"""smee benchmark (``make bench``): a burst of 2,000 events from a smee channel into a fresh store.

A local smee-like server (``FakeSmee``, smee's exact frames on 127.0.0.1) writes the whole burst
at once to a connected ``SmeeSubscriber``; the clock runs from the write to the moment the last
event was stored and delivered. Each run uses a fresh SQLite file. Printed: the median time and
rate of ``RUNS`` runs, and the transactions each took. No asserts on timing: the figures are
printed; the asserts only check that every event was stored once.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from impilo_desk.services.subscriber import RelayEvent, SmeeSubscriber
from tests.fixtures.relay import make_envelope
from tests.fixtures.smee import FakeSmee
from tests.fixtures.stores import CountingStore
from tests.fixtures.waiting import running, until

pytestmark = pytest.mark.anyio
RUNS = 3
BURST = 2000
SECRET = "bench-smee-secret"


async def _burst_run(store_path: Path) -> tuple[float, int]:
    """One burst into a fresh store; returns its seconds and the transactions it took."""
    store = CountingStore(store_path)
    delivered = 0
    all_in = asyncio.Event()

    def on_event(event: RelayEvent) -> None:
        nonlocal delivered
        delivered += 1
        if delivered == BURST:
            all_in.set()

    burst = "".join(FakeSmee.frame(make_envelope(i), SECRET) for i in range(1, BURST + 1))
    try:
        async with FakeSmee() as smee:
            sub = SmeeSubscriber(smee.url, SECRET, store, on_event=on_event)
            async with running(sub):
                await until(lambda: sub.state.phase == "live")
                start = time.perf_counter()
                await smee.send(burst)
                await asyncio.wait_for(all_in.wait(), 120)
                elapsed = time.perf_counter() - start
        assert store.ids() == list(range(1, BURST + 1))
        assert sum(store.batches) == BURST
        return elapsed, len(store.batches)
    finally:
        store.close()


async def test_a_burst_of_2000_smee_events_into_a_fresh_store(tmp_path: Path) -> None:
    runs = [await _burst_run(tmp_path / f"desk{run}.sqlite3") for run in range(RUNS)]
    seconds = [s for s, _ in runs]
    median = statistics.median(seconds)
    print(
        f"\nsmee burst of {BURST:,} events into a fresh store: median {median * 1000:,.0f} ms "
        f"({BURST / median:,.0f} events/s; runs: {', '.join(f'{s * 1000:,.0f}' for s in seconds)}"
        f" ms; transactions per run: {', '.join(str(t) for _, t in runs)})"
    )
