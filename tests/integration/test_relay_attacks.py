"""The relay under hostile input (issue 18): every bad request is a clear 4xx and harms no other.

Each test sends what an attacker (or a broken sender) would, to a real relay process: one for
the module (each test uses its own event ids), as each start costs a second or two.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.relay import RelayProcess, make_envelope
from tests.integration.test_relay_server import SECRET, history

pytestmark = pytest.mark.anyio
BIG = 2**63


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    path: Path = tmp_path_factory.mktemp("attacks") / "relay.sqlite3"
    with RelayProcess(path) as process:
        yield process


def stored(relay: RelayProcess) -> dict[int, dict]:
    """Every stored event by its Impilo id."""
    return {e["envelope"]["id"]: e for e in history(relay)["events"]}


def raw_post(relay: RelayProcess, body: bytes, **headers: str) -> httpx.Response:
    h = {SECRET: relay.secret, "Content-Type": "application/json", **headers}
    return httpx.post(relay.ingest_url, content=body, headers=h, timeout=30)


async def test_a_poison_event_fails_alone_not_its_batch_mates(relay: RelayProcess) -> None:
    poison = [
        f'{{"id":{BIG},"type":"x"}}'.encode(),
        f'{{"id":{2**64 + 5},"type":"x"}}'.encode(),
        b'{"id":5000,"type":"reading.weight","payload":{"note":"\\ud83d"}}',  # a lone surrogate
        b'{"id":5001,"type":"\\udc00"}',
    ]
    valid = [json.dumps(make_envelope(i)).encode() for i in range(1001, 1061)]
    bodies = valid[:30] + poison + valid[30:]  # all at once: they share group commits
    limits = httpx.Limits(max_connections=len(bodies))
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        answers = await asyncio.gather(
            *(
                client.post(relay.ingest_url, content=b, headers={SECRET: relay.secret})
                for b in bodies
            )
        )
    by_body = dict(zip(bodies, answers, strict=True))
    for body in poison:
        assert by_body[body].status_code == 400, body
        assert by_body[body].json()["error"]
    assert [by_body[b].status_code for b in valid] == [200] * len(valid)
    ids = set(stored(relay))
    assert set(range(1001, 1061)) <= ids
    assert not ids & {5000, 5001}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000, id="100k-arrays"),
        pytest.param(b'{"a":' * 5_000, id="5k-objects"),
        pytest.param(
            b'{"id":2001,"type":"x","payload":' + b"[" * 600 + b"]" * 600 + b"}",
            id="deep-but-well-formed",
        ),
    ],
)
def test_deeply_nested_json_is_400_not_500(relay: RelayProcess, body: bytes) -> None:
    r = raw_post(relay, body)
    assert r.status_code == 400
    assert "JSON" in r.json()["error"]
    assert 2001 not in stored(relay)
    assert raw_post(relay, json.dumps(make_envelope(2002)).encode()).status_code == 200


def test_nesting_a_subscriber_can_parse_is_accepted(relay: RelayProcess) -> None:
    body = b'{"id":2003,"type":"x","payload":' + b"[" * 500 + b"]" * 500 + b"}"
    assert raw_post(relay, body).status_code == 200
    assert 2003 in stored(relay)  # and Python's json.loads read it back


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(relay: RelayProcess, constant: str) -> None:
    body = f'{{"id":3001,"type":"reading.weight","payload":{{"weight":{constant}}}}}'.encode()
    r = raw_post(relay, body)
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]
    assert 3001 not in stored(relay)


def test_every_stored_integer_is_kept_exactly(relay: RelayProcess) -> None:
    """Pretty-printed JSON with a huge integer: stored as sent, on one line, every digit kept."""
    body = b'{\n  "id": 4001,\r\n  "type": "x",\n  "payload": {"big": %d}\n}' % (10**29 + 7)
    assert raw_post(relay, body).status_code == 200
    event = stored(relay)[4001]
    assert event["envelope"]["payload"]["big"] == 10**29 + 7


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/events/history", {"after": str(BIG)}, {}),
        ("/events/history", {"limit": str(BIG)}, {}),
        ("/events/history", {"after": "99999999999999999999999"}, {}),
        ("/events/history", {"after": "-1"}, {}),
        ("/events/history", {"after": "1_000"}, {}),
        ("/events/history", {"after": " 5"}, {}),
        ("/events/history", {"after": "٣"}, {}),  # an Arabic-Indic digit: int() takes it
        ("/events/history", {"limit": "0"}, {}),
        ("/events", {"after": str(BIG)}, {}),
        ("/events", {}, {"Last-Event-ID": str(BIG)}),
        ("/events", {}, {"Last-Event-ID": "+3"}),
    ],
)
def test_numeric_parameters_out_of_range_are_400(
    relay: RelayProcess, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    h = {"Authorization": f"Bearer {relay.token}", **headers}
    r = httpx.get(relay.url + path, params=params, headers=h, timeout=10)
    assert r.status_code == 400
    assert "integer" in r.json()["error"]


def test_only_listed_headers_are_stored_and_streamed(relay: RelayProcess) -> None:
    credentials = {
        "Authorization": "Bearer stolen",
        "Cookie": "session=stolen",
        "Proxy-Authorization": "Basic c3RvbGVu",
        "X-Api-Key": "stolen",
        "Impilo-API-Key": "stolen",
        "X-Amz-Security-Token": "stolen",
    }
    kept = {
        "User-Agent": "Impilo-Webhooks/3",
        "X-Forwarded-For": "203.0.113.9",
        "X-Request-Id": "req-1",
        "Impilo-Event-Type": "reading.weight",
    }
    r = raw_post(relay, json.dumps(make_envelope(6001)).encode(), **credentials, **kept)
    assert r.status_code == 200
    event = stored(relay)[6001]
    headers = event["headers"]
    assert "stolen" not in json.dumps(event)
    assert {k.lower(): v for k, v in kept.items()}.items() <= headers.items()
    assert set(headers) <= {"content-type", *(k.lower() for k in kept)}
    assert SECRET.lower() not in headers
