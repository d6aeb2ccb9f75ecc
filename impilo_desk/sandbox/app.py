"""The sandbox's ASGI app: routes, errors, the API-key check, and what the lifespan owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Security

from impilo_desk.contract import API_PREFIX, scaled_schedule
from impilo_desk.sandbox import errors, openapi
from impilo_desk.sandbox.common import Sandbox
from impilo_desk.sandbox.config import VERSION, SandboxConfig
from impilo_desk.sandbox.delivery import DeliveryWorker
from impilo_desk.sandbox.demo import DemoRecorder, seed_demo
from impilo_desk.sandbox.routes import fire, info, logs, patients, readings, secret, webhooks
from impilo_desk.sandbox.security import API_KEY_SCHEME, ApiKeyMiddleware
from impilo_desk.sandbox.store import Database
from impilo_desk.sandbox.store import people as store_people

DESCRIPTION = """\
A local server that speaks the Impilo Platform API v3 as documented at docs.impiloplatform.com,
with real webhook delivery, the 15/30/60-minute retry schedule (divided by the sandbox's time
scale) and the delivery log.

Where the documentation is silent, each operation's description says what the sandbox assumes
("ASSUMPTION"). Operations tagged "sandbox extension" do not exist on the real platform.
Errors are Spring-style JSON: {timestamp, status, error, message, path}; bad input is 400.
"""


def create_app(config: SandboxConfig) -> FastAPI:
    """Builds the sandbox app; the lifespan opens the database and runs the worker and demo."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(config.db_path)
        worker = DeliveryWorker(db, scaled_schedule(config.time_scale))
        recorder: DemoRecorder | None = None
        try:
            await db.open()
            await db.write(store_people.ensure_default_site)
            sandbox = Sandbox(config, db, worker)
            app.state.sandbox = sandbox
            if config.demo:
                await db.write(seed_demo, config.base_url, config.time_scale)
            await worker.start()
            if config.demo:
                recorder = DemoRecorder(sandbox, interval_s=config.demo_interval_s)
                recorder.start()
            yield
        finally:
            if recorder is not None:
                await recorder.stop()
            await worker.stop()
            db.close()

    app = FastAPI(
        title="Impilo sandbox",
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    errors.install(app)
    openapi.install(app)
    api = APIRouter(prefix=API_PREFIX, dependencies=[Security(API_KEY_SCHEME)])
    for module in (logs, webhooks, secret, fire, readings, patients):  # logs before /{id}
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(info.router)
    if config.like_production is not None:  # added first: it runs inside the key check
        from impilo_desk.sandbox.like_production import LikeProductionMiddleware

        app.add_middleware(LikeProductionMiddleware, behaviour=config.like_production)
    app.add_middleware(ApiKeyMiddleware, keys=config.api_keys)
    return app
