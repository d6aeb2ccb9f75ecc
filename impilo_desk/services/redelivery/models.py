"""What the redelivery record holds: runs and attempts, and where each stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum


class RunState(StrEnum):
    """Where a run stands."""

    RUNNING = "running"
    COMPLETED = "completed"  # every planned delivery was attempted
    CANCELLED = "cancelled"  # the user stopped it; what was started was finished and recorded
    INTERRUPTED = "interrupted"  # a crash or a quit cut it short; see the ``unknown`` attempts


class Outcome(StrEnum):
    """How one attempt ended."""

    SENDING = "sending"
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"  # another answer, or none (refused, timed out…)
    UNKNOWN = "unknown"  # cut short while in flight


@dataclass(frozen=True)
class Attempt:
    """One recorded POST of a manual redelivery.

    Attributes:
        attempt_id: Its row, increasing.
        run_id: The run it belongs to.
        profile_id: The profile that sent it (the "by whom").
        profile_name: That profile's name when it ran.
        log_id: The log row it resent, if any.
        event_id: The Impilo event id.
        event_type: The event's type.
        source: Where the body came from: ``log`` or ``store`` (the relay's copy).
        target: The URL it was sent to.
        started_at: When it started, aware UTC.
        finished_at: When it ended, or None while sending (or when cut short).
        outcome: How it ended.
        status: The HTTP status of the answer, if one came.
        latency_ms: From the start of the POST to the answer (or failure).
        error: One sentence when it did not succeed.
    """

    attempt_id: int
    run_id: str
    profile_id: str
    profile_name: str
    log_id: int | None
    event_id: int
    event_type: str
    source: str
    target: str
    started_at: datetime
    finished_at: datetime | None
    outcome: Outcome
    status: int | None
    latency_ms: float | None
    error: str | None

    def describe(self, tz: tzinfo | None = None) -> str:
        """A few words for the Logs tab beside Impilo's own state: ``resent 10:32, 200``.

        Args:
            tz: The zone the time is shown in (default: the computer's).
        """
        when = self.started_at.astimezone(tz).strftime("%H:%M")
        match self.outcome:
            case Outcome.DELIVERED:
                return f"resent {when}, {self.status}"
            case Outcome.FAILED:
                answer = f"{self.status}" if self.status is not None else "no answer"
                return f"resent {when}, {answer}"
            case Outcome.UNKNOWN:
                return f"resent {when}, outcome unknown"
        return f"resending since {when}"


@dataclass(frozen=True)
class RunSummary:
    """One run, for the history view.

    Attributes:
        run_id: Its id.
        profile_id: The profile that ran it.
        profile_name: That profile's name when it ran.
        origin: ``logs`` or ``events``.
        started_at: When it started, aware UTC.
        ended_at: When it ended (None while running or when cut short).
        state: Where it stands.
        planned: How many deliveries it was to make.
        targets: The URLs it sent to.
        delivered: Attempts answered 2xx.
        failed: Attempts that failed.
        unknown: Attempts cut short in flight.
        sending: Attempts still in flight.
    """

    run_id: str
    profile_id: str
    profile_name: str
    origin: str
    started_at: datetime
    ended_at: datetime | None
    state: RunState
    planned: int
    targets: tuple[str, ...]
    delivered: int
    failed: int
    unknown: int
    sending: int

    @property
    def attempted(self) -> int:
        """How many POSTs it started."""
        return self.delivered + self.failed + self.unknown + self.sending
