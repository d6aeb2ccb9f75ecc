"""Manual redelivery: resend logged deliveries or received events as Impilo would, and record it.

Used by the Logs tab ("Resend", "Recover…") and the Events tab ("Replay to…"). Qt-free:
``plan_logs``/``plan_events`` decide what can be sent (never inventing a body), ``Plan.preview``
is what the user confirms, ``Redelivery`` sends with a concurrency and a rate limit, and
``AttemptStore`` records every attempt so that it survives a restart.
"""

from impilo_desk.services.redelivery.models import Attempt, Outcome, RunState, RunSummary
from impilo_desk.services.redelivery.plan import (
    NO_EXACT_COPY,
    Delivery,
    Plan,
    Preview,
    Unsendable,
    envelope_of,
    plan_events,
    plan_logs,
    recoverable,
    stored_ids,
)
from impilo_desk.services.redelivery.record import AttemptStore
from impilo_desk.services.redelivery.sender import (
    REDELIVERY_HEADER,
    Progress,
    Redelivery,
    RedeliverySettings,
    RunResult,
)
from impilo_desk.services.redelivery.targets import RedeliveryRefused, check_target

__all__ = [
    "NO_EXACT_COPY",
    "REDELIVERY_HEADER",
    "Attempt",
    "AttemptStore",
    "Delivery",
    "Outcome",
    "Plan",
    "Preview",
    "Progress",
    "Redelivery",
    "RedeliveryRefused",
    "RedeliverySettings",
    "RunResult",
    "RunState",
    "RunSummary",
    "Unsendable",
    "check_target",
    "envelope_of",
    "plan_events",
    "plan_logs",
    "recoverable",
    "stored_ids",
]
