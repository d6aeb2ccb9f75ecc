"""The relay side by side with the smee.io server (``make bench``), under the same wrk load.

Both run on 127.0.0.1 in the same run: smee.io as shipped (``/work/shared/anchors/smee.io``,
``run.sh PORT``; it keeps nothing, a POST goes straight to the SSE listeners) and the relay
(which commits every event to SQLite before its 200). Each gets one SSE listener (a child
process, ``sse_count.py``) that counts the events it receives, and the same load:
``wrk -t2 -c32 -d10s`` POSTing ~250-byte events whose ids are unique across wrk's threads
(``wrk_post.lua``). Printed per run: POST/s, mean and max latency, non-2xx answers, what the
listener counted, and for the relay what it stored; then the median relay/smee ratio of
``RUNS`` runs. Asserts only what must hold: every acknowledged event was stored and streamed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.relay import RelayProcess

RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # fewer while developing
WRK = ["-t2", "-c32", "-d10s"]
HERE = Path(__file__).parent
SMEE = Path(os.environ.get("SMEE_ANCHOR", "/work/shared/anchors/smee.io"))
CHANNEL = "impilo-bench"


@dataclass
class Result:
    rate: float
    ok: int
    non2xx: int
    mean_ms: float
    max_ms: float
    streamed: int
    stored: int | None = None

    def line(self, name: str) -> str:
        stored = "" if self.stored is None else f", stored {self.stored:,}"
        return (
            f"{name}: {self.rate:,.0f} POST/s, latency mean {self.mean_ms:.1f} ms max "
            f"{self.max_ms:.1f} ms, 2xx {self.ok:,}, non-2xx {self.non2xx}, "
            f"listener counted {self.streamed:,}{stored}"
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(url: str, secret: str, id_base: int) -> tuple[float, int, int, float, float]:
    """Runs wrk; returns POST/s, 2xx count, non-2xx count, mean and max latency (ms)."""
    cmd = ["wrk", *WRK, "-s", str(HERE / "wrk_post.lua"), url, "--", secret, str(id_base)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non2xx = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: (.*)", out)
    assert errors is None or "timeout 0" in errors.group(1), out
    latency = re.search(r"Latency\s+(\S+)\s+\S+\s+(\S+)", out)
    assert latency is not None, out
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rate, total - non2xx, non2xx, _ms(latency.group(1)), _ms(latency.group(2))


class Listener:
    """``sse_count.py`` on one stream: started before the load, told the count after."""

    def __init__(self, url: str, headers: list[str]) -> None:
        cmd = [sys.executable, "-m", "tests.benchmarks.sse_count", url, "1", *headers]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE.parent.parent
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert json.loads(line) == {"event": "ready"}, line

    def count(self, expected: int) -> int:
        out, _ = self.proc.communicate(f"{expected}\n", timeout=60)
        return int(json.loads(out.splitlines()[-1])["counts"][0])


@pytest.fixture
def smee(tmp_path: Path) -> Iterator[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the smee.io anchor (apt-get install nodejs npm)")
    if not (SMEE / "run.sh").exists():
        pytest.skip(f"the smee.io anchor is not at {SMEE} (set SMEE_ANCHOR)")
    port = _free_port()
    log = (tmp_path / "smee.log").open("w")
    proc = subprocess.Popen(
        ["bash", str(SMEE / "run.sh"), str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}/{CHANNEL}"
        deadline = time.monotonic() + 300  # the first start installs its npm packages
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (tmp_path / "smee.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "smee.io did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _run_smee(url: str, id_base: int) -> Result:
    listener = Listener(url, [])
    rate, ok, non2xx, mean, worst = _wrk(url, "", id_base)
    return Result(rate, ok, non2xx, mean, worst, listener.count(ok))


def _run_relay(relay: RelayProcess, id_base: int) -> Result:
    listener = Listener(relay.events_url, [f"Authorization: Bearer {relay.token}"])
    rate, ok, non2xx, mean, worst = _wrk(relay.ingest_url, relay.secret, id_base)
    streamed = listener.count(ok)
    health = httpx.get(relay.url + "/healthz", timeout=10).json()
    return Result(rate, ok, non2xx, mean, worst, streamed, int(health["count"]))


def test_relay_against_smee_io_under_wrk(smee: str, tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is needed (apt-get install wrk; `make bench` installs it)")
    ratios = []
    for run in range(RUNS):
        with RelayProcess(tmp_path / f"vs{run}.sqlite3") as relay:
            base = run * 1_000_000_000
            if run % 2 == 0:  # alternate who goes first: the machine warms up and cools down
                relay_result, smee_result = _run_relay(relay, base), _run_smee(smee, base)
            else:
                smee_result, relay_result = _run_smee(smee, base), _run_relay(relay, base)
        print(f"\nrun {run + 1}: " + relay_result.line("relay"))
        print(f"run {run + 1}: " + smee_result.line("smee.io"))
        assert relay_result.non2xx == 0
        # wrk counts only answers it read before it stopped; a few more may be committed
        assert (relay_result.stored or 0) >= relay_result.ok  # every acknowledged one committed
        assert relay_result.streamed >= relay_result.ok  # ... and streamed
        ratios.append(relay_result.rate / smee_result.rate)
    print(
        f"\nrelay/smee.io throughput under wrk {' '.join(WRK)}: median "
        f"{statistics.median(ratios):.2f}x (runs: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
