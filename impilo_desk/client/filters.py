"""Query parameters: the delivery-log filters and the value formatting every list shares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from impilo_desk.contract import WebhookLog, format_timestamp, utc

QueryValue = str | int | float | bool | datetime | date | None


def query_value(value: str | int | float | bool | datetime | date) -> str:
    """Formats one query value as Impilo expects: ``true``/``false``, ISO-8601 ``…Z`` times."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def build_query(params: dict[str, QueryValue]) -> dict[str, str]:
    """Drops the ``None`` values and formats the rest."""
    return {name: query_value(value) for name, value in params.items() if value is not None}


@dataclass(frozen=True)
class LogFilters:
    """Every filter ``GET /api/v3/webhook/logs`` has; ``None`` means "no filter".

    Times may be aware (any zone) or naive UTC; they are sent in UTC.

    Attributes:
        webhook_type: Only this event type.
        retry_attempts_min: At least this many retries.
        retry_attempts_max: At most this many retries.
        last_response_status: Exactly this HTTP status on the last attempt.
        start_last_retry: Last retry at or after this time.
        end_last_retry: Last retry at or before this time.
        start: Created at or after this time.
        end: Created before this time (exclusive).
    """

    webhook_type: str | None = None
    retry_attempts_min: int | None = None
    retry_attempts_max: int | None = None
    last_response_status: int | None = None
    start_last_retry: datetime | None = None
    end_last_retry: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        low, high = self.retry_attempts_min, self.retry_attempts_max
        if low is not None and high is not None and low > high:
            raise ValueError("The minimum retry count is above the maximum.")
        for a, b, what in (
            (self.start, self.end, "created"),
            (self.start_last_retry, self.end_last_retry, "last retry"),
        ):
            if a is not None and b is not None and utc(a) > utc(b):
                raise ValueError(f"The {what} time range ends before it starts.")

    def to_query(self) -> dict[str, str]:
        """The filters as the API's query parameters (unset ones left out)."""
        return build_query(
            {
                "webhookType": self.webhook_type or None,
                "retryAttemptsMin": self.retry_attempts_min,
                "retryAttemptsMax": self.retry_attempts_max,
                "lastResponseStatus": self.last_response_status,
                "startLastRetryTimestamp": self.start_last_retry,
                "endLastRetryTimestamp": self.end_last_retry,
                "startTimestamp": self.start,
                "endTimestamp": self.end,
            }
        )


_LABELS = {
    "webhookType": "event type",
    "retryAttemptsMin": "minimum retries",
    "retryAttemptsMax": "maximum retries",
    "lastResponseStatus": "last response status",
    "startLastRetryTimestamp": "last retry from",
    "endLastRetryTimestamp": "last retry until",
    "startTimestamp": "created from",
    "endTimestamp": "created before",
}


def _failed_filters(filters: LogFilters, row: WebhookLog) -> list[str]:
    """The API names of the filters ``row`` does not satisfy (an unknown field satisfies all)."""
    failed: list[str] = []

    def check(name: str, wanted: object, ok: bool) -> None:
        if wanted is not None and not ok:
            failed.append(name)

    f = row
    check(
        "webhookType",
        filters.webhook_type or None,
        f.webhookType is None or f.webhookType == filters.webhook_type,
    )
    tries = f.retryAttempts
    low, high = filters.retry_attempts_min, filters.retry_attempts_max
    check("retryAttemptsMin", low, tries is None or low is None or tries >= low)
    check("retryAttemptsMax", high, tries is None or high is None or tries <= high)
    status = filters.last_response_status
    check(
        "lastResponseStatus", status, f.lastResponseStatus is None or f.lastResponseStatus == status
    )
    created, retried = f.createTimestamp, f.lastRetryTimestamp
    start, end = filters.start, filters.end
    check("startTimestamp", start, created is None or start is None or utc(created) >= utc(start))
    check("endTimestamp", end, created is None or end is None or utc(created) < utc(end))
    r_start, r_end = filters.start_last_retry, filters.end_last_retry
    check(
        "startLastRetryTimestamp",
        r_start,
        retried is None or r_start is None or utc(retried) >= utc(r_start),
    )
    check(
        "endLastRetryTimestamp",
        r_end,
        retried is None or r_end is None or utc(retried) <= utc(r_end),
    )
    return failed  # fmt: skip


@dataclass(frozen=True)
class IgnoredFilters:
    """What the tolerant reader found when it checked a page against the filters it sent.

    Attributes:
        names: The API names of the filters some row does not satisfy (the server ignored them).
        rows: How many rows of the page fail at least one filter.
    """

    names: tuple[str, ...]
    rows: int

    def sentence(self) -> str:
        """One sentence: which filters Impilo ignored and how many rows don't match."""
        labels = [_LABELS.get(n, n) for n in self.names]
        which = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        plural = "filter" if len(labels) == 1 else "filters"
        rows = f"{self.rows} row{'s' if self.rows != 1 else ''}"
        return f"Impilo ignored the {which} {plural}; {rows} shown that don't match."


def check_filters(filters: LogFilters | None, rows: Iterable[WebhookLog]) -> IgnoredFilters | None:
    """Checks each row against the filters sent; None when every row satisfies them."""
    if filters is None:
        return None
    names: list[str] = []
    bad = 0
    for row in rows:
        failed = _failed_filters(filters, row)
        if failed:
            bad += 1
            names.extend(n for n in failed if n not in names)
    if not bad:
        return None
    order = list(_LABELS)
    return IgnoredFilters(tuple(sorted(names, key=order.index)), bad)


def matching_rows(filters: LogFilters | None, rows: Iterable[WebhookLog]) -> list[WebhookLog]:
    """The rows that satisfy every filter (what a server that honours them would have sent)."""
    rows = list(rows)
    if filters is None:
        return rows
    return [row for row in rows if not _failed_filters(filters, row)]
