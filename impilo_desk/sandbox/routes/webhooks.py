"""Webhook subscriptions: create, list, get, change URL (PATCH), delete."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, Response

from impilo_desk.contract import EVENT_TYPES, Page, Webhook, WebhookRequest
from impilo_desk.sandbox.common import (
    ASSUMED,
    PagingDep,
    SandboxDep,
    json_response,
    not_found,
    page_response,
    path_id,
    require,
)
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.openapi import MAX_URL
from impilo_desk.sandbox.store import webhooks as store

router = APIRouter(tags=["webhooks"])

WebhookId = Annotated[int, path_id("webhookId", "The webhook's id.")]


def check_type(type_: str) -> None:
    """400 unless ``type_`` is a known event type."""
    if type_ not in EVENT_TYPES:
        raise ApiProblem(400, f"Unknown webhook type {type_[:80]!r}; see the event-type catalogue.")


def check_url(url: str) -> None:
    """400 unless ``url`` is an absolute http(s) URL with a host."""
    if len(url) > MAX_URL:
        raise ApiProblem(400, f"The URL is longer than {MAX_URL} characters.")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ApiProblem(400, "The URL must not contain spaces or control characters.")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ApiProblem(400, "The URL is not valid.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ApiProblem(400, "The URL must be an absolute http:// or https:// URL.")


@router.post(
    "/webhook",
    response_model=Webhook,
    summary="Create webhook",
    description="Subscribes one URL to one event type (documented). "
    + ASSUMED
    + "an unknown type, a missing field or a URL that is not absolute http(s) is 400.",
)
async def create_webhook(body: WebhookRequest, sandbox: SandboxDep) -> Response:
    """Creates a webhook."""
    check_type(body.type)
    check_url(body.url)
    return json_response(await sandbox.db.write(store.create, body.type, body.url))


@router.get(
    "/webhook",
    response_model=Page[Webhook],
    summary="List webhooks",
    description=ASSUMED + "the paging envelope (the docs' list page was not captured), "
    "oldest first.",
)
async def list_webhooks(paging: PagingDep, sandbox: SandboxDep) -> Response:
    """Lists webhooks."""
    return await page_response(sandbox, paging, store.page)


@router.get(
    "/webhook/{webhookId}",
    response_model=Webhook,
    summary="Get webhook",
    description=ASSUMED + "200 with the webhook, 404 when there is none.",
)
async def get_webhook(webhook_id: WebhookId, sandbox: SandboxDep) -> Response:
    """Fetches one webhook."""
    hook = await sandbox.db.read(store.get, webhook_id)
    return json_response(require(hook, not_found("Webhook", webhook_id)))


@router.patch(
    "/webhook/{webhookId}",
    response_model=Webhook,
    summary="Change a webhook's URL",
    description="Replaces the URL; the same URL again is 400 (documented). "
    + ASSUMED
    + "a type different from the stored one is 400; success is 200 with the webhook.",
)
async def patch_webhook(
    webhook_id: WebhookId,
    body: WebhookRequest,
    sandbox: SandboxDep,
) -> Response:
    """Changes a webhook's URL."""
    hook = require(await sandbox.db.read(store.get, webhook_id), not_found("Webhook", webhook_id))
    if body.type != hook["type"]:
        raise ApiProblem(400, "The type of a webhook cannot be changed; create a new webhook.")
    if body.url == hook["url"]:
        raise ApiProblem(400, "The new URL is the same as the current one.")
    check_url(body.url)
    await sandbox.db.write(store.set_url, webhook_id, body.url)
    return json_response({**hook, "url": body.url})


@router.delete(
    "/webhook/{webhookId}",
    status_code=204,
    response_class=Response,
    summary="Delete webhook",
    description=ASSUMED + "204 with no body; 404 when there is none. Deliveries already "
    "logged keep their retries to the URL they were sent to.",
)
async def delete_webhook(webhook_id: WebhookId, sandbox: SandboxDep) -> Response:
    """Deletes a webhook."""
    require(await sandbox.db.write(store.delete, webhook_id), not_found("Webhook", webhook_id))
    return Response(status_code=204)
