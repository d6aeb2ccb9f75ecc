"""Redelivery benchmark (``make bench``): 1,000 redeliveries to a local receiver (issue 17).

The receiver is a separate process (uvicorn with httptools on 127.0.0.1, answering 200 to every
POST and counting them), like a customer's endpoint. Each run is a real ``Redelivery``: every
attempt written to a fresh SQLite record as it starts and ends, the secret header on every POST.

Printed, medians of ``RUNS`` runs:
- 1,000 at the default concurrency with no rate limit: the service's own throughput, and its
  ratio to a bare httpx loop making the same POSTs at the same concurrency (the baseline);
- 200 at the default settings (rate limit included): the rate a receiver actually sees.
The UI event-loop stall during a run needs the Logs tab and is measured with it (later). No
asserts on timing; the asserts check that every POST arrived once and was recorded.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx
import pytest

from impilo_desk.services.redelivery import (
    AttemptStore,
    Delivery,
    Outcome,
    Plan,
    Redelivery,
    RedeliverySettings,
)
from tests.fixtures.processes import python_child, read_ready_line

pytestmark = pytest.mark.anyio
RUNS = 3
EVENTS = 1000
PACED_EVENTS = 200
SECRET = "bench-redeliver-secret-123"

RECEIVER = """
import asyncio, json, uvicorn
count = 0
async def app(scope, receive, send):
    global count
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["method"] == "POST":
        count += 1
    body = json.dumps({"posts": count}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
class Quiet(uvicorn.Server):
    def capture_signals(self):
        import contextlib
        return contextlib.nullcontext()
async def main():
    server = Quiet(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                  lifespan="off", access_log=False, http="httptools"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    print(json.dumps({"event": "ready", "url": f"http://127.0.0.1:{port}"}), flush=True)
    await task
asyncio.run(main())
"""


def _plan(url: str, count: int) -> Plan:
    return Plan(
        tuple(
            Delivery(
                i,
                "reading.weight",
                f'{{"id": {i}, "type": "reading.weight", "payload": {{"weight": 70.5}}}}',
                url + "/hooks",
                "log",
                i,
            )
            for i in range(1, count + 1)
        )
    )


async def _posts(url: str) -> int:
    async with httpx.AsyncClient(trust_env=False) as http:
        return int((await http.get(url + "/count")).json()["posts"])


async def _run(url: str, record_path: Path, count: int, settings: RedeliverySettings) -> float:
    """One run into a fresh record; returns its seconds."""
    record = AttemptStore(record_path)
    try:
        before = await _posts(url)
        run = Redelivery(
            _plan(url, count),
            secret=SECRET,
            record=record,
            profile_id="bench",
            profile_name="Bench",
            origin="logs",
            settings=settings,
        )
        start = time.perf_counter()
        result = await run.run()
        elapsed = time.perf_counter() - start
        assert result.delivered == count
        assert await _posts(url) - before == count
        attempts = await asyncio.to_thread(record.attempts, run.run_id)
        assert [a.outcome for a in attempts] == [Outcome.DELIVERED] * count
        return elapsed
    finally:
        record.close()


async def _bare(url: str, count: int, concurrency: int) -> float:
    """The same POSTs from a bare httpx loop (no record, no limiter): the baseline."""
    body = b'{"id": 1, "type": "reading.weight", "payload": {"weight": 70.5}}'
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    left = iter(range(count))
    async with httpx.AsyncClient(trust_env=False, limits=limits) as http:

        async def work() -> None:
            for _ in left:
                response = await http.post(url + "/hooks", content=body)
                assert response.status_code == 200

        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(work())
        return time.perf_counter() - start


def _line(label: str, count: int, seconds: list[float]) -> str:
    median = statistics.median(seconds)
    runs = ", ".join(f"{count / s:,.0f}" for s in seconds)
    return f"{label}: median {count / median:,.0f} events/s ({median:.2f} s; runs: {runs} events/s)"


async def test_1000_redeliveries_to_a_local_receiver(tmp_path: Path) -> None:
    defaults = RedeliverySettings()
    unlimited = RedeliverySettings(concurrency=defaults.concurrency, rate_per_second=None)
    with python_child("-c", RECEIVER, stderr=sys.stderr) as child:
        ready = read_ready_line(child, "receiver", 60, stderr=lambda: "", kill=child.kill)
        url = ready["url"]
        fast: list[float] = []
        bare: list[float] = []
        for n in range(RUNS):  # interleaved, so that both see the same (noisy) machine
            fast.append(await _run(url, tmp_path / f"fast{n}.sqlite3", EVENTS, unlimited))
            bare.append(await _bare(url, EVENTS, defaults.concurrency))
        paced = [
            await _run(url, tmp_path / f"paced{n}.sqlite3", PACED_EVENTS, defaults)
            for n in range(RUNS)
        ]
    ratio = statistics.median(bare) / statistics.median(fast)
    print(
        "\n"
        + _line(f"bare httpx POSTs, {EVENTS:,} at concurrency {defaults.concurrency}", EVENTS, bare)
        + "\n"
        + _line(
            f"redelivery of {EVENTS:,} at concurrency {defaults.concurrency}, no rate limit",
            EVENTS,
            fast,
        )
        + f" = {ratio:.0%} of the bare loop"
        + "\n"
        + _line(
            f"redelivery of {PACED_EVENTS:,} at the defaults (concurrency "
            f"{defaults.concurrency}, limit {defaults.rate_per_second:g}/s)",
            PACED_EVENTS,
            paced,
        )
    )
