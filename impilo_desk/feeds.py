"""Relay feeds of a session: our relay (with a bearer token) or a smee.io channel.

Qt-free: a feed is a coroutine that runs the subscriber until cancelled and reports each change
as a :class:`~impilo_desk.session.RelayStatus` for the status bar, with the last gap, if any.
"""

from __future__ import annotations

import asyncio
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

RELAY = "relay"
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
