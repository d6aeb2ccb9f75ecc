"""Secrets of each profile (API key, webhook secret, relay token) in the OS keyring, never a file.

``KeyringCredentialStore`` talks to the ``keyring`` library off the event loop. With no usable
backend (keyring's ``fail`` backend, a plain-text file backend from ``keyrings.alt``, a locked or
broken Secret Service) it raises ``KeyringUnavailable``, which says what to do; the app may then
offer ``MemoryCredentialStore``, which forgets everything on exit, for the user to choose.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from enum import StrEnum
from typing import Any, Protocol

import keyring
import keyring.backend
import keyring.errors

DEFAULT_SERVICE = "impilo-desk"

# Backends that are no keyring at all or keep secrets in a file: never chosen by default.
_REJECTED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class SecretKind(StrEnum):
    """What a stored secret is."""

    API_KEY = "api-key"
    WEBHOOK_SECRET = "webhook-secret"  # noqa: S105 - a name, not a secret
    RELAY_TOKEN = "relay-token"  # noqa: S105 - a name, not a secret


class CredentialStore(Protocol):
    """Where the secrets of profiles live."""

    async def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The secret, or None when none is stored."""
        ...

    async def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        """Stores (or replaces) a secret."""
        ...

    async def delete(self, profile_id: str, kind: SecretKind) -> None:
        """Forgets a secret; nothing happens when none is stored."""
        ...


def _platform_advice() -> str:
    if sys.platform == "darwin":
        return "check that the macOS Keychain is available and unlocked"
    if sys.platform == "win32":
        return "check that Windows Credential Manager is available"
    return (
        "install and unlock a Secret Service such as GNOME Keyring or KWallet "
        "(log in to a desktop session, or start gnome-keyring-daemon)"
    )


class KeyringUnavailable(Exception):  # noqa: N818 - the agreed name (interfaces.md)
    """No usable OS keyring.

    Attributes:
        reason: ``no-backend``, ``insecure-backend``, ``locked`` or ``failed``.
        backend: The backend's class name, when there was one.
        user_message: One sentence: the problem, what to do, and the session-only alternative.
    """

    def __init__(self, reason: str, problem: str, backend: str | None = None) -> None:
        self.reason = reason
        self.backend = backend
        self.user_message = (
            f"{problem}, so the API key and secrets cannot be stored safely; "
            f"{_platform_advice()}, or choose to keep them in memory for this session only "
            "(they are forgotten when the app closes)."
        )
        super().__init__(self.user_message)


def _backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_acceptable(backend: Any) -> bool:
    name = _backend_name(backend)
    if name.startswith(_REJECTED_MODULES):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # a backend's priority may raise when it is not viable
        return False
    return priority >= 1


def choose_default_backend() -> Any:
    """The keyring backend the OS offers, or ``KeyringUnavailable`` if it is not a real keyring.

    A chainer is reduced to its best acceptable member, so that a failing Secret Service never
    falls through to a plain-text file behind the user's back.
    """
    backend = keyring.get_keyring()
    members = getattr(backend, "backends", None)
    if isinstance(members, list | tuple):
        usable = [b for b in members if _is_acceptable(b)]
        if usable:
            return max(usable, key=lambda b: float(b.priority))
        names = ", ".join(type(b).__name__ for b in members) or "none"
        raise KeyringUnavailable(
            "insecure-backend" if members else "no-backend",
            f"No secure keyring was found (only: {names})",
        )
    if _is_acceptable(backend):
        return backend
    if _backend_name(backend).startswith("keyrings.alt"):
        raise KeyringUnavailable(
            "insecure-backend",
            f"The only keyring available ({type(backend).__name__}) keeps secrets in a file",
            type(backend).__name__,
        )
    raise KeyringUnavailable(
        "no-backend", "No OS keyring (secret store) is available", type(backend).__name__
    )


class KeyringCredentialStore:
    """The OS keyring through ``keyring``; every call runs in a worker thread.

    Args:
        service: The keyring service name the entries are filed under.
        backend: The keyring backend to use. By default the OS's, which must be a real keyring
            (see ``choose_default_backend``); a backend passed here is used as given (tests pass
            an isolated file backend).
    """

    def __init__(self, service: str = DEFAULT_SERVICE, *, backend: Any = None) -> None:
        self._service = service
        self._backend = backend
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"KeyringCredentialStore(service={self._service!r})"

    def _resolve(self) -> Any:
        if self._backend is None:
            self._backend = choose_default_backend()
        return self._backend

    @staticmethod
    def _username(profile_id: str, kind: SecretKind) -> str:
        if not profile_id:
            raise ValueError("profile_id must not be empty")
        return f"{profile_id}/{SecretKind(kind).value}"

    async def _run(self, action: str, profile_id: str, kind: SecretKind, value: str | None) -> Any:
        username = self._username(profile_id, kind)
        async with self._lock:  # one keyring call at a time: some backends are not thread-safe
            return await asyncio.to_thread(self._call, action, username, value)

    def _call(self, action: str, username: str, value: str | None) -> Any:
        backend = self._resolve()
        name = type(backend).__name__
        try:
            if action == "get":
                return backend.get_password(self._service, username)
            if action == "set":
                backend.set_password(self._service, username, value)
                return None
            with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing stored
                backend.delete_password(self._service, username)
            return None
        except keyring.errors.NoKeyringError:
            raise KeyringUnavailable(
                "no-backend", "No OS keyring (secret store) is available", name
            ) from None
        except keyring.errors.KeyringLocked:
            raise KeyringUnavailable("locked", "The OS keyring is locked", name) from None
        except keyring.errors.InitError:
            raise KeyringUnavailable(
                "locked", "The OS keyring could not be opened (it may be locked)", name
            ) from None
        except Exception as exc:  # D-Bus and backend errors vary; all mean "not usable now"
            raise KeyringUnavailable(
                "failed", f"The OS keyring failed ({type(exc).__name__})", name
            ) from None

    async def check(self) -> str:
        """Resolves the backend now; returns its dotted class name or raises ``KeyringUnavailable``.

        Lets the app find out at start-up, before the user types a key, whether it must offer
        the session-only ``MemoryCredentialStore``.
        """
        backend = await asyncio.to_thread(self._resolve)
        return _backend_name(backend)

    async def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The secret, or None when none is stored."""
        value = await self._run("get", profile_id, kind, None)
        return value if isinstance(value, str) else None

    async def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        """Stores (or replaces) a secret."""
        if not value:
            raise ValueError("an empty secret cannot be stored; delete it instead")
        await self._run("set", profile_id, kind, value)

    async def delete(self, profile_id: str, kind: SecretKind) -> None:
        """Forgets a secret; nothing happens when none is stored."""
        await self._run("delete", profile_id, kind, None)


class MemoryCredentialStore:
    """Secrets for this session only, in memory; chosen explicitly when no keyring is usable."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, SecretKind], str] = {}

    def __repr__(self) -> str:
        return f"MemoryCredentialStore({len(self._values)} secrets)"

    async def get(self, profile_id: str, kind: SecretKind) -> str | None:
        """The secret, or None when none is stored."""
        return self._values.get((profile_id, SecretKind(kind)))

    async def set(self, profile_id: str, kind: SecretKind, value: str) -> None:
        """Stores (or replaces) a secret."""
        if not value:
            raise ValueError("an empty secret cannot be stored; delete it instead")
        self._values[(profile_id, SecretKind(kind))] = value

    async def delete(self, profile_id: str, kind: SecretKind) -> None:
        """Forgets a secret; nothing happens when none is stored."""
        self._values.pop((profile_id, SecretKind(kind)), None)
