"""``--like-production``: the sandbox answers the way a real Spring-based Impilo plausibly does.

Where the docs are silent the sandbox follows design.md's decisions; a real platform may not. With
this switch a user (or a test) can rehearse against those other answers:

- the webhook secret: POST when one exists is 400 ("A webhook secret already exists for this
  account"), GET, PUT and DELETE are 405 ("Request method 'GET' is not supported");
- a chosen set of endpoints is missing: 404 with Spring's "No static resource …" message;
- the delivery log ignores some filters (by default ``lastResponseStatus``);
- test endpoints answer 200 with an empty body;
- ``/sandbox/info`` does not exist: 401, as an unauthenticated request to a real account is, and
  each such request is written to stderr (so a rehearsal shows who probed for it).

It is one ASGI middleware inside the API-key check (a real platform checks the key first).
"""

from __future__ import annotations

import fnmatch
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impilo_desk.contract import API_PREFIX
from impilo_desk.sandbox.errors import error_response
from impilo_desk.sandbox.store import webhooks as store

log = logging.getLogger(__name__)

DEFAULT_MISSING = (
    "test/weight-webhook",
    "test/ecg-webhook",
    "ecg-reading",
    "temperature-reading",
    "PATCH webhook/*",
)
"""Endpoints missing by default: ``[METHOD ]path`` under ``/api/v3``; ``*`` is a wildcard, and a
path also covers the items below it (``ecg-reading`` covers ``ecg-reading/7``)."""

DEFAULT_IGNORED_FILTERS = ("lastResponseStatus",)
SECRET_PATH = API_PREFIX + "/webhook-secret"
LOGS_PATH = API_PREFIX + "/webhook/logs"
TEST_PREFIX = API_PREFIX + "/test/"
INFO_PATH = "/sandbox/info"
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class LikeProduction:
    """What the switch changes.

    Attributes:
        missing: Endpoints answered with Spring's 404 (see :data:`DEFAULT_MISSING`).
        ignored_filters: Query parameters of the delivery log that are dropped unread.
    """

    missing: tuple[str, ...] = DEFAULT_MISSING
    ignored_filters: tuple[str, ...] = DEFAULT_IGNORED_FILTERS

    def is_missing(self, method: str, path: str) -> bool:
        """Whether ``method path`` (a full path) is one of the missing endpoints."""
        if not path.startswith(API_PREFIX + "/"):
            return False
        relative = path[len(API_PREFIX) + 1 :].rstrip("/")
        for spec in self.missing:
            want_method, _, pattern = spec.strip().rpartition(" ")
            if want_method and want_method.upper() != method:
                continue
            pattern = pattern.strip("/")
            if fnmatch.fnmatchcase(relative, pattern) or (
                "*" not in pattern and relative.startswith(pattern + "/")
            ):
                return True
        return False


def parse_missing(specs: Sequence[str]) -> tuple[str, ...]:
    """Checks ``--missing`` values (``[METHOD ]path``); ``none`` alone means no endpoint.

    Raises:
        ValueError: A method that is not GET, POST, PUT, PATCH or DELETE, or an empty path.
    """
    if [s.strip().lower() for s in specs] == ["none"]:
        return ()
    checked = []
    for spec in specs:
        method, _, path = spec.strip().rpartition(" ")
        if method and method.upper() not in _METHODS:
            raise ValueError(f"{spec!r}: the method must be one of {', '.join(sorted(_METHODS))}")
        if not path.strip("/"):
            raise ValueError(f"{spec!r}: name a path under {API_PREFIX}, e.g. ecg-reading")
        checked.append(f"{method.upper()} {path}".strip())
    return tuple(checked)


class LikeProductionMiddleware:
    """Answers some requests as a real platform would (see the module docstring).

    Args:
        app: The wrapped ASGI app.
        behaviour: What to change.
    """

    def __init__(self, app: ASGIApp, behaviour: LikeProduction) -> None:
        self.app = app
        self.behaviour = behaviour

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrites, answers or passes on one request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"].rstrip("/") or "/"
        if path == INFO_PATH:
            print(f"like-production: {method} {INFO_PATH} answered 401", file=sys.stderr)
            await error_response(401, "Full authentication is required.", path)(
                scope, receive, send
            )
            return
        if self.behaviour.is_missing(method, path):
            message = f"No static resource {path.lstrip('/')}."
            await error_response(404, message, path)(scope, receive, send)
            return
        if path == SECRET_PATH:
            if method != "POST":
                message = f"Request method '{method}' is not supported"
                await error_response(405, message, path, {"Allow": "POST"})(scope, receive, send)
                return
            sandbox = scope["app"].state.sandbox
            if await sandbox.db.read(store.get_secret) is not None:
                message = "A webhook secret already exists for this account"
                await error_response(400, message, path)(scope, receive, send)
                return
        if path == LOGS_PATH and self.behaviour.ignored_filters:
            scope = dict(scope)
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in pairs if k not in self.behaviour.ignored_filters]
            scope["query_string"] = urlencode(kept).encode("latin-1")
        if method == "POST" and path.startswith(TEST_PREFIX):
            await self.app(scope, receive, _empty_success(send))
            return
        await self.app(scope, receive, send)


def _empty_success(send: Send) -> Send:
    """A ``send`` that turns a 2xx answer into the same status with an empty body."""
    state = {"empty": False}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            state["empty"] = 200 <= message["status"] < 300
            if state["empty"]:
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-length", b"content-type")
                ]
                message = {**message, "headers": [*headers, (b"content-length", b"0")]}
        elif message["type"] == "http.response.body" and state["empty"]:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return wrapped
