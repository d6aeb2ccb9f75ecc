"""Connection profiles: what is not secret, in one small JSON file in the user's config folder.

Secrets (API key, webhook secret, relay token) live in the credential store under the profile's
id, never here. The file is written atomically (a temporary file, then ``os.replace``). A file
that cannot be read is copied aside, reported with ``ProfilesFileCorrupt``, and never silently
overwritten.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from impilo_desk.client import is_loopback_host

APP_NAME = "impilo-desk"
FILE_VERSION = 1

RelayKind = Literal["relay", "smee"]
Environment = Literal["production", "staging", "sandbox"]


def default_profiles_path() -> Path:
    """``profiles.json`` in the platform's user config folder (e.g. ``~/.config/impilo-desk``)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "profiles.json"


def check_url(url: str, *, what: str, allow_insecure_http: bool) -> str:
    """Validates a URL a profile points at.

    Args:
        url: The URL.
        what: Its name in messages ("The API base URL").
        allow_insecure_http: Whether plain http to another machine is allowed.

    Returns:
        The URL, stripped of surrounding blanks and a trailing slash.

    Raises:
        ValueError: With one sentence saying what is wrong.
    """
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"{what} is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{what} must start with https:// (or http://).")
    if not host:
        raise ValueError(f"{what} must name a host, e.g. https://app.impiloplatform.com.")
    if parts.username or parts.password:
        raise ValueError(
            f"{what} must not contain a user name or password; secrets go in the keyring."
        )
    if parts.scheme == "http" and not is_loopback_host(host) and not allow_insecure_http:
        raise ValueError(
            f"{what} uses plain http to another machine, which exposes the API key; use "
            "https, or allow insecure http for this profile explicitly."
        )
    return url


class Profile(BaseModel):
    """A connection profile: non-secret settings only.

    Attributes:
        id: Stable id; the credential store files this profile's secrets under it.
        name: What the user calls it.
        api_base_url: Impilo API base URL (or the sandbox's).
        relay_url: Our relay's URL or a smee.io channel, if any.
        relay_kind: ``relay`` (ours) or ``smee``.
        environment: ``production``, ``staging`` or ``sandbox``.
        poll_interval_s: Seconds between polls of readings and logs.
        allow_insecure_http: Allows plain http to a non-loopback host.
        log_window_days: How many days of the delivery log the local copy keeps.
        log_sync_interval_s: Seconds between background syncs of that copy.
        alerts: Whether a webhook that turns failing raises a desktop notification.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    api_base_url: str
    relay_url: str | None = None
    relay_kind: RelayKind = "relay"
    environment: Environment = "production"
    poll_interval_s: int = Field(default=30, ge=1, le=86_400)
    allow_insecure_http: bool = False
    log_window_days: int = Field(default=7, ge=1, le=90)
    log_sync_interval_s: int = Field(default=60, ge=5, le=86_400)
    alerts: bool = True

    @field_validator("relay_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _urls(self) -> Profile:
        insecure = self.allow_insecure_http
        api = check_url(self.api_base_url, what="The API base URL", allow_insecure_http=insecure)
        object.__setattr__(self, "api_base_url", api)
        if self.relay_url is not None:
            relay = check_url(self.relay_url, what="The relay URL", allow_insecure_http=insecure)
            object.__setattr__(self, "relay_url", relay)
        return self


class ProfilesFileCorrupt(Exception):  # noqa: N818 - the agreed name (interfaces.md)
    """The profiles file could not be read.

    Attributes:
        path: The file.
        backup_path: Where a copy was put aside, or None if no copy could be made.
        user_message: One sentence: what happened and where the copy is.
    """

    def __init__(self, path: Path, backup_path: Path | None, problem: str) -> None:
        self.path = path
        self.backup_path = backup_path
        kept = (
            f"a copy was kept at {backup_path}"
            if backup_path is not None
            else "no copy could be made, so fix or remove the file by hand"
        )
        self.user_message = (
            f"The connection profiles in {path} could not be read ({problem}); {kept}, and the "
            "profiles must be set up again (saving writes a fresh file)."
        )
        super().__init__(self.user_message)


class ProfileStore:
    """Loads and saves the profiles file; every file operation runs in a worker thread."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = Path(path) if path is not None else default_profiles_path()
        self._backed_up = False

    @property
    def path(self) -> Path:
        """The profiles file."""
        return self._path

    def __repr__(self) -> str:
        return f"ProfileStore({str(self._path)!r})"

    async def load(self) -> list[Profile]:
        """The saved profiles; none when there is no file yet.

        Raises:
            ProfilesFileCorrupt: The file exists but cannot be read or understood.
        """
        return await asyncio.to_thread(self._load)

    async def save(self, profiles: list[Profile]) -> None:
        """Replaces the file with ``profiles`` atomically.

        A corrupt file that was not put aside yet is copied aside first.

        Raises:
            ValueError: Two profiles share an id.
            OSError: The file could not be written (the old one is then unchanged).
        """
        ids = [p.id for p in profiles]
        if len(ids) != len(set(ids)):
            raise ValueError("two profiles have the same id")
        document = {
            "version": FILE_VERSION,
            "profiles": [p.model_dump(mode="json") for p in profiles],
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        await asyncio.to_thread(self._save, text)

    # -- in the worker thread ------------------------------------------------------------------

    def _load(self) -> list[Profile]:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ProfilesFileCorrupt(self._path, None, f"{type(exc).__name__}") from None
        try:
            return self._parse(raw)
        except ValueError as exc:
            raise ProfilesFileCorrupt(self._path, self._put_aside(), str(exc)) from None

    @staticmethod
    def _parse(raw: bytes) -> list[Profile]:
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("it is not valid JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("profiles"), list):
            raise ValueError("it has no list of profiles")
        profiles = []
        for index, item in enumerate(document["profiles"]):
            try:
                profiles.append(Profile.model_validate(item))
            except ValidationError as exc:
                first = exc.errors(include_input=False, include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"]) or "profile"
                raise ValueError(f"profile {index + 1}, {where}: {first['msg']}") from None
        if len({p.id for p in profiles}) != len(profiles):
            raise ValueError("two profiles have the same id")
        return profiles

    def _put_aside(self) -> Path | None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = self._path.with_name(f"{self._path.name}.corrupt-{stamp}")
        try:
            shutil.copy2(self._path, backup)
        except OSError:
            return None
        self._backed_up = True
        return backup

    def _save(self, text: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        if not self._backed_up and self._path.exists():
            try:
                self._parse(self._path.read_bytes())
            except (ValueError, OSError):
                if self._put_aside() is None:
                    raise OSError(
                        f"{self._path} is unreadable and could not be copied aside; "
                        "not overwriting it"
                    ) from None
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".tmp", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
