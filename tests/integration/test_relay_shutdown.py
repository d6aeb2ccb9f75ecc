"""SIGTERM ends a relay's open streams at once, cleanly: its clients can reconnect elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.fixtures.relay import RelayProcess, make_envelope


def test_sigterm_ends_open_streams_cleanly(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "relay.sqlite3").start()
    try:
        h = {"Authorization": f"Bearer {relay.token}"}
        with httpx.stream("GET", relay.events_url, headers=h, timeout=10) as r:
            lines = r.iter_lines()
            assert next(lines) == "retry: 2000"
            accepted = httpx.post(
                relay.ingest_url,
                json=make_envelope(1),
                headers={"Impilo-Webhook-Secret": relay.secret},
            )
            assert accepted.status_code == 200
            relay.stop()  # SIGTERM, and wait for the process to end
            rest = list(lines)  # the stream ended, it was not cut
        sent = [json.loads(line[5:]) for line in rest if line.startswith("data:")]
        assert [m["envelope"]["id"] for m in sent] == [1]  # what was accepted went out first
    finally:
        relay.stop()
    stderr = relay.stderr()
    assert "Traceback" not in stderr
    assert "graceful shutdown exceeded" not in stderr
