"""The delivery retry schedule and what it means for a log record.

Impilo retries a failed delivery 15, then 30, then 60 minutes after the previous attempt: four
attempts in all. ``retryAttempts`` counts the retries made (0..3); ``lastRetryTimestamp`` is null
until the first retry (design.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from impilo_desk.contract.base import utc
from impilo_desk.contract.models import WebhookLog

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(minutes=60),
)
MAX_RETRIES = len(RETRY_SCHEDULE)
MAX_ATTEMPTS = MAX_RETRIES + 1
DUE_GRACE = timedelta(seconds=5)
"""How long after its due time a retry reads "due now". Past that, a state read from a record
says only that the retry *was* due: the record was read before, and the retry may have run
since (without a refresh, "due now" stayed on screen for ever)."""


def scaled_schedule(time_scale: float) -> tuple[timedelta, ...]:
    """The schedule with every delay divided by ``time_scale`` (60 turns minutes into seconds)."""
    if time_scale <= 0:
        raise ValueError("time_scale must be positive")
    return tuple(d / time_scale for d in RETRY_SCHEDULE)


def is_success(status: int | None) -> bool:
    """Any 2xx answer acknowledges a delivery."""
    return status is not None and 200 <= status < 300


class DeliveryPhase(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # the first attempt has not finished yet
    DELIVERED = "delivered"
    RETRYING = "retrying"  # failed so far; another attempt is scheduled
    FAILED = "failed"  # all four attempts failed; Impilo gives up


@dataclass(frozen=True)
class DeliveryState:
    """The delivery state of one log record.

    Attributes:
        phase: Where the delivery stands.
        attempts: Attempts made so far (1..4; 0 while pending).
        next_retry: For ``RETRYING``: which retry comes next (1..3).
        next_retry_at: For ``RETRYING``: when it is due (UTC).
        overdue: For ``RETRYING``: the due time has passed and the retry has not been logged.
    """

    phase: DeliveryPhase
    attempts: int
    next_retry: int | None = None
    next_retry_at: datetime | None = None
    overdue: bool = False

    def describe(self, now: datetime) -> str:
        """One line for a person: "Delivered", "Retry 2 of 3 in 4m 10s", "Failed for good"."""
        match self.phase:
            case DeliveryPhase.PENDING:
                return "Sending…"
            case DeliveryPhase.DELIVERED:
                retries = self.attempts - 1
                noun = "retry" if retries == 1 else "retries"
                extra = f" after {retries} {noun}" if retries > 0 else ""
                return f"Delivered{extra}"
            case DeliveryPhase.FAILED:
                return f"Failed for good after {MAX_ATTEMPTS} attempts"
        if self.next_retry_at is None:
            return f"Retry {self.next_retry} of {MAX_RETRIES} scheduled"
        left = self.next_retry_at - utc(now)
        if left > timedelta(0):
            return f"Retry {self.next_retry} of {MAX_RETRIES} in {format_duration(left)}"
        if self.past_due(now):
            return f"Retry {self.next_retry} of {MAX_RETRIES} was due {format_duration(-left)} ago"
        return f"Retry {self.next_retry} of {MAX_RETRIES} due now"

    def past_due(self, now: datetime) -> bool:
        """Whether the next retry's due time is more than :data:`DUE_GRACE` before ``now``."""
        due = self.next_retry_at
        return due is not None and utc(now) - due > DUE_GRACE


def format_duration(span: timedelta) -> str:
    """``1h 05m``, ``4m 10s`` or ``12s``: a countdown a person reads at a glance."""
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def delivery_state(
    record: WebhookLog,
    now: datetime,
    schedule: Sequence[timedelta] = RETRY_SCHEDULE,
) -> DeliveryState:
    """Says where a logged delivery stands: a pure function of the record and the clock.

    Args:
        record: The log record.
        now: The current time (aware, or naive UTC).
        schedule: Delays before retry 1, 2, 3 (the sandbox may scale them).

    Returns:
        Delivered; retrying (which retry next, and when); failed for good; or pending when no
        attempt has finished yet.
    """
    retries = max(0, min(record.retryAttempts or 0, len(schedule)))
    status = record.lastResponseStatus
    if status is None and retries == 0:
        return DeliveryState(DeliveryPhase.PENDING, attempts=0)
    attempts = retries + 1
    if is_success(status):
        return DeliveryState(DeliveryPhase.DELIVERED, attempts=attempts)
    if retries >= len(schedule):
        return DeliveryState(DeliveryPhase.FAILED, attempts=attempts)
    last = record.lastRetryTimestamp if retries > 0 else record.createTimestamp
    due = utc(last) + schedule[retries] if last is not None else None
    return DeliveryState(
        DeliveryPhase.RETRYING,
        attempts=attempts,
        next_retry=retries + 1,
        next_retry_at=due,
        overdue=due is not None and due <= utc(now),
    )
