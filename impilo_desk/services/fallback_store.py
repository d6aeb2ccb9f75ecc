"""The keyring, with a way out: secrets in memory for this session, when the user chooses it.

``SessionFallbackStore`` passes every call to the OS keyring. When the keyring proves unusable
(``KeyringUnavailable`` at the start-up check or from any get, set or delete), it asks the user,
through the ``ask`` callable the composition root hands it, whether to keep secrets in memory for
this session only. If the user agrees, a ``MemoryCredentialStore`` takes over for the rest of the
session (values this session already read or wrote stay readable, so nothing in use is lost)
and the call is repeated there; otherwise the error goes up. Never a plain-text file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from impilo_desk.services.credentials import (
    CredentialStore,
    KeyringUnavailable,
    MemoryCredentialStore,
    SecretKind,
)

AskMemory = Callable[[str, str], Awaitable[bool]]
"""``ask(sentence, action)``: the store's sentence and ``check``/``get``/``set``/``delete``;
True when the user chose to keep secrets in memory for this session."""

PROBE_PROFILE = "impilo-desk-probe"
KEYRING_NAME = "the keyring"
MEMORY_NAME = "memory (this session only)"


class _Checkable(Protocol):
    async def check(self) -> str: ...


class SessionFallbackStore:
    """The OS keyring, or (chosen by the user) memory for this session.

    Args:
        keyring: The keyring store (``KeyringCredentialStore``).
        memory: The store to use for the rest of the session if the user chooses it.
        ask: Asks the user; None: never fall back (the error goes up).
    """

    def __init__(
        self, keyring: CredentialStore, memory: MemoryCredentialStore, ask: AskMemory | None = None
    ) -> None:
        self._keyring = keyring
        self._memory = memory
        self._ask = ask
        self._session_only = False
        self._seen: dict[tuple[str, SecretKind], str] = {}
        self._switch_listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return f"SessionFallbackStore(session_only={self._session_only})"

    @property
    def session_only(self) -> bool:
        """Whether secrets are kept in memory for this session only."""
        return self._session_only

    @property
    def name(self) -> str:
        """Where secrets are kept, in words ("the keyring" or "memory (this session only)")."""
        return MEMORY_NAME if self._session_only else KEYRING_NAME

    def use_memory(self) -> None:
        """Keeps secrets in memory from now on (the user chose it); idempotent.

        Tells every switch listener the new :attr:`name`.
        """
        if self._session_only:
            return
        self._session_only = True
        for listener in list(self._switch_listeners):
            listener(self.name)

    def add_switch_listener(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Calls ``listener(name)`` when secrets move to memory; returns the call that stops it."""
        self._switch_listeners.append(listener)

        def remove() -> None:
            if listener in self._switch_listeners:
                self._switch_listeners.remove(listener)

        return remove

    async def check(self) -> None:
        """Finds out now whether the keyring is usable (and asks the user if it is not).

        Raises:
            KeyringUnavailable: The keyring is unusable and the user declined memory.
        """
        if self._session_only:
            return
        try:
            checker: Any = self._keyring
            if hasattr(checker, "check"):
                await checker.check()
            await self._keyring.get(PROBE_PROFILE, SecretKind.API_KEY)  # a locked store says so
        except KeyringUnavailable as exc:
            if not await self._fall_back(exc, "check"):
                raise

    async def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The secret, or None when none is stored."""
        if not self._session_only:
            try:
                value = await self._keyring.get(profile_id, kind)
            except KeyringUnavailable as exc:
                if not await self._fall_back(exc, "get"):
                    raise
            else:
                if value is not None:
                    self._seen[(profile_id, SecretKind(kind))] = value
                return value
        value = await self._memory.get(profile_id, kind)
        return value if value is not None else self._seen.get((profile_id, SecretKind(kind)))

    async def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        """Stores (or replaces) a secret."""
        if not self._session_only:
            try:
                await self._keyring.set(profile_id, kind, value)
            except KeyringUnavailable as exc:
                if not await self._fall_back(exc, "set"):
                    raise
            else:
                self._seen[(profile_id, SecretKind(kind))] = value
                return
        self._seen.pop((profile_id, SecretKind(kind)), None)
        await self._memory.set(profile_id, kind, value)

    async def delete(self, profile_id: str, kind: SecretKind) -> None:
        """Forgets a secret; nothing happens when none is stored."""
        self._seen.pop((profile_id, SecretKind(kind)), None)
        if not self._session_only:
            try:
                await self._keyring.delete(profile_id, kind)
            except KeyringUnavailable as exc:
                if not await self._fall_back(exc, "delete"):
                    raise
            else:
                return
        await self._memory.delete(profile_id, kind)

    async def _fall_back(self, exc: KeyringUnavailable, action: str) -> bool:
        if self._session_only:  # chosen meanwhile (another call asked)
            return True
        if self._ask is None or not await self._ask(exc.user_message, action):
            return False
        self.use_memory()
        return True
