"""One exception family for everything that can go wrong talking to Impilo.

Every error carries the HTTP status (when there was an answer), the server's own ``message`` (when
it sent one) and ``user_message``: one sentence a support person can act on. The API key never
appears in any of them: messages are built from the status, the server's text and the host only.
"""

# ruff: noqa: N818 - the class names are the agreed interface (interfaces.md), not *Error

from __future__ import annotations

MAX_SERVER_MESSAGE = 300  # characters of the server's message kept (some servers send pages)


class ApiError(Exception):
    """Base of every client error.

    Attributes:
        status: The HTTP status, or None when no answer arrived.
        server_message: The server's ``message`` (or equivalent), or None.
        user_message: One sentence for a support person: what happened and what to do.
        method: The request's method, once the transport has set it (for the app's log).
        path: The request's path without the query, likewise.
    """

    default_message = "The request to Impilo failed."
    method: str | None = None
    path: str | None = None

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = None,
        server_message: str | None = None,
    ) -> None:
        self.status = status
        self.server_message = _shorten(server_message)
        self.user_message = user_message or self.default_message
        super().__init__(self.user_message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, user_message={self.user_message!r})"


class Unauthorized(ApiError):
    """401: the API key is missing, wrong, expired or deactivated."""

    default_message = (
        "The API key was rejected (401). Check the key in the profile, "
        "or whether it expired in the Impilo portal."
    )


class Forbidden(ApiError):
    """403: the key is valid but may not do this."""

    default_message = (
        "The API key is not allowed to do this (403). Ask the account owner to grant this key "
        "access in the Impilo portal."
    )


class NotFound(ApiError):
    """404: the webhook, reading, patient or secret does not exist (any more)."""

    default_message = (
        "Impilo does not know this item (404); it may have been deleted, so refresh the list."
    )


class EndpointMissing(NotFound):
    """404 for an endpoint the server does not have (Spring's "No static resource …")."""

    default_message = "This Impilo server has no such endpoint (404)."


class MethodNotAllowed(ApiError):
    """405: the server has the path but not this method (e.g. reading the webhook secret)."""

    default_message = "This Impilo server does not allow this request (405)."


class Conflict(ApiError):
    """409: the request clashes with what exists (e.g. a secret already exists)."""

    default_message = "Impilo refused the change because it conflicts with what exists (409)."


