"""Adapters from the services and the client to the UI's ports: profiles, sessions, the demo.

Built once by the composition root (``app.py``); nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from impilo_desk.applog import AppPaths, SecretRedactor
from impilo_desk.client import ImpiloClient, RetryPolicy
from impilo_desk.contract import READING_EVENT_TYPES
from impilo_desk.demo_stack import DemoStack, sweep_stale_workdirs
from impilo_desk.feeds import SMEE, FeedRuns, relay_feed, smee_feed
from impilo_desk.services.credentials import (
    CredentialStore,
    KeyringCredentialStore,
    MemoryCredentialStore,
    SecretKind,
)
from impilo_desk.services.event_store import EventStore
from impilo_desk.services.fallback_store import AskMemory, SessionFallbackStore
from impilo_desk.services.log_mirror import LogMirror, MirrorSettings, MirrorStore
from impilo_desk.services.profiles import Profile, ProfileStore
from impilo_desk.services.reading_feed import EventHub
from impilo_desk.services.redelivery import AttemptStore
from impilo_desk.services.relay_deliveries import RelayDeliveryProbe, api_rows
from impilo_desk.session import (
    ProfileDraft,
    ProfileInfo,
    RelayFeed,
    Session,
)

DEMO_PROFILE_ID = "demo"
# A click should fail within seconds, not after the client's default 30 s of retries.
INTERACTIVE_RETRY = RetryPolicy(attempts=2, total_timeout=5.0, wait_initial=0.3, wait_max=1.0)
DEMO_PROFILE_NAME = "Sandbox (demo)"


class ProfileProblem(Exception):  # noqa: N818 - reads as what it is
    """A profile cannot be saved or used; ``user_message`` says why in one sentence."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = str(error.get("msg", "a value is not valid"))
    message = message.removeprefix("Value error, ")
    field = ".".join(str(p) for p in error.get("loc", ()))
    if field and not message[:1].isupper():
        return f"The {field.replace('_', ' ')} {message}."
    return message if message.endswith(".") else message + "."


class RedactingStore:
    """A credential store that tells the log redactor about every secret passing through it."""

    def __init__(self, inner: CredentialStore, redactor: SecretRedactor) -> None:
        self._inner = inner
        self._redactor = redactor

    def __repr__(self) -> str:
        return f"RedactingStore({self._inner!r})"

    async def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The stored secret, or None."""
        value = await self._inner.get(profile_id, kind)
        self._redactor.add(value)
        return value

    async def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        """Stores a secret."""
        self._redactor.add(value)
        await self._inner.set(profile_id, kind, value)

    async def delete(self, profile_id: str, kind: SecretKind) -> None:
        """Forgets a secret."""
        await self._inner.delete(profile_id, kind)


class ProfileBookService:
    """Profiles in the profiles file, their API keys in the credential store."""

    def __init__(
        self,
        profiles: ProfileStore,
        credentials: CredentialStore,
        client_factory: Callable[[str, str], ImpiloClient] = ImpiloClient,
    ) -> None:
        self._profiles = profiles
        self._credentials = credentials
        self._client_factory = client_factory

    async def load(self) -> list[ProfileInfo]:
        """Every saved profile."""
        return list(await self._profiles.load())

    async def save(
        self, draft: ProfileDraft, api_key: str | None, relay_token: str | None = None
    ) -> ProfileInfo:
        """Validates and saves ``draft``; a new API key or relay token goes to the store."""
        saved = await self._profiles.load()
        existing = next((p for p in saved if p.id == draft.id), None)
        fields: dict[str, Any] = {
            "name": draft.name,
            "api_base_url": draft.api_base_url,
            "relay_url": draft.relay_url,
            "environment": draft.environment,
            "relay_kind": draft.relay_kind,
        }
        if not draft.name:
            raise ProfileProblem("Give the profile a name.")
        if not draft.api_base_url:
            raise ProfileProblem("Enter the API base URL, e.g. https://app.impiloplatform.com.")
        if existing is None and not api_key:
            raise ProfileProblem("Enter the API key for this profile.")
        try:
            if existing is None:
                profile = Profile(**fields)
            else:
                profile = Profile(**{**existing.model_dump(), **fields})
        except ValidationError as exc:
            raise ProfileProblem(_first_problem(exc)) from None
        if api_key:
            await self._credentials.set(profile.id, SecretKind.API_KEY, api_key)
        if relay_token:
            await self._credentials.set(profile.id, SecretKind.RELAY_TOKEN, relay_token)
        others = [p for p in saved if p.id != profile.id]
        await self._profiles.save(
            [*others, profile]
            if existing is None
            else [profile if p.id == profile.id else p for p in saved]
        )
        return profile

    async def delete(self, profile_id: str) -> None:
        """Deletes the profile and every secret filed under it."""
        saved = await self._profiles.load()
        await self._profiles.save([p for p in saved if p.id != profile_id])
        for kind in SecretKind:
            await self._credentials.delete(profile_id, kind)

    async def has_api_key(self, profile_id: str) -> bool:
        """Whether an API key is stored for the profile."""
        return await self._credentials.get(profile_id, SecretKind.API_KEY) is not None

    async def test_connection(self, draft: ProfileDraft, api_key: str | None) -> str:
        """Lists one webhook with the typed (or stored) key; raises the client's error."""
        key = api_key
        if not key and draft.id is not None:
            key = await self._credentials.get(draft.id, SecretKind.API_KEY)
        if not key:
            raise ProfileProblem("Enter the API key to test the connection.")
        try:
            client = self._client_factory(draft.api_base_url, key)
        except ValueError as exc:
            raise ProfileProblem(str(exc)) from None
        async with client:
            await client.list_webhooks(page=1, size=1)
        return "It works: Impilo answered and accepted the API key."


