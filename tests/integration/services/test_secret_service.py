"""The credential store against a real Secret Service (gnome-keyring under dbus-run-session).

`make test` runs pytest inside tools/with-keyring.sh, which provides one; elsewhere it is skipped.
"""

import os
import uuid

import pytest

from impilo_desk.services.credentials import KeyringCredentialStore, SecretKind

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.secret_service,
    pytest.mark.skipif(
        not os.environ.get("DBUS_SESSION_BUS_ADDRESS"), reason="needs a D-Bus session bus"
    ),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_round_trip_through_the_real_secret_service() -> None:
    store = KeyringCredentialStore(service=f"impilo-desk-test-{uuid.uuid4().hex[:8]}")
    backend = await store.check()  # the production default: must pick the Secret Service
    assert backend == "keyring.backends.SecretService.Keyring"
    profile = uuid.uuid4().hex
    try:
        await store.set(profile, SecretKind.API_KEY, "real-key-1")
        await store.set(profile, SecretKind.WEBHOOK_SECRET, "real-secret-1")
        assert await store.get(profile, SecretKind.API_KEY) == "real-key-1"
        assert await store.get(profile, SecretKind.WEBHOOK_SECRET) == "real-secret-1"
        assert await store.get(profile, SecretKind.RELAY_TOKEN) is None
        fresh = KeyringCredentialStore(service=store._service)  # another instance sees it
        assert await fresh.get(profile, SecretKind.API_KEY) == "real-key-1"
    finally:
        for kind in SecretKind:
            await store.delete(profile, kind)
    assert await store.get(profile, SecretKind.API_KEY) is None
