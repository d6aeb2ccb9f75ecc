"""The two hot routes as plain ASGI: ``POST /hooks`` and the ``GET /events`` stream.

Measured under wrk, a framework's routing, ``Request`` object and response classes cost more
than the commit itself; here a POST costs a header scan, one strict JSON parse and one queue put.
Every answer is JSON with a one-sentence ``error`` when it is not a 200.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson

from impilo_desk.contract import SECRET_HEADER, format_timestamp
from impilo_desk.relay.errors import (
    STORAGE_RETRY_AFTER_S,
    unavailable_message,
)
from impilo_desk.relay.ingest import StorageFailedError, WriterClosedError
from impilo_desk.relay.limits import TRANSPORT_KEY
from impilo_desk.relay.state import Relay
from impilo_desk.relay.store import Incoming
from impilo_desk.relay.validate import RejectedError, parse_event, parse_seq, stored_headers

log = logging.getLogger("impilo_desk.relay")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_SECRET = SECRET_HEADER.lower().encode()
_JSON = (b"content-type", b"application/json")


async def respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Sends a whole JSON response."""
    head = [_JSON, (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def error(
    send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Sends ``{"error": message}``."""
    await respond(send, status, orjson.dumps({"error": message}), headers)


class _TooLargeError(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    first = await receive()
    body: bytes = first.get("body", b"")
    if not first.get("more_body"):
        if len(body) > limit:
            raise _TooLargeError
        return body
    chunks = [body]
    size = len(body)
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        more = bool(message.get("more_body"))
    return b"".join(chunks)


async def hooks(relay: Relay, scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /hooks``: check the secret, validate, commit durably, and only then answer 200."""
    cfg = relay.config
    metrics = relay.metrics
    secret = length = None
    for name, value in scope["headers"]:
        if name == _SECRET:
            secret = value
        elif name == b"content-length":
            length = value
    position = relay.credentials.secret_position(secret)
    if not position:
        metrics.rejected["unauthorized"] += 1
        return await error(send, 401, f"missing or wrong {SECRET_HEADER}")
    too_large = f"the body is over {cfg.max_body_bytes} bytes"
    if length is not None and length.isdigit() and int(length) > cfg.max_body_bytes:
        metrics.rejected["too_large"] += 1
        return await error(send, 413, too_large)
    try:
        raw = await _read_body(receive, cfg.max_body_bytes)
    except _TooLargeError:
        metrics.rejected["too_large"] += 1
        return await error(send, 413, too_large)
    except ConnectionError:
        return None  # the sender went away; nothing to answer
    try:
        event = parse_event(raw)
    except RejectedError as exc:
        metrics.rejected[exc.reason] += 1
        return await error(send, 400, exc.message)
    now = datetime.now(UTC)
    item = Incoming(
        event_id=event.event_id,
        received_at=format_timestamp(now),
        received_ts=now.timestamp(),
        envelope=event.envelope,
        headers=stored_headers(scope["headers"]),
    )
    try:
        result = await relay.writer.submit(item)
    except WriterClosedError:
        return await error(send, 503, "the relay is shutting down; retry later", _retry(1))
    except StorageFailedError as exc:
        return await error(send, 503, unavailable_message(str(exc)), _retry(STORAGE_RETRY_AFTER_S))
    metrics.accepted_by_secret[position] += 1
    body = b'{"seq":%d,"duplicate":%s}' % (result.seq, b"false" if result.new else b"true")
    await respond(send, 200, body)
    return None


def _retry(seconds: int) -> list[tuple[bytes, bytes]]:
    return [(b"retry-after", str(seconds).encode())]


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (``name`` in lower case)."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def query(scope: Scope) -> dict[str, str]:
    """The query parameters (the last value of each)."""
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


async def unauthorized(send: Send) -> None:
    """401 for a missing or wrong bearer token."""
    await error(send, 401, "missing or wrong bearer token", [(b"www-authenticate", b"Bearer")])


async def events(relay: Relay, scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /events``: the SSE stream (bearer token), replay then live."""
    if not relay.credentials.bearer_ok(header(scope, b"authorization")):
        return await unauthorized(send)
    try:
        last_id = header(scope, b"last-event-id")
        after = parse_seq(last_id.decode("latin-1") if last_id else None, "Last-Event-ID")
        if after is None:
            after = parse_seq(query(scope).get("after"), "after")
    except RejectedError as exc:
        relay.metrics.rejected[exc.reason] += 1
        return await error(send, 400, exc.message)
    if relay.fanout.count >= relay.config.max_subscribers:
        relay.metrics.subscribers_refused += 1
        relay.subscriber_cap.seen(relay.config.max_subscribers)
        message = f"the relay already serves {relay.config.max_subscribers} streams; retry later"
        return await error(send, 503, message, _retry(relay.config.retry_ms // 1000 + 1))
    relay.subscriber_cap.gone()
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:  # not served by impilo-relay's own server (``__main__``)
        return await error(send, 500, "streams are served only by the impilo-relay command")
    if transport.get_write_buffer_size():  # only after requests pipelined before this one
        return await error(send, 400, "a stream must not follow unanswered pipelined requests")
    # The fan-out thread takes the connection over (see fanout_thread.py); uvicorn forgets it
    # when our copy of the socket is closed, and this request ends there.
    relay.fanout.adopt(
        transport.get_extra_info("socket"), after, chunked=scope.get("http_version") != "1.0"
    )
    transport.close()
    while (await receive())["type"] != "http.disconnect":
        pass
    return None
