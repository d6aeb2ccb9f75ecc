"""Streams handed over to the fan-out thread: HTTP/1.0 clients, and the connection cap."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.waiting import wait_until


def _open_stream(relay: RelayProcess, version: str, last_id: int | None = None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
    extra = f"Last-Event-ID: {last_id}\r\n" if last_id is not None else ""
    sock.sendall(
        f"GET /events {version}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {relay.token}\r\n"
        f"{extra}\r\n".encode()
    )
    return sock


def _read_until(sock: socket.socket, needle: bytes) -> bytes:
    got = b""
    while needle not in got:
        chunk = sock.recv(65536)
        assert chunk, f"the stream ended before {needle!r}: {got!r}"
        got += chunk
    return got


def _post(relay: RelayProcess, event_id: int) -> None:
    r = httpx.post(
        relay.ingest_url,
        json=make_envelope(event_id),
        headers={"Impilo-Webhook-Secret": relay.secret},
        timeout=10,
    )
    assert r.status_code == 200


def test_an_http_1_0_stream_gets_replay_and_live_events_unchunked(tmp_path: Path) -> None:
    relay = RelayProcess(tmp_path / "r.sqlite3").start()
    try:
        _post(relay, 1)
        with _open_stream(relay, "HTTP/1.0", last_id=0) as sock:
            got = _read_until(sock, b"id: 1\n")  # the replay
            head = got.split(b"\r\n\r\n", 1)[0].lower()
            assert head.startswith(b"http/1.0 200")
            assert b"transfer-encoding" not in head
            _post(relay, 2)
            got += _read_until(sock, b"id: 2\n")  # live
            relay.stop()  # SIGTERM: the stream ends, the connection closes
            while chunk := sock.recv(65536):
                got += chunk
        body = got.split(b"\r\n\r\n", 1)[1]
        assert body.count(b"\ndata: ") == 2
        assert b'"envelope":{"id":2,' in body
    finally:
        relay.stop()
    assert "Traceback" not in relay.stderr()


def test_open_streams_count_against_the_connection_cap(tmp_path: Path) -> None:
    args = ["--max-connections", "3"]
    with RelayProcess(tmp_path / "r.sqlite3", extra_args=args) as relay:
        streams = [_open_stream(relay, "HTTP/1.1") for _ in range(3)]
        try:
            for sock in streams:
                _read_until(sock, b"retry: ")
            # The three streams left uvicorn for the fan-out thread, yet hold their sockets.
            with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as extra:
                answer = _read_until(extra, b"\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 503")
        finally:
            for sock in streams:
                sock.close()
        # closed: connections are served again (a try before the streams went is refused too)
        wait_until(lambda: httpx.get(relay.url + "/healthz", timeout=10).status_code == 200)
        metrics = httpx.get(relay.url + "/metrics", timeout=10).text
        refused = re.search(r"^impilo_relay_connections_refused_total (\d+)$", metrics, re.M)
        assert refused is not None
        assert int(refused.group(1)) >= 1
