"""Relay feeds of a session that read a smee.io channel (our relay's feed is in ``wiring``).

Qt-free: a feed is a coroutine that runs the subscriber until cancelled and reports each change
as a :class:`~impilo_desk.ui.ports.RelayStatus` for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impilo_desk.services.credentials import CredentialStore, SecretKind
from impilo_desk.services.event_store import EventStore, RelayEvent
from impilo_desk.services.subscriber import Gap, SmeeSubscriber, SubscriberState
from impilo_desk.ui.ports import RelayFeed, RelayStatus

SMEE = "smee"
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


def smee_feed(
    profile_id: str,
    channel_url: str,
    store: CredentialStore,
    events: EventStore,
    *,
    on_event: Callable[[RelayEvent], None] | None = None,
    on_gap: Callable[[Gap], None] | None = None,
    on_state: Callable[[SubscriberState], None] | None = None,
    **options: Any,
) -> RelayFeed:
    """The feed of a profile whose relay is a smee.io channel.

    The webhook secret is read from the credential store each time the feed starts (so a
    restarted feed uses a secret saved meanwhile); the subscriber drops events that do not carry
    it (smee checks nothing).

    Args:
        profile_id: The profile whose webhook secret is used.
        channel_url: The smee.io channel URL.
        store: The profile's credential store.
        events: The session's event store (de-duplication by Impilo event id).
        on_event: Called with each new, checked event.
        on_gap: Called with each possible gap (after every reconnect).
        on_state: Called with each change of the subscriber's state.
        options: Passed to :class:`SmeeSubscriber` (e.g. ``backoff`` in tests).
    """

    async def feed(report: Callable[[RelayStatus], None]) -> None:
        secret = await store.get(profile_id, SecretKind.WEBHOOK_SECRET)
        if not secret:
            report(RelayStatus("stopped", last_error=MISSING_SECRET_SENTENCE, kind=SMEE))
            return
        last_gap: Gap | None = None
        latest = SubscriberState("connecting")

        def state_changed(state: SubscriberState) -> None:
            nonlocal latest
            latest = state
            if on_state is not None:
                on_state(state)
            report(status_of(state, SMEE, last_gap))

        def gap_found(gap: Gap) -> None:
            nonlocal last_gap
            last_gap = gap
            if on_gap is not None:
                on_gap(gap)
            report(status_of(latest, SMEE, gap))

        subscriber = SmeeSubscriber(
            channel_url,
            secret,
            events,
            on_event=on_event,
            on_state=state_changed,
            on_gap=gap_found,
            **options,
        )
        await subscriber.run()

    return feed
