"""Reading and setting the account's webhook secret on any plausible Impilo (Qt-free).

The docs document only ``POST /webhook-secret``; "one exists" may be 409 or 400; GET and PUT
may be 405 or missing. Every path here ends in one of two outcomes: the secret is set (POST, or
PUT where the server has it), or :class:`PortalOnlyError`, whose sentence says what to do instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from impilo_desk.client.errors import (
    ApiError,
    Conflict,
    EndpointMissing,
    MethodNotAllowed,
    SecretRotationUnsupported,
    ValidationFailed,
)

if TYPE_CHECKING:
    from impilo_desk.client.ports import WebhookApi

_EXISTS = re.compile(r"(?i)already (exists|has|set|configured)|exists already")

NOT_SHOWN = "Impilo does not show the current secret"


@dataclass(frozen=True)
class ImpiloSecret:
    """What Impilo told about its secret.

    Attributes:
        shown: Whether the server shows the secret at all (False: GET is 405 or missing).
        value: The secret, when shown and set.
    """

    shown: bool
    value: str | None = None

    @property
    def exists(self) -> bool | None:
        """Whether a secret is set (None: the server does not say)."""
        return (self.value is not None) if self.shown else None


class PortalOnlyError(ApiError):
    """Impilo has a secret and cannot replace it through the API: only its portal can.

    Attributes:
        cause: The answer that showed it (the PUT's 404/405, or the POST's "already exists").
    """

    def __init__(self, cause: ApiError) -> None:
        super().__init__(
            "This Impilo account already has a webhook secret, and this server cannot replace "
            "it through the API; replace it in the Impilo portal, or copy the current one "
            "from there, then paste it here and press Save to keep it for this profile, so "
            "that the relay and smee checks use the same secret as Impilo.",
            status=cause.status,
            server_message=cause.server_message,
        )
        self.method, self.path = cause.method, cause.path
        self.cause = cause


async def read_impilo_secret(api: WebhookApi) -> ImpiloSecret:
    """The secret as Impilo shows it.

    A server that does not show it (405, or no such endpoint) is not an error: the result then
    says ``shown=False``.
    """
    try:
        secret = await api.get_secret()
    except (MethodNotAllowed, EndpointMissing):
        return ImpiloSecret(shown=False)
    return ImpiloSecret(shown=True, value=secret.secret if secret is not None else None)


def says_one_exists(exc: BaseException) -> bool:
    """Whether a failed create means "this account has a secret already".

    That is a 409, or a 400 saying so (as a Spring server may).
    """
    if isinstance(exc, Conflict):
        return True
    message = getattr(exc, "server_message", None) or ""
    return isinstance(exc, ValidationFailed) and bool(_EXISTS.search(message))


async def set_impilo_secret(api: WebhookApi, value: str, exists: bool | None) -> str:
    """Sets the secret on Impilo: POST when there is none (or it is not known), PUT otherwise.

    Args:
        api: The client.
        value: The new secret.
        exists: Whether Impilo has one (None: it does not show it).

    Returns:
        ``created`` or ``replaced``.

    Raises:
        PortalOnlyError: One exists and the server has no way to replace it.
        ApiError: Any other refusal (e.g. the secret is not acceptable).
    """
    if not exists:
        try:
            await api.create_secret(value)
            return "created"
        except ApiError as exc:
            if not says_one_exists(exc):
                raise
            first: ApiError = exc
    else:
        first = SecretRotationUnsupported()
    try:
        await api.replace_secret(value)
    except SecretRotationUnsupported as exc:
        raise PortalOnlyError(exc if exc.status is not None else first) from exc
    return "replaced"
