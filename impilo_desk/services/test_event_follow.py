"""Fire one test event and follow it to its arrival (Qt-free; the Test events tab drives it).

The follower marks the steps of a :class:`~impilo_desk.services.receipts.ReceiptChain`:
sent and accepted around the API call; received by the relay and by this desktop when the
relay feed delivers the event (:meth:`ChainFollower.offer`); delivery logged by polling the
delivery log, filtered by type and start time, until the record shows how the delivery went.
Every wait is bounded; when the time is up, :func:`missing_step_reason` says why in a sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from impilo_desk.client.paging import paginate
from impilo_desk.contract import (
    DeliveryPhase,
    ReadingKind,
    Webhook,
)
from impilo_desk.contract.retry import RETRY_SCHEDULE, delivery_state
from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.services.receipts import (
    FAILED,
    NO_ANSWER,
    NO_RELAY,
    REFUSED,
    ReceiptChain,
    Step,
    missing_step_reason,
)

if TYPE_CHECKING:
    from impilo_desk.client import LogFilters
    from impilo_desk.client.ports import TestEventsApi
    from impilo_desk.services.event_store import RelayEvent

LOG_LOOKBACK = timedelta(seconds=5)  # the server's clock may run a little behind ours
LOG_PAGE_SIZE = 50
MAX_WEBHOOK_PAGES = 40


@dataclass(frozen=True)
class FollowTimes:
    """How long to follow, and how often to look at the delivery log.

    Attributes:
        timeout_s: Steps not seen this long after sending are reported missing.
        poll_initial_s: First pause between two looks at the log.
        poll_max_s: Longest pause between two looks (the pause grows by half each time).
    """

    timeout_s: float = 20.0
    poll_initial_s: float = 0.25
    poll_max_s: float = 2.0


@dataclass
class FollowResult:
    """How following ended.

    Attributes:
        error: The API's sentence when the test endpoint refused (nothing was sent).
        reason: Why the chain stopped, when it did not complete.
        offer_webhook: Whether creating a webhook to the relay would fix it.
        details: A short note per step (the envelope id, the relay's sequence, the log status).
        endpoint_missing: The server has no test endpoint for this kind (its 404 said so).
    """

    error: str | None = None
    endpoint_missing: bool = False
    reason: str | None = None
    offer_webhook: bool = False
    details: dict[Step, str] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """One phrase for the history table."""
        if self.error is not None:
            return "Not accepted"
        if self.reason is None:
            return "Arrived"
        return "Stopped: " + self.reason.split(";")[0].split(",")[0].rstrip(".")


def now_utc() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


async def fetch_webhooks(api: TestEventsApi) -> list[Webhook]:
    """Every webhook of the account (bounded paging)."""
    pages = paginate(
        lambda n: api.list_webhooks(page=n, size=250), size=250, max_pages=MAX_WEBHOOK_PAGES
    )
    return [hook async for page in pages for hook in page.content]


def _failed_step(exc: Exception) -> tuple[Step, str, str]:
    """Which step a failed test-event call failed at, how it reads, and a short note why."""
    from impilo_desk.client.errors import (
        ConnectionDropped,
        ConnectionRefused,
        RequestTimeout,
        TlsFailure,
        Unreachable,
    )

    status = getattr(exc, "status", None)
    if status is not None:  # Impilo answered: it was sent, and refused
        return Step.ACCEPTED, REFUSED, f"answered {status}"
    if isinstance(exc, ConnectionRefused):
        return Step.SENT, FAILED, "connection refused"
    if isinstance(exc, TlsFailure):
        return Step.SENT, FAILED, "secure connection failed"
    if isinstance(exc, ConnectionDropped):
        return Step.SENT, NO_ANSWER, "the connection broke off"
    if isinstance(exc, Unreachable):
        return Step.SENT, FAILED, "could not connect"
    if isinstance(exc, RequestTimeout | TimeoutError):
        return Step.SENT, NO_ANSWER, "no answer in time"
    return Step.ACCEPTED, REFUSED, "the answer could not be read"


def _same_url(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.rstrip("/") == b.rstrip("/")


class ChainFollower:
    """Follows one fired event; reports every change through ``on_change``.

    Args:
        api: The Impilo client.
        kind: The reading kind fired.
        patient_id: The patient.
        values: The value fields sent.
        ingest_url: The profile's relay ingest URL (``relay_url + "/hooks"``), if any.
        times: Time-outs and polling pace.
        on_change: Called after every step or detail that changed.
        clock: Returns the current time (aware UTC).
        schedule: The server's retry schedule (countdowns in the log step follow it).
        claim: Takes a matching relay event for this follower; False when another follower
            (of an event fired with the same values) has it already.
    """

    def __init__(
        self,
        api: TestEventsApi,
        kind: ReadingKind,
        patient_id: int,
        values: Mapping[str, Any],
        ingest_url: str | None,
        times: FollowTimes,
        on_change: Callable[[], None],
        clock: Callable[[], datetime] = now_utc,
        schedule: Sequence[timedelta] = RETRY_SCHEDULE,
        claim: Callable[[RelayEvent], bool] = lambda _event: True,
    ) -> None:
        from impilo_desk.contract import READING_KINDS

        self.kind = kind
        self.chain = ReceiptChain(READING_KINDS[kind].webhook_type, patient_id, dict(values))
        if ingest_url is None:  # nothing will bring the event to this desktop: say so at once
            for step in (Step.RELAY, Step.DESKTOP):
                self.chain.not_followed[step] = NO_RELAY
        self.result = FollowResult()
        self._api = api
        self._ingest_url = ingest_url
        self._times = times
        self._on_change = on_change
        self._clock = clock
        self._schedule = schedule
        self._claim = claim
        self._arrived = asyncio.Event()
        self._pending: list[tuple[RelayEvent, datetime]] = []
        self.finished = False

    # -- what the relay feed brings --------------------------------------------------------

    def offer(self, event: RelayEvent, desktop_at: datetime) -> bool:
        """Takes an event the relay feed delivered; returns whether it was this one."""
        if Step.ACCEPTED not in self.chain.times:
            self._pending.append((event, desktop_at))  # the feed can beat the API's answer
            return False
        if Step.RELAY in self.chain.times:
            return False
        if not self.chain.matches(event.envelope, event.received_at) or not self._claim(event):
            return False
        self.chain.mark(Step.RELAY, event.received_at)
        self.chain.mark(Step.DESKTOP, desktop_at)
        relay_note = f"relay event #{event.seq}" if event.seq is not None else "received"
        if event.received_at < self.chain.times[Step.ACCEPTED]:
            relay_note += " (before the API's answer came back)"
        self.result.details[Step.RELAY] = relay_note
        self.result.details[Step.DESKTOP] = "from the relay's stream"
        self._arrived.set()
        self._on_change()
        return True

    # -- the follow ------------------------------------------------------------------------

    async def run(self, body: dict[str, Any]) -> FollowResult:
        """Fires the event, then follows it until it completes, stalls or the time is up."""
        from impilo_desk.contract import READING_KINDS

        chain = self.chain
        chain.mark(Step.SENT, self._clock())
        self.result.details[Step.SENT] = "POST " + READING_KINDS[self.kind].test_path
        self._on_change()
        try:
            envelope = await self._api.fire_test(self.kind, body)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            from impilo_desk.client.errors import EndpointMissing

            self.result.error = describe_error(exc)
            self.result.endpoint_missing = isinstance(exc, EndpointMissing)
            step, status, note = _failed_step(exc)
            chain.fail(step, status)
            self.result.details[step] = (
                f"{self.result.details[step]} · {note}" if step in self.result.details else note
            )
            self.result.reason = missing_step_reason(chain, [], self._ingest_url)
            return self._finish()
        chain.envelope = envelope if envelope.id else None
        chain.mark(Step.ACCEPTED, self._clock())
        self.result.details[Step.ACCEPTED] = (
            f"event #{envelope.id}" if envelope.id else "no event id: matching by values"
        )
        self._on_change()
        pending, self._pending = self._pending, []
        for event, at in pending:
            self.offer(event, at)
        hooks = await fetch_webhooks(self._api)
        of_type = [h for h in hooks if h.type == chain.event_type]
        if of_type:
            to_relay = any(_same_url(h.url, self._ingest_url) for h in of_type)
            await self._follow(chain.times[Step.SENT], to_relay)
        if not chain.complete:
            self.result.reason = missing_step_reason(chain, hooks, self._ingest_url)
            self.result.offer_webhook = (
                self._ingest_url is not None
                and Step.RELAY not in chain.times
                and not any(
                    h.type == chain.event_type and _same_url(h.url, self._ingest_url) for h in hooks
                )
            )
        return self._finish()

    def _finish(self) -> FollowResult:
        self.finished = True
        self._on_change()
        return self.result

    async def _follow(self, sent: datetime, to_relay: bool) -> None:
        """Looks at the log and waits for the relay until done, stuck or out of time.

        Args:
            sent: When the event was sent (the log is searched from a little before).
            to_relay: Whether a webhook of the type points at the relay; if none does, the
                relay will never get it, so the follow ends once the log has the outcome.
        """
        from impilo_desk.client import LogFilters

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._times.timeout_s
        pause = self._times.poll_initial_s
        filters = LogFilters(webhook_type=self.chain.event_type, start=sent - LOG_LOOKBACK)
        log_final = False
        while True:
            if not log_final:
                log_final = await self._look_at_log(filters)
            if self.chain.complete and log_final:
                return
            stuck = self.chain.log_phase in (DeliveryPhase.RETRYING, DeliveryPhase.FAILED)
            if log_final and (stuck or not to_relay) and Step.RELAY not in self.chain.times:
                return  # the relay will not get it (not before the next retry, or never)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                async with asyncio.timeout(min(pause, remaining)):
                    await self._arrived.wait()
            pause = min(self._times.poll_max_s, pause * 1.5)

    async def _look_at_log(self, filters: LogFilters) -> bool:
        """One look at the log; returns whether the delivery's outcome is known."""
        page = await self._api.list_logs(filters, page=1, size=LOG_PAGE_SIZE)
        mine = [r for r in page.content if self.chain.matches_log(r)]
        if not mine:
            return False
        relayed = [r for r in mine if _same_url(r.webhookUrl, self._ingest_url)]
        record = (relayed or mine)[0]
        now = self._clock()
        state = delivery_state(record, now, self._schedule)
        if state.phase is DeliveryPhase.PENDING:
            self.result.details[Step.LOGGED] = "logged, first attempt not finished yet"
            self._on_change()
            return False
        # The step's time is when the outcome appeared in the log (the record's own
        # createTimestamp is when the delivery was queued, before the relay got it).
        self.chain.mark(Step.LOGGED, now)
        self.chain.record_log(record, now, self._schedule)
        status = record.lastResponseStatus
        self.result.details[Step.LOGGED] = (
            f"{status if status else 'no answer'} · {state.describe(now)}"
        )
        self._on_change()
        return True
