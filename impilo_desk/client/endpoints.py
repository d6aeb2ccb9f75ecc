"""Which endpoint a path is, for people, and whether a 404 means "no such endpoint".

A real Impilo (Spring) answers a path it has no handler for with 404 "No static resource …",
the same status as an item that does not exist. The two are told apart here: by the server's
message, and by the kind of path (a collection or an action has no id that could be unknown).
"""

from __future__ import annotations

import re
from enum import Enum

from impilo_desk.contract import API_PREFIX, READING_KINDS

# Spring 6, Spring 5 (throwExceptionIfNoHandlerFound) and our own sandbox's router.
_NO_HANDLER = re.compile(r"(?i)no static resource|no handler found|no route for|no endpoint")


class PathKind(Enum):
    """What a request path names."""

    COLLECTION = "collection"  # /webhook, /blood-glucose-reading
    ACTION = "action"  # /test/weight-webhook, /webhook-secret, /webhook/logs
    ITEM = "item"  # /webhook/7, /weight-reading/42


def path_kind(path: str) -> PathKind:
    """The kind of ``path`` (with or without the ``/api/v3`` prefix, query ignored)."""
    last = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if last.isdigit():
        return PathKind.ITEM
    if _relative(path) in _COLLECTIONS:
        return PathKind.COLLECTION
    return PathKind.ACTION


def is_missing_endpoint(path: str | None, server_message: str | None) -> bool:
    """Whether a 404 for ``path`` says the server has no such endpoint (not: no such item)."""
    if server_message and _NO_HANDLER.search(server_message):
        return True
    if path is None or _relative(path) in _SINGLETONS:
        return False  # one thing per account: its 404 may well mean "there is none"
    return path_kind(path) is not PathKind.ITEM


def endpoint_name(method: str | None, path: str | None) -> str:
    """The endpoint for people: "weight test-event", "ECG reading list", "PATCH /api/v3/…"."""
    if path is None:
        return "this"
    relative = _relative(path)
    for info in READING_KINDS.values():
        if info.has_test_endpoint and relative == _relative(info.test_path):
            return f"{_lower(info.label)} test-event"
        if relative == _relative(info.path):
            return f"{_lower(info.label)} reading list"
        if relative.startswith(_relative(info.path) + "/"):
            return f"{_lower(info.label)} reading"
    if re.fullmatch(r"webhook/\d+", relative):
        return f"{method} webhook" if method in ("PATCH", "PUT") else "webhook"
    named = {"webhook": "webhook list", "webhook/logs": "delivery log", "patient": "patient list"}
    if relative in named:
        return named[relative]
    if relative == "webhook-secret":
        return f"webhook-secret {method or ''}".rstrip()
    return f"{method or ''} {API_PREFIX}/{relative}".strip()


def _lower(label: str) -> str:
    return label if label.isupper() else label.lower()  # "ECG" stays, "Weight" -> "weight"


def _relative(path: str) -> str:
    path = path.split("?", 1)[0].strip("/")
    prefix = API_PREFIX.strip("/")
    if path == prefix:
        return ""
    return path.removeprefix(prefix + "/")


_SINGLETONS = frozenset({"webhook-secret"})
_COLLECTIONS = frozenset(
    {"webhook", "patient", *(_relative(info.path) for info in READING_KINDS.values())}
)
