"""Benchmarks of the local copy of the delivery log (issue 15), against a real sandbox.

Targets: a first sync of 100,000 log rows <= 60 s, with progress; an incremental sync that
brings 1,000 new rows <= 2 s; the health of every webhook over 1,000,000 mirrored rows
<= 100 ms; the longest stall of the Qt event loop during a sync <= 50 ms. Each is run 3 times;
the median is reported (and asserted).

Run with ``make bench`` or
``pytest -q -s -p no:randomly -o python_files='bench_*.py' tests/benchmarks/bench_log_mirror.py``.

The sandbox's database is built straight into its file (its own bulk helper and schema), rows
spread over the last 6 days with the realistic envelopes and outcome mix of
``bench_sandbox_logs``; the sandbox serves them over real HTTP, and the mirror pages them as
the app does (250 rows a request, keyed on the create time).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from impilo_desk.client import ImpiloClient
from impilo_desk.contract import READING_KINDS
from impilo_desk.contract.examples import EXAMPLE_PATIENT, example_reading
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store.db import connect
from impilo_desk.sandbox.store.schema import SCHEMA
from impilo_desk.services.delivery_health import compute_health
from impilo_desk.services.log_mirror import LogMirror, MirrorStore
from impilo_desk.services.log_mirror.store import SCHEMA as MIRROR_SCHEMA
from tests.fixtures.sandbox import SandboxProcess

SYNC_ROWS = 100_000
NEW_ROWS = 1_000
HEALTH_ROWS = 1_000_000
FIRST_SYNC_TARGET_S = 60.0
INCREMENTAL_TARGET_S = 2.0
HEALTH_TARGET_MS = 100.0
STALL_TARGET_MS = 50.0
RUNS = int(os.environ.get("MIRROR_BENCH_RUNS", "3"))
TYPES = [i.webhook_type for i in READING_KINDS.values()] + ["patient.created", "patient.updated"]
SCHEDULE_MS = (900_000, 1_800_000, 3_600_000)
DAY_MS = 86_400_000


def _templates() -> dict[str, str]:
    out = {}
    for type_ in TYPES:
        info = next((i for i in READING_KINDS.values() if i.webhook_type == type_), None)
        payload = EXAMPLE_PATIENT if info is None else example_reading(info.kind)
        text = json.dumps({"id": 0, "type": type_, "payload": payload}, separators=(",", ":"))
        out[type_] = text.replace('{"id":0,', '{"id":%d,', 1)
    return out


def _outcome(rng: random.Random, created: int, now: int) -> tuple[int, int, int | None]:
    """A realistic outcome: only the retries whose time has come were made."""
    roll = rng.random()
    wanted = 0 if roll < 0.86 else rng.randint(1, 3) if roll < 0.91 else 3
    if roll >= 0.97:
        wanted = rng.randint(0, 2)
    retries = wanted
    while retries and created + sum(SCHEDULE_MS[:retries]) > now:
        retries -= 1
    last = created + sum(SCHEDULE_MS[:retries]) if retries else None
    if roll < 0.91 and retries == wanted:
        return 200, retries, last
    if roll < 0.97 and retries == 3:
        return rng.choice((503, 500, 404, 0)), 3, last
    return 503, retries, last


def _rows(first_id: int, count: int, start_ms: int, end_ms: int, seed: int) -> tuple[list, list]:
    rng = random.Random(seed)
    templates = _templates()
    events, logs = [], []
    for n in range(count):
        event_id = first_id + n
        type_ = TYPES[rng.randrange(len(TYPES))]
        created = start_ms + n * (end_ms - start_ms) // count + rng.randrange(50)
        status, retries, last = _outcome(rng, created, end_ms)
        events.append((event_id, type_, templates[type_] % event_id, created))
        logs.append((event_id, 1 + TYPES.index(type_), type_, "https://ehr.example.org/hooks",
                     created, status, retries, last, None))  # fmt: skip
    return events, logs


def _now_ms() -> int:
    return int(time.time() * 1000)


@contextlib.contextmanager
def seeded_sandbox(path: Path, rows: int, seed: int) -> Iterator[SandboxProcess]:
    """A sandbox whose log holds ``rows`` realistic rows over the last 6 days (built in place)."""
    conn = connect(str(path))
    conn.executescript(SCHEMA)
    now = _now_ms()
    events, logs = _rows(1, rows, now - 6 * DAY_MS, now - 60_000, seed=seed)
    conn.execute("BEGIN")
    store_logs.bulk_insert(conn, events, logs)
    conn.execute("COMMIT")
    conn.close()
    with SandboxProcess(db_path=path) as process:
        # The sandbox stands in for a remote Impilo: niced, its CPU (it builds the pages on the
        # same two cores) does not count against the desktop's event loop that is measured.
        pid = process._proc.pid if process._proc is not None else None
        if pid is not None:
            os.setpriority(os.PRIO_PROCESS, pid, 10)
        yield process


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with seeded_sandbox(tmp_path_factory.mktemp("mirror-bench") / "sandbox.db", SYNC_ROWS, 15) as b:
        yield b


class StallMeter:
    """A 1 ms timer on the Qt loop: the longest gap between its ticks, less 1 ms, is the stall."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.busy: list[float] = []
        self._last = time.perf_counter()
        self._cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start(1)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self._last)
        self.busy.append(cpu - self._cpu)
        self._last, self._cpu = now, cpu

    def stop(self) -> float:
        """The longest stall in ms (after a 20-tick warm-up)."""
        self.timer.stop()
        self.timer.deleteLater()
        warm = self.gaps[20:] or self.gaps
        if not warm:
            return 0.0
        worst = int(np.argmax(warm))
        self.worst_busy_ms = (self.busy[20:] or self.busy)[worst] * 1000
        return (max(warm) - 0.001) * 1000


