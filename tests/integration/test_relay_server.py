"""The relay as a real process over HTTP: ingest checks, the stream, history, health, metrics.

Every test runs twice: on SQLite and on PostgreSQL (``relay_db``, ``relay_on_each_store``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.fixtures.waiting import wait_until

SECRET = "Impilo-Webhook-Secret"


@pytest.fixture
def relay(relay_on_each_store: RelayProcess) -> RelayProcess:
    """This module's relay: once on each store."""
    return relay_on_each_store


def relay_on(db: Path | str, tmp_path: Path, **kwargs: object) -> RelayProcess:
    """A relay (not started) on ``db``, logging into ``tmp_path``."""
    return RelayProcess(db, stderr_path=tmp_path / "relay.stderr.log", **kwargs)  # type: ignore[arg-type]


def stored_count(db: Path | str, event_id: int) -> int:
    """How many rows of the store hold ``event_id`` (read straight from the file or database)."""
    if isinstance(db, Path):
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT COUNT(*) FROM events WHERE event_id = ?", (event_id,))
            return int(row.fetchone()[0])
    with psycopg.connect(db) as pg:
        got = pg.execute("SELECT count(*) FROM relay_events WHERE event_id = %s", (event_id,))
        return int(got.fetchone()[0])  # type: ignore[index]


def post(relay: RelayProcess, body: object, secret: str | None = "RIGHT") -> httpx.Response:  # noqa: S107
    headers = {} if secret is None else {SECRET: relay.secret if secret == "RIGHT" else secret}
    return httpx.post(relay.ingest_url, json=body, headers=headers, timeout=10)


def history(relay: RelayProcess, after: int = 0, limit: int = 1000) -> dict:
    r = httpx.get(
        relay.url + "/events/history",
        params={"after": after, "limit": limit},
        headers={"Authorization": f"Bearer {relay.token}"},
        timeout=10,
    )
    assert r.status_code == 200
    return r.json()


def read_sse(
    relay: RelayProcess, headers: dict[str, str], params: dict | None = None, *, until: int
) -> Iterator[tuple[str, dict]]:
    """Yields (event, data) from /events until ``until`` non-comment messages were seen."""
    seen = 0
    h = {"Authorization": f"Bearer {relay.token}", **headers}
    with httpx.stream("GET", relay.events_url, headers=h, params=params, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        event, data = "message", ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and data:
                yield event, json.loads(data)
                event, data = "message", ""
                seen += 1
                if seen >= until:
                    return


def test_secret_missing_wrong_and_right(relay: RelayProcess) -> None:
    assert post(relay, make_envelope(1), secret=None).status_code == 401
    assert post(relay, make_envelope(1), secret="wrong").status_code == 401
    assert post(relay, make_envelope(1), secret=relay.secret + "x").status_code == 401
    assert history(relay)["events"] == []
    r = post(relay, make_envelope(1))
    assert r.status_code == 200
    assert r.json() == {"seq": 1, "duplicate": False}
    [event] = history(relay)["events"]
    assert event["envelope"] == make_envelope(1)
    assert SECRET.lower() not in event["headers"]
    assert relay.secret not in json.dumps(event)


def test_too_large_is_413_by_length_and_by_stream(tmp_path: Path, relay_db: Path | str) -> None:
    with relay_on(relay_db, tmp_path, extra_args=["--max-body-bytes", "1000"]) as relay:
        big = make_envelope(1) | {"pad": "x" * 2000}
        assert post(relay, big).status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
            yield b'{"id": 2, "type": "reading.weight", "pad": "'
            for _ in range(30):
                yield b"y" * 100
            yield b'"}'

        r = httpx.post(relay.ingest_url, content=chunks(), headers={SECRET: relay.secret})
        assert r.status_code == 413
        assert post(relay, make_envelope(3)).status_code == 200
        assert [e["envelope"]["id"] for e in history(relay)["events"]] == [3]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"text"',
        b'{"type": "x"}',
        b'{"id": "7", "type": "x"}',
        b'{"id": 7}',
    ],
)
def test_bad_bodies_are_400(relay: RelayProcess, body: bytes) -> None:
    r = httpx.post(relay.ingest_url, content=body, headers={SECRET: relay.secret})
    assert r.status_code == 400
    assert history(relay)["events"] == []


def test_duplicate_id_is_stored_once(relay: RelayProcess) -> None:
    first = post(relay, make_envelope(42))
    again = post(relay, make_envelope(42))
    assert first.status_code == again.status_code == 200
    assert again.json() == {"seq": first.json()["seq"], "duplicate": True}
    assert post(relay, make_envelope(43)).json()["seq"] == first.json()["seq"] + 1
    assert [e["envelope"]["id"] for e in history(relay)["events"]] == [42, 43]