class ValidationFailed(ApiError):
    """400 or 422: Impilo rejected the request's content."""

    default_message = "Impilo rejected the request as invalid."


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` is the wait the server asked for, in seconds."""

    default_message = "Impilo is limiting the rate of requests (429); wait a minute and try again."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        status: int | None = 429,
        server_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(user_message, status=status, server_message=server_message)


class ServerError(ApiError):
    """5xx: Impilo (or a proxy in front of it) failed."""

    default_message = (
        "Impilo had an internal problem; try again in a few minutes, "
        "and contact Impilo support if it persists."
    )


class RequestTimeout(ApiError):
    """No answer within the timeout."""

    default_message = "Impilo did not answer in time; check the network and try again."


class Unreachable(ApiError):
    """No connection: refused, DNS failure, network down, connection dropped."""

    default_message = (
        "Could not connect to the Impilo API; check the API base URL in the profile "
        "and the network connection."
    )


class ConnectionDropped(Unreachable):
    """The connection broke off after the request went out, before any answer.

    Unlike the other :class:`Unreachable` failures, the server may have received the request.
    """


class ConnectionRefused(Unreachable):
    """The host answered that nothing listens on the port (a refused connection).

    A refused connection is an answer, not a silence: on this machine (``loopback``) it is
    certain that nothing listens there, so it is said at once and not retried.
    """

    default_message = (
        "The Impilo API refused the connection; check that the server runs and that the API "
        "base URL has the right port."
    )

    def __init__(self, user_message: str | None = None, *, loopback: bool = False) -> None:
        super().__init__(user_message)
        self.loopback = loopback


class TlsFailure(ApiError):
    """The TLS handshake failed (certificate, protocol or a missing certificate bundle)."""

    default_message = (
        "The secure (TLS) connection to the Impilo API failed; check the API base URL "
        "and the computer's certificates."
    )


class BadResponse(ApiError):
    """The answer could not be read: not JSON, or not the expected shape."""

    default_message = (
        "Impilo answered with something this app cannot read; check that the API base URL "
        "points to the Impilo API."
    )


class SecretRotationUnsupported(ApiError):
    """The server cannot replace the webhook secret through the API (404/405 on PUT)."""

    default_message = (
        "This Impilo account cannot replace the webhook secret through the API; rotate it in "
        "the Impilo portal for this account. The old secret is still in use and was kept."
    )


def _shorten(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > MAX_SERVER_MESSAGE:
        return text[: MAX_SERVER_MESSAGE - 1] + "…"
    return text


def _with_server(sentence: str, server_message: str | None) -> str:
    """``sentence`` (ending in '.') with the server's words appended, still one sentence."""
    if not server_message:
        return sentence
    return f"{sentence.rstrip('.')}: {server_message.rstrip('.')}."


def error_for_status(
    status: int,
    server_message: str | None,
    *,
    retry_after: float | None = None,
    method: str | None = None,
    path: str | None = None,
) -> ApiError:
    """The error for a non-2xx answer.

    Args:
        status: The HTTP status.
        server_message: The server's message, already extracted from the body.
        retry_after: For 429, the parsed ``Retry-After`` in seconds.
        method: The request's method (names the endpoint of a 404 or 405).
        path: The request's path (tells a missing endpoint from a missing item).

    Returns:
        An instance of the matching ``ApiError`` subclass with a user message, carrying
        ``method`` and ``path``.
    """
    error = _error_for_status(status, _shorten(server_message), retry_after, method, path)
    error.method, error.path = method, path
    return error


def _error_for_status(
    status: int,
    msg: str | None,
    retry_after: float | None,
    method: str | None,
    path: str | None,
) -> ApiError:
    from impilo_desk.client.endpoints import endpoint_name, is_missing_endpoint

    if status == 404 and path is not None and is_missing_endpoint(path, msg):
        text = _with_server(
            f"This Impilo server has no {endpoint_name(method, path)} endpoint (404).", msg
        )
        return EndpointMissing(text, status=status, server_message=msg)
    if status == 404 and msg:
        text = _with_server(
            "Impilo does not know this item (404); it may have been deleted, so refresh the list.",
            msg,
        )
        return NotFound(text, status=status, server_message=msg)
    if status == 405:
        text = _with_server(
            f"This Impilo server does not allow {method or 'this request'} on the "
            f"{endpoint_name(None, path)} endpoint (405).",
            msg,
        )
        return MethodNotAllowed(text, status=status, server_message=msg)
    if status == 401:
        return Unauthorized(status=status, server_message=msg)
    if status == 403:
        return Forbidden(status=status, server_message=msg)
    if status == 404:
        return NotFound(status=status, server_message=msg)
    if status == 409:
        text = _with_server("Impilo refused the change because of a conflict (409).", msg)
        return Conflict(text, status=status, server_message=msg)
    if status in (400, 422):
        text = _with_server(f"Impilo rejected the request as invalid ({status}).", msg)
        return ValidationFailed(text, status=status, server_message=msg)
    if status == 429:
        wait = (
            f"wait {retry_after:.0f} seconds and try again"
            if retry_after is not None
            else "wait a minute and try again"
        )
        text = f"Impilo is limiting the rate of requests (429); {wait}."
        return RateLimited(text, status=status, server_message=msg, retry_after=retry_after)
    if status >= 500:
        text = _with_server(
            f"Impilo had an internal problem ({status}); try again in a few minutes, "
            "and contact Impilo support if it persists.",
            msg,
        )
        return ServerError(text, status=status, server_message=msg)
    text = _with_server(f"Impilo refused the request ({status}).", msg)
    return ApiError(text, status=status, server_message=msg)
