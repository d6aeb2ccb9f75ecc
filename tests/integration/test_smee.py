"""SmeeSubscriber against a local SSE server that speaks exactly like smee.io."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from impilo_desk.services.event_store import EventStore
from impilo_desk.services.subscriber import Backoff, Gap, RelayEvent, SmeeSubscriber
from tests.fixtures.relay import make_envelope

pytestmark = pytest.mark.anyio
SECRET = "smee-test-secret"


class FakeSmee:
    """A smee.io channel on 127.0.0.1: raw HTTP/1.1, close-delimited SSE, smee's exact frames."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.connected = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.url = ""

    async def __aenter__(self) -> FakeSmee:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/AbCdEf123"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.drop_clients()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
        }
        self.requests.append(headers)
        if headers.get("accept") != "text/event-stream":  # smee serves its web page instead
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>"
            )
            await writer.drain()
            writer.close()
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\n"
            b"event: ready\ndata: {}\n\n"
        )
        await writer.drain()
        self._writers.append(writer)
        self.connected.set()

    async def send(self, frame: str) -> None:
        for writer in self._writers:
            writer.write(frame.encode())
            await writer.drain()

    async def forward(self, body: dict, secret: str | None, ts: int = 1700000000000) -> None:
        """What smee sends when someone POSTs ``body`` to the channel."""
        data: dict = {
            "host": "smee.io",
            "connection": "close",
            "content-type": "application/json",
            "user-agent": "Impilo-Webhooks/1.0",
            "x-forwarded-for": "203.0.113.9",
        }
        if secret is not None:
            data["impilo-webhook-secret"] = secret
        data |= {"body": body, "query": {}, "timestamp": ts}
        await self.send(f"data: {json.dumps(data)}\n\n")

    def drop_clients(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        self.connected.clear()


async def until(condition: Callable[[], bool], limit_s: float = 20.0) -> None:
    async with asyncio.timeout(limit_s):
        while not condition():  # noqa: ASYNC110 - a condition other tasks make true
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(sub: SmeeSubscriber) -> AsyncIterator[None]:
    task = asyncio.create_task(sub.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_smee_frames_secret_check_dedupe_and_gap_after_reconnect(tmp_path: Path) -> None:
    got: list[RelayEvent] = []
    gaps: list[Gap] = []
    store = EventStore(tmp_path / "desk.sqlite3")
    async with FakeSmee() as smee:
        sub = SmeeSubscriber(
            smee.url,
            SECRET,
            store,
            on_event=got.append,
            on_gap=gaps.append,
            backoff=Backoff(initial_s=0.05, max_s=0.2),
        )
        async with running(sub):
            await asyncio.wait_for(smee.connected.wait(), 10)
            assert smee.requests[0]["accept"] == "text/event-stream"
            await until(lambda: sub.state.phase == "live")
            await smee.send("event: ping\ndata: {}\n\n")
            await smee.forward(make_envelope(1), SECRET)
            await smee.forward(make_envelope(2), "wrong-secret")
            await smee.forward(make_envelope(3), None)
            await smee.forward(make_envelope(1), SECRET)  # smee delivered it twice
            await smee.forward(make_envelope(4), SECRET, ts=1700000005000)
            await until(lambda: len(got) == 2 and sub.state.duplicates == 1)
            assert [e.envelope.id for e in got] == [1, 4]
            assert sub.state.dropped == 2
            assert gaps == []
            first = got[0]
            assert first.source == "smee"
            assert first.seq is None
            assert first.received_at.timestamp() == 1700000000.0
            assert first.headers["user-agent"] == "Impilo-Webhooks/1.0"
            assert "impilo-webhook-secret" not in first.headers
            assert "body" not in first.headers

            smee.drop_clients()  # smee went away; whatever was sent meanwhile is lost
            await until(lambda: len(smee.requests) == 2 and sub.state.phase == "live")
            await until(lambda: len(gaps) == 1)
            assert gaps[0].reason == "smee-reconnect"
            await smee.forward(make_envelope(5), SECRET)
            await until(lambda: len(got) == 3)
    assert store.ids() == [1, 4, 5]
    assert SECRET not in repr(sub)