def _gc_timer(pauses: list[float]) -> Any:
    started = [0.0]

    def timer(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - started[0]) * 1000)

    return timer


def _run(qtbot: Any, loop: asyncio.AbstractEventLoop, coro: Any, timeout_s: float) -> Any:
    task = loop.create_task(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout_s * 1000))
    return task.result()


@pytest.mark.timeout(1800)
def test_first_and_incremental_sync_of_the_sandbox_log(
    qtbot: Any, loop: asyncio.AbstractEventLoop, box: SandboxProcess, tmp_path: Path
) -> None:
    client = ImpiloClient(box.base_url, box.api_key)
    # As the app does once its first session is up (app.py): start-up's objects are kept out of
    # the collector's scans, so that a full collection during the sync stays short.
    gc.collect()
    gc.freeze()
    pauses: list[float] = []
    gc.callbacks.append(_gc_timer(pauses))
    firsts, stalls, incrementals, progress_counts = [], [], [], []
    next_id = SYNC_ROWS + 1
    try:
        for run in range(RUNS):
            store = MirrorStore(tmp_path / f"mirror-{run}.sqlite3")
            mirror = LogMirror(store, client)
            progress: list[tuple[int, int | None]] = []
            mirror.listen(
                lambda s, p=progress: (
                    p.append((s.rows, s.total)) if s.phase == "first-sync" else None
                )
            )
            meter = StallMeter()
            meter.start()
            began = time.perf_counter()
            status = _run(qtbot, loop, mirror.sync(), 300)
            firsts.append(time.perf_counter() - began)
            stalls.append(meter.stop())
            held = SYNC_ROWS + NEW_ROWS * run  # the rows earlier runs added are there too
            assert status.rows == held
            assert progress[-1] == (held, held)
            progress_counts.append(len(progress))

            # 1,000 new rows arrive on Impilo; the next sync brings them
            conn = connect(box.db_path)
            now = _now_ms()
            events, logs = _rows(next_id, NEW_ROWS, now - 30_000, now, seed=100 + run)
            next_id += NEW_ROWS
            conn.execute("BEGIN")
            store_logs.bulk_insert(conn, events, logs)
            conn.execute("COMMIT")
            conn.close()
            began = time.perf_counter()
            after = _run(qtbot, loop, mirror.sync(), 60)
            incrementals.append(time.perf_counter() - began)
            assert after.rows == held + NEW_ROWS
            print(
                f"\nrun {run + 1}: first sync {firsts[-1]:.1f} s ({len(progress)} progress "
                f"reports, longest loop stall {stalls[-1]:.1f} ms, "
                f"{meter.worst_busy_ms:.1f} ms of it on the loop thread's CPU); incremental "
                f"{incrementals[-1] * 1000:.0f} ms for {NEW_ROWS:,} new rows "
                f"({after.fetched:,} rows read)"
            )
            store.close()
    finally:
        gc.callbacks.pop()
        gc.unfreeze()
        closing = loop.create_task(client.aclose())
        qtbot.waitUntil(closing.done, timeout=5000)
    first, stall = statistics.median(firsts), statistics.median(stalls)
    incremental = statistics.median(incrementals)
    print(
        f"first sync of {SYNC_ROWS:,} rows: median {first:.1f} s (target ≤ "
        f"{FIRST_SYNC_TARGET_S:.0f} s), {statistics.median(progress_counts):.0f} progress "
        f"reports; incremental of {NEW_ROWS:,}: median {incremental * 1000:.0f} ms (target ≤ "
        f"{INCREMENTAL_TARGET_S * 1000:.0f} ms); longest loop stall during a sync: median "
        f"{stall:.1f} ms (target ≤ {STALL_TARGET_MS:.0f} ms); longest garbage collection "
        f"{max(pauses, default=0):.1f} ms; load {os.getloadavg()[0]:.2f}"
    )
    assert first <= FIRST_SYNC_TARGET_S
    assert incremental <= INCREMENTAL_TARGET_S
    assert stall <= STALL_TARGET_MS


