"""What every route needs: the running sandbox, paging, JSON answers, id and time parameters."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request, Response
from pydantic import BeforeValidator

from impilo_desk.contract import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from impilo_desk.sandbox.config import SandboxConfig
from impilo_desk.sandbox.delivery import DeliveryWorker, enqueue
from impilo_desk.sandbox.errors import ApiProblem
from impilo_desk.sandbox.store import Database
from impilo_desk.sandbox.timeutil import TimeOutOfRange, to_ms

INT64_MAX = 2**63 - 1
MAX_PAGE = 1_000_000_000
T = TypeVar("T")


@dataclass
class Sandbox:
    """One running sandbox: its settings, database and delivery worker."""

    config: SandboxConfig
    db: Database
    deliveries: DeliveryWorker

    async def fire(self, type_: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Stores an event, logs one delivery per webhook of its type and starts them."""
        envelope, log_ids = await self.db.write(enqueue, type_, payload)
        self.deliveries.notify(log_ids)
        return envelope


def get_sandbox(request: Request) -> Sandbox:
    """The sandbox serving this request."""
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]

Id = Annotated[int, Query(ge=1, le=INT64_MAX)]
"""An id in a query: a positive 64-bit integer."""

Text = Annotated[str | None, Query(max_length=200)]
"""An optional text filter in a query."""

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _text_not_number(value: Any) -> Any:
    """Pydantic would read a number as seconds since the epoch; the schema says ISO 8601."""
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        raise ValueError("give an ISO 8601 date or date-time such as 2026-11-02T08:15:30Z")
    return value


When = Annotated[datetime, BeforeValidator(_text_not_number)]
"""A date-time in ISO 8601 text (in a query or a body); without a zone it is UTC."""
Day = Annotated[date, BeforeValidator(_text_not_number)]
"""A date in ISO 8601 text (``YYYY-MM-DD``)."""


def path_id(alias: str, description: str | None = None) -> Any:
    """The ``Path`` of an id in a URL (``alias`` as the docs spell it): a positive 64-bit integer.

    Returns ``Any`` because FastAPI's ``Path`` is typed so that it can stand as a default value.
    """
    return Path(alias=alias, ge=1, le=INT64_MAX, description=description)


@dataclass(frozen=True)
class Paging:
    """A validated page request: 1-based page, size clamped to 250."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.size

    def envelope(self, content: list[Any], total: int) -> dict[str, Any]:
        """The paging envelope around ``content``."""
        return {
            "content": content,
            "first": self.page == 1,
            "last": self.page * self.size >= total,
            "page": self.page,
            "size": self.size,
            "total": total,
        }


def paging(
    page: Annotated[
        int,
        Query(ge=1, le=MAX_PAGE, description="Page number, 1-based (documented). Below 1 is 400."),
    ] = 1,
    size: Annotated[
        int,
        Query(
            ge=1,
            description=f"Items per page, default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE} "
            "(documented). ASSUMPTION: larger values are clamped to 250; below 1 is 400.",
        ),
    ] = DEFAULT_PAGE_SIZE,
) -> Paging:
    """Reads ``page`` and ``size``."""
    return Paging(page, min(size, MAX_PAGE_SIZE))


PagingDep = Annotated[Paging, Depends(paging)]

PageFetch = Callable[..., tuple[list[Any], int]]
"""A store function ``(conn, *args, offset, limit) -> (items, total)``."""


async def page_response(sandbox: Sandbox, paging: Paging, fetch: PageFetch, *args: Any) -> Response:
    """The paging envelope of ``fetch(conn, *args, offset, size)``, read off the event loop."""
    items, total = await sandbox.db.read(fetch, *args, paging.offset, paging.size)
    return json_response(paging.envelope(items, total))


def time_ms(value: datetime | None, name: str) -> int | None:
    """A query date-time as epoch ms (naive is UTC); out of range is 400."""
    if value is None:
        return None
    try:
        return to_ms(value)
    except TimeOutOfRange:
        raise ApiProblem(400, f"{name} is out of range.") from None


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON answer built directly (no response-model round trip)."""
    body = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return Response(body, status_code=status, media_type="application/json")


def not_found(what: str, ident: int) -> ApiProblem:
    """The 404 for an unknown id."""
    return ApiProblem(404, f"{what} {ident} was not found.")


def require(value: T | None, problem: ApiProblem) -> T:
    """``value``, unless the store answered "no such thing" (``None`` or ``False``).

    Args:
        value: What a store function returned: a row, or ``None`` when there is none; or a
            ``bool`` from a change, ``False`` when it found nothing to change.
        problem: The error to answer with when there is nothing.

    Raises:
        ApiProblem: ``problem``, when ``value`` is ``None`` or ``False``.
    """
    if value is None or value is False:
        raise problem
    return value


ASSUMED = "ASSUMPTION (not in the Impilo docs): "
EXTENSION = "SANDBOX EXTENSION (not part of the Impilo API): "
