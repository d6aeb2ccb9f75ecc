"""Query parameters: the delivery-log filters and the value formatting every list shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from impilo_desk.contract import format_timestamp, utc

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
