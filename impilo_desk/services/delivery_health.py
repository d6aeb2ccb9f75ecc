"""The health of each webhook, from the local copy of the delivery log; Qt-free.

Over the last 24 hours, per webhook: deliveries, success rate, last delivered, failing since,
and a state (healthy, degraded, failing, idle). A delivery counts once it has an answer (a
pending one does not), and as a success when it was delivered, at the first attempt or after
retries; one still retrying counts as failed so far. Each figure is one indexed query per
webhook on the mirror (``logs_by_hook``), so a million mirrored rows cost little.

These figures are Impilo's own deliveries only. Manual redeliveries (the #17 ``AttemptStore``)
are counted apart, in ``manual_resends``, and never change them: a resend answered 200 does not
make a failing webhook healthy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from impilo_desk.services.log_mirror.store import MirrorStore, from_ms, to_ms
from impilo_desk.services.time_display import TimeDisplay

DAY = timedelta(hours=24)
OK = "(last_status BETWEEN 200 AND 299)"


class HealthState(StrEnum):
    """Where a webhook stands, in words a support person uses."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    IDLE = "idle"


@dataclass(frozen=True)
class AlertRule:
    """When a webhook counts as failing (and an alert is due).

    Failing when the last ``last_failed`` deliveries all failed, or when fewer than
    ``min_success_rate`` of the deliveries over ``recent`` succeeded and there were at least
    ``min_recent`` of them. Degraded (short of failing) when the 24-hour success rate is below
    ``degraded_below`` or the latest delivery failed.
    """

    last_failed: int = 3
    recent: timedelta = timedelta(minutes=15)
    min_recent: int = 5
    min_success_rate: float = 0.5
    degraded_below: float = 0.95


@dataclass(frozen=True)
class WebhookHealth:
    """One webhook's last 24 hours.

    Attributes:
        webhook_id: The webhook.
        deliveries: Deliveries with an answer.
        delivered: How many of them were delivered (first time or after retries).
        last_delivered: When the latest successful attempt happened.
        failing_since: Create time of the first failed delivery after the latest success, when
            the latest delivery failed.
        state: Healthy, degraded, failing or idle.
        last_status: The latest delivery's last HTTP status (0: no answer).
        reason: Why it is failing or degraded, in a few words (no patient data).
    """

    webhook_id: int
    deliveries: int
    delivered: int
    last_delivered: datetime | None
    failing_since: datetime | None
    state: HealthState
    last_status: int | None = None
    reason: str = ""

    @property
    def success_rate(self) -> float | None:
        """Delivered out of the deliveries, or None without any."""
        return self.delivered / self.deliveries if self.deliveries else None


@dataclass(frozen=True)
class HourOutcomes:
    """Outcomes of the deliveries created in one bucket (an hour), for the chart."""

    start: datetime
    first_time: int
    after_retries: int
    retrying: int
    failed: int


@dataclass(frozen=True)
class FailureStatus:
    """One failure status of a webhook: "503 × 120 since 07:59:12 CET"."""

    status: int | None
    count: int
    since: datetime

    def describe(self, times: TimeDisplay | None = None, now: datetime | None = None) -> str:
        """``503 × 120 since 07:59:12 CET``: the time by the app's one rule (``times``).

        Args:
            times: How times are written (default: local time with its zone).
            now: What "today" is (default: now).
        """
        what = "no answer" if not self.status else str(self.status)
        return f"{what} × {self.count:,} since {(times or TimeDisplay()).moment(self.since, now)}"


def webhook_ids(store: MirrorStore) -> list[int]:
    """Every webhook id in the mirror, found by hopping the index (not by reading every row)."""
    found: list[int] = []
    last = -(2**63)
    while True:
        row = store.query("SELECT MIN(webhook_id) FROM logs WHERE webhook_id > ?", (last,))
        if not row or row[0][0] is None:
            return found
        last = int(row[0][0])
        found.append(last)


def compute_health(
    store: MirrorStore,
    now: datetime,
    ids: Iterable[int] | None = None,
    rule: AlertRule | None = None,
) -> dict[int, WebhookHealth]:
    """The health of each webhook (``ids``, default every one in the mirror) at ``now``."""
    rule = rule or AlertRule()
    since = to_ms(now - DAY)
    recent = to_ms(now - rule.recent)
    wanted = list(ids) if ids is not None else webhook_ids(store)
    return {hook: _one(store, hook, since, recent, rule) for hook in wanted}


HOUR_MS = 3_600_000