def _build_mirror(path: Path, rows: int, hooks: int, now_ms: int) -> None:
    """A mirror file of ``rows`` rows over the 7-day window, ``hooks`` webhooks (direct SQL)."""
    rng = np.random.default_rng(15)
    conn = sqlite3.connect(path)
    conn.executescript(MIRROR_SCHEMA)
    start = now_ms - 7 * DAY_MS
    created = np.sort(rng.integers(start, now_ms, rows))
    hook = rng.integers(1, hooks + 1, rows)
    roll = rng.random(rows)
    status = np.where(roll < 0.91, 200, np.where(roll < 0.97, 503, 500))
    retries = np.where(roll < 0.86, 0, np.where(roll < 0.97, 3, 1))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO logs (id, webhook_id, webhook_type, webhook_url, create_ms, last_status, "
        "retry_attempts, last_retry_ms, final, patient_id, payload) "
        "VALUES (?, ?, 'reading.weight', 'https://ehr.example.org/hooks', ?, ?, ?, ?, ?, ?, ?)",
        (
            (i + 1, int(hook[i]), int(created[i]), int(status[i]), int(retries[i]),
             None if retries[i] == 0 else int(created[i]) + 900_000,
             int(status[i] == 200 or retries[i] >= 3), i % 500, f'{{"id":{i}}}')
            for i in range(rows)
        ),
    )  # fmt: skip
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.timeout(1800)
def test_health_of_every_webhook_over_a_million_mirrored_rows(tmp_path: Path) -> None:
    path = tmp_path / "mirror.sqlite3"
    now_ms = _now_ms()
    _build_mirror(path, HEALTH_ROWS, 25, now_ms)
    store = MirrorStore(path)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    compute_health(store, now)  # warm the page cache, as a running app has it
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        health = compute_health(store, now)
        times.append((time.perf_counter() - began) * 1000)
    day = store.query("SELECT COUNT(*) FROM logs WHERE create_ms >= ?", (now_ms - DAY_MS,))
    store.close()
    assert len(health) == 25
    assert sum(h.deliveries for h in health.values()) == day[0][0]
    median = statistics.median(times)
    print(
        f"\nhealth of 25 webhooks over {HEALTH_ROWS:,} mirrored rows ({day[0][0]:,} in the last "
        f"24 h): {', '.join(f'{t:.1f}' for t in times)} ms, median {median:.1f} ms (target ≤ "
        f"{HEALTH_TARGET_MS:.0f} ms)"
    )
    assert median <= HEALTH_TARGET_MS
