"""Soak: the app's memory over a long live load (run by ``make bench``; figures printed).

A child process posts 1,000 readings/s to a real relay for ``SOAK_MINUTES`` (default 30); the
app's whole live path takes them (subscriber, event store, hub, Readings tab in the main window,
as the end-to-end benchmark in ``bench_readings.py``). Every minute the app's RSS (and the
relay's) is printed. Once the charts' ring buffers are full, nothing should grow: the target is
at most ``GROWTH_TARGET_MB`` between the end of warm-up and the end of the run (asserted on runs
of at least ``MIN_ASSERTED_MINUTES``; a shorter run only prints).

``SOAK_TRACEMALLOC=N`` also traces Python allocations (N frames each) and prints, every minute,
the lines whose allocations grew most since warm-up: how to find what grows (slow: for finding,
not for figures).
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from impilo_desk.feeds import relay_feed
from impilo_desk.native_memory import limit_arenas
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.session import RelayStatus
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.shell.status_bar import RelayPhase
from tests.benchmarks.bench_readings import RATE, _close, _readings_tab, loop  # noqa: F401
from tests.fixtures.malloc_heaps import heap_count
from tests.fixtures.processes import first_json_line, python_child
from tests.fixtures.relay import RelayProcess

MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
SAMPLE_S = float(os.environ.get("SOAK_SAMPLE_S", "60"))
TRACE_FRAMES = int(os.environ.get("SOAK_TRACEMALLOC", "0"))
GROWTH_TARGET_MB = 20.0
MIN_ASSERTED_MINUTES = 10.0
CATCH_UP = 1.0  # a loaded machine's app may fall behind: it may take this share longer again
PAGE = os.sysconf("SC_PAGE_SIZE")
ARENAS_CAPPED = os.environ.get("SOAK_ARENAS", "capped") == "capped" and limit_arenas()
"""As ``impilo-desk`` starts (``__main__``), before this process's worker threads start;
``SOAK_ARENAS=free`` leaves glibc's default, to compare."""


def rss_mb(pid: int | str = "self") -> float:
    """The resident set of a process, in MB (Linux: ``/proc/PID/statm``)."""
    resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return resident * PAGE / 1e6


def _top_growth(base: tracemalloc.Snapshot, limit: int = 8) -> str:
    now = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    lines = []
    for stat in now.compare_to(base, "lineno")[:limit]:
        frame = stat.traceback[0]
        lines.append(
            f"    {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+9d} blocks "
            f"{frame.filename.rsplit('site-packages/', 1)[-1]}:{frame.lineno}"
        )
    return "\n".join(lines)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads RSS from /proc")
