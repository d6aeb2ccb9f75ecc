"""Spring-style errors: every failure answers ``{timestamp, status, error, message, path}``.

FastAPI's 422 for bad input becomes 400 with a readable message (design.md: bad input is 400).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from impilo_desk.contract import format_timestamp

log = logging.getLogger(__name__)

MAX_REPORTED = 5


class ApiProblem(Exception):  # noqa: N818 - it is the answer, not a bug
    """An error the API answers with: HTTP status and a one-sentence message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str, path: str) -> dict[str, Any]:
    """The Spring Boot error JSON."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {
        "timestamp": format_timestamp(datetime.now(UTC)),
        "status": status,
        "error": reason,
        "message": message,
        "path": path,
    }


def error_response(
    status: int, message: str, path: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON response carrying :func:`error_body`."""
    return JSONResponse(error_body(status, message, path), status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One line from pydantic's error list: ``page: Input should be ...; url: Field required``."""
    parts: list[str] = []
    for error in errors[:MAX_REPORTED]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append("the request body is not valid JSON")
            continue
        if kind == "missing" and not loc:
            parts.append("a JSON request body is required")
            continue
        where = ".".join(loc) if loc else "request body"
        parts.append(f"{where}: {error.get('msg', 'invalid value')}")
    more = len(errors) - MAX_REPORTED
    if more > 0:
        parts.append(f"and {more} more")
    return "Invalid request: " + "; ".join(parts) + "."


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return error_response(exc.status, exc.message, request.url.path)


def _allowed(request: Request) -> str:
    """Every method of the request's path (for ``Allow``).

    FastAPI makes a route per method, and the one that answers 405 names only its own.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == HTTPStatus.NOT_FOUND and message == "Not Found":
        message = f"No route for {request.method} {request.url.path}."
    elif exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed(request)
        message = f"{request.method} is not allowed here; use {headers['Allow']}."
    return error_response(exc.status_code, message, request.url.path, headers or None)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, describe_validation(exc.errors()), request.url.path)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s: %r", request.method, request.url.path, exc)
    return error_response(500, "The sandbox failed unexpectedly.", request.url.path)


def install(app: FastAPI) -> None:
    """Registers the handlers that turn every failure into the error body."""
    app.add_exception_handler(ApiProblem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
