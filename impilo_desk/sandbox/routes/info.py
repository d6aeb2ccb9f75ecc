"""Sandbox extensions outside ``/api/v3``: info, and a sink that demo webhooks deliver to."""

from __future__ import annotations

import itertools
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from impilo_desk.sandbox.common import EXTENSION, SandboxDep, json_response
from impilo_desk.sandbox.config import VERSION

router = APIRouter(prefix="/sandbox", tags=["sandbox extension"])

_counter = itertools.count()


class Info(BaseModel):
    """What a client may want to know about the sandbox."""

    time_scale: float
    version: str


@router.get(
    "/info",
    response_model=Info,
    summary="Sandbox information (sandbox extension)",
    description=EXTENSION + "the retry time scale and the version; no API key needed.",
)
async def info(sandbox: SandboxDep) -> Response:
    """Returns the time scale and version."""
    return json_response({"time_scale": sandbox.config.time_scale, "version": VERSION})


@router.post(
    "/sink/{mode}",
    summary="Delivery sink (sandbox extension)",
    description=EXTENSION + "a receiver the demo webhooks point at: `ok` answers 200, `down` "
    "answers 503, `flaky` answers 503 to every third request. No API key needed.",
    responses={200: {"description": "Accepted"}, 503: {"description": "Refused on purpose"}},
)
async def sink(mode: Literal["ok", "flaky", "down"], request: Request) -> Response:
    """Accepts (or refuses) a delivery."""
    await request.body()
    refuse = mode == "down" or (mode == "flaky" and next(_counter) % 3 == 0)
    return json_response({"received": not refuse}, 503 if refuse else 200)
