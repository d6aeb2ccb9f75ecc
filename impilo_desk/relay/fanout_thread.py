"""The SSE streams on a thread of their own (the fan-out loop), apart from ingest.

Measured with 1,000 streams at 200 POST/s, the ingest loop spent most of its time writing to the
streams' sockets (a third of it in the ``send`` calls alone), and every POST waited behind that
work several times on its way (read, queue, commit, answer). So each stream, once its request is
checked on the ingest loop (token, ``Last-Event-ID``, the cap), is handed over with its socket:
``adopt`` duplicates the socket for this thread's own event loop and the ingest loop closes its
copy, so that uvicorn forgets the connection while the client keeps it. From then on this loop
alone writes to it: the response head, the replay, the live events and the keep-alives, in HTTP's
chunked encoding (or plain, for an HTTP/1.0 client).

The writer publishes each committed batch here (``publish``, callable from any thread: it only
hands over a reference) and this loop's ``Broadcaster`` encodes it once for every stream; the
streams are served by ``stream.event_stream`` as before, so replay, the seam with the live log,
overflow to the store and keep-alives behave exactly as they did on the ingest loop. The ingest
loop never does per-stream work; what it still shares with this thread is the GIL, which this
thread lets go in every socket write.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

import orjson

from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.config import RelayConfig
from impilo_desk.relay.errors import (
    STORAGE_RETRY_AFTER_S,
    StoreUnavailableError,
    unavailable_message,
)
from impilo_desk.relay.metrics import Metrics
from impilo_desk.relay.pg_fanout import PgBroadcaster
from impilo_desk.relay.pg_store import PgRelayStore
from impilo_desk.relay.store import StoredEvent
from impilo_desk.relay.stores import EventStore
from impilo_desk.relay.stream import event_stream

log = logging.getLogger("impilo_desk.relay")
T = TypeVar("T")
# How long the streams may take to send what they hold once the relay stops; then they are cut.
CLOSE_TIMEOUT_S = 2.0
_SSE_HEAD = (
    b"content-type: text/event-stream; charset=utf-8\r\ncache-control: no-cache\r\n"
    b"x-accel-buffering: no\r\n"
)
_HEAD_CHUNKED = b"HTTP/1.1 200 OK\r\n" + _SSE_HEAD + b"transfer-encoding: chunked\r\n\r\n"
_HEAD_PLAIN = b"HTTP/1.0 200 OK\r\n" + _SSE_HEAD + b"connection: close\r\n\r\n"


def _error_response(status: int, reason: str, message: str, retry_after: int) -> bytes:
    body = orjson.dumps({"error": message})
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"retry-after: {retry_after}\r\nconnection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body


class _Connection(asyncio.Protocol):
    """One adopted stream's socket: writes with back-pressure, and notices the client going.

    It is the stream's ``broadcaster.Sink``: live events are written to it by the broadcaster.
    """

    def __init__(self, chunked: bool) -> None:
        self.chunked = chunked
        self.transport: asyncio.Transport | None = None
        self.writable = asyncio.Event()
        self.writable.set()
        self.lost = False
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """A stream's client has nothing more to say; whatever it sends is ignored."""

    def eof_received(self) -> bool:
        return False  # the client closed its side: close ours (``connection_lost`` follows)

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def ready(self) -> bool:
        """Open, and not held back by the client (``pause_writing``)."""
        return self.writable.is_set() and not self.lost

    def write(self, data: bytes) -> None:
        """Sends SSE bytes, as one chunk of the chunked encoding (or plain, for HTTP/1.0)."""
        assert self.transport is not None
        self.transport.write(b"%x\r\n%b\r\n" % (len(data), data) if self.chunked else data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.writable.set()
        if self.task is not None:
            self.task.cancel()  # the stream may wait for events; nobody will read them


class FanoutThread:
    """Owns the fan-out thread, its event loop, its ``Broadcaster`` and the adopted streams.

    ``start`` and ``stop`` (coroutines of the ingest loop) bracket its life; ``publish``,
    ``adopt`` and ``close`` may be called from any thread.

    Args:
        store: The store the streams replay from.
        make_broadcaster: Builds the broadcaster, called on the fan-out loop.
        start_broadcaster: Awaited on the fan-out loop after that (``PgBroadcaster.start``).
        stop_broadcaster: Awaited on the fan-out loop at the end (``PgBroadcaster.stop``).
        keepalive_s: Seconds of silence after which a stream gets a comment.
        retry_ms: The SSE ``retry:`` hint.
    """

    threadsafe = True  # ``publish`` from the writer thread (``ingest.Publisher``)

    def __init__(
        self,
        store: EventStore,
        make_broadcaster: Callable[[], Broadcaster],
        *,
        start_broadcaster: Callable[[Broadcaster], Coroutine[Any, Any, None]] | None = None,
        stop_broadcaster: Callable[[Broadcaster], Coroutine[Any, Any, None]] | None = None,
        keepalive_s: float,
        retry_ms: int,
    ) -> None:
        self._store = store
        self._make_broadcaster = make_broadcaster
        self._start_broadcaster = start_broadcaster
        self._stop_broadcaster = stop_broadcaster
        self._keepalive_s = keepalive_s
        self._retry_ms = retry_ms
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="relay-fanout", daemon=True)
        self._broadcaster: Broadcaster | None = None
        self._streams: set[_Connection] = set()
        self._open = 0  # adopted and not yet ended (``adopt`` counts on the ingest loop)
        self._lock = threading.Lock()

    @property
    def broadcaster(self) -> Broadcaster:
        """The broadcaster (touch it only on the fan-out loop)."""
        assert self._broadcaster is not None
        return self._broadcaster

    @property
    def count(self) -> int:
        """Streams open or being handed over (for the subscriber and connection caps)."""
        return self._open

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    def _call(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def start(self) -> None:
        """Starts the thread and its broadcaster; returns once both run."""
        self._thread.start()
        await asyncio.wrap_future(self._call(self._start()))

    async def _start(self) -> None:
        self._broadcaster = self._make_broadcaster()
        if self._start_broadcaster is not None:
            await self._start_broadcaster(self._broadcaster)

    async def stop(self) -> None:
        """Ends every stream (after what it holds), stops the broadcaster, joins the thread."""
        if not self._thread.is_alive():
            return
        try:
            await asyncio.wrap_future(self._call(self._stop()))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join)

    async def _stop(self) -> None:
        self._close()
        tasks = [c.task for c in self._streams if c.task is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._stop_broadcaster is not None and self._broadcaster is not None:
            await self._stop_broadcaster(self._broadcaster)

    def publish(self, events: list[StoredEvent]) -> None:
        """Committed events, in sequence order, for every stream (from any thread)."""
        self._loop.call_soon_threadsafe(self._publish, events)

    def _publish(self, events: list[StoredEvent]) -> None:
        if self._broadcaster is not None:
            self._broadcaster.publish(events)

    def close(self) -> None:
        """Ends the streams once they sent what was committed (from any thread, e.g. SIGTERM)."""
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self._loop.call_soon_threadsafe(self._close)

    def _close(self) -> None:
        if self._broadcaster is not None:
            self._broadcaster.close()

    def adopt(self, sock: socket.socket | Any, after: int | None, *, chunked: bool) -> None:
        """Takes over a stream's connection (call on the ingest loop, then close its transport).

        Args:
            sock: The connection's socket (the ingest loop's transport's); it is duplicated.
            after: The last sequence the client has (``None``: only new events).
            chunked: HTTP/1.1 (chunked encoding) rather than HTTP/1.0 (plain, then close).
        """
        own = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        own.setblocking(False)
        with self._lock:
            self._open += 1
        try:
            self._loop.call_soon_threadsafe(self._adopted, own, after, chunked)
        except RuntimeError:  # the fan-out loop is gone: the relay is stopping
            self._ended()
            own.close()

    def _ended(self) -> None:
        with self._lock:
            self._open -= 1

    def _adopted(self, sock: socket.socket, after: int | None, chunked: bool) -> None:
        conn = _Connection(chunked)
        conn.task = self._loop.create_task(self._serve(conn, sock, after))

    async def _serve(self, conn: _Connection, sock: socket.socket, after: int | None) -> None:
        self._streams.add(conn)
        try:
            try:
                await self._loop.connect_accepted_socket(lambda: conn, sock=sock)
            except OSError:  # the client went during the hand-over
                sock.close()
                return
            if not conn.lost:
                await self._stream(conn, after)
        except asyncio.CancelledError:
            if not conn.lost:
                raise
        finally:
            self._streams.discard(conn)
            if conn.transport is not None:
                conn.transport.close()  # after what it holds was sent
            self._ended()

    async def _stream(self, conn: _Connection, after: int | None) -> None:
        transport = conn.transport
        assert transport is not None
        stream = event_stream(
            self._store,
            self.broadcaster,
            after,
            keepalive_s=self._keepalive_s,
            retry_ms=self._retry_ms,
            sink=conn,
        )
        chunked = conn.chunked
        started = False
        try:
            async for data in stream:
                if not started:
                    transport.write(_HEAD_CHUNKED if chunked else _HEAD_PLAIN)
                    started = True
                conn.write(data)
                if not conn.writable.is_set():
                    await conn.writable.wait()
            if chunked:
                transport.write(b"0\r\n\r\n")
        except StoreUnavailableError as exc:
            if not started:
                transport.write(
                    _error_response(
                        503,
                        "Service Unavailable",
                        unavailable_message(str(exc)),
                        STORAGE_RETRY_AFTER_S,
                    )
                )
                return
            # The stream ends; the client resumes with Last-Event-ID once the store is back.
            log.warning("a stream ended: %s", exc)
            if chunked:
                transport.write(b"0\r\n\r\n")
        finally:
            with contextlib.suppress(asyncio.CancelledError):
                await stream.aclose()


@contextlib.asynccontextmanager
async def fanout(
    store: EventStore, metrics: Metrics, config: RelayConfig
) -> AsyncIterator[FanoutThread]:
    """The fan-out thread for ``store``, running for the block.

    On SQLite the writer's own commits are all there is, so the plain ``Broadcaster`` is enough.
    On PostgreSQL other replicas write too: ``PgBroadcaster`` listens for their notifications and
    publishes every committed event, whoever wrote it, in sequence order (its tasks run on the
    fan-out loop).
    """
    queue_size = config.queue_size
    start: Callable[[Broadcaster], Coroutine[Any, Any, None]] | None = None
    stop: Callable[[Broadcaster], Coroutine[Any, Any, None]] | None = None
    make: Callable[[], Broadcaster]
    if isinstance(store, PgRelayStore):
        pg = store

        def make() -> Broadcaster:
            return PgBroadcaster(metrics, queue_size, pg)

        async def start(b: Broadcaster) -> None:
            assert isinstance(b, PgBroadcaster)
            await b.start()

        async def stop(b: Broadcaster) -> None:
            assert isinstance(b, PgBroadcaster)
            await b.stop()

    else:

        def make() -> Broadcaster:
            return Broadcaster(metrics, queue_size)

    thread = FanoutThread(
        store,
        make,
        start_broadcaster=start,
        stop_broadcaster=stop,
        keepalive_s=config.keepalive_s,
        retry_ms=config.retry_ms,
    )
    await thread.start()
    try:
        yield thread
    finally:
        await thread.stop()
