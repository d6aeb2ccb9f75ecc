"""Follows every event fired on the Test events tab at once, each in its own owned task."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.test_events.models import Fired, HistoryModel

if TYPE_CHECKING:  # the client and services (pydantic) load after the first paint
    from impilo_desk.client.ports import TestEventsApi
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.test_event_follow import ChainFollower, FollowTimes

NOT_FOLLOWED = "Not followed further"
NOT_FOLLOWED_REASON = "Not followed further: the profile session it was fired in ended."
FOLLOW_FAILED = "Following failed"

Spawn = Callable[[Coroutine[Any, Any, None], str], "asyncio.Task[None]"]


@dataclass
class Follow:
    """One fired event and its follower.

    Attributes:
        fired: The history entry (its outcome is set when following ends).
        follower: Marks the event's receipt chain.
        title: What the chain panel says above this event's chain.
        task: The task running the follow (None before it starts).
        failure: What broke the follow, when it did not end by itself.
        ended: Whether following ended (its outcome is in the history).
    """

    fired: Fired
    follower: ChainFollower
    title: str
    task: asyncio.Task[None] | None = None
    failure: Exception | None = None
    ended: bool = False

    @property
    def running(self) -> bool:
        """Whether the follow's task is still going."""
        return self.task is not None and not self.task.done()


def outcome(follower: ChainFollower) -> str:
    """How a finished follow reads in the history: arrival time, or the first missing step."""
    from impilo_desk.services.receipts import Step
    from impilo_desk.services.time_display import duration

    chain, result = follower.chain, follower.result
    if result.error is not None:
        from impilo_desk.services.receipts import FAILED, NO_ANSWER

        failed = chain.failed[1] if chain.failed is not None else None
        lead = {FAILED: "Not sent", NO_ANSWER: "No answer"}.get(failed or "", "Not accepted")
        return f"{lead}: {result.error}"
    status = f" (delivery {result.details[Step.LOGGED]})" if Step.LOGGED in chain.times else ""
    if chain.complete:
        total = chain.times[Step.DESKTOP] - chain.times[Step.SENT]
        return f"Arrived in {duration(total.total_seconds())}{status}"
    missing = next((s for s in Step if s not in chain.times and s not in chain.not_followed), None)
    if missing is None:  # every step that could be followed was seen (no relay to follow)
        return f"Logged, not followed past Impilo (no relay){status}"
    return f"Stopped before “{missing.label}”{status}"


class FollowTracker(QObject):
    """Runs one follower per fired event, concurrently, and hands each relay event to its own.

    Each follow is a task of the session's :class:`~impilo_desk.ui.kit.tasks.TaskOwner` (through
    ``spawn``), so a session switch cancels them all; each is bounded by its follower's time-out.
    A relay event goes to the oldest running follow that claims it, and an event claimed once is
    never claimed again, so two events fired with the same values each get their own arrival.

    Signals:
        changed(object): A step or detail of this :class:`Fired` entry's chain changed.
        ended(object): Following this :class:`Fired` entry ended; its outcome is set.

    Args:
        history: The session's history (outcomes are written there).
        spawn: Starts a coroutine as an owned task, given a name.
        parent: QObject parent.
    """

    changed = Signal(object)
    ended = Signal(object)

    def __init__(self, history: HistoryModel, spawn: Spawn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._spawn = spawn
        self._follows: list[Follow] = []  # oldest first: the order relay events are offered in
        self._claimed: set[tuple[str, object]] = set()
        self._schedule: tuple[timedelta, ...] | None = None
        self._schedule_lock = asyncio.Lock()

    @property
    def running(self) -> int:
        """How many follows are still going."""
        return sum(1 for f in self._follows if f.running)

    def follow_of(self, fired: Fired | None) -> Follow | None:
        """The follow of a history entry (None for an entry of no follow)."""
        return next((f for f in self._follows if f.fired is fired), None)

    async def follow(
        self,
        fired: Fired,
        title: str,
        api: TestEventsApi,
        api_base_url: str | None,
        ingest_url: str | None,
        times: FollowTimes,
    ) -> None:
        """Adds ``fired`` to the history, then fires and follows it in a task of its own.

        Args:
            fired: What to fire (kind, patient, values).
            title: What the chain panel says above its chain.
            api: The session's Impilo client.
            api_base_url: The sandbox's address, whose retry time scale is asked once; None
                for any other server (never probed: it runs the documented schedule).
            ingest_url: The profile's relay ingest URL, if it has a relay.
            times: Time-out and polling pace of the follow.
        """
        from impilo_desk.contract import ReadingKind
        from impilo_desk.services.test_event_follow import ChainFollower
        from impilo_desk.services.test_event_values import request_body

        async with self._schedule_lock:  # asked once; and events fired at once keep their order
            if self._schedule is None:
                # The sandbox may run the 15/30/60-minute schedule faster; countdowns must match.
                from impilo_desk.contract import scaled_schedule
                from impilo_desk.services.server_info import fetch_time_scale

                scale = await fetch_time_scale(api_base_url) if api_base_url else 1.0
                self._schedule = scaled_schedule(scale)
        follower = ChainFollower(
            api, ReadingKind(fired.kind), fired.patient_id, fired.values, ingest_url, times,
            lambda: self.changed.emit(fired), schedule=self._schedule, claim=self.claim,
        )  # fmt: skip
        follow = Follow(fired, follower, title)
        self._history.add(fired)
        self._follows.append(follow)
        body = request_body(fired.patient_id, fired.values)
        follow.task = self._spawn(self._run(follow, body), "follow")
        # here, not in _run: a task cancelled before its first step never runs _run's body
        follow.task.add_done_callback(lambda task: self._not_followed(follow, task))

    def claim(self, event: RelayEvent) -> bool:
        """Takes ``event`` for one follow; False if another follow has it already."""
        key = ("seq", event.seq) if event.seq is not None else ("id", event.envelope.id)
        if event.seq is None and not event.envelope.id:
            key = ("object", id(event))
        if key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def offer(self, event: RelayEvent) -> None:
        """Hands an event the relay feed received to the follow it belongs to, if any."""
        now = datetime.now(UTC)
        for follow in self._follows:
            if follow.follower.finished or not follow.running:
                continue
            if follow.follower.offer(event, now):
                return

    def cancel_all(self) -> int:
        """Stops every follow (a session switch, so the server may differ next time).

        Returns:
            How many were running.
        """
        running = [f.task for f in self._follows if f.task is not None and not f.task.done()]
        for task in running:
            task.cancel()
        self._claimed.clear()
        self._schedule = None
        return len(running)

    def _not_followed(self, follow: Follow, task: asyncio.Task[None]) -> None:
        """Marks a follow whose task was cancelled (a session switch, the window closing)."""
        if not task.cancelled():
            return
        fired = follow.fired
        follow.ended = True
        fired.outcome = NOT_FOLLOWED
        follow.follower.result.reason = NOT_FOLLOWED_REASON
        if alive(self) and alive(self._history):  # not when the window closed first
            self._history.update(fired)
            self.changed.emit(fired)

    async def _run(self, follow: Follow, body: dict[str, Any]) -> None:
        fired = follow.fired
        try:
            await follow.follower.run(body)
        except asyncio.CancelledError:
            raise  # marked by _not_followed
        except Exception as exc:  # reported through ``ended`` as a sentence, not a traceback
            follow.failure = exc
            fired.outcome = FOLLOW_FAILED
        else:
            fired.outcome = outcome(follow.follower)
        follow.ended = True
        self._history.update(fired)
        self.ended.emit(fired)
