"""The API key and the webhook secret appear in no log record, repr, error text or profile file."""

import logging
from pathlib import Path

import pytest
from faults import API_KEY, FAST_RETRY, FaultServer, Reply
from keyrings.alt.file import PlaintextKeyring

from impilo_desk.client import ApiError, ImpiloClient
from impilo_desk.services.credentials import (
    KeyringCredentialStore,
    MemoryCredentialStore,
    SecretKind,
)
from impilo_desk.services.profiles import Profile, ProfileStore

pytestmark = pytest.mark.anyio

SECRET = "whsec-7d1e0c5b9a2f4e68b3"
RELAY_TOKEN = "relay-tok-55aa01f3c9"


def texts_of(exc: BaseException) -> list[str]:
    """str and repr of an error and every error it was raised from."""
    out: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        out += [str(seen), repr(seen), repr(getattr(seen, "args", ()))]
        seen = seen.__cause__ or seen.__context__
    return out


async def test_key_and_secret_are_never_shown(
    server: FaultServer, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "stamina", "impilo_desk", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    server.route("GET", "/api/v3/webhook", Reply(503), Reply(200, []))
    server.route("GET", "/api/v3/webhook/1", Reply(401, {"message": "Invalid API key"}))
    server.route("POST", "/api/v3/webhook-secret", Reply(200, {"secret": SECRET}))
    server.route("PUT", "/api/v3/webhook-secret", Reply(405))
    server.route(
        "GET",
        "/api/v3/webhook-secret",
        Reply(200, {"secret": SECRET}),
        Reply(200, {"secret": [SECRET]}),  # malformed: the error must not quote it
    )
    shown: list[str] = []
    async with ImpiloClient(server.base_url, API_KEY, retry=FAST_RETRY) as c:
        shown += [repr(c), str(c), repr(vars(c))]
        await c.list_webhooks()
        created = await c.create_secret()
        fetched = await c.get_secret()
        assert created.secret == SECRET
        assert fetched is not None
        shown += [repr(created), str(created), repr(fetched)]
        for call in (c.get_webhook(1), c.replace_secret(SECRET), c.get_secret()):
            with pytest.raises(ApiError) as info:
                await call
            shown += texts_of(info.value)
            shown += [info.value.user_message, str(info.value.server_message)]
    assert server.requests[0].headers["Impilo-API-Key"] == API_KEY  # it was really sent

    # the profile store and the credential stores
    profiles = ProfileStore(tmp_path / "config" / "profiles.json")
    profile = Profile(name="Prod", api_base_url="https://app.impiloplatform.com")
    await profiles.save([profile])
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring" / "kr.cfg")
    for store in (MemoryCredentialStore(), KeyringCredentialStore(backend=kr)):
        await store.set(profile.id, SecretKind.API_KEY, API_KEY)
        await store.set(profile.id, SecretKind.WEBHOOK_SECRET, SECRET)
        await store.set(profile.id, SecretKind.RELAY_TOKEN, RELAY_TOKEN)
        assert await store.get(profile.id, SecretKind.API_KEY) == API_KEY
        shown += [repr(store), str(store)]
    shown += [repr(profile), repr(profiles), str(await profiles.load())]
    written = [p for p in (tmp_path / "config").rglob("*") if p.is_file()]
    assert written
    shown += [p.read_text(encoding="utf-8") for p in written]

    records = caplog.records
    assert any(r.name.startswith("httpx") for r in records)
    assert any(r.name.startswith("httpcore") for r in records)
    assert any(r.name == "stamina" for r in records)  # the retry was logged
    shown += [r.getMessage() for r in records] + [repr(r.__dict__) for r in records]
    shown.append(caplog.text)
    for text in shown:
        assert API_KEY not in text
        assert SECRET not in text
        assert RELAY_TOKEN not in text
