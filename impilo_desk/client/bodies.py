"""Request bodies the client sends and the secret answers it reads, kept out of client.py."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from impilo_desk.client.errors import BadResponse, ValidationFailed
from impilo_desk.client.reader import parse_json, read_model
from impilo_desk.contract import WebhookRequest, WebhookSecret, format_timestamp


def webhook_request(type_: str, url: str) -> dict[str, Any]:
    """The body of create and change-URL, checked before it is sent."""
    try:
        request = WebhookRequest(type=type_, url=url)
    except ValidationError:
        raise ValidationFailed("A webhook needs an event type and a URL.") from None
    return request.model_dump(mode="json", exclude_none=True)


def read_secret(response: httpx.Response, sent: str | None) -> WebhookSecret:
    """The secret in an answer; a success without an echo means the one sent took."""
    data = parse_json(response.content, status=response.status_code)
    if data is None and sent is not None:  # tolerated: success without an echo
        return WebhookSecret(secret=sent)
    secret = read_model(data, WebhookSecret, what="the webhook secret")
    if not secret.secret and sent is not None:
        return WebhookSecret(secret=sent)
    if not secret.secret:
        raise BadResponse(
            "Impilo said the secret was created but did not return it; open the Impilo portal "
            "to see it.",
            status=response.status_code,
        )
    return secret


def jsonable(value: Any) -> Any:
    """A test body with times as ``…Z`` text, ready for JSON."""

    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return format_timestamp(obj)
        if isinstance(obj, date):
            return obj.isoformat()
        raise TypeError(f"{type(obj).__name__} cannot be sent as JSON")

    return json.loads(json.dumps(value, default=default))