@dataclass
class DeskServices:
    """What the composition root hands to the UI.

    Attributes:
        book: Profiles and their API keys.
        open_session: Opens a session (client, store, relay feed) for a profile.
        start_demo: Starts the demo sandbox and relay; returns their profile.
        close: Stops what was started (the demo's children).
        demo: The demo's sandbox and relay.
        memory: The demo's secrets.
        secrets: The keyring, or memory for this session once the user chose it.
    """

    book: ProfileBookService
    open_session: Callable[[ProfileInfo], contextlib.AbstractAsyncContextManager[Session]]
    start_demo: Callable[[], Any]
    close: Callable[[], None]
    demo: DemoStack
    memory: MemoryCredentialStore
    secrets: SessionFallbackStore

    async def housekeeping(self) -> None:
        """Removes what crashed earlier runs left behind (the demo's temporary folders)."""
        await asyncio.to_thread(sweep_stale_workdirs)


def build_services(
    paths: AppPaths,
    redactor: SecretRedactor,
    keyring_store: CredentialStore | None = None,
    demo_time_scale: int = 60,
    ask_keyring: AskMemory | None = None,
    event_store: Callable[[Path], EventStore] = EventStore,
) -> DeskServices:
    """Builds the services of one app run.

    Args:
        paths: Where files go.
        redactor: Learns every secret, so the log never shows one.
        keyring_store: The credential store of real profiles (default: the OS keyring).
        demo_time_scale: The demo sandbox's time scale.
        ask_keyring: Asks the user whether to keep secrets in memory for this session when the
            keyring is unusable (None: never; the error goes up).
        event_store: Opens a session's event store at a path (tests: a store with slow
            commits, to pin down how a switch meets a commit).
    """
    secrets = SessionFallbackStore(
        keyring_store or KeyringCredentialStore(), MemoryCredentialStore(), ask_keyring
    )
    keyring = RedactingStore(secrets, redactor)
    memory = MemoryCredentialStore()
    demo_store = RedactingStore(memory, redactor)
    book = ProfileBookService(ProfileStore(paths.profiles_file), keyring)
    demo = demo_stack = DemoStack(paths.log_dir, demo_time_scale)
    atexit.register(demo.stop)

    def store_for(profile: ProfileInfo) -> RedactingStore:
        return demo_store if profile.id == DEMO_PROFILE_ID else keyring

    @asynccontextmanager
    async def open_session(profile: ProfileInfo) -> AsyncIterator[Session]:
        store = store_for(profile)
        api_key = await store.get(profile.id, SecretKind.API_KEY)
        if not api_key:
            raise ProfileProblem(
                f"The profile “{profile.name}” has no API key in {secrets.name}; add it in "
                "Profile › Manage profiles."
            )
        async with contextlib.AsyncExitStack() as stack:
            # Opened off the loop (SQLite); closed in reverse order, whatever fails.
            events = await _opened(
                stack, event_store, paths.data_dir / f"events-{profile.id}.sqlite3"
            )
            hub = EventHub(events)
            mirror_store = await _opened(
                stack, MirrorStore, MirrorStore.path_for(paths.data_dir, profile.id)
            )
            attempts = await _opened(
                stack, AttemptStore, AttemptStore.path_for(paths.data_dir, profile.id)
            )
            feeds = FeedRuns()
            # What the feed received is stored before the stores close.
            stack.push_async_callback(feeds.drain)
            client = await stack.enter_async_context(
                ImpiloClient(profile.api_base_url, api_key, retry=INTERACTIVE_RETRY)
            )
            await asyncio.to_thread(mirror_store.use_source, client.base_url)
            mirror = LogMirror(mirror_store, client, _mirror_settings(profile))
            await mirror.load()
            feed = await _relay_feed(profile, store, hub)
            feed = feeds.track(feed) if feed is not None else None
            demo = store is demo_store
            yield Session(
                profile,
                client,
                store,
                feed,
                "memory (demo only)" if demo else secrets.name,
                events=hub,
                watch_store_name=None if demo else secrets.add_switch_listener,
                log_mirror=mirror,
                attempts=attempts,
                is_demo=demo,
                relay_takes_secret=demo_stack.relay_takes_secret if demo else None,
                relay_deliveries=(
                    RelayDeliveryProbe(api_rows(client), profile.relay_url, _now)
                    if profile.relay_url
                    else None
                ),
            )

    async def start_demo() -> ProfileInfo:
        if demo.running:  # a restart: the old children (one may have died) go first
            await asyncio.to_thread(demo.stop)
        endpoints = await demo.start()
        for value in (endpoints.api_key, endpoints.relay_token, endpoints.webhook_secret):
            redactor.add(value)
        profile = Profile(
            id=DEMO_PROFILE_ID,
            name=DEMO_PROFILE_NAME,
            api_base_url=endpoints.api_base_url,
            relay_url=endpoints.relay_url,
            environment="sandbox",
        )
        await demo_store.set(profile.id, SecretKind.API_KEY, endpoints.api_key)
        await demo_store.set(profile.id, SecretKind.RELAY_TOKEN, endpoints.relay_token)
        await demo_store.set(profile.id, SecretKind.WEBHOOK_SECRET, endpoints.webhook_secret)
        async with ImpiloClient(endpoints.api_base_url, endpoints.api_key) as client:
            await _prepare_demo(client, endpoints.relay_url + "/hooks", endpoints.webhook_secret)
        return profile

    return DeskServices(book, open_session, start_demo, demo.stop, demo, memory, secrets)


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


