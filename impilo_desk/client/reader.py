"""The tolerant reader: turns whatever a plausible Impilo server answers into contract models.

The real platform may differ from our sandbox where the docs are silent, so the reader accepts a
list as the paging envelope or as a bare array, ``null`` where the docs allow it, unknown fields
(kept by the models), a ``null`` item in a list (dropped) and a log payload that is not JSON.
Anything it cannot make sense of becomes a ``BadResponse`` whose text names what was wrong, never
the values (which may be secrets).
"""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from impilo_desk.client.errors import BadResponse
from impilo_desk.contract import Page

M = TypeVar("M", bound=BaseModel)

MAX_RETRY_AFTER_PARSED = 24 * 3600.0  # seconds; a larger or absurd value is clamped to this


def parse_json(content: bytes, *, status: int | None = None) -> Any:
    """Parses a body; an empty body is ``None``.

    Raises:
        BadResponse: The body is not JSON.
    """
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        pass  # raised below, outside the handler: the decoder's error quotes the body
    raise BadResponse(
        "Impilo answered with something that is not JSON; check that the API base URL "
        "points to the Impilo API and not to a web page or proxy.",
        status=status,
        server_message="not JSON",
    )


def _problems(exc: ValidationError) -> str:
    """A summary of a validation error: where and what, without the input values."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _bad_shape(what: str, detail: str, status: int | None) -> BadResponse:
    return BadResponse(
        f"Impilo's answer for {what} is not in the expected form ({detail}); the server may run "
        "a different API version than this app expects.",
        status=status,
        server_message=detail,
    )


def read_model(data: Any, model: type[M], *, what: str, status: int | None = None) -> M:
    """Validates one object.

    Args:
        data: The parsed JSON.
        model: The contract model.
        what: What was asked for, for the message ("the webhook").
        status: The HTTP status, kept on the error.

    Raises:
        BadResponse: ``data`` is not an object of that shape.
    """
    if not isinstance(data, dict):
        raise _bad_shape(what, f"expected an object, got {_json_type(data)}", status)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
    # raised outside the handler, so that the validation error (which quotes the input, maybe
    # a secret) is not kept as the context of the error
    raise _bad_shape(what, problems, status)


def read_page(data: Any, model: type[M], *, what: str, status: int | None = None) -> Page[M]:
    """Validates a list answer: the paging envelope or a bare array (taken as the only page).

    Raises:
        BadResponse: Neither shape, or an item does not fit ``model``.
    """
    if isinstance(data, list):
        envelope: dict[str, Any] = {
            "content": data,
            "first": True,
            "last": True,
            "page": 1,
            "size": len(data),
            "total": len(data),
        }
    elif isinstance(data, dict) and ("content" in data or not data):
        envelope = dict(data)
    else:
        detail = f"expected a list or a page, got {_json_type(data)}"
        raise _bad_shape(what, detail, status)
    raw_items = envelope.pop("content", None) or []
    if not isinstance(raw_items, list):
        raise _bad_shape(what, f"content is {_json_type(raw_items)}, not a list", status)
    items: list[M] = []
    for index, raw in enumerate(raw_items):
        if raw is None:
            continue
        if not isinstance(raw, dict):
            raise _bad_shape(what, f"item {index} is {_json_type(raw)}, not an object", status)
        try:
            items.append(model.model_validate(raw))
            continue
        except ValidationError as exc:
            problems = f"item {index}: {_problems(exc)}"
        raise _bad_shape(what, problems, status)  # outside the handler, as in read_model
    try:
        page: Page[M] = Page.model_validate({**envelope, "content": []})
    except ValidationError as exc:
        problems = f"paging fields: {_problems(exc)}"
    else:
        page.content = items
        return page
    raise _bad_shape(what, problems, status)


def server_message(content: bytes, content_type: str | None) -> str | None:
    """The server's own explanation in an error answer, if there is one to show.

    Understands Spring's ``{message, error}``, FastAPI's ``{detail}`` (text or a list of
    problems) and short plain text; ignores HTML pages (a proxy's error page says nothing useful).
    """
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        is_html = text.startswith("<") or "html" in (content_type or "").lower()
        return None if is_html else text
    if isinstance(data, dict):
        for key in ("message", "detail", "error", "title"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, list) and value:
                return _detail_list(value)
    if isinstance(data, str):
        return data
    return None


def _detail_list(items: list[Any]) -> str:
    parts = []
    for item in items[:3]:
        if isinstance(item, dict):
            loc = item.get("loc")
            where = ".".join(str(p) for p in loc if p != "body") if isinstance(loc, list) else ""
            msg = str(item.get("msg", ""))
            parts.append(f"{where}: {msg}" if where else msg)
        else:
            parts.append(str(item))
    return "; ".join(p for p in parts if p)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_PARSED)


def format_payload(payload: str | None) -> str:
    """A log payload for people: pretty-printed when it is JSON, the text as-is otherwise."""
    if payload is None:
        return ""
    try:
        data = json.loads(payload)
    except ValueError:
        return payload
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)


def _json_type(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"
