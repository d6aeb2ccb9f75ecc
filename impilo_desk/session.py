"""What a profile session hands the tabs, and what the UI needs of profiles; Qt-free.

The controllers speak to an Impilo client, a credential store and a profile only through these
shapes, so tests can hand them the real objects (against the sandbox) or small stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the client, services and contract load after the first paint
    from impilo_desk.client.ports import ImpiloApi
    from impilo_desk.services.credentials import CredentialStore, SecretKind
    from impilo_desk.services.log_mirror import LogMirror
    from impilo_desk.services.reading_feed import EventHub
    from impilo_desk.services.redelivery import AttemptStore
    from impilo_desk.services.relay_deliveries import RelayDeliveryProbe


def webhook_secret_kind() -> SecretKind:
    """The credential slot of the webhook secret."""
    from impilo_desk.services.credentials import SecretKind

    return SecretKind.WEBHOOK_SECRET


class ProfileInfo(Protocol):
    """What the window shows of a connection profile."""

    @property
    def id(self) -> str:
        """Stable id (the credential store's key)."""

    @property
    def name(self) -> str:
        """Name for people."""

    @property
    def api_base_url(self) -> str:
        """Impilo API base URL."""

    @property
    def relay_url(self) -> str | None:
        """The relay's base URL, if the profile has one."""

    @property
    def environment(self) -> str:
        """``production``, ``staging`` or ``sandbox``."""

    @property
    def poll_interval_s(self) -> int:
        """Seconds between polls of the API (readings)."""


@dataclass(frozen=True)
class RelayStatus:
    """What the relay feed reports: the subscriber's phase and counters.

    ``kind`` is ``relay`` or ``smee``; ``dropped`` counts events refused for a wrong secret;
    ``gap`` names a possible gap in the events (e.g. after a smee reconnect), if any.
    """

    phase: str
    attempt: int = 0
    received: int = 0
    last_error: str | None = None
    kind: str = "relay"
    dropped: int = 0
    gap: str | None = None


RelayFeed = Callable[[Callable[[RelayStatus], None]], Coroutine[Any, Any, None]]
"""Runs the relay subscription until cancelled, reporting each change of state."""


class Notice:
    """A call to every listener, for news without a payload (Qt-free, so the session can hold it).

    Listeners are called in the order they were added; each :meth:`listen` returns the call that
    removes its listener again.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls ``listener`` on every :meth:`notify` until the returned call removes it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def notify(self) -> None:
        """Calls every listener."""
        for listener in list(self._listeners):
            listener()


@dataclass
class Session:
    """Everything the tabs need while one profile is active.

    Attributes:
        profile: The active profile.
        api: Its Impilo client (open), or None for a session with events only (a relay, or
            the local event store, and no API key); each tab keeps only its own port of it
            and treats None as "nothing to call" (the Readings tab shows stored and relayed
            readings alone).
        store: Where its secrets live (keyring, or memory for the demo).
        relay_feed: Runs its relay subscription, or None when it has no relay.
        store_name: How the Secret tab names ``store`` ("the keyring", "memory").
        events: The relay subscriber's events and the local event store (Readings and Test
            events tabs).
        watch_store_name: Calls a listener with ``store``'s new name when that changes (the
            keyring gives way to memory mid-session); returns the call that stops it. None:
            the name never changes.
        secrets_changed: Told when the tabs changed the session's secrets (the Secret tab saved
            one), so that the relay feed restarts and reads them afresh.
        log_mirror: The profile's local copy of the delivery log (None: not kept). The
            Webhooks tab runs its background sync as a task of the session.
        is_demo: Whether this is the demo's session (its servers are the app's children).
        relay_deliveries: Reads whether Impilo's deliveries to the profile's relay succeed
            (None: the profile has no relay).
        relay_takes_secret: Makes the profile's relay accept a new webhook secret, before
            Impilo uses it (the demo's relay: the app runs it). None: the relay is the user's
            to change, and the Secret tab says how.
        attempts: The record of this profile's manual redeliveries (Logs tab "Resend",
            "Recover…"); None: redelivery is off in this session.
    """

    profile: ProfileInfo
    api: ImpiloApi | None
    store: CredentialStore
    relay_feed: RelayFeed | None = None
    store_name: str = "the keyring"
    events: EventHub | None = None
    watch_store_name: Callable[[Callable[[str], None]], Callable[[], None]] | None = None
    secrets_changed: Notice = field(default_factory=Notice)
    log_mirror: LogMirror | None = None
    is_demo: bool = False
    relay_deliveries: RelayDeliveryProbe | None = None
    relay_takes_secret: Callable[[str], Coroutine[Any, Any, None]] | None = None
    attempts: AttemptStore | None = None


OpenSession = Callable[[ProfileInfo], AbstractAsyncContextManager[Session]]
"""Opens a session for a profile (client, store, relay) and closes it on exit."""


@dataclass(frozen=True)
class ProfileDraft:
    """A profile as typed in the profiles dialog (``id`` None: a new one).

    ``relay_kind`` is ``relay`` (our relay, with a bearer token) or ``smee`` (a smee.io channel).
    """

    name: str
    api_base_url: str
    relay_url: str | None
    environment: str
    id: str | None = None
    relay_kind: str = "relay"


class ProfileBook(Protocol):
    """Profiles as the dialogs see them: load, save (with the API key), delete, test."""

    async def load(self) -> list[ProfileInfo]:
        """Every saved profile."""

    async def save(
        self, draft: ProfileDraft, api_key: str | None, relay_token: str | None = None
    ) -> ProfileInfo:
        """Saves ``draft``; a non-empty API key or relay token goes to the credential store."""

    async def delete(self, profile_id: str) -> None:
        """Deletes a profile and its secrets."""

    async def has_api_key(self, profile_id: str) -> bool:
        """Whether the credential store holds the profile's API key."""

    async def test_connection(self, draft: ProfileDraft, api_key: str | None) -> str:
        """Tries the API; returns a sentence saying it works (raises with one that it does not)."""
