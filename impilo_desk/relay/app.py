"""The relay as an ASGI app: the hot routes raw (``hot.py``), the others on Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from impilo_desk.relay import hot
from impilo_desk.relay.config import ConfigError, RelayConfig, read_secrets
from impilo_desk.relay.credentials import Credentials
from impilo_desk.relay.errors import (
    STORAGE_RETRY_AFTER_S,
    StoreUnavailableError,
    health_reason,
    unavailable_message,
)
from impilo_desk.relay.fanout_thread import FanoutThread, fanout
from impilo_desk.relay.ingest import IngestWriter
from impilo_desk.relay.metrics import CONTENT_TYPE, Metrics
from impilo_desk.relay.openapi import OPENAPI
from impilo_desk.relay.state import Relay
from impilo_desk.relay.stores import EventStore, open_store
from impilo_desk.relay.validate import RejectedError, parse_seq

log = logging.getLogger("impilo_desk.relay")
HISTORY_MAX = 1000
DAY_S = 86400
_RETRY_AFTER = {"Retry-After": str(STORAGE_RETRY_AFTER_S)}


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


def _relay(request: Request) -> Relay:
    relay: Relay = request.app.state.relay
    return relay


def _token_ok(request: Request, relay: Relay) -> bool:
    value = request.headers.get("authorization")
    return relay.credentials.bearer_ok(value.encode("latin-1") if value is not None else None)


async def history(request: Request) -> Response:
    """``GET /events/history?after=N&limit=M``: the stored events as JSON pages (bearer token)."""
    relay = _relay(request)
    if not _token_ok(request, relay):
        return _error(401, "missing or wrong bearer token", **{"WWW-Authenticate": "Bearer"})
    try:
        after = parse_seq(request.query_params.get("after"), "after") or 0
        limit = parse_seq(request.query_params.get("limit"), "limit")
        if limit == 0:
            raise RejectedError("bad_parameter", "limit must be an integer of 1 or more")
    except RejectedError as exc:
        relay.metrics.rejected[exc.reason] += 1
        return _error(400, exc.message)
    limit = min(limit or 100, HISTORY_MAX)
    rows = await asyncio.to_thread(relay.store.read_after, after, limit)
    bounds = await asyncio.to_thread(relay.store.bounds)
    next_after = rows[-1].seq if rows else after
    text = (
        f'{{"events":[{",".join(r.to_json() for r in rows)}],"next_after":{next_after},'
        f'"last_seq":{bounds["last_seq"]},"pruned_through":{bounds["pruned_through"]},'
        f'"gap":{"true" if after < bounds["pruned_through"] else "false"}}}'
    )
    return Response(text, media_type="application/json")


async def _store_state(relay: Relay) -> tuple[dict[str, int] | None, str | None]:
    """The store's bounds (read now: a real round trip) and why it fails (``None``: it works).

    It fails while the writer's commits fail (a full disk, PostgreSQL down: ``ingest``) or when
    this very read cannot reach it; ``/healthz`` and ``/metrics`` both tell it from here.
    """
    try:
        bounds = await asyncio.to_thread(relay.store.bounds)
    except StoreUnavailableError as exc:
        relay.metrics.store_failing = True
        return None, str(exc)
    relay.metrics.store_failing = relay.writer.failing is not None
    return bounds, relay.writer.failing


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 while the store commits, 503 with the reason while it does not."""
    relay = _relay(request)
    bounds, failing = await _store_state(relay)
    body: dict[str, object] = {
        "status": "ok" if failing is None else "failing",
        "subscribers": relay.metrics.subscribers,
        **(bounds or {}),
    }
    if failing is not None:
        body["reason"] = health_reason(failing)
        return JSONResponse(body, status_code=503, headers=_RETRY_AFTER)
    return JSONResponse(body)


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    """Any other route whose store read found the store unreachable: the same 503."""
    return _error(503, unavailable_message(str(exc)), **_RETRY_AFTER)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: Prometheus text format (also while the store fails: it says so)."""
    relay = _relay(request)
    bounds, _ = await _store_state(relay)
    if bounds is not None:
        relay.metrics.retained = bounds["count"]
    return Response(relay.metrics.render(), media_type=CONTENT_TYPE)


async def openapi(request: Request) -> Response:
    """``GET /openapi.json``: the relay's own API description."""
    return JSONResponse(OPENAPI)


