"""The account's webhook secret: create (documented) and the sandbox's get/replace/delete."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from impilo_desk.contract import WebhookSecret
from impilo_desk.sandbox.common import ASSUMED, EXTENSION, SandboxDep, json_response, require
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.openapi import answers
from impilo_desk.sandbox.store import webhooks as store

router = APIRouter(tags=["webhook secret"])

SECRET_PATTERN = r"^[\x21-\x7e]{1,256}$"  # noqa: S105 - a pattern, not a secret
"""Printable ASCII without spaces, as a header value must be (ASSUMPTION: Impilo's rules are
not documented)."""


class SecretIn(BaseModel):
    """Body of create: the secret to use, or nothing to have one generated."""

    secret: str | None = Field(default=None, pattern=SECRET_PATTERN)

    def __repr__(self) -> str:
        return "SecretIn(secret=<hidden>)"


class SecretReplace(BaseModel):
    """Body of replace: the new secret."""

    secret: str = Field(pattern=SECRET_PATTERN)

    def __repr__(self) -> str:
        return "SecretReplace(secret=<hidden>)"


def _no_secret() -> ApiProblem:
    return ApiProblem(404, "This account has no webhook secret.")


def generate() -> str:
    """A strong new secret (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


@router.post(
    "/webhook-secret",
    response_model=WebhookSecret,
    summary="Create webhook secret",
    responses=answers({409: "The account already has a secret."}),
    description="Creates the account's secret, sent as-is in Impilo-Webhook-Secret on every "
    "delivery (documented); creating one when one exists is an error (documented). "
    + ASSUMED
    + "that error is 409; without `secret` the server generates one; a secret is 1 to 256 "
    "printable ASCII characters without spaces.",
)
async def create_secret(
    sandbox: SandboxDep, body: Annotated[SecretIn | None, Body()] = None
) -> Response:
    """Creates the secret."""
    value = body.secret if body is not None and body.secret is not None else generate()
    created = await sandbox.db.write(store.create_secret, value)
    require(created, ApiProblem(409, "This account already has a webhook secret."))
    return json_response({"secret": value})


@router.get(
    "/webhook-secret",
    response_model=WebhookSecret,
    summary="Get webhook secret (sandbox extension)",
    responses=answers({404: "The account has no secret."}),
    description=EXTENSION + "200 with the secret, 404 when the account has none.",
    tags=["sandbox extension"],
)
async def get_secret(sandbox: SandboxDep) -> Response:
    """Reads the secret."""
    value = require(await sandbox.db.read(store.get_secret), _no_secret())
    return json_response({"secret": value})


@router.put(
    "/webhook-secret",
    response_model=WebhookSecret,
    summary="Replace webhook secret (sandbox extension)",
    description=EXTENSION + "sets the secret, replacing any; 200 with the new secret. "
    "The real platform may need the portal for this.",
    tags=["sandbox extension"],
)
async def replace_secret(body: SecretReplace, sandbox: SandboxDep) -> Response:
    """Replaces the secret."""
    await sandbox.db.write(store.replace_secret, body.secret)
    return json_response({"secret": body.secret})


@router.delete(
    "/webhook-secret",
    status_code=204,
    response_class=Response,
    summary="Delete webhook secret (sandbox extension)",
    responses=answers({404: "The account has no secret."}),
    description=EXTENSION + "204; 404 when the account has none. Deliveries then go "
    "without the Impilo-Webhook-Secret header.",
    tags=["sandbox extension"],
)
async def delete_secret(sandbox: SandboxDep) -> Response:
    """Deletes the secret."""
    require(await sandbox.db.write(store.delete_secret), _no_secret())
    return Response(status_code=204)
