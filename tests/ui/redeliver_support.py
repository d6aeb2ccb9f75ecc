"""Helpers of the Logs tab's redelivery tests: a scripted receiver, seeded logs, the desk."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from impilo_desk.client import NO_RETRY, ImpiloClient
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store.db import connect
from impilo_desk.sandbox.store.schema import SCHEMA
from impilo_desk.services.credentials import MemoryCredentialStore, SecretKind
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.redelivery import AttemptStore, RedeliverySettings
from impilo_desk.session import ProfileInfo, Session
from tests.fixtures.desk import ProfileStub
from tests.fixtures.sandbox import SandboxProcess

SECRET = "whsec-ui-redeliver-5c8e1f0a"
HOLD = -1
FAST = RedeliverySettings(concurrency=4, rate_per_second=None, timeout_s=1.0)
NON_JSON = "{'id':1234}"


@dataclass(frozen=True)
class Got:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> int | None:
        try:
            value = json.loads(self.body).get("id")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, int) else None


class ScriptedReceiver:
    """A real HTTP server on 127.0.0.1 answering ``answer(n, got)`` to the n-th POST (0-based).

    ``HOLD`` keeps the request open until :meth:`release` (the sender times out).
    """

    def __init__(self, answer: Callable[[int, Got], int] | None = None) -> None:
        self.answer = answer or (lambda n, got: 200)
        self.got: list[Got] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                got = Got(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with receiver._lock:
                    n = len(receiver.got)
                    receiver.got.append(got)
                status = receiver.answer(n, got)
                if status == HOLD:
                    receiver._release.wait(30)  # bounded; released at the latest on close
                    status = 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up (timed out) meanwhile

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def ids(self) -> list[int]:
        """The event ids received (-1 for a body without one)."""
        with self._lock:
            return [-1 if g.event_id is None else g.event_id for g in self.got]

    def count(self) -> int:
        with self._lock:
            return len(self.got)

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def scripted(answer: Callable[[int, Got], int] | None = None) -> Iterator[ScriptedReceiver]:
    server = ScriptedReceiver(answer)
    try:
        yield server
    finally:
        server.close()


def envelope(event_id: int, kind: str = "reading.weight") -> str:
    return json.dumps({"id": event_id, "type": kind, "payload": {"weight": 70.5}})


def seed(path: Path, rows: list[dict[str, Any]]) -> None:
    """A sandbox database with these log rows (none due: the sandbox leaves them as they are).

    Each row: ``url``, ``status``, ``retries``, and optionally ``payload`` (default: an
    envelope with id = row number), ``type`` and ``age`` (how long ago it was created).
    """
    conn = connect(str(path))
    conn.executescript(SCHEMA)
    conn.execute("BEGIN")
    now = datetime.now(UTC)
    events, logs = [], []
    for n, row in enumerate(rows, start=1):
        created = now - row.get("age", timedelta(hours=3)) + timedelta(milliseconds=n)
        kind = row.get("type", "reading.weight")
        created_ms = int(created.timestamp() * 1000)
        retries = row["retries"]
        last = None if retries == 0 else int((now - timedelta(minutes=1)).timestamp() * 1000)
        events.append((n, kind, row.get("payload", envelope(n, kind)), created_ms))
        logs.append((n, 1, kind, row["url"], created_ms, row["status"], retries, last, None))
    store_logs.bulk_insert(conn, events, logs)
    conn.execute("COMMIT")
    conn.close()


def failed_rows(url: str, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"url": url, "status": 500, "retries": 3, **extra} for _ in range(count)]


@dataclass
class Tab:
    """The desk (``make_desk``) in a session with a record, on a sandbox."""

    desk: Any
    client: ImpiloClient
    store: MemoryCredentialStore
    record_path: Path

    @property
    def logs(self) -> Any:
        return self.desk.logs

    @property
    def redeliver(self) -> Any:
        return self.desk.logs.redeliver

    @property
    def bar(self) -> Any:
        return self.redeliver.bar

    @property
    def view(self) -> Any:
        return self.desk.logs.view

    def state_texts(self) -> list[str]:
        model = self.logs.model
        return [model.state_text(r) for r in range(model.rowCount())]


def opener(
    client: ImpiloClient,
    store: MemoryCredentialStore,
    record_path: Path,
    events: EventHub | None = None,
) -> Callable[[ProfileInfo], Any]:
    """Opens sessions on ``client`` with a record at ``record_path`` (closed with the session)."""

    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        record = await asyncio.to_thread(AttemptStore, record_path)
        try:
            yield Session(profile, client, store, events=events, attempts=record)
        finally:
            await asyncio.to_thread(record.close)

    return open_session


def open_desk(
    qtbot: Any,
    make_desk: Any,
    box: SandboxProcess,
    record_path: Path,
    *,
    environment: str = "sandbox",
    secret: str | None = SECRET,
    settings: RedeliverySettings = FAST,
    events: EventHub | None = None,
) -> Tab:
    """The Logs tab alone, in a session on ``box`` with a record; page 1 and its notes shown."""
    from impilo_desk.ui import logs

    client = ImpiloClient(box.base_url, box.api_key, retry=NO_RETRY)
    store = MemoryCredentialStore()
    profile = ProfileStub(api_base_url=box.base_url, environment=environment, name="Clinic A")
    if secret is not None:
        setting = asyncio.ensure_future(store.set(profile.id, SecretKind.WEBHOOK_SECRET, secret))
        qtbot.waitUntil(setting.done, timeout=5000)
    desk = make_desk(
        opener(client, store, record_path, events), tabs=(logs.build,), closed_by_test=True
    )
    desk.window.resize(1280, 800)
    desk.logs.redeliver.settings = settings
    with qtbot.waitSignal(desk.logs.redeliver.notes_shown, timeout=15000):
        desk.sessions.switch_to(profile)
    return Tab(desk, client, store, record_path)


def close_desk(qtbot: Any, make_desk: Any, tab: Tab) -> None:
    make_desk.close(tab.desk)
    closing = asyncio.ensure_future(tab.client.aclose())
    qtbot.waitUntil(closing.done, timeout=5000)
