"""Manual redeliveries (#17) counted per webhook, apart from Impilo's own deliveries; Qt-free.

The Webhooks tab's health is Impilo's: how Impilo's deliveries to a webhook went
(``delivery_health``). What the desktop resent by hand is counted here, on its own, and never
enters those figures: a resend answered 200 does not make a failing webhook healthy, because
Impilo's own deliveries to it still fail.

Which webhook an attempt counts for: a webhook is one event type sent to one URL, so a manual
attempt counts for the webhook whose URL it was sent to (a trailing ``/`` aside) and whose event
type it carried: it tried that webhook's endpoint with that webhook's kind of event. When several
webhooks have the same type and URL, the log row the attempt resent decides (its ``webhookId`` in
the local mirror); an attempt without such a row (an Events tab replay) then counts for none of
them rather than for each. An attempt sent elsewhere (the relay, the user's own machine) counts
for no webhook: it says nothing about the webhook's endpoint (the redelivery history lists it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from impilo_desk.services.redelivery.models import Attempt, Outcome

if TYPE_CHECKING:
    from impilo_desk.services.log_mirror.store import MirrorStore
    from impilo_desk.services.redelivery.record import AttemptStore


@dataclass(frozen=True)
class HookTarget:
    """What identifies a webhook's deliveries: its id, event type and URL."""

    webhook_id: int
    type: str
    url: str


@dataclass(frozen=True)
class ManualResends:
    """The manual attempts of one webhook over a period.

    Attributes:
        webhook_id: The webhook.
        resent: Attempts started (each POST once).
        delivered: Of those, answered 2xx.
        failed: Answered otherwise, or not at all (refused, timed out).
        unknown: Cut short by a crash or a quit while in flight.
        sending: Still in flight.
        latest_at: When the latest attempt started.
        latest: How the latest attempt ended (``delivered``, ``failed``…).
        latest_status: The latest attempt's HTTP status, if an answer came.
        failures: ``(status, count)`` of the failed attempts, most frequent first (None: no
            answer).
    """

    webhook_id: int
    resent: int
    delivered: int
    failed: int
    unknown: int
    sending: int
    latest_at: datetime
    latest: Outcome
    latest_status: int | None
    failures: tuple[tuple[int | None, int], ...] = ()

    def describe(self) -> str:
        """``12 resent, 11 delivered`` (and the failed, unknown and in-flight, when any)."""
        parts = [f"{self.resent:,} resent", f"{self.delivered:,} delivered"]
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        if self.unknown:
            parts.append(f"{self.unknown:,} outcome unknown")
        if self.sending:
            parts.append(f"{self.sending:,} sending")
        return ", ".join(parts)

    def delivered_of(self) -> str:
        """``11 of 12 delivered``."""
        return f"{self.delivered:,} of {self.resent:,} delivered"

    def failure_words(self) -> str:
        """``500 × 2, no answer × 1`` (empty when none failed)."""
        return ", ".join(f"{status or 'no answer'} × {n:,}" for status, n in self.failures)


def same_url(a: str, b: str) -> bool:
    """Whether two URLs name the same endpoint (a trailing ``/`` aside)."""
    return a.rstrip("/") == b.rstrip("/")


def count_resends(
    attempts: Iterable[Attempt],
    hooks: Sequence[HookTarget],
    log_hooks: Mapping[int, int] | None = None,
) -> dict[int, ManualResends]:
    """The manual figures of each webhook in ``hooks`` that has attempts (see the module doc).

    Args:
        attempts: The attempts of the period, oldest first.
        hooks: The webhooks to count for.
        log_hooks: The webhook id of resent log rows (log id → webhook id), to tell apart
            webhooks of the same type and URL.
    """
    by_key: dict[tuple[str, str], list[int]] = {}
    for hook in hooks:
        by_key.setdefault((hook.type, hook.url.rstrip("/")), []).append(hook.webhook_id)
    mine: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        owner = _owner(attempt, by_key, log_hooks or {})
        if owner is not None:
            mine.setdefault(owner, []).append(attempt)
    return {hook: _figures(hook, found) for hook, found in mine.items()}


def ambiguous_logs(attempts: Iterable[Attempt], hooks: Sequence[HookTarget]) -> list[int]:
    """The log rows whose webhook decides between webhooks of the same type and URL."""
    keys = Counter((h.type, h.url.rstrip("/")) for h in hooks)
    return sorted(
        {
            a.log_id
            for a in attempts
            if a.log_id is not None and keys[(a.event_type, a.target.rstrip("/"))] > 1
        }
    )


def log_webhooks(store: MirrorStore, log_ids: Sequence[int]) -> dict[int, int]:
    """The webhook id of each of these log rows held in the mirror (log id → webhook id)."""
    found: dict[int, int] = {}
    for start in range(0, len(log_ids), 500):  # SQLite bounds the number of parameters
        chunk = list(log_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = store.query(
            f"SELECT id, webhook_id FROM logs WHERE id IN ({marks})",  # noqa: S608 - only "?"
            tuple(chunk),
        )
        found.update({int(r[0]): int(r[1]) for r in rows if r[1] is not None})
    return found


def manual_resends(
    record: AttemptStore,
    mirror: MirrorStore | None,
    hooks: Sequence[HookTarget],
    since: datetime,
    until: datetime,
) -> dict[int, ManualResends]:
    """Each webhook's manual attempts started in ``[since, until)``; blocking (use a thread)."""
    attempts = record.attempts_between(since, until)
    wanted = ambiguous_logs(attempts, hooks)
    log_hooks = log_webhooks(mirror, wanted) if wanted and mirror is not None else {}
    return count_resends(attempts, hooks, log_hooks)


def _owner(
    attempt: Attempt, by_key: Mapping[tuple[str, str], list[int]], log_hooks: Mapping[int, int]
) -> int | None:
    candidates = by_key.get((attempt.event_type, attempt.target.rstrip("/")), [])
    if len(candidates) == 1:
        return candidates[0]
    if attempt.log_id is None:
        return None
    hook = log_hooks.get(attempt.log_id)
    return hook if hook in candidates else None


def _figures(hook: int, attempts: Sequence[Attempt]) -> ManualResends:
    outcomes = Counter(a.outcome for a in attempts)
    latest = max(attempts, key=lambda a: (a.started_at, a.attempt_id))
    failures = Counter(a.status for a in attempts if a.outcome is Outcome.FAILED)
    ranked = sorted(failures.items(), key=lambda i: (-i[1], i[0] is None, i[0] or 0))
    return ManualResends(
        webhook_id=hook,
        resent=len(attempts),
        delivered=outcomes[Outcome.DELIVERED],
        failed=outcomes[Outcome.FAILED],
        unknown=outcomes[Outcome.UNKNOWN],
        sending=outcomes[Outcome.SENDING],
        latest_at=latest.started_at,
        latest=latest.outcome,
        latest_status=latest.status,
        failures=tuple(ranked),
    )
