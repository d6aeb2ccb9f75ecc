"""Slow, idle and too many connections (issue 18): they cannot lock Impilo's POSTs out."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.waiting import wait_until
from tests.integration.test_relay_server import SECRET

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def idle_connections(port: int, n: int) -> Iterator[list[socket.socket]]:
    """``n`` connections to 127.0.0.1:port that never send a byte."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            socks.append(s)
        yield socks
    finally:
        for s in socks:
            s.close()


def accepted(relay: RelayProcess, event_id: int) -> bool:
    try:
        r = httpx.post(
            relay.ingest_url,
            json=make_envelope(event_id),
            headers={SECRET: relay.secret},
            timeout=3,
        )
    except httpx.TransportError:
        return False
    return r.status_code == 200


def test_half_open_connections_under_1024_files_do_not_lock_ingest_out(tmp_path: Path) -> None:
    args = ["--header-timeout", "1"]
    with RelayProcess(tmp_path / "r.sqlite3", extra_args=args, nofile=1024) as relay:
        with idle_connections(relay.port, 1100):
            wait_until(lambda: accepted(relay, 1), timeout=20, interval=0.2)
            metrics = httpx.get(relay.url + "/metrics", timeout=10).text
        assert "impilo_relay_header_timeouts_total 0\n" not in metrics
    # one line per condition, not one per connection, up to and including the shutdown
    assert relay.stderr_size() < 5000, relay.stderr(3000)
    log = relay.stderr(20000)
    assert log.count("--max-connections") <= 2
    assert log.count("--header-timeout") <= 2
    assert "Traceback" not in log


def test_a_slow_request_head_is_cut_off(tmp_path: Path) -> None:
    with RelayProcess(tmp_path / "r.sqlite3", extra_args=["--header-timeout", "0.5"]) as relay:
        with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as s:
            s.sendall(b"POST /hooks HTTP/1.1\r\nHost: relay\r\n")  # ... and never the rest
            assert s.recv(100) == b""  # closed by the relay, well before our 10 s
        assert accepted(relay, 1)  # a prompt one is served


def test_connections_over_the_cap_get_503(tmp_path: Path) -> None:
    with RelayProcess(tmp_path / "r.sqlite3", extra_args=["--max-connections", "5"]) as relay:
        with idle_connections(relay.port, 5):
            r = httpx.post(relay.ingest_url, json=make_envelope(1), headers={SECRET: relay.secret})
            assert r.status_code == 503
            assert r.headers["Retry-After"] == "1"
        wait_until(lambda: accepted(relay, 1), timeout=10, interval=0.1)
        metrics = httpx.get(relay.url + "/metrics", timeout=10).text
        assert "impilo_relay_connections_refused_total 0\n" not in metrics


def test_subscribers_over_the_cap_get_503_with_retry_after(tmp_path: Path) -> None:
    with RelayProcess(tmp_path / "r.sqlite3", extra_args=["--max-subscribers", "2"]) as relay:
        h = {"Authorization": f"Bearer {relay.token}"}
        with httpx.Client(timeout=10) as client:
            with client.stream("GET", relay.events_url, headers=h) as one:
                assert one.status_code == 200
                with client.stream("GET", relay.events_url, headers=h) as two:
                    assert two.status_code == 200
                    over = client.get(relay.events_url, headers=h)
                    assert over.status_code == 503
                    assert int(over.headers["Retry-After"]) >= 1
                    assert "2 streams" in over.json()["error"]
            # both closed: a new stream is served again
            wait_until(
                lambda: "subscribers_connected 0\n" in client.get(relay.url + "/metrics").text
            )
            with client.stream("GET", relay.events_url, headers=h) as again:
                assert again.status_code == 200
        text = httpx.get(relay.url + "/metrics", timeout=10).text
        assert "impilo_relay_subscribers_refused_total 1\n" in text