def test_stream_and_history_need_the_token(relay: RelayProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": relay.token}):
        assert httpx.get(relay.events_url, headers=headers).status_code == 401
        assert httpx.get(relay.url + "/events/history", headers=headers).status_code == 401


def test_replay_after_last_event_id_then_live(relay: RelayProcess) -> None:
    for i in range(1, 6):
        assert post(relay, make_envelope(100 + i)).status_code == 200
    stream = read_sse(relay, {"Last-Event-ID": "2"}, until=4)
    got = [next(stream) for _ in range(3)]
    assert [(e, d["seq"]) for e, d in got] == [("message", 3), ("message", 4), ("message", 5)]
    assert [d["envelope"]["id"] for _, d in got] == [103, 104, 105]
    assert post(relay, make_envelope(106)).status_code == 200  # live, after the replay
    event, data = next(stream)
    assert (event, data["seq"], data["envelope"]["id"]) == ("message", 6, 106)
    stream.close()
    # ?after=N does the same as the header
    assert [d["seq"] for _, d in read_sse(relay, {}, {"after": 4}, until=2)] == [5, 6]


def test_gap_event_when_asking_for_pruned_events(tmp_path: Path, relay_db: Path | str) -> None:
    args = ["--retention-count", "3", "--retention-interval", "0.1"]
    with relay_on(relay_db, tmp_path, extra_args=args) as relay:
        for i in range(1, 11):
            assert post(relay, make_envelope(i)).status_code == 200
        wait_until(lambda: history(relay)["pruned_through"] >= 7)  # retention ran
        page = history(relay, after=1)
        assert page["gap"] is True
        assert [e["seq"] for e in page["events"]] == [8, 9, 10]
        got = list(read_sse(relay, {"Last-Event-ID": "1"}, until=4))
        assert got[0] == ("gap", {"after": 1, "resume_after": 7, "reason": "retention"})
        assert [d["seq"] for _, d in got[1:]] == [8, 9, 10]
        # a client that knows more than this store ever held is told so, and gets everything
        got = list(read_sse(relay, {"Last-Event-ID": "99"}, until=2))
        assert got[0] == ("gap", {"after": 99, "resume_after": 7, "reason": "reset"})


def test_health_metrics_and_retry_hint(relay: RelayProcess) -> None:
    post(relay, make_envelope(1))
    post(relay, make_envelope(1))
    post(relay, make_envelope(2), secret="bad")
    health = httpx.get(relay.url + "/healthz").json()
    assert health["status"] == "ok"
    assert health["last_seq"] == 1
    text = httpx.get(relay.url + "/metrics").text
    assert "impilo_relay_events_stored_total 1\n" in text
    assert "impilo_relay_events_duplicate_total 1\n" in text
    assert 'impilo_relay_events_rejected_total{reason="unauthorized"} 1\n' in text
    assert "impilo_relay_subscribers_connected 0\n" in text
    h = {"Authorization": f"Bearer {relay.token}"}
    with httpx.stream("GET", relay.events_url, headers=h, timeout=10) as r:
        lines = r.iter_lines()  # keep it: a dropped line iterator closes the stream
        assert next(lines) == "retry: 2000"
        text = httpx.get(relay.url + "/metrics").text
        assert "impilo_relay_subscribers_connected 1\n" in text


def test_keepalive_comments(tmp_path: Path, relay_db: Path | str) -> None:
    with relay_on(relay_db, tmp_path, extra_args=["--keepalive", "0.2"]) as relay:
        h = {"Authorization": f"Bearer {relay.token}"}
        with httpx.stream("GET", relay.events_url, headers=h, timeout=10) as r:
            lines = r.iter_lines()
            for line in lines:
                if line == ": keep-alive":
                    break


def test_credentials_come_from_files_not_the_command_line(
    tmp_path: Path, relay_db: Path | str
) -> None:
    import subprocess
    import sys

    (tmp_path / "secret").write_text("file-secret\n")
    (tmp_path / "token").write_text("file-token\n")
    proc = subprocess.run(
        [sys.executable, "-m", "impilo_desk.relay", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert "no secret" in proc.stderr
    relay = relay_on(
        relay_db,
        tmp_path,
        secret="unused",
        token="unused",
        extra_args=[
            "--secret-file",
            str(tmp_path / "secret"),
            "--token-file",
            str(tmp_path / "token"),
        ],
    )
    with relay:
        r = httpx.post(relay.ingest_url, json=make_envelope(1), headers={SECRET: "file-secret"})
        assert r.status_code == 200
    assert "file-secret" not in relay.stderr()


@pytest.mark.parametrize(
    "retention",
    [
        pytest.param(["--retention-count", "2"], id="by-count"),
        pytest.param(["--retention-days", "0.00002", "--retention-count", "0"], id="by-age"),
    ],
)
def test_a_pruned_event_sent_again_is_still_a_duplicate(
    tmp_path: Path, retention: list[str], relay_db: Path | str
) -> None:
    """Impilo re-sends an event (its answer was lost) after retention deleted it."""
    args = [*retention, "--retention-interval", "0.1"]
    with relay_on(relay_db, tmp_path, extra_args=args) as relay:
        for i in range(201, 206):
            assert post(relay, make_envelope(i)).json() == {"seq": i - 200, "duplicate": False}
        wait_until(lambda: history(relay)["pruned_through"] >= 3)  # 201..203 at least are gone

        def send_201_again() -> None:
            again = post(relay, make_envelope(201))
            assert again.status_code == 200  # what Impilo needs to stop retrying
            assert again.json() == {"seq": 1, "duplicate": True}

        send_201_again()
        relay.restart()  # what the relay remembers is in the file
        send_201_again()
        assert post(relay, make_envelope(206)).json() == {"seq": 6, "duplicate": False}
        # the stream after 5 holds only the new event, not a second copy of 201
        [(event, data)] = read_sse(relay, {"Last-Event-ID": "5"}, until=1)
        assert (event, data["seq"], data["envelope"]["id"]) == ("message", 6, 206)
        assert 201 not in [e["envelope"]["id"] for e in history(relay)["events"]]
        metrics = httpx.get(relay.url + "/metrics", timeout=10).text
        assert "impilo_relay_events_duplicate_total 1\n" in metrics  # counted since the restart
    assert stored_count(relay_db, 201) == 0
