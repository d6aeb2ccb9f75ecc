"""Redelivery benchmark (``make bench``): 1,000 redeliveries to a local receiver (issue 17).

The receiver is a separate process (uvicorn with httptools on 127.0.0.1, answering 200 to every
POST and counting them), like a customer's endpoint. Each run is a real ``Redelivery``: every
attempt written to a fresh SQLite record as it starts and ends, the secret header on every POST.

Printed, medians of ``RUNS`` runs:
- 1,000 at the default concurrency with no rate limit: the service's own throughput, and its
  ratio to a bare httpx loop making the same POSTs at the same concurrency (the baseline);
- 200 at the default settings (rate limit included): the rate a receiver actually sees.
- 1,000 recovered through the real Logs tab (the "Recover failed…" button, the preview, Send)
  at the default concurrency with no rate limit: events/s from the click on Send to the end of
  the run, and the longest stall of the Qt/asyncio event loop meanwhile (target <= 50 ms),
  measured by a 5 ms QTimer: the largest gap between its ticks, the most CPU the GUI thread
  used between two ticks, and the longest garbage collection (objects alive before the run
  are frozen out of the collector, as the app does after its first session starts).
No asserts on timing; the asserts check that every POST arrived once and was recorded.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -s -o python_files='bench_*.py'
-o timeout=1800 tests/benchmarks/bench_redeliver.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qasync
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from impilo_desk.services.redelivery import (
    AttemptStore,
    Delivery,
    Outcome,
    Plan,
    Redelivery,
    RedeliverySettings,
)
from tests.fixtures.desk import DeskMaker
from tests.fixtures.processes import python_child, read_ready_line
from tests.fixtures.sandbox import SandboxProcess

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


@pytest.mark.anyio
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


@pytest.fixture
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    for task in [t for t in asyncio.all_tasks(loop) if not t.done()]:
        task.cancel()
    qapp.processEvents()
    asyncio.events._set_running_loop(None)
    loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    loop.close()
    asyncio.set_event_loop(None)


class StallWatch:
    """How long the GUI thread's event loop went without turning, from a 5 ms QTimer's ticks.

    ``longest`` is the largest wall-clock gap between two ticks (what a user feels, including
    time the OS gave the process no CPU on a busy machine), ``longest_cpu`` the CPU the GUI
    thread spent in that gap and ``longest_at`` when it came (seconds into the run);
    ``busiest`` is the most CPU the GUI thread spent between two ticks (the work of this app
    that blocked the loop), ``busiest_at`` when.
    """

    def __init__(self) -> None:
        self.gc_longest = 0.0  # the longest garbage collection meanwhile (part of a stall)
        self._gc_began = 0.0
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = self.last_cpu = self.began = self.began_cpu = 0.0
        self.longest = self.busiest = self.longest_cpu = self.longest_at = self.busiest_at = 0.0

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if now - self.last > self.longest:
            self.longest, self.longest_cpu = now - self.last, cpu - self.last_cpu
            self.longest_at = self.last - self.began
        if cpu - self.last_cpu > self.busiest:
            self.busiest, self.busiest_at = cpu - self.last_cpu, self.last - self.began
        self.last, self.last_cpu = now, cpu

    def _gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc_longest = max(self.gc_longest, time.perf_counter() - self._gc_began)

    def start(self) -> None:
        self.gc_longest = 0.0
        gc.callbacks.append(self._gc)
        self.longest = self.busiest = self.longest_cpu = self.longest_at = self.busiest_at = 0.0
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.began, self.began_cpu = self.last, self.last_cpu
        self.timer.start()

    def stop(self) -> tuple[float, float, float]:
        self.timer.stop()
        self._tick()
        gc.callbacks.remove(self._gc)
        return self.longest * 1000, self.busiest * 1000, self.gc_longest * 1000

    def where(self) -> str:
        """The CPU in the longest gap, when the longest and the busiest gaps came, and the
        share of the run the GUI thread spent on a CPU."""
        share = (self.last_cpu - self.began_cpu) / max(self.last - self.began, 1e-9)
        return (
            f"{self.longest_cpu * 1000:.1f} ms CPU at {self.longest_at:.2f} s; busiest at "
            f"{self.busiest_at:.2f} s; GUI thread on a CPU {share:.0%} of the run"
        )


def test_1000_recovered_through_the_logs_tab(qtbot, qasync_loop, tmp_path: Path) -> None:
    from tests.ui.redeliver_support import close_desk, failed_rows, open_desk, seed

    defaults = RedeliverySettings()
    unlimited = RedeliverySettings(concurrency=defaults.concurrency, rate_per_second=None)
    record_path = AttemptStore.path_for(tmp_path / "data", "p1")
    make_desk = DeskMaker(qtbot, qasync_loop)
    seconds: list[float] = []
    stalls: list[float] = []
    busy: list[float] = []
    collections: list[float] = []
    wheres: list[str] = []
    with python_child("-c", RECEIVER, stderr=sys.stderr) as child:
        url = read_ready_line(child, "receiver", 60, stderr=lambda: "", kill=child.kill)["url"]
        seed(tmp_path / "sandbox.db", failed_rows(url + "/hooks", EVENTS))
        with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
            tab = open_desk(qtbot, make_desk, box, record_path, settings=unlimited)
            gc.freeze()  # as the app does once its first session is up (app.py)
            watch = StallWatch()
            try:
                for _ in range(RUNS):
                    before = httpx.get(url + "/count", trust_env=False).json()["posts"]
                    qtbot.waitUntil(tab.bar.recover_action.isEnabled, timeout=10000)
                    with qtbot.waitSignal(tab.redeliver.preview_opened, timeout=60000) as shown:
                        tab.bar.recover_action.trigger()
                    dialog = shown.args[0]
                    assert dialog.send_button.text() == f"Send {EVENTS:,}"
                    with qtbot.waitSignal(tab.redeliver.run_finished, timeout=120000) as done:
                        watch.start()
                        start = time.perf_counter()
                        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
                    seconds.append(time.perf_counter() - start)
                    stall, cpu, collecting = watch.stop()
                    wheres.append(watch.where())
                    stalls.append(stall)
                    busy.append(cpu)
                    collections.append(collecting)
                    assert done.args[0] == (
                        f"Redelivery done: {EVENTS:,} sent ({EVENTS:,} delivered, 0 failed)."
                    )
                    after = httpx.get(url + "/count", trust_env=False).json()["posts"]
                    assert after - before == EVENTS
            finally:
                gc.unfreeze()
                close_desk(qtbot, make_desk, tab)
    record = AttemptStore(record_path)
    try:
        runs = record.runs()
        assert [r.delivered for r in runs] == [EVENTS] * RUNS
    finally:
        record.close()
    print(
        "\n"
        + _line(
            f"Logs tab Recover of {EVENTS:,} at concurrency {defaults.concurrency}, no rate limit",
            EVENTS,
            seconds,
        )
        + f"\nlongest event-loop stall during the run: median {statistics.median(stalls):.1f} ms"
        + f" (runs: {', '.join(f'{s:.1f}' for s in stalls)} ms; target <= 50 ms)"
        + f"\n  of which on the GUI thread's CPU, and when: {'; '.join(wheres)}"
        + f"\nmost GUI-thread CPU between two loop turns: median {statistics.median(busy):.1f} ms"
        + f" (runs: {', '.join(f'{s:.1f}' for s in busy)} ms)"
        + "\nlongest garbage collection during the run: runs "
        + ", ".join(f"{s:.1f}" for s in collections)
        + f" ms; load average {os.getloadavg()[0]:.2f}"
    )
