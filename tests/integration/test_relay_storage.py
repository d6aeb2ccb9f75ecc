"""The relay on a full disk (a small real tmpfs): it says so, Impilo retries, it recovers alone."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.waiting import wait_until
from tests.integration.test_relay_server import SECRET, history

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs (needs root, as CI runs, and a kernel that lets it mount)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def fill(path: Path) -> None:
    """Writes ``path`` until the disk has no space left."""
    block = b"\0" * 65536
    with pytest.raises(OSError, match="No space left") as raised, path.open("wb") as f:  # noqa: PT012 - the loop is what raises
        while True:
            f.write(block)
            f.flush()
    assert raised.value.errno == errno.ENOSPC


def big_event(i: int) -> dict:
    return make_envelope(i) | {"pad": "x" * 300_000}  # needs new pages: the disk is asked


def test_full_disk_is_503_with_the_reason_and_recovers_by_itself(
    small_disk: Path, tmp_path: Path
) -> None:
    db = small_disk / "relay.sqlite3"
    with RelayProcess(db, stderr_path=tmp_path / "relay.stderr.log") as relay:

        def post(body: dict) -> httpx.Response:
            return httpx.post(relay.ingest_url, json=body, headers={SECRET: relay.secret})

        assert post(make_envelope(1)).status_code == 200
        fill(small_disk / "filler")
        answers = [post(big_event(i)) for i in range(2, 12)]
        failed = [r for r in answers if r.status_code != 200]
        assert failed, "the disk never filled up"
        refused = failed[0]
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) >= 1  # Impilo retries later
        assert "full" in refused.json()["error"]
        assert "shutting down" not in refused.json()["error"]
        health = httpx.get(relay.url + "/healthz", timeout=10)
        assert health.status_code == 503
        assert health.json()["status"] == "failing"
        assert "full" in health.json()["reason"]
        metrics = httpx.get(relay.url + "/metrics", timeout=10).text
        assert "impilo_relay_store_healthy 0\n" in metrics
        assert "impilo_relay_store_failures_total 0\n" not in metrics
        log = relay.stderr()
        assert "database or disk is full" in log
        assert "cannot rollback" not in log

        (small_disk / "filler").unlink()  # space comes back; Impilo's retry now succeeds
        retried = json.loads(refused.request.content)
        wait_until(lambda: post(retried).status_code == 200, timeout=20, interval=0.2)
        assert httpx.get(relay.url + "/healthz", timeout=10).json()["status"] == "ok"
        stored = [e["envelope"]["id"] for e in history(relay)["events"]]
        accepted = [1] + [i for i, r in zip(range(2, 12), answers, strict=True)
                          if r.status_code == 200]  # fmt: skip
        assert set(accepted) | {retried["id"]} == set(stored)
