"""Credential stores through the real keyring API on isolated backends."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyrings.alt.file import PlaintextKeyring

from impilo_desk.services.credentials import (
    KeyringCredentialStore,
    KeyringUnavailable,
    MemoryCredentialStore,
    SecretKind,
    choose_default_backend,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "kr.cfg")
    old = keyring.get_keyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(old)


@pytest.fixture
def global_keyring() -> Iterator[None]:
    """Lets a test set the process-wide backend; restores it afterwards."""
    old = keyring.get_keyring()
    yield
    keyring.set_keyring(old)


def unregistered(cls: Any) -> Any:
    """Keeps a test backend out of keyring's auto-detection (every subclass registers itself)."""
    keyring.backend.KeyringBackend._classes.discard(cls)
    return cls


@unregistered
class RecordingKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend (in memory) that records the thread of every call."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.threads: set[int] = set()

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.add(threading.get_ident())
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.add(threading.get_ident())
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.threads.add(threading.get_ident())
        if self.values.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@unregistered
class LockedKeyring(keyring.backend.KeyringBackend):
    """A Secret Service whose collection stays locked."""

    priority = 5  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


async def test_round_trip_on_an_isolated_file_backend(file_keyring: PlaintextKeyring) -> None:
    store = KeyringCredentialStore(backend=file_keyring)
    assert await store.get("p1", SecretKind.API_KEY) is None
    await store.set("p1", SecretKind.API_KEY, "key-1")
    await store.set("p1", SecretKind.WEBHOOK_SECRET, "sec-1")
    await store.set("p2", SecretKind.API_KEY, "key-2")
    assert await store.get("p1", SecretKind.API_KEY) == "key-1"
    assert await store.get("p1", SecretKind.WEBHOOK_SECRET) == "sec-1"
    assert await store.get("p2", SecretKind.API_KEY) == "key-2"
    assert await store.get("p1", SecretKind.RELAY_TOKEN) is None
    # through the keyring API, filed under the service name and profile/kind
    assert keyring.get_password("impilo-desk", "p1/api-key") == "key-1"
    await store.set("p1", SecretKind.API_KEY, "key-1b")
    assert await store.get("p1", SecretKind.API_KEY) == "key-1b"
    await store.delete("p1", SecretKind.API_KEY)
    await store.delete("p1", SecretKind.API_KEY)  # idempotent
    assert await store.get("p1", SecretKind.API_KEY) is None
    assert await store.get("p2", SecretKind.API_KEY) == "key-2"
    with pytest.raises(ValueError, match="empty"):
        await store.set("p1", SecretKind.API_KEY, "")


async def test_keyring_calls_run_off_the_event_loop_thread() -> None:
    backend = RecordingKeyring()
    store = KeyringCredentialStore(service="svc", backend=backend)
    await store.set("p", SecretKind.RELAY_TOKEN, "tok")
    assert await store.get("p", SecretKind.RELAY_TOKEN) == "tok"
    await store.delete("p", SecretKind.RELAY_TOKEN)
    assert backend.threads
    assert threading.get_ident() not in backend.threads
    assert backend.values == {}


@pytest.mark.usefixtures("global_keyring")
async def test_no_backend_is_unavailable_with_advice() -> None:
    keyring.set_keyring(fail.Keyring())
    store = KeyringCredentialStore()
    with pytest.raises(KeyringUnavailable) as info:
        await store.set("p", SecretKind.API_KEY, "k")
    err = info.value
    assert err.reason == "no-backend"
    assert "No OS keyring" in err.user_message
    assert "GNOME Keyring or KWallet" in err.user_message
    assert "memory for this session only" in err.user_message
    with pytest.raises(KeyringUnavailable):
        await store.check()


async def test_injected_fail_backend_is_unavailable_too() -> None:
    store = KeyringCredentialStore(backend=fail.Keyring())
    with pytest.raises(KeyringUnavailable) as info:
        await store.get("p", SecretKind.API_KEY)
    assert info.value.reason == "no-backend"


@pytest.mark.usefixtures("file_keyring")
async def test_plaintext_file_backend_is_refused_by_default() -> None:
    with pytest.raises(KeyringUnavailable) as info:
        await KeyringCredentialStore().set("p", SecretKind.API_KEY, "k")
    assert info.value.reason == "insecure-backend"
    assert "keeps secrets in a file" in info.value.user_message


async def test_locked_keyring_is_unavailable() -> None:
    store = KeyringCredentialStore(backend=LockedKeyring())
    with pytest.raises(KeyringUnavailable) as info:
        await store.get("p", SecretKind.API_KEY)
    assert info.value.reason == "locked"
    assert "locked" in info.value.user_message
    assert "unlock" in info.value.user_message


@pytest.mark.usefixtures("global_keyring")
def test_a_chainer_uses_its_secure_member_never_the_file(tmp_path: Path) -> None:
    secure = RecordingKeyring()
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "kr.cfg")

    @unregistered
    class Chain(ChainerBackend):
        backends: Any = (plain, secure)

    keyring.set_keyring(Chain())
    assert choose_default_backend() is secure

    @unregistered
    class PlainChain(ChainerBackend):
        backends: Any = (plain,)

    keyring.set_keyring(PlainChain())
    with pytest.raises(KeyringUnavailable) as info:
        choose_default_backend()
    assert info.value.reason == "insecure-backend"


async def test_memory_store() -> None:
    store = MemoryCredentialStore()
    await store.set("p", SecretKind.WEBHOOK_SECRET, "whsec-42")
    assert await store.get("p", SecretKind.WEBHOOK_SECRET) == "whsec-42"
    assert "whsec-42" not in repr(store)
    await store.delete("p", SecretKind.WEBHOOK_SECRET)
    await store.delete("p", SecretKind.WEBHOOK_SECRET)
    assert await store.get("p", SecretKind.WEBHOOK_SECRET) is None
