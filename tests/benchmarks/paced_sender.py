"""Posts blood-pressure readings to a relay at a steady rate, as Impilo would (a child process).

``python -m tests.benchmarks.paced_sender URL RATE SECONDS`` with the relay's secret in
``IMPILO_RELAY_SECRET``: reading ``i`` is due at ``i / RATE`` s; 16 keep-alive connections carry
them. Prints one JSON line when done: how many were sent, accepted, still unfinished when it gave
up, and how late the worst was. Bounded: ``RATE * SECONDS`` posts, and it gives up 30 s after
the last one was due.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.benchmarks.rawpost import RawConnection

CONNECTIONS = 16
MAX_IN_FLIGHT = 1000  # posts started and not answered: a second's worth


def reading(i: int, when: datetime) -> dict[str, Any]:
    """Envelope ``i``: one patient's blood pressure, a realistic payload."""
    payload = {
        "id": i,
        "readingTimestamp": when.isoformat(),
        "patient": {"id": 1, "firstName": "Bench", "lastName": "Mark"},
        "systolic": 110 + i % 40,
        "diastolic": 70 + i % 20,
        "heartRate": 60 + i % 30,
        "manual": False,
    }
    return {"id": i, "type": "reading.bloodPressure", "payload": payload}


async def send(url: str, rate: float, seconds: float) -> dict[str, Any]:
    """Sends ``rate * seconds`` readings on schedule; returns the tally."""
    total = int(rate * seconds)
    secret = os.environ["IMPILO_RELAY_SECRET"]
    pool: asyncio.Queue[RawConnection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        conn = RawConnection(url, {"Impilo-Webhook-Secret": secret})
        await conn.open()
        pool.put_nowait(conn)
    accepted = reconnects = 0
    late = 0.0
    # Backpressure: a relay that falls behind makes the posts late (told) instead of piling up
    # tasks here without bound (which grew this process by gigabytes in a long soak).
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    start = time.perf_counter()
    now = datetime.now(UTC)

    async def post(i: int) -> None:
        nonlocal accepted, reconnects
        conn = await pool.get()
        try:
            body = reading(i, now + timedelta(seconds=i / rate))
            try:
                status = await conn.post_json(body)
            except (OSError, asyncio.IncompleteReadError):
                # closed by the server (its keep-alive timeout, after this process stalled on a
                # loaded machine): once more on a new connection; the relay de-duplicates by id
                reconnects += 1
                await conn.reopen()
                status = await conn.post_json(body)
            accepted += status == 200
        finally:
            pool.put_nowait(conn)
            in_flight.release()

    # Only the posts in flight are kept: a soak of millions must not grow the sender.
    pending: set[asyncio.Task[None]] = set()
    failures: list[BaseException] = []  # the first, raised at the end (as gather would)

    def done(task: asyncio.Task[None]) -> None:
        pending.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None and not failures:
            failures.append(error)

    for i in range(1, total + 1):
        delay = start + (i - 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await in_flight.acquire()
        late = max(late, time.perf_counter() - start - (i - 1) / rate)
        task = asyncio.create_task(post(i))
        pending.add(task)
        task.add_done_callback(done)
    unfinished: set[asyncio.Task[None]] = set()
    if pending:  # a relay that fell behind has 30 s more; what is still waiting then is told
        _, unfinished = await asyncio.wait(set(pending), timeout=30)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
    if failures:
        raise failures[0]
    while not pool.empty():
        await pool.get_nowait().close()
    return {"sent": total, "accepted": accepted, "unfinished": len(unfinished),
            "reconnects": reconnects,
            "worst_late_ms": round(late * 1000, 1),
            "seconds": round(time.perf_counter() - start, 2)}  # fmt: skip


if __name__ == "__main__":
    url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(asyncio.run(send(url, rate, seconds))), flush=True)
