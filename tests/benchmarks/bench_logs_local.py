"""Benchmark: a local Logs page over 1,000,000 mirrored rows, with any filters (issue 15).

Target: p50 <= 50 ms for a page (15 rows and its bounded count), for each filter alone, all
together, and sorted by each column. Each combination is paged 20 times per run (pages 1-4
in turn); each run's p50 and p95 are taken, and the medians of 3 runs are reported. The
queries run as the tab runs them: ``search`` in a worker thread (``asyncio.to_thread``) on
the qasync loop, whose longest stall meanwhile is measured too.

Run with ``make bench`` or
``pytest -q -s -p no:randomly -o python_files='bench_*.py' tests/benchmarks/bench_logs_local.py``.
The mirror file is built once into ``build/bench/`` (about 10 minutes; see ``logs_local_data``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from impilo_desk.client import LogFilters
from impilo_desk.contract import WebhookLog
from impilo_desk.services.log_mirror.search import SORT_COLUMNS, LocalFilters, LogSort, search
from impilo_desk.services.log_mirror.store import MirrorStore, from_ms
from tests.benchmarks.bench_log_mirror import StallMeter
from tests.benchmarks.logs_local_data import ROWS, build

BUILD = Path(__file__).resolve().parents[2] / "build" / "bench"
RUNS = int(os.environ.get("LOGS_LOCAL_RUNS", "3"))
ONLY = [n for n in os.environ.get("LOGS_LOCAL_ONLY", "").split(",") if n]
"""Combinations to run (any whose name holds one of these; all when empty)."""
PAGES_PER_RUN = 20
TARGET_P50_MS = 50.0


def _combos(store: MirrorStore) -> dict[str, tuple[LogFilters, LocalFilters, LogSort]]:
    synced = store.meta("synced_at")
    assert synced is not None
    now = from_ms(synced)
    start = now - timedelta(days=7)  # the tab reads the copy when "Created from" is inside it
    base, none, newest = LogFilters(start=start), LocalFilters(), LogSort()
    combos = {
        "created range only": (base, none, newest),
        "webhook": (base, LocalFilters(webhook_id=7), newest),
        "URL contains": (base, LocalFilters(url_contains="clinic"), newest),
        "patient id": (base, LocalFilters(patient="1234"), newest),
        "patient name (1 in 16)": (base, LocalFilters(patient="amara"), newest),
        "patient full name": (base, LocalFilters(patient="amara nwosu"), newest),
        "text, rare words": (base, LocalFilters(text="thandiwe 120"), newest),
        "text, a word in most": (base, LocalFilters(text="reading"), newest),
        "text, a word of 1,000 terms": (base, LocalFilters(text="120"), newest),
        "text, one digit": (base, LocalFilters(text="1"), newest),
        "type": (LogFilters(start=start, webhook_type="reading.weight"), none, newest),
        "last status 500": (LogFilters(start=start, last_response_status=500), none, newest),
        "retries 1 to 2": (
            LogFilters(start=start, retry_attempts_min=1, retry_attempts_max=2), none, newest
        ),
        "last retry range": (
            LogFilters(start=start, start_last_retry=now - timedelta(days=2),
                       end_last_retry=now - timedelta(days=1)), none, newest,
        ),
        "created 1 day": (LogFilters(start=now - timedelta(days=2), end=now - timedelta(days=1)),
                          none, newest),
        "all together": (
            LogFilters(start=start, end=now, webhook_type="reading.weight", retry_attempts_min=0,
                       retry_attempts_max=3, last_response_status=200,
                       start_last_retry=now - timedelta(days=6), end_last_retry=now),
            LocalFilters(webhook_id=None, url_contains="hooks", patient="nwosu", text="value"),
            newest,
        ),
    }  # fmt: skip
    for column in SORT_COLUMNS:
        for descending in (True, False):
            way = "descending" if descending else "ascending"
            combos[f"sorted by {column} {way}"] = (base, none, LogSort(column, descending))
    combos["webhook, sorted by type"] = (base, LocalFilters(webhook_id=7), LogSort("type"))
    combos["text, sorted by status"] = (
        base, LocalFilters(text="thandiwe"), LogSort("status", False)
    )  # fmt: skip
    combos["text and patient name"] = (
        base, LocalFilters(text="reading", patient="amara"), LogSort("status", False)
    )  # fmt: skip
    combos["patient id and text"] = (base, LocalFilters(patient="1234", text="reading"), newest)
    combos["text in most, sorted by type"] = (  # the patients' rows first: none has the word
        base, LocalFilters(text="reading"), LogSort("type", False)
    )  # fmt: skip
    if ONLY:
        combos = {n: c for n, c in combos.items() if any(o in n for o in ONLY)}
    return combos


async def _page_times(store: MirrorStore, combo: tuple[Any, ...]) -> list[float]:
    filters, local, sort = combo
    times = []
    for n in range(PAGES_PER_RUN):
        began = time.perf_counter()
        found = await asyncio.to_thread(search, store, filters, local, sort, 1 + n % 4, 15)
        times.append((time.perf_counter() - began) * 1000)
        assert found.total >= len(found.rows)
    return times


@pytest.mark.timeout(3600)
def test_a_local_page_with_any_filters_over_a_million_rows(
    qtbot: Any, loop: asyncio.AbstractEventLoop
) -> None:
    path = build(BUILD, int(time.time() * 1000))
    store = MirrorStore(path)  # indexes an older build of the file on first use
    combos = _combos(store)
    assert store.count() == ROWS
    p50s: dict[str, list[float]] = {name: [] for name in combos}
    p95s: dict[str, list[float]] = {name: [] for name in combos}
    stalls = []
    try:
        for combo in combos.values():  # warm the page cache, as a running app has it
            search(store, *combo)
        for _run in range(RUNS):
            meter = StallMeter()
            meter.start()
            for name, combo in combos.items():
                task = loop.create_task(_page_times(store, combo))
                qtbot.waitUntil(task.done, timeout=600_000)
                times = task.result()
                p50s[name].append(float(np.percentile(times, 50)))
                p95s[name].append(float(np.percentile(times, 95)))
            stalls.append(meter.stop())
    finally:
        store.close()
    load = os.getloadavg()[0]
    print(f"\nlocal Logs page (15 rows + bounded count) over {ROWS:,} mirrored rows; "
          f"medians of {RUNS} runs of {PAGES_PER_RUN} pages; load {load:.2f}")  # fmt: skip
    worst = 0.0
    for name in combos:
        p50, p95 = statistics.median(p50s[name]), statistics.median(p95s[name])
        worst = max(worst, p50)
        print(f"  {name:32s} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    stall = statistics.median(stalls)
    print(f"  worst p50 {worst:.1f} ms (target ≤ {TARGET_P50_MS:.0f} ms); longest Qt loop "
          f"stall while paging: median {stall:.1f} ms")  # fmt: skip
    assert worst <= TARGET_P50_MS


AFTER_SYNC = {
    "after a sync: text reading": LocalFilters(text="reading"),
    "after a sync: text and patient name": LocalFilters(text="reading", patient="amara"),
    "after a sync: text, rare words": LocalFilters(text="thandiwe 120"),
}


def _sync_page(first: int, now: datetime) -> list[WebhookLog]:
    """A sync's page of new rows, as the data file's (a reading of a patient named there)."""
    logs = []
    for n in range(first, first + 250):
        patient = {"id": n % 2000 + 1, "firstName": "Amara", "lastName": "Nwosu"}
        payload = {"id": 50_000 + n, "readingTimestamp": n, "value": 120, "patient": patient}
        body = {"id": n, "type": "reading.weight", "payload": payload}
        logs.append(
            WebhookLog(
                id=n,
                webhookId=7,
                webhookType="reading.weight",
                webhookUrl="https://ehr.example.org/hooks/7",
                payload=json.dumps(body, separators=(",", ":")),
                createTimestamp=now,
                lastResponseStatus=200,
                retryAttempts=0,
            )
        )
    return logs


@pytest.mark.timeout(3600)
def test_the_first_page_after_a_sync(tmp_path: Path) -> None:
    """The first page of a text search after a sync stored a page of new rows (on a copy of the
    mirror file); each question asked once after each of 3 syncs, medians reported."""
    source = build(BUILD, int(time.time() * 1000))
    path = tmp_path / source.name
    shutil.copyfile(source, path)
    store = MirrorStore(path)
    synced = store.meta("synced_at")
    assert synced is not None
    now = from_ms(synced)
    base = LogFilters(start=now - timedelta(days=7))
    times: dict[str, list[float]] = {name: [] for name in AFTER_SYNC}
    try:
        for local in AFTER_SYNC.values():  # as the tab has asked them before
            search(store, base, local)
        for sync in range(3):
            store.upsert(_sync_page(ROWS + 1 + 250 * sync, now))
            for name, local in AFTER_SYNC.items():
                began = time.perf_counter()
                search(store, base, local)
                times[name].append((time.perf_counter() - began) * 1000)
    finally:
        store.close()
    print(f"\nthe first page after a sync of 250 rows, over {ROWS:,} rows; medians of 3 syncs; "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for name, values in times.items():
        print(f"  {name:32s} p50 {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")
