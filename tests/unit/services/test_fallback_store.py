"""SessionFallbackStore: the keyring until it fails, then (only if the user says so) memory."""

from __future__ import annotations

import keyring.errors
import pytest
from keyrings.alt.file import PlaintextKeyring

from impilo_desk.services.credentials import (
    KeyringCredentialStore,
    KeyringUnavailable,
    MemoryCredentialStore,
    SecretKind,
)
from impilo_desk.services.fallback_store import SessionFallbackStore

pytestmark = pytest.mark.anyio


class BreakableKeyring(PlaintextKeyring):
    """A real file backend that can be made to fail like a keyring that got locked."""

    broken = False

    def get_password(self, service, username):
        if self.broken:
            raise keyring.errors.KeyringLocked("locked")
        return super().get_password(service, username)

    def set_password(self, service, username, password):
        if self.broken:
            raise keyring.errors.KeyringLocked("locked")
        super().set_password(service, username, password)


async def test_a_failure_mid_session_asks_and_keeps_what_was_in_use(tmp_path):
    backend = BreakableKeyring()
    backend.file_path = str(tmp_path / "kr.cfg")
    answers: list[bool] = [False, True]
    asked: list[tuple[str, str]] = []

    async def ask(sentence: str, action: str) -> bool:
        asked.append((sentence, action))
        return answers.pop(0)

    store = SessionFallbackStore(
        KeyringCredentialStore("t", backend=backend), MemoryCredentialStore(), ask
    )
    await store.check()
    await store.set("p", SecretKind.API_KEY, "the-api-key-123456")
    assert await store.get("p", SecretKind.API_KEY) == "the-api-key-123456"
    assert asked == []
    assert store.name == "the keyring"

    backend.broken = True
    with pytest.raises(KeyringUnavailable):  # declined: the error goes up
        await store.set("p", SecretKind.WEBHOOK_SECRET, "whs-0123456789")
    assert asked[0][1] == "set"
    assert "locked" in asked[0][0]
    await store.set("p", SecretKind.WEBHOOK_SECRET, "whs-0123456789")  # accepted: memory
    assert store.session_only
    assert store.name == "memory (this session only)"
    assert await store.get("p", SecretKind.WEBHOOK_SECRET) == "whs-0123456789"
    assert await store.get("p", SecretKind.API_KEY) == "the-api-key-123456"  # still usable
    await store.delete("p", SecretKind.API_KEY)
    assert await store.get("p", SecretKind.API_KEY) is None
    assert len(asked) == 2
    backend.broken = False
    assert backend.get_password("t", "p/webhook-secret") is None  # never written to the file


async def test_without_anyone_to_ask_the_error_goes_up(tmp_path):
    from keyring.backends.fail import Keyring as FailKeyring

    store = SessionFallbackStore(
        KeyringCredentialStore("t", backend=FailKeyring()), MemoryCredentialStore()
    )
    with pytest.raises(KeyringUnavailable) as info:
        await store.check()
    assert "memory for this session only" in info.value.user_message
    assert not store.session_only
