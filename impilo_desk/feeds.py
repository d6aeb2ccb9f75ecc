"""Relay feeds of a session: our relay (with a bearer token) or a smee.io channel.

Qt-free: a feed is a coroutine that runs the subscriber until cancelled and reports each change
as a :class:`~impilo_desk.session.RelayStatus` for the status bar, with the last gap, if any.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from impilo_desk.services.credentials import CredentialStore, SecretKind
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.sse_base import SseSubscriber
from impilo_desk.services.subscriber import Gap, RelaySubscriber, SmeeSubscriber, SubscriberState
from impilo_desk.session import RelayFeed, RelayStatus

_log = logging.getLogger(__name__)

RELAY = "relay"
FLUSH_LIMIT_S = 30.0
"""How long a closing session waits for its feed to store what it received (a slow disk)."""
SMEE = "smee"
COUNT_REPORT_S = 0.1
MISSING_SECRET_SENTENCE = (
    "No webhook secret is stored for this profile, so smee events cannot be checked; "  # noqa: S105 - a sentence
    "set it in the Secret tab."
)
GAP_WORDS = {
    "smee-reconnect": "possible gap after reconnect",
    "retention": "events missing (older than the relay keeps)",
    "reset": "the relay's store was reset",
}


def status_of(state: SubscriberState, kind: str, gap: Gap | None) -> RelayStatus:
    """The status bar's view of a subscriber's state (and the last gap, if any)."""
    return RelayStatus(
        state.phase,
        state.attempt,
        state.received,
        state.last_error,
        kind=kind,
        dropped=state.dropped,
        gap=GAP_WORDS.get(gap.reason, "possible gap") if gap is not None else None,
    )


def relay_feed(relay_url: str, token: str, hub: EventHub, **options: Any) -> RelayFeed:
    """The feed of a profile whose relay is ours (an Impilo Desk relay).

    Args:
        relay_url: The relay's base URL.
        token: The relay's bearer token.
        hub: The session's hub: its store keeps the events (and the last sequence, for replay);
            it hears every event, gap (events the relay no longer has, a reset) and state.
        options: Passed to :class:`RelaySubscriber` (e.g. ``backoff`` in tests).
    """
    events = _store_of(hub)

    async def feed(report: Callable[[RelayStatus], None]) -> None:
        subscriber = partial(RelaySubscriber, relay_url, token, events, **options)
        await _follow(subscriber, RELAY, hub, report)

    return feed


def smee_feed(
    profile_id: str, channel_url: str, store: CredentialStore, hub: EventHub, **options: Any
) -> RelayFeed:
    """The feed of a profile whose relay is a smee.io channel.

    The webhook secret is read from the credential store each time the feed starts (so a
    restarted feed uses a secret saved meanwhile); the subscriber drops events that do not carry
    it (smee checks nothing).

    Args:
        profile_id: The profile whose webhook secret is used.
        channel_url: The smee.io channel URL.
        store: The profile's credential store.
        hub: The session's hub: its store keeps the events (de-duplication by Impilo event id);
            it hears every checked event, possible gap (after every reconnect) and state.
        options: Passed to :class:`SmeeSubscriber` (e.g. ``backoff`` in tests).
    """
    events = _store_of(hub)

    async def feed(report: Callable[[RelayStatus], None]) -> None:
        secret = await store.get(profile_id, SecretKind.WEBHOOK_SECRET)
        if not secret:
            report(RelayStatus("stopped", last_error=MISSING_SECRET_SENTENCE, kind=SMEE))
            return
        subscriber = partial(SmeeSubscriber, channel_url, secret, events, **options)
        await _follow(subscriber, SMEE, hub, report)

    return feed


class FeedRuns:
    """The running feeds of one session, so that its event store closes only after them.

    A feed is cancelled by its owner (the session's tasks) on a profile switch, but it still
    stores what it had received (``BatchWriter`` flushes on cancellation). The session must not
    close the store under that flush: :meth:`drain` waits for every feed to end first.
    """

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def track(self, feed: RelayFeed) -> RelayFeed:
        """``feed``, each run of which :meth:`drain` waits for."""

        async def tracked(report: Callable[[RelayStatus], None]) -> None:
            task = asyncio.current_task()
            if task is not None:  # always, under asyncio
                self._running.add(task)
            try:
                await feed(report)
            finally:
                self._running.discard(task)

        return tracked

    async def drain(self, limit_s: float = FLUSH_LIMIT_S) -> None:
        """Cancels every run (unless cancelled already) and waits until each has ended.

        A further cancellation of the caller (the window closing during a switch) does not cut
        the wait short: the store would close under the flush. After ``limit_s`` (a wedged
        disk) the runs are cancelled again, which stops their writers without waiting.
        """
        pending = {task for task in self._running if not task.done()}
        for task in pending:
            if not task.cancelling():
                task.cancel()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_s
        interrupted = False
        while pending and (left := deadline - loop.time()) > 0:
            try:
                _, pending = await asyncio.wait(pending, timeout=left)
            except asyncio.CancelledError:
                interrupted = True
        if pending:
            _log.warning("the relay feed did not finish storing in %.0f s; stopping it", limit_s)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)
        if interrupted:
            raise asyncio.CancelledError


def _store_of(hub: EventHub) -> EventStore:
    if hub.store is None:
        raise ValueError("a relay feed needs the session's event store")
    return hub.store


async def _follow(
    subscriber: Callable[..., SseSubscriber],
    kind: str,
    hub: EventHub,
    report: Callable[[RelayStatus], None],
) -> None:
    """Runs the subscriber: each event, gap and state to ``hub``, each status to ``report``.

    ``subscriber(on_event=…, on_state=…, on_gap=…)`` makes it. The last gap stays in the
    status until the feed restarts: events may be missing. A state in which only the counts
    grew is reported at most every ``COUNT_REPORT_S`` (the newest counts, a little later): at
    a thousand events a second, a status line per event would cost the window more than the
    events themselves.
    """
    latest = reported = SubscriberState("connecting")
    last_gap: Gap | None = None
    later: asyncio.TimerHandle | None = None

    def send() -> None:
        nonlocal reported, later
        if later is not None:
            later.cancel()
            later = None
        reported = latest
        report(status_of(latest, kind, last_gap))

    def state_changed(state: SubscriberState) -> None:
        nonlocal latest, later
        latest = state
        hub.on_state(state)
        counts_only = replace(state, received=reported.received, duplicates=reported.duplicates)
        if counts_only != reported:
            send()
        elif later is None:
            later = asyncio.get_running_loop().call_later(COUNT_REPORT_S, send)

    def gap_found(gap: Gap) -> None:
        nonlocal last_gap
        last_gap = gap
        hub.on_gap(gap)
        send()

    try:
        await subscriber(on_event=hub.on_event, on_state=state_changed, on_gap=gap_found).run()
    finally:
        if later is not None:
            later.cancel()
