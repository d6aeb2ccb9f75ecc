"""Rotating the webhook secret without a gap: several secrets, SIGHUP reload, use by position."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.waiting import wait_until
from tests.integration.test_relay_server import SECRET

OLD, NEW = "old-webhook-secret", "new-webhook-secret"


def test_rotation_with_an_overlap_window_and_no_dropped_connection(tmp_path: Path) -> None:
    secrets = tmp_path / "secret"
    secrets.write_text(f"{OLD}\n")
    token = tmp_path / "token"
    token.write_text("tok\n")
    args = ["--secret-file", str(secrets), "--token-file", str(token)]
    relay = RelayProcess(tmp_path / "r.sqlite3", secret="unused", token="tok", extra_args=args)
    with relay, httpx.Client(timeout=10) as client:  # one keep-alive connection throughout
        ids = iter(range(1, 100))

        def post(secret: str) -> int:
            r = client.post(
                relay.ingest_url, json=make_envelope(next(ids)), headers={SECRET: secret}
            )
            return r.status_code

        def metric(position: int) -> str:
            text = client.get(relay.url + "/metrics").text
            prefix = f'impilo_relay_deliveries_accepted_total{{secret="{position}"}} '
            return next(line for line in text.splitlines() if line.startswith(prefix))

        h = {"Authorization": "Bearer tok"}
        with httpx.stream("GET", relay.events_url, headers=h, timeout=10) as stream:
            lines = stream.iter_lines()
            assert post(OLD) == 200
            assert post(NEW) == 401
            # 1. add the new secret as a second line and reload
            secrets.write_text(f"{OLD}\n{NEW}\n")
            os.kill(relay.pid, signal.SIGHUP)
            wait_until(lambda: post(NEW) == 200, timeout=10, interval=0.1)
            assert post(OLD) == 200  # both are accepted during the overlap
            assert post(NEW) == 200
            assert metric(1).endswith(" 1")
            assert metric(2).endswith(" 2")
            # 2. Impilo now sends the new one; drop the old line and reload
            secrets.write_text(f"{NEW}\n")
            os.kill(relay.pid, signal.SIGHUP)
            wait_until(lambda: post(OLD) == 401, timeout=10, interval=0.1)
            assert post(NEW) == 200
            # the stream opened before both reloads is still there and gets every event
            seen: list[int] = []
            for line in lines:
                if line.startswith("id: "):
                    seen.append(int(line[4:]))
                    if len(seen) == 5:
                        break
            assert seen == [1, 2, 3, 4, 5]
        # 3. an unreadable file keeps the current secrets
        secrets.unlink()
        os.kill(relay.pid, signal.SIGHUP)
        wait_until(lambda: "kept the current secrets" in relay.stderr(), timeout=10)
        assert post(NEW) == 200
        log = relay.stderr(100_000)
        metrics = client.get(relay.url + "/metrics").text
    for text in (log, metrics):
        assert OLD not in text
        assert NEW not in text


def test_sighup_without_a_secret_file_does_not_stop_the_relay(relay: RelayProcess) -> None:
    os.kill(relay.pid, signal.SIGHUP)
    wait_until(lambda: "nothing to read again" in relay.stderr(), timeout=10)
    r = httpx.post(relay.ingest_url, json=make_envelope(1), headers={SECRET: relay.secret})
    assert r.status_code == 200
