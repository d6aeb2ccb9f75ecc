"""The relay's HTTP routes (Starlette): ingest, stream, history, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from impilo_desk.contract import SECRET_HEADER, format_timestamp
from impilo_desk.relay.broadcaster import Broadcaster
from impilo_desk.relay.config import RelayConfig
from impilo_desk.relay.ingest import IngestWriter, WriterClosedError
from impilo_desk.relay.metrics import CONTENT_TYPE, Metrics
from impilo_desk.relay.store import Incoming
from impilo_desk.relay.stores import EventStore, StoreUnavailableError, fanout, open_store
from impilo_desk.relay.stream import event_stream

log = logging.getLogger("impilo_desk.relay")
HISTORY_MAX = 1000
RETRY_AFTER_S = "5"  # told to a sender when the event could not be stored (store down)
DAY_S = 86400
_SECRET_LOWER = SECRET_HEADER.lower()
_RETRY_AFTER = {"Retry-After": RETRY_AFTER_S}


class BodyTooLargeError(Exception):
    """The request body passed the size limit while it was being read."""


@dataclass
class Relay:
    """The running relay's parts, created at startup and closed at shutdown."""

    config: RelayConfig
    store: EventStore
    metrics: Metrics
    broadcaster: Broadcaster
    writer: IngestWriter


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def _same(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a header value (decoded latin-1 by ASGI) with a credential."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("latin-1", "replace"), expected.encode("utf-8"))


def _bearer_ok(request: Request, token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and _same(value.strip(), token)


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _reject(relay: Relay, reason: str, status: int, message: str) -> JSONResponse:
    relay.metrics.rejected[reason] += 1
    return _error(status, message)


async def hooks(request: Request) -> Response:
    """``POST /hooks``: check the secret, store the event durably, then answer 200."""
    relay: Relay = request.app.state.relay
    cfg = relay.config
    if not _same(request.headers.get(SECRET_HEADER), cfg.secret):
        return _reject(relay, "unauthorized", 401, f"missing or wrong {SECRET_HEADER}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cfg.max_body_bytes:
        return _reject(relay, "too_large", 413, f"body over {cfg.max_body_bytes} bytes")
    try:
        raw = await _read_body(request, cfg.max_body_bytes)
    except BodyTooLargeError:
        return _reject(relay, "too_large", 413, f"body over {cfg.max_body_bytes} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _reject(relay, "bad_json", 400, "the body is not JSON")
    if not isinstance(body, dict):
        return _reject(relay, "not_envelope", 400, "the body is not a JSON object")
    event_id = body.get("id")
    if isinstance(event_id, bool) or not isinstance(event_id, int):
        return _reject(relay, "not_envelope", 400, "the body has no integer id")
    if not isinstance(body.get("type"), str):
        return _reject(relay, "not_envelope", 400, "the body has no string type")
    now = datetime.now(UTC)
    headers = {k: v for k, v in request.headers.items() if k.lower() != _SECRET_LOWER}
    item = Incoming(
        event_id=event_id,
        received_at=format_timestamp(now),
        received_ts=now.timestamp(),
        envelope=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=json.dumps(headers, separators=(",", ":"), ensure_ascii=False),
    )
    try:
        result = await relay.writer.submit(item)
    except WriterClosedError:
        # Never 200 without a commit: the store is down or the relay is stopping.
        return _error(503, "the relay could not store the event now; retry later", **_RETRY_AFTER)
    return JSONResponse({"seq": result.seq, "duplicate": not result.new})


def _after(request: Request, *, header: bool) -> int | None:
    text = request.headers.get("last-event-id") if header else None
    if not text:
        text = request.query_params.get("after")
    if text is None or text == "":
        return None
    value = int(text)
    if value < 0:
        raise ValueError
    return value


async def events(request: Request) -> Response:
    """``GET /events``: the SSE stream (bearer token)."""
    relay: Relay = request.app.state.relay
    if not _bearer_ok(request, relay.config.token):
        return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
    try:
        after = _after(request, header=True)
    except ValueError:
        return _error(400, "Last-Event-ID / after must be a non-negative integer")
    stream = event_stream(
        relay.store,
        relay.broadcaster,
        after,
        keepalive_s=relay.config.keepalive_s,
        retry_ms=relay.config.retry_ms,
    )
    return StreamingResponse(
        _ends_quietly(stream),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _ends_quietly(stream: AsyncIterator[str]) -> AsyncIterator[str]:
    """Ends a stream whose store became unreachable (the client resumes with Last-Event-ID)."""
    try:
        async for chunk in stream:
            yield chunk
    except StoreUnavailableError as exc:
        log.warning("a stream ended: %s", exc)


async def history(request: Request) -> Response:
    """``GET /events/history?after=N&limit=M``: the stored events as JSON pages (bearer token)."""
    relay: Relay = request.app.state.relay
    if not _bearer_ok(request, relay.config.token):
        return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
    try:
        after = _after(request, header=False) or 0
        limit = int(request.query_params.get("limit", "100"))
        if limit < 1:
            raise ValueError
    except ValueError:
        return _error(400, "after and limit must be non-negative integers (limit ≥ 1)")
    limit = min(limit, HISTORY_MAX)
    rows = await asyncio.to_thread(relay.store.read_after, after, limit)
    bounds = await asyncio.to_thread(relay.store.bounds)
    next_after = rows[-1].seq if rows else after
    text = (
        f'{{"events":[{",".join(r.to_json() for r in rows)}],"next_after":{next_after},'
        f'"last_seq":{bounds["last_seq"]},"pruned_through":{bounds["pruned_through"]},'
        f'"gap":{"true" if after < bounds["pruned_through"] else "false"}}}'
    )
    return Response(text, media_type="application/json")


async def healthz(request: Request) -> Response:
    """``GET /healthz``: liveness and a few facts (no secrets)."""
    relay: Relay = request.app.state.relay
    try:
        bounds = await asyncio.to_thread(relay.store.bounds)  # a real round trip: checked now
    except StoreUnavailableError as exc:
        body = {"status": "unavailable", "reason": str(exc)}
        return JSONResponse(body, status_code=503, headers=_RETRY_AFTER)
    return JSONResponse({"status": "ok", "subscribers": relay.metrics.subscribers, **bounds})


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    """Any route whose store call found the store unreachable: 503, in one sentence."""
    return _error(503, str(exc), **_RETRY_AFTER)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: Prometheus text format."""
    relay: Relay = request.app.state.relay
    relay.metrics.retained = (await asyncio.to_thread(relay.store.bounds))["count"]
    return Response(relay.metrics.render(), media_type=CONTENT_TYPE)


async def _retention(relay: Relay) -> None:
    cfg = relay.config
    while True:
        now = time.time()
        try:
            pruned = await relay.writer.run_job(
                functools.partial(
                    relay.store.prune,
                    older_than_ts=now - cfg.retention_days * DAY_S if cfg.retention_days else None,
                    keep_count=cfg.retention_count,
                    forget_before_ts=now - cfg.dedup_days * DAY_S if cfg.dedup_days else None,
                    remember_count=cfg.dedup_count,
                )
            )
            relay.metrics.pruned += pruned
            relay.metrics.retained = (await asyncio.to_thread(relay.store.bounds))["count"]
            if pruned:
                log.info("retention removed %d events", pruned)
        except Exception:
            log.exception("retention pass failed; will try again")
        await asyncio.sleep(cfg.retention_interval_s)


def create_app(config: RelayConfig, store: EventStore | None = None) -> Starlette:
    """Builds the relay app; its lifespan owns the store, the writer and retention.

    Args:
        config: The relay's configuration.
        store: The store, already open (``__main__`` opens it first, to report a database that
            cannot be reached in one sentence); ``None``: opened here from ``config``.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = store if store is not None else await asyncio.to_thread(open_store, config)
        metrics_ = Metrics()
        try:
            async with fanout(opened, metrics_, config.queue_size) as broadcaster:
                writer = IngestWriter(opened, broadcaster, metrics_)
                relay = Relay(config, opened, metrics_, broadcaster, writer)
                app.state.relay = relay
                writer.start()
                retention = asyncio.create_task(_retention(relay), name="relay-retention")
                try:
                    yield
                finally:
                    broadcaster.close()
                    retention.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await retention
                    await writer.close()
        finally:
            opened.close()

    routes = [
        Route("/hooks", hooks, methods=["POST"]),
        Route("/events", events, methods=["GET"]),
        Route("/events/history", history, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={StoreUnavailableError: _store_unavailable},
    )
