"""The retry policy for idempotent requests (GET only), applied through stamina."""

from __future__ import annotations

from dataclasses import dataclass

from impilo_desk.client.errors import (
    ApiError,
    ConnectionRefused,
    RateLimited,
    ServerError,
    Unreachable,
)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How GETs are retried on connection errors, 5xx and 429. Other methods never are.

    Attributes:
        attempts: Attempts in all, the first included (1 turns retrying off).
        total_timeout: Seconds after the first attempt started when no new attempt begins.
        wait_initial: First backoff in seconds (doubling from there).
        wait_max: Largest backoff in seconds.
        wait_jitter: Random extra wait, up to this many seconds.
        max_retry_after: Largest ``Retry-After`` honoured, in seconds; a 429 asking for longer
            is not retried but reported at once, so the user learns how long to wait.
    """

    attempts: int = 4
    total_timeout: float = 30.0
    wait_initial: float = 0.5
    wait_max: float = 5.0
    wait_jitter: float = 0.5
    max_retry_after: float = 10.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.total_timeout <= 0:
            raise ValueError("total_timeout must be positive")

    def backoff_hook(self, exc: Exception) -> bool | float:
        """The hook for stamina: False to give up, True to back off, a float to wait that long.

        A connection refused on this machine is an answer (nothing listens there), not retried.
        """
        if isinstance(exc, ConnectionRefused) and exc.loopback:
            return False
        if isinstance(exc, RateLimited):
            if exc.retry_after is None:
                return True
            if exc.retry_after > self.max_retry_after:
                return False
            return exc.retry_after
        return isinstance(exc, Unreachable | ServerError) and _retryable(exc)


NO_RETRY = RetryPolicy(attempts=1)


def _retryable(exc: ApiError) -> bool:
    return exc.status is None or exc.status in RETRYABLE_STATUSES
