"""The sandbox's OpenAPI document, made to say what the server does.

FastAPI documents 422 for every operation with inputs, but the sandbox answers bad input with
400 (``errors.py``); every ``/api/v3`` operation may answer 401 without a valid key, and one with
an id in its path 404. Each of those answers carries the Spring-style error body. Routes
declare their other answers (404 for an unknown patient, 409 for a second secret) with
``responses=`` and the ranges they enforce in their models (``reading_models.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from impilo_desk.contract import EVENT_TYPES

ERROR_BODY = "ErrorBody"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_BODY,
    "description": "Every failure (Spring style).",
    "type": "object",
    "required": ["timestamp", "status", "error", "message", "path"],
    "properties": {
        "timestamp": {"type": "string", "format": "date-time"},
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string", "description": "One sentence for people."},
        "path": {"type": "string"},
    },
}
BAD_INPUT = "Bad input: a parameter or the body is missing, malformed or out of range."
NO_KEY = "The Impilo-API-Key header is missing or not accepted."
NOT_FOUND = "There is no such thing (see the message)."
MAX_URL = 2048
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,4})?(/[!-~]*)?$"
"""An absolute http(s) URL with a host (``webhooks.check_url`` parses it; this is a subset)."""
_UNUSED = ("HTTPValidationError", "ValidationError")  # FastAPI's 422 bodies, never sent


def answers(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's other answers, ``{404: "why"}``; each gets the error body."""
    return {code: {"description": text} for code, text in descriptions.items()}


def install(app: FastAPI) -> None:
    """Makes ``app.openapi()`` return the document as :func:`rewrite` leaves it (built once)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            rewrite(generate())  # FastAPI keeps the document it built in app.openapi_schema
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way


def rewrite(document: dict[str, Any]) -> None:
    """400 for 422, 401 and 404 where they happen, the error body on every 4xx (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _UNUSED:
        schemas.pop(name, None)
    schemas[ERROR_BODY] = ERROR_SCHEMA
    if "WebhookRequest" in schemas:  # the contract's model; the sandbox checks more (webhooks.py)
        fields = schemas["WebhookRequest"]["properties"]
        fields["type"]["enum"] = sorted(EVENT_TYPES)
        fields["url"].update(maxLength=MAX_URL, pattern=URL_PATTERN)
    body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_BODY}"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", {"description": BAD_INPUT})
            if operation.get("security"):
                responses.setdefault("401", {"description": NO_KEY})
            if any(p.get("in") == "path" for p in operation.get("parameters", ())):
                responses.setdefault("404", {"description": NOT_FOUND})
            for code, response in responses.items():
                if code.startswith("4"):
                    response.setdefault("content", body)