def _one(store: MirrorStore, hook: int, since: int, recent: int, rule: AlertRule) -> WebhookHealth:
    q = store.query
    rows = "FROM logs INDEXED BY logs_by_hook WHERE webhook_id = ? AND last_status IS NOT NULL"
    first_hour = -(-since // HOUR_MS)  # whole hours from here on come from ``hourly``
    hours = q(
        "SELECT TOTAL(n), TOTAL(CASE WHEN outcome IN (1, 2) THEN n END) FROM hourly "
        "WHERE webhook_id = ? AND hour >= ? AND outcome > 0",
        (hook, first_hour),
    )[0]
    edge = q(  # the part of an hour at the start of the day
        f"SELECT COUNT(*), TOTAL({OK}) {rows} AND create_ms >= ? AND create_ms < ?",
        (hook, since, first_hour * HOUR_MS),
    )[0]
    total, delivered = int(hours[0] + edge[0]), int(hours[1] + edge[1])
    if not total:
        return WebhookHealth(hook, 0, 0, None, None, HealthState.IDLE)
    n_recent, ok_recent = q(
        f"SELECT COUNT(*), TOTAL({OK}) {rows} AND create_ms >= ?",
        (hook, recent),
    )[0]
    statuses = [
        r[0]
        for r in q(
            f"SELECT last_status {rows} AND create_ms >= ? ORDER BY create_ms DESC LIMIT ?",
            (hook, since, max(1, rule.last_failed)),
        )
    ]
    newest_ok = q(
        f"SELECT create_ms {rows} AND create_ms >= ? AND {OK} ORDER BY create_ms DESC LIMIT 1",
        (hook, since),
    )
    last_ok_created = int(newest_ok[0][0]) if newest_ok else None
    last_delivered = None
    if last_ok_created is not None:  # a row created a little earlier may have been retried later
        window = last_ok_created - 2 * HOUR_MS
        found = q(
            f"SELECT MAX(COALESCE(last_retry_ms, create_ms)) {rows} AND create_ms >= ? AND {OK}",
            (hook, max(since, window)),
        )[0][0]
        last_delivered = None if found is None else from_ms(int(found))
    latest_failed = not _ok(statuses[0])
    failing_since = None
    if latest_failed:
        after = since if last_ok_created is None else last_ok_created + 1
        first = q(
            f"SELECT create_ms {rows} AND create_ms >= ? AND NOT {OK} ORDER BY create_ms LIMIT 1",
            (hook, max(since, after)),
        )
        failing_since = from_ms(int(first[0][0])) if first else None
    rate = delivered / total
    reason = ""
    all_failed = len(statuses) >= rule.last_failed and not any(_ok(s) for s in statuses)
    low_recent = n_recent >= rule.min_recent and ok_recent / n_recent < rule.min_success_rate
    if all_failed:
        state = HealthState.FAILING
        reason = f"the last {len(statuses)} deliveries failed ({_status_words(statuses[0])})"
    elif low_recent:
        state = HealthState.FAILING
        reason = (
            f"{int(ok_recent)} of {int(n_recent)} deliveries succeeded in the last "
            f"{int(rule.recent.total_seconds() // 60)} min"
        )
    elif rate < rule.degraded_below or latest_failed:
        state = HealthState.DEGRADED
        reason = (
            f"the latest delivery failed ({_status_words(statuses[0])})"
            if latest_failed
            else f"{rate:.0%} delivered over 24 h"
        )
    else:
        state = HealthState.HEALTHY
    return WebhookHealth(
        hook, total, delivered, last_delivered, failing_since, state, statuses[0], reason
    )


def outcomes_per_hour(
    store: MirrorStore, hook: int, now: datetime, span: timedelta = DAY
) -> list[HourOutcomes]:
    """The outcomes of ``hook``'s deliveries per hour over ``span`` (oldest first, every hour)."""
    end = to_ms(now)
    first_hour = (end - int(span.total_seconds() * 1000)) // HOUR_MS
    rows = store.query(
        "SELECT hour, outcome, n FROM hourly WHERE webhook_id = ? AND hour >= ? AND outcome > 0",
        (hook, first_hour),
    )
    by_hour: dict[int, list[int]] = {}
    for hour, outcome, n in rows:
        by_hour.setdefault(int(hour), [0, 0, 0, 0])[int(outcome) - 1] += int(n)
    out = []
    for h in range(first_hour, end // HOUR_MS + 1):
        counts = by_hour.get(h, [0, 0, 0, 0])
        out.append(HourOutcomes(from_ms(h * HOUR_MS), *counts))
    return out


def top_failures(
    store: MirrorStore, hook: int, now: datetime, span: timedelta = DAY, limit: int = 5
) -> list[FailureStatus]:
    """The most frequent failure statuses of ``hook`` over ``span``, with their first time."""
    rows = store.query(
        "SELECT last_status, COUNT(*), MIN(create_ms) FROM logs INDEXED BY logs_by_hook "  # noqa: S608
        f"WHERE webhook_id = ? AND create_ms >= ? AND last_status IS NOT NULL AND NOT {OK} "
        "GROUP BY last_status ORDER BY 2 DESC, 1 LIMIT ?",
        (hook, to_ms(now - span), limit),
    )
    return [FailureStatus(r[0], int(r[1]), from_ms(int(r[2]))) for r in rows]


def _ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def _status_words(status: int | None) -> str:
    return "no answer" if not status else f"HTTP {status}"


def describe_states(healths: Sequence[WebhookHealth]) -> str:
    """``2 failing, 1 degraded, 9 healthy`` (the states present, worst first)."""
    order = (HealthState.FAILING, HealthState.DEGRADED, HealthState.HEALTHY, HealthState.IDLE)
    counts = {s: sum(1 for h in healths if h.state is s) for s in order}
    return ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
