"""Where a redelivery may go: an http(s) URL with a host, and redirects only on that host."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

REDIRECT_KEEPS_BODY = frozenset({307, 308})
"""The only redirects a redelivery follows: these two keep the method and the body (RFC 9110)."""


class RedeliveryRefused(ValueError):  # noqa: N818 - an answer to the user, not a bug
    """Bad input for a redelivery; ``str()`` is one sentence for the user, and nothing was sent."""


def check_target(url: str | None) -> str:
    """Returns ``url`` stripped when it is an http(s) URL with a host.

    Raises:
        RedeliveryRefused: Empty, not http(s), without a host, with a user name or password,
            or with spaces in it.
    """
    text = (url or "").strip()
    if not text:
        raise RedeliveryRefused("Enter the URL to send to, e.g. http://localhost:3000/webhook.")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RedeliveryRefused(
            f"“{_short(text)}” is not a URL a webhook can be sent to: it must start with "
            "http:// or https:// and name a host."
        )
    if parts.username or parts.password:
        raise RedeliveryRefused(
            "The URL must not contain a user name or password: the record keeps every target."
        )
    if any(c.isspace() for c in text):
        raise RedeliveryRefused(f"The URL “{_short(text)}” has spaces in it; remove them.")
    return text


def same_host_redirect(url: str, status: int, location: str | None) -> str | None:
    """The URL to follow a redirect to, or ``None`` when a redelivery must not follow it.

    Only 307 and 308 are followed (they keep the POST and its body), only to the same host, and
    never from https down to http: the webhook secret travels with the request.
    """
    if status not in REDIRECT_KEEPS_BODY or not location:
        return None
    here, there = urlsplit(url), urlsplit(urljoin(url, location))
    if there.scheme not in ("http", "https") or not there.hostname:
        return None
    if (there.hostname or "").lower() != (here.hostname or "").lower():
        return None
    if here.scheme == "https" and there.scheme == "http":
        return None
    return there.geturl()


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, for sentences (never the path, which may hold a token)."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1] or url


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
