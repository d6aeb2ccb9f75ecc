"""The relay's one "the store is in trouble" mechanism: the error, the answer, the retry policy.

Whatever the store (a SQLite file whose disk is full, a PostgreSQL that cannot be reached), the
relay says it the same way: ``POST /hooks`` and every other route that needs the store answer 503
with ``unavailable_message`` and ``Retry-After: STORAGE_RETRY_AFTER_S``; ``/healthz`` answers 503
``{"status": "failing", "reason": ...}``; ``/metrics`` shows ``impilo_relay_store_healthy 0``.
"""

STORAGE_RETRY_AFTER_S = 5  # told to a sender (Impilo retries later) and to a load balancer


class StoreUnavailableError(Exception):
    """The store cannot be reached right now; the message is one sentence, never a secret."""


def unavailable_message(reason: str) -> str:
    """The one sentence a client gets while the store fails (``reason``: the store's words)."""
    return f"the relay cannot store events right now ({reason}); retry later"


def health_reason(reason: str) -> str:
    """The ``reason`` of ``/healthz`` while the store fails."""
    return f"the store cannot commit events: {reason}"