async def _not_here(request: Request) -> Response:
    return _error(405, "use POST")  # POST /hooks is served by the raw route


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
        except StoreUnavailableError as exc:  # told by /healthz already; no traceback
            log.warning("retention pass skipped (%s); will try again", exc)
        except Exception:
            log.exception("retention pass failed; will try again")
        await asyncio.sleep(cfg.retention_interval_s)


def reload_secrets(relay: Relay) -> None:
    """SIGHUP: reads the secret file again; keeps the old secrets if it cannot (and says why)."""
    path = relay.config.secret_file
    if path is None:
        log.warning("SIGHUP: the secret came from the environment; nothing to read again")
        return
    try:
        found = read_secrets(path)
    except ConfigError as exc:
        log.error("SIGHUP: kept the current secrets: %s", exc)
        return
    relay.credentials.replace_secrets(found)
    relay.metrics.secrets_configured = len(found)
    relay.metrics.accepted_by_secret.clear()  # positions may now mean other secrets
    log.warning("SIGHUP: %d webhook secret(s) now accepted, from %s", len(found), path)


class RelayApp:
    """The ASGI entry point: ``POST /hooks`` and ``GET /events`` raw, the rest on Starlette.

    Args:
        config: The relay's configuration.
        store: The store, already open (``__main__`` opens it first, to report a database that
            cannot be reached in one sentence); ``None``: the lifespan opens it from ``config``.
    """

    def __init__(self, config: RelayConfig, store: EventStore | None = None) -> None:
        self.config = config
        self.relay: Relay | None = None
        self.metrics = Metrics(secrets_configured=len(config.secrets))
        self._store = store
        self._cold = Starlette(
            routes=[
                Route("/hooks", _not_here, methods=["GET"]),
                Route("/events/history", history, methods=["GET"]),
                Route("/healthz", healthz, methods=["GET"]),
                Route("/metrics", metrics, methods=["GET"]),
                Route("/openapi.json", openapi, methods=["GET"]),
            ],
            lifespan=self._lifespan,
            exception_handlers={StoreUnavailableError: _store_unavailable},
        )

    async def __call__(self, scope: hot.Scope, receive: hot.Receive, send: hot.Send) -> None:
        """Serves one ASGI connection scope (HTTP or lifespan)."""
        if scope["type"] == "http" and self.relay is not None:
            path, method = scope["path"], scope["method"]
            if path == "/hooks" and method == "POST":
                return await hot.hooks(self.relay, scope, receive, send)
            if path == "/events" and method == "GET":
                return await hot.events(self.relay, scope, receive, send)
        return await self._cold(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        config = self.config
        store = self._store
        if store is None:
            store = await asyncio.to_thread(open_store, config)
        self._store = None  # closed below: a second lifespan opens its own
        try:
            async with (
                fanout(store, self.metrics, config) as streams,
                self._running(app, store, streams),
            ):
                yield
        finally:
            store.close()

    @contextlib.asynccontextmanager
    async def _running(
        self, app: Starlette, store: EventStore, streams: FanoutThread
    ) -> AsyncIterator[None]:
        config = self.config
        metrics_ = self.metrics
        writer = IngestWriter(store, streams, metrics_)
        credentials = Credentials(config.secrets, config.token)
        relay = Relay(config, credentials, store, metrics_, streams, writer)
        app.state.relay = relay
        writer.start()
        retention = asyncio.create_task(_retention(relay), name="relay-retention")
        loop = asyncio.get_running_loop()
        hup = False
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(signal.SIGHUP, reload_secrets, relay)  # main thread only
            hup = True
        self.relay = relay
        try:
            yield
        finally:
            self.relay = None
            if hup:
                loop.remove_signal_handler(signal.SIGHUP)
            streams.close()
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            await writer.close()


def create_app(config: RelayConfig, store: EventStore | None = None) -> RelayApp:
    """Builds the relay; its lifespan opens the store (unless given), the fan-out and writer."""
    return RelayApp(config, store)
