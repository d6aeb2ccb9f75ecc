"""The ``Impilo-API-Key`` check in front of every ``/api/v3`` route."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from fastapi.security import APIKeyHeader
from starlette.types import ASGIApp, Receive, Scope, Send

from impilo_desk.contract import API_KEY_HEADER, API_PREFIX
from impilo_desk.sandbox.errors import error_response

API_KEY_SCHEME = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="The account's API key. ASSUMPTION: a missing or unknown key is 401 "
    "(the docs do not say).",
)
"""Documents the header in the OpenAPI schema; :class:`ApiKeyMiddleware` enforces it."""


def key_matches(given: bytes, keys: Sequence[str]) -> bool:
    """Constant-time comparison of a header value against every accepted key."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode())
    return found


class ApiKeyMiddleware:
    """Answers 401 for any ``/api/v3`` request without a known key, before anything else runs.

    Args:
        app: The wrapped ASGI app.
        keys: The accepted API keys.
    """

    def __init__(self, app: ASGIApp, keys: Sequence[str]) -> None:
        self.app = app
        self.keys = tuple(keys)
        self._header = API_KEY_HEADER.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Checks the key of API requests, passes everything else through."""
        path: str = scope.get("path", "")
        if scope["type"] == "http" and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            given = next((v for k, v in scope["headers"] if k == self._header), None)
            if given is None or not key_matches(given, self.keys):
                reason = "missing" if given is None else "not a valid key"
                response = error_response(401, f"The {API_KEY_HEADER} header is {reason}.", path)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