async def _opened(stack: contextlib.AsyncExitStack, opener: Callable[[Path], C], path: Path) -> C:
    """Opens a SQLite-backed store on a thread and has ``stack`` close it on a thread."""
    opened = await asyncio.to_thread(opener, path)
    stack.push_async_callback(asyncio.to_thread, opened.close)
    return opened


def _mirror_settings(profile: ProfileInfo) -> MirrorSettings:
    """The profile's log mirror settings: its window (days) and sync interval."""
    days = getattr(profile, "log_window_days", 7)
    interval = getattr(profile, "log_sync_interval_s", 60)
    return MirrorSettings(window=timedelta(days=days), interval_s=float(interval))


def _now() -> datetime:
    return datetime.now(UTC)


async def _prepare_demo(client: ImpiloClient, ingest_url: str, secret: str) -> None:
    """Sets the demo secret on the sandbox and points every reading type at the relay."""
    if await client.get_secret() is None:
        await client.create_secret(secret)
    else:
        await client.replace_secret(secret)
    present = {
        hook.type
        async for hook in client.iter_all(lambda n: client.list_webhooks(page=n, size=250))
        if hook.url == ingest_url
    }
    for webhook_type in READING_EVENT_TYPES:
        if webhook_type not in present:
            await client.create_webhook(webhook_type, ingest_url)


async def _relay_feed(
    profile: ProfileInfo, store: RedactingStore, hub: EventHub
) -> RelayFeed | None:
    """The relay subscription of ``profile``: our relay (with a token) or a smee.io channel.

    Events go into the session's event store and out through ``hub`` to the tabs.
    """
    if not profile.relay_url or hub.store is None:
        return None
    if getattr(profile, "relay_kind", "relay") == SMEE:
        return smee_feed(profile.id, profile.relay_url, store, hub)
    token = await store.get(profile.id, SecretKind.RELAY_TOKEN)
    return relay_feed(profile.relay_url, token, hub) if token else None
