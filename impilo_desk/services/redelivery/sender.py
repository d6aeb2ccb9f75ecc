"""One redelivery run: POSTs a plan's deliveries as Impilo would, bounded, recorded, cancellable.

Each POST carries ``Content-Type: application/json``, the ``Impilo-Webhook-Secret`` header
(the caller reads the secret from the keyring and passes it in; it lives only in memory here),
and ``Impilo-Desk-Redelivery: 1``, which marks it as a manual redelivery: the body, and so the
Impilo event id, is unchanged, so a receiver that de-duplicates by id treats it as the same event.

``cancel()`` stops starting new POSTs and lets those in flight finish (at most the timeout), so
after a cancel the record says exactly which were sent. Cancelling the task instead (a quit)
marks the in-flight ones ``unknown`` and the run ``interrupted``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from aiolimiter import AsyncLimiter

from impilo_desk import __version__
from impilo_desk.contract import SECRET_HEADER, is_success
from impilo_desk.services.redelivery.models import Outcome, RunState
from impilo_desk.services.redelivery.plan import Delivery, Plan
from impilo_desk.services.redelivery.record import AttemptStore
from impilo_desk.services.redelivery.targets import (
    RedeliveryRefused,
    host_of,
    same_host_redirect,
)

log = logging.getLogger("impilo_desk.redelivery")

REDELIVERY_HEADER = "Impilo-Desk-Redelivery"
"""Marks a POST as a manual redelivery from Impilo Desk (value ``1``); the body is unchanged."""

TIMEOUT_S = 10.0  # like Impilo's own deliveries
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class RedeliverySettings:
    """How hard a run may push a receiver that has just come back.

    Attributes:
        concurrency: POSTs in flight at once (1..32).
        rate_per_second: POSTs started per second at most; None for no limit but concurrency.
        timeout_s: Seconds a POST may take (connect to answer).
    """

    concurrency: int = 4
    rate_per_second: float | None = 20.0
    timeout_s: float = TIMEOUT_S

    def check(self) -> None:
        """Raises ``RedeliveryRefused`` with a sentence when a setting is out of range."""
        if not 1 <= self.concurrency <= 32:
            raise RedeliveryRefused("Parallel redeliveries must be between 1 and 32.")
        if self.rate_per_second is not None and not 0.1 <= self.rate_per_second <= 1000:
            raise RedeliveryRefused(
                "The redelivery rate must be between 0.1 and 1000 events per second."
            )
        if not 0.5 <= self.timeout_s <= 60:
            raise RedeliveryRefused("The redelivery timeout must be between 0.5 and 60 seconds.")


@dataclass(frozen=True)
class Progress:
    """Where a run stands, after each attempt.

    Attributes:
        total: Deliveries planned.
        done: Attempts finished.
        delivered: Of those, answered 2xx.
        failed: Of those, not.
    """

    total: int
    done: int
    delivered: int
    failed: int


@dataclass(frozen=True)
class RunResult:
    """How a run ended.

    Attributes:
        run_id: Its id in the record.
        state: ``completed`` or ``cancelled``.
        delivered: Attempts answered 2xx.
        failed: Attempts that failed.
        not_sent: The deliveries never started (after a cancel).
    """

    run_id: str
    state: RunState
    delivered: int
    failed: int
    not_sent: tuple[Delivery, ...]


@dataclass(frozen=True)
class Answer:
    """How one POST ended.

    Attributes:
        outcome: Delivered (2xx) or failed.
        status: The HTTP status, if an answer came.
        error: One sentence when it failed.
    """

    outcome: Outcome
    status: int | None
    error: str | None


ProgressCallback = Callable[[Progress], None]


class Redelivery:
    """One run of a plan; make one per run.

    Args:
        plan: What to send (see ``plan_logs`` / ``plan_events``).
        secret: The webhook secret from the keyring.
        record: Where every attempt is written.
        profile_id: The profile sending (recorded as "by whom").
        profile_name: Its name.
        origin: ``logs`` or ``events``, for the history.
        settings: Concurrency, rate and timeout.
        on_progress: Called after each attempt.
        transport: An httpx transport (tests and benchmarks only).

    Raises:
        RedeliveryRefused: Nothing to send, no secret, or a setting out of range.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        secret: str | None,
        record: AttemptStore,
        profile_id: str,
        profile_name: str,
        origin: str,
        settings: RedeliverySettings | None = None,
        on_progress: ProgressCallback | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not plan.deliveries:
            if plan.unsendable:
                raise RedeliveryRefused(
                    "None of the selected rows can be resent: the log has no exact copy of "
                    "their body."
                )
            raise RedeliveryRefused("Select at least one row or event to send.")
        if not secret or not secret.strip():
            raise RedeliveryRefused(
                "This profile has no webhook secret in the keyring; add it on the Secret tab "
                "first, so that the receiver can tell the redelivery is genuine."
            )
        self.settings = settings or RedeliverySettings()
        self.settings.check()
        self.run_id = uuid.uuid4().hex
        self._plan = plan
        self._secret = secret
        self._record = record
        self._profile = (profile_id, profile_name)
        self._origin = origin
        self._on_progress = on_progress
        self._transport = transport
        self._stop = asyncio.Event()
        self._started = False
        self._next = 0
        self._begun: set[int] = set()
        self._delivered = 0
        self._failed = 0

    def __repr__(self) -> str:
        return f"Redelivery(run_id={self.run_id!r}, deliveries={len(self._plan.deliveries)})"

    def cancel(self) -> None:
        """Starts no more POSTs; those in flight finish and are recorded."""
        self._stop.set()

    @property
    def progress(self) -> Progress:
        """Where the run stands now."""
        done = self._delivered + self._failed
        return Progress(len(self._plan.deliveries), done, self._delivered, self._failed)

    async def run(self) -> RunResult:
        """Sends the plan; returns how it ended. Cancelling the task interrupts the run."""
        if self._started:
            raise RuntimeError("a Redelivery runs once; make another for another run")
        self._started = True
        deliveries = self._plan.deliveries
        record = self._record
        await asyncio.to_thread(
            record.start_run,
            self.run_id,
            profile_id=self._profile[0],
            profile_name=self._profile[1],
            origin=self._origin,
            planned=len(deliveries),
            targets=[d.target for d in deliveries],
            started_at=datetime.now(UTC),
        )
        log.info("Redelivery %s: %d to send", self.run_id, len(deliveries))
        settings = self.settings
        rate = settings.rate_per_second
        # A leaky bucket of one second's worth (at least one POST): a burst is at most that.
        limiter = None if rate is None else AsyncLimiter(max(1.0, rate), max(1.0, rate) / rate)
        width = min(settings.concurrency, len(deliveries))
        limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
        # Loading the CA bundle takes tens of ms: done on a thread, it does not stall the UI.
        tls = await asyncio.to_thread(httpx.create_ssl_context, trust_env=False)
        try:
            async with (
                httpx.AsyncClient(
                    verify=tls,
                    timeout=httpx.Timeout(settings.timeout_s),
                    follow_redirects=False,  # by hand: same host only (the secret travels)
                    trust_env=False,  # no proxy from the environment sees the secret
                    limits=limits,
                    transport=self._transport,
                ) as http,
                asyncio.TaskGroup() as group,
            ):
                for n in range(width):
                    group.create_task(self._work(http, limiter), name=f"redeliver-{n}")
        except BaseException:
            # A quit or a crash of this task: in-flight POSTs may or may not have arrived.
            with contextlib.suppress(BaseException):
                await asyncio.to_thread(
                    record.end_run, self.run_id, RunState.INTERRUPTED, datetime.now(UTC)
                )
            log.warning(
                "Redelivery %s interrupted after %d attempts", self.run_id, len(self._begun)
            )
            raise
        state = RunState.CANCELLED if len(self._begun) < len(deliveries) else RunState.COMPLETED
        await asyncio.to_thread(record.end_run, self.run_id, state, datetime.now(UTC))
        not_sent = tuple(d for i, d in enumerate(deliveries) if i not in self._begun)
        log.info(
            "Redelivery %s %s: %d delivered, %d failed, %d not sent",
            self.run_id,
            state.value,
            self._delivered,
            self._failed,
            len(not_sent),
        )
        return RunResult(self.run_id, state, self._delivered, self._failed, not_sent)

    async def _work(self, http: httpx.AsyncClient, limiter: AsyncLimiter | None) -> None:
        deliveries = self._plan.deliveries
        while not self._stop.is_set() and self._next < len(deliveries):
            if limiter is not None and not await self._acquire(limiter):
                return
            index = self._next
            if index >= len(deliveries):
                return
            self._next += 1
            self._begun.add(index)
            delivery = deliveries[index]
            record = self._record
            started = datetime.now(UTC)
            attempt_id = await asyncio.to_thread(
                record.begin_attempt, self.run_id, delivery, started
            )
            clock = time.perf_counter()
            answer = await self._post(http, delivery)
            latency_ms = (time.perf_counter() - clock) * 1000
            await asyncio.to_thread(
                record.finish_attempt,
                attempt_id,
                outcome=answer.outcome,
                status=answer.status,
                latency_ms=latency_ms,
                error=answer.error,
                finished_at=datetime.now(UTC),
            )
            if answer.outcome is Outcome.DELIVERED:
                self._delivered += 1
            else:
                self._failed += 1
            if self._on_progress is not None:
                self._on_progress(self.progress)

    async def _acquire(self, limiter: AsyncLimiter) -> bool:
        """Waits for the rate limit; False when the run was cancelled meanwhile.

        A slow rate must not hold up a cancel, so the wait also ends when the run is stopped.
        """
        waits = [
            asyncio.ensure_future(limiter.acquire()),
            asyncio.ensure_future(self._stop.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        return not self._stop.is_set()

    async def _post(self, http: httpx.AsyncClient, delivery: Delivery) -> Answer:
        headers = {
            "Content-Type": "application/json",
            SECRET_HEADER: self._secret,
            REDELIVERY_HEADER: "1",
            "User-Agent": f"impilo-desk/{__version__}",
        }
        return await post_as_impilo(
            http, delivery.target, delivery.body, headers, self.settings.timeout_s
        )


async def post_as_impilo(
    http: httpx.AsyncClient, url: str, body: str, headers: dict[str, str], timeout_s: float
) -> Answer:
    """POSTs ``body`` to ``url`` as Impilo would: one answer, never an exception.

    ``timeout_s`` bounds the whole exchange; redirects are followed only as
    :func:`same_host_redirect` allows (307/308 on the same host), at most ``MAX_REDIRECTS``.
    The Events tab's forwarding sends through this too.
    """
    data = body.encode("utf-8")
    for _ in range(MAX_REDIRECTS + 1):
        try:
            # httpx times each phase; Impilo's 10 s are for the whole exchange.
            async with asyncio.timeout(timeout_s):
                response = await http.post(url, content=data, headers=headers)
        except TimeoutError:
            return Answer(
                Outcome.FAILED,
                None,
                f"{host_of(url)} did not answer within {timeout_s:g} seconds.",
            )
        except httpx.HTTPError as exc:
            return Answer(Outcome.FAILED, None, _failure(exc, url, timeout_s))
        status = response.status_code
        if is_success(status):
            return Answer(Outcome.DELIVERED, status, None)
        if not 300 <= status < 400:
            return Answer(Outcome.FAILED, status, f"{host_of(url)} answered {status}.")
        location = response.headers.get("Location")
        follow = same_host_redirect(url, status, location)
        if follow is None:
            where = host_of(location) if location else "nowhere"
            return Answer(
                Outcome.FAILED,
                status,
                f"{host_of(url)} answered {status}, a redirect to {where}; a redelivery "
                "follows only 307 and 308 on the same host.",
            )
        url = follow
    return Answer(
        Outcome.FAILED, status, f"{host_of(url)} redirected more than {MAX_REDIRECTS} times."
    )


def _failure(exc: httpx.HTTPError, url: str, timeout: float) -> str:
    """One sentence for a POST that got no answer."""
    host = host_of(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"Could not connect to {host} within {timeout:g} seconds."
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} did not answer within {timeout:g} seconds."
    if isinstance(exc, httpx.ConnectError):
        if _refused(exc):
            return f"{host} refused the connection; is the receiver running?"
        return f"Could not connect to {host}; check the URL and the network."
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return f"The connection to {host} broke off before it answered."
    return f"The POST to {host} failed ({type(exc).__name__})."


def _refused(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
