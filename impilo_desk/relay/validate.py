"""What the relay accepts, checked before anything is batched (store-agnostic).

An event that could never be stored or streamed is refused here with a clear 400, so that it
never reaches a group commit and can never fail one for the other events in it. JSON is parsed
strictly (RFC 8259): no NaN or Infinity, no lone surrogates, at most ``MAX_DEPTH`` levels of
nesting (what every subscriber's JSON parser can take). The envelope is stored as the bytes
Impilo sent (every integer exact), with line breaks between tokens turned into spaces so that
it fits on one SSE ``data:`` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from impilo_desk.contract import API_KEY_HEADER, SECRET_HEADER

MAX_DEPTH = 512  # below Python's recursion limit, so every subscriber can parse what it gets
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")

# Request headers kept with an event (and so shown to every subscriber), by name (lower case).
# A list of what may be kept, not of what to drop: a credential header nobody thought of
# (Authorization, Cookie, Proxy-Authorization, X-Api-Key, ...) is never stored.
STORED_HEADERS = frozenset(
    {
        "content-type",
        "user-agent",
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-port",
        "x-real-ip",
        "x-request-id",
        "x-correlation-id",
        "request-id",
        "traceparent",
        "tracestate",
    }
)
_IMPILO_PREFIX = b"impilo-"
_NOT_STORED = frozenset({SECRET_HEADER.lower().encode(), API_KEY_HEADER.lower().encode()})
_STORED = frozenset(h.encode() for h in STORED_HEADERS)


class RejectedError(Exception):
    """The request cannot be accepted; ``reason`` is the metric label, ``message`` the answer."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Parsed:
    """A valid event: its Impilo id and its envelope as one line of JSON text."""

    event_id: int
    envelope: str


def parse_event(raw: bytes) -> Parsed:
    """Parses and checks one ingest body; raises ``RejectedError`` with the reason."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RejectedError("bad_json", f"the body is not valid JSON ({_why(exc)})") from None
    if not isinstance(body, dict):
        raise RejectedError("not_envelope", "the body is not a JSON object")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _deeper_than(body, MAX_DEPTH):
        raise RejectedError(
            "bad_json", f"the body's JSON is nested more than {MAX_DEPTH} levels deep"
        )
    event_id = body.get("id")
    if isinstance(event_id, bool) or not isinstance(event_id, int):
        raise RejectedError("not_envelope", "the body has no integer id")
    if not INT64_MIN <= event_id <= INT64_MAX:
        raise RejectedError("not_envelope", "the id is outside the 64-bit signed range")
    if not isinstance(body.get("type"), str):
        raise RejectedError("not_envelope", "the body has no string type")
    # orjson accepted it, so it is UTF-8 and every CR/LF lies between tokens (JSON strings
    # cannot hold raw control characters): a space there means the same.
    text = raw.decode("utf-8").strip()
    if "\n" in text or "\r" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    return Parsed(event_id, text)


def _deeper_than(value: object, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep (a walk without recursion)."""
    todo: list[tuple[object, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            todo.extend((v, depth + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item if isinstance(v, dict | list))
    return False


def _why(exc: orjson.JSONDecodeError) -> str:
    message = str(exc).split(":", 1)[0]
    if "depth" in message or "recursion" in message:
        return "nested more than 1,024 levels deep"
    return message or "malformed"


def stored_headers(headers: list[tuple[bytes, bytes]]) -> str:
    """The request headers that may be kept with the event, as compact JSON."""
    kept: dict[str, str] = {}
    for name, value in headers:
        if name in _STORED or (name.startswith(_IMPILO_PREFIX) and name not in _NOT_STORED):
            kept[name.decode("latin-1")] = value.decode("latin-1")
    return orjson.dumps(kept).decode()


def parse_seq(text: str | None, what: str) -> int | None:
    """A sequence number from a query parameter or header: ``None`` if absent.

    Raises:
        RejectedError: Not a plain non-negative decimal integer that fits in 64 bits.
    """
    if text is None or text == "":
        return None
    if _DIGITS.fullmatch(text) is None or int(text) > INT64_MAX:
        raise RejectedError("bad_parameter", f"{what} must be an integer from 0 to {INT64_MAX}")
    return int(text)
