"""Checks of what people type, kept free of Qt so they read (and test) as plain functions."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class UrlCheck:
    """The verdict on a URL: an error stops saving, a warning only informs."""

    error: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the URL may be saved."""
        return self.error is None


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(text: str, what: str = "the URL Impilo should POST to") -> UrlCheck:
    """Checks an http(s) URL; plain http to another machine is allowed with a warning."""
    url = text.strip()
    if not url:
        return UrlCheck(error=f"Enter {what}.")
    if any(c.isspace() for c in url):
        return UrlCheck(error="A URL cannot contain spaces.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return UrlCheck(error="This is not a valid URL (check the port number).")
    if parts.scheme not in ("http", "https"):
        return UrlCheck(error="The URL must start with https:// (or http:// for a local test).")
    host = parts.hostname or ""
    if not host:
        return UrlCheck(error="The URL needs a host name, as in https://example.com/hooks.")
    if port == 0:
        return UrlCheck(error="Port 0 is not a port a server can listen on.")
    if parts.scheme == "http" and not is_loopback_host(host):
        return UrlCheck(
            warning="Plain http: the secret and patient data would cross the network "
            "unencrypted. Use https for anything but a local test."
        )
    return UrlCheck()


def relay_ingest_url(relay_url: str | None) -> str | None:
    """Where Impilo should POST for a relay at ``relay_url`` (its ``/hooks`` endpoint)."""
    if not relay_url or not relay_url.strip():
        return None
    return relay_url.strip().rstrip("/") + "/hooks"
