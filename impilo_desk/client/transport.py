"""HTTP plumbing under the client: one request, its failure mapped to one ``ApiError``.

Kept apart from the endpoints so that what can go wrong on the wire (refused, timed out, TLS,
redirected, an error status) is decided in one place.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from impilo_desk.client.errors import (
    ApiError,
    BadResponse,
    ConnectionDropped,
    ConnectionRefused,
    RequestTimeout,
    TlsFailure,
    Unauthorized,
    Unreachable,
    error_for_status,
)
from impilo_desk.client.reader import parse_retry_after, server_message
from impilo_desk.contract import API_KEY_HEADER, API_PREFIX

log = logging.getLogger("impilo_desk.client")


class ApiKey:
    """The API key, kept out of every repr and str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        value = value.strip()
        if not value or not value.isascii() or not value.isprintable() or " " in value:
            raise Unauthorized(
                "The API key in the profile is empty or has characters an API key cannot "
                "have; paste the key again from the Impilo portal."
            )
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the request header only."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey(<hidden>)"

    __str__ = __repr__


def normalize_base_url(base_url: str) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash or a trailing ``/api/v3``.

    Users paste either the site or the documented base URL (``…/api/v3``); both work.

    Raises:
        ValueError: Not an http(s) URL with a host.
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The API base URL must start with https:// (or http://) and name a host.")
    if parts.username or parts.password:
        raise ValueError("The API base URL must not contain a user name or password.")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _refused(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def where(url: httpx.URL) -> str:
    """``host`` or ``host:port`` of ``url``, as a person would type it (the port when given)."""
    host = url.host or "the server"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{host}:{url.port}" if url.port is not None else host


def transport_error(
    exc: httpx.HTTPError, host: str, timeout: float, *, loopback: bool = False
) -> ApiError:
    """Maps an httpx failure (no usable answer) to the client's error family.

    ``host`` is what the sentences name (``host:port`` when the URL has a port); ``loopback``
    says whether it is this machine (a refused connection there is certain).
    """
    tls = _ssl_error(exc)
    if tls is not None:
        if isinstance(tls, ssl.SSLCertVerificationError):
            text = (
                f"The certificate of {host} is not trusted, so the connection was refused; check "
                "the API base URL, or ask IT whether a proxy replaces certificates."
            )
        else:
            text = (
                f"The secure (TLS) connection to {host} failed; check that the API base URL has "
                "the right scheme (https or http) and port."
            )
        return TlsFailure(text, server_message=type(tls).__name__)
    if isinstance(exc, httpx.ConnectTimeout):
        return Unreachable(
            f"Could not connect to {host} within {timeout:g} seconds; check the API base URL "
            "and the network connection."
        )
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(
            f"Impilo ({host}) did not answer within {timeout:g} seconds; try again, and check "
            "the Impilo status page if it keeps happening."
        )
    if isinstance(exc, httpx.ConnectError) and _refused(exc):
        return ConnectionRefused(
            f"{host} refused the connection: nothing is listening there; check that the "
            "server is running and that the API base URL has the right port.",
            loopback=loopback,
        )
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(
            f"Could not connect to {host}; check the API base URL in the profile "
            "and the network connection."
        )
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return ConnectionDropped(
            f"The connection to {host} broke off before Impilo answered; check the network "
            "and try again."
        )
    if isinstance(exc, httpx.DecodingError):
        return BadResponse(
            f"The answer from {host} could not be decoded; check that the API base URL "
            "points to the Impilo API.",
        )
    return ApiError(f"The request to {host} failed ({type(exc).__name__}); try again.")


def redirect_error(response: httpx.Response) -> ApiError:
    """A 3xx: never followed (the key must not travel to another host); the user fixes the URL."""
    location = response.headers.get("Location", "")
    target = urlsplit(location)
    where = f" to {target.scheme}://{target.netloc}" if target.scheme and target.netloc else ""
    return ApiError(
        f"The API base URL redirects{where} ({response.status_code}); put the address it "
        "points to in the profile.",
        status=response.status_code,
    )


async def send_once(
    http: httpx.AsyncClient,
    key: ApiKey,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
    timeout_s: float,
) -> httpx.Response:
    """Sends one request and returns a 2xx answer, or raises the matching ``ApiError``."""
    host = where(http.base_url)
    started = time.monotonic()
    try:
        response = await http.request(
            method,
            path,
            params=params,
            json=body,
            headers={API_KEY_HEADER: key.reveal()},
        )
    except httpx.HTTPError as exc:
        loopback = is_loopback_host(http.base_url.host)
        error = transport_error(exc, host, timeout_s, loopback=loopback)
        error.method, error.path = method, path
        log.debug("%s %s failed: %s", method, path, type(error).__name__)
        raise error from exc
    elapsed_ms = (time.monotonic() - started) * 1000
    log.debug("%s %s -> %s in %.0f ms", method, path, response.status_code, elapsed_ms)
    status = response.status_code
    if 200 <= status < 300:
        return response
    if 300 <= status < 400:
        error = redirect_error(response)
        error.method, error.path = method, path
        raise error
    raise error_for_status(
        status,
        server_message(response.content, response.headers.get("Content-Type")),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        method=method,
        path=path,
    )