@pytest.mark.timeout(int(MINUTES * 60 * (1 + CATCH_UP) + 900))
def test_rss_stays_flat_under_a_long_live_load(qtbot: Any, loop: Any, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    seconds = MINUTES * 60
    total = int(RATE * seconds)
    store = EventStore(tmp_path / "desk.sqlite3")
    hub = EventHub(store)
    window = MainWindow()
    qtbot.addWidget(window)
    tab, controller, tasks = _readings_tab(qtbot, loop, hub)
    window.add_page(tab)
    window.resize(1280, 800)
    window.show()
    window.tabs.setCurrentWidget(tab)
    warm_up_s = min(seconds / 2, 2 * controller.capacity / RATE)  # the ring full, and turned once
    statuses: list[RelayStatus] = []

    def report(status: RelayStatus) -> None:  # as the main controller shows it
        if not statuses or status.phase != statuses[-1].phase:
            statuses.append(status)
        else:
            statuses[-1] = status  # bounded: the soak must not grow by its own bookkeeping
        window.status.set_relay(RelayPhase(status.phase), status.attempt, status.received)

    if TRACE_FRAMES:
        tracemalloc.start(TRACE_FRAMES)
    gc.collect()
    gc.freeze()  # as the app does once its first session is built (app.py)
    samples: list[tuple[float, int, float, float]] = []  # (s, received, app MB, relay MB)
    base: list[tracemalloc.Snapshot] = []
    with RelayProcess(tmp_path / "relay.sqlite3") as relay:
        tasks.spawn(relay_feed(relay.url, relay.token, hub)(report), name="relay-feed")
        qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].phase == "live", timeout=10_000)
        started = time.perf_counter()

        def sample() -> None:
            at = time.perf_counter() - started
            received = statuses[-1].received
            behind = min(total, int(at * RATE)) - received  # sent (about), not yet received
            samples.append((at, received, rss_mb(), rss_mb(relay.pid)))
            print(
                f"soak {at / 60:5.1f} min: {received:>9} events ({behind:>7} behind), "
                f"app RSS {samples[-1][2]:7.1f} MB, relay RSS {samples[-1][3]:7.1f} MB; "
                f"load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            if TRACE_FRAMES and not base and at >= warm_up_s:
                base.append(tracemalloc.take_snapshot())
            elif base:
                print(_top_growth(base[0]), flush=True)

        sampler = QTimer(tab)
        sampler.setInterval(int(SAMPLE_S * 1000))
        sampler.timeout.connect(sample)
        env = dict(os.environ, IMPILO_RELAY_SECRET=relay.secret)
        args = ("-m", "tests.benchmarks.paced_sender", relay.ingest_url, str(RATE), str(seconds))
        arenas = "at most 2 malloc arenas" if ARENAS_CAPPED else "glibc's default malloc arenas"
        print(f"\nsoak: {RATE} events/s for {MINUTES:g} min; warm-up {warm_up_s:.0f} s; {arenas}")
        sample()
        sampler.start()
        try:
            with python_child(*args, env=env) as sender:
                qtbot.waitUntil(  # late posts (a loaded machine) make it longer
                    lambda: sender.poll() is not None,
                    timeout=int(seconds * (1 + CATCH_UP) * 1000 + 90_000),
                )
                tally = first_json_line(sender)
            # what a loaded machine's app fell behind, at no less than 500 events/s (bounded)
            behind = max(0, tally["accepted"] - statuses[-1].received)
            catch_up_ms = int(min(1800, 120 + behind / 500) * 1000)
            qtbot.waitUntil(lambda: statuses[-1].received >= tally["accepted"], timeout=catch_up_ms)
            charted = min(tally["accepted"], controller.capacity)
            series = controller.series["blood-pressure"]
            qtbot.waitUntil(lambda: len(series) == charted, timeout=10_000)
        finally:
            sampler.stop()  # before the relay is gone
        sample()
        _close(qtbot, controller, tasks)
    store.close()
    gc.unfreeze()
    if TRACE_FRAMES:
        tracemalloc.stop()
    warm = [s for s in samples if s[0] >= warm_up_s]
    assert tally["accepted"] == total, tally  # else the relay fell behind (a loaded machine)
    growth = warm[-1][2] - warm[0][2]
    events = warm[-1][1] - warm[0][1]
    per_event = growth * 1e6 / events if events else 0.0
    later = [s for s in samples if s[0] >= seconds / 2]  # the second half alone: the slope
    print(
        f"soak: {total} events in {samples[-1][0]:.0f} s (sender {tally}); app RSS "
        f"{samples[0][2]:.1f} MB at the start, {warm[0][2]:.1f} MB after warm-up, "
        f"{warm[-1][2]:.1f} MB at the end: {growth:+.1f} MB over {events} events "
        f"({per_event:+.1f} bytes/event; target ≤ {GROWTH_TARGET_MB:.0f} MB); second half "
        f"{later[-1][2] - later[0][2]:+.1f} MB (min {min(s[2] for s in later):.1f}, max "
        f"{max(s[2] for s in later):.1f}); {heap_count()} malloc arenas; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if MINUTES >= MIN_ASSERTED_MINUTES:
        assert growth <= GROWTH_TARGET_MB
