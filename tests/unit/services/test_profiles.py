"""Profiles: validation, atomic saving, and a corrupt file kept aside, never overwritten."""

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from impilo_desk.services.profiles import (
    Profile,
    ProfilesFileCorrupt,
    ProfileStore,
    default_profiles_path,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def prod() -> Profile:
    return Profile(
        id="prod",
        name="Production",
        api_base_url="https://app.impiloplatform.com/",
        relay_url="https://relay.example.org",
        environment="production",
        poll_interval_s=60,
    )


def local() -> Profile:
    return Profile(
        id="local",
        name="Sandbox",
        api_base_url="http://127.0.0.1:8123",
        relay_url="https://smee.io/abc123",
        relay_kind="smee",
        environment="sandbox",
    )


async def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "cfg" / "profiles.json")
    assert await store.load() == []
    await store.save([prod(), local()])
    assert await store.load() == [prod(), local()]
    document = json.loads(store.path.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert document["profiles"][0]["api_base_url"] == "https://app.impiloplatform.com"
    await store.save([local()])
    assert await ProfileStore(store.path).load() == [local()]
    assert names(store.path.parent) == ["profiles.json"]  # no temporary file left


async def test_save_is_atomic_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    await store.save([prod()])
    before = store.path.read_bytes()

    def crash(src: str, dst: str) -> None:  # the machine dies between write and rename
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        await store.save([local()])
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert names(tmp_path) == ["profiles.json"]  # the temp file is gone


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b'{"version": 1}',
        b'{"version": 1, "profiles": [{"name": "x"}]}',
        b'{"version": 1, "profiles": [{"name": "x", "api_base_url": "ftp://h"}]}',
    ],
)
async def test_corrupt_file_is_kept_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "profiles.json"
    path.write_bytes(content)
    store = ProfileStore(path)
    with pytest.raises(ProfilesFileCorrupt) as info:
        await store.load()
    err = info.value
    assert err.backup_path is not None
    assert err.backup_path.name.startswith("profiles.json.corrupt-")
    assert err.backup_path.read_bytes() == content
    assert path.read_bytes() == content  # the original is left as it was
    assert str(path) in err.user_message
    assert str(err.backup_path) in err.user_message
    await store.save([prod()])  # the user chose to start again: a fresh file, the copy stays
    assert await store.load() == [prod()]
    assert err.backup_path.read_bytes() == content


async def test_saving_over_a_corrupt_file_never_loses_it(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_bytes(b"[[[")
    await ProfileStore(path).save([prod()])  # save without load first
    backups = [tmp_path / n for n in names(tmp_path) if n.startswith("profiles.json.corrupt-")]
    assert len(backups) == 1
    assert backups[0].read_bytes() == b"[[["


async def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.mkdir()  # a folder where the file should be
    with pytest.raises(ProfilesFileCorrupt) as info:
        await ProfileStore(path).load()
    assert info.value.backup_path is None
    assert "no copy could be made" in info.value.user_message


@pytest.mark.parametrize(
    ("url", "allow", "words"),
    [
        ("ftp://host", False, "must start with https://"),
        ("https://", False, "must name a host"),
        ("http://example.com", False, "plain http to another machine"),
        ("https://user:pw@example.com", False, "must not contain a user name or password"),
        ("https://example.com:99999", False, "not a valid URL"),
    ],
)
def test_url_validation(url: str, allow: bool, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Profile(name="x", api_base_url=url, allow_insecure_http=allow)


def test_http_allowed_to_loopback_or_with_opt_in() -> None:
    assert Profile(name="x", api_base_url="http://localhost:8000").api_base_url == (
        "http://localhost:8000"
    )
    assert Profile(name="x", api_base_url="http://[::1]:8000").allow_insecure_http is False
    lan = Profile(name="x", api_base_url="http://10.0.0.5", allow_insecure_http=True)
    assert lan.api_base_url == "http://10.0.0.5"
    with pytest.raises(ValidationError, match="relay URL uses plain http"):
        Profile(name="x", api_base_url="https://a.example", relay_url="http://relay.example")


def test_profile_defaults_and_unknown_fields() -> None:
    p = Profile.model_validate(
        {"name": " Staging ", "api_base_url": "https://s.example", "relay_url": "", "apiKey": "k"}
    )
    assert p.name == "Staging"
    assert p.relay_url is None
    assert (p.relay_kind, p.environment, p.poll_interval_s) == ("relay", "production", 30)
    assert len(p.id) == 32
    assert "apiKey" not in p.model_dump()  # a secret smuggled into the file is dropped


async def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same id"):
        await ProfileStore(tmp_path / "p.json").save([prod(), prod()])


def test_default_path_is_in_the_user_config_dir() -> None:
    path = default_profiles_path()
    assert path.name == "profiles.json"
    assert path.parent.name == "impilo-desk"
