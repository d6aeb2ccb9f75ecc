"""The relay's credentials in memory: the accepted webhook secrets and the subscribers' token.

Several secrets may be accepted at once, so that a rotation has an overlap window: Impilo holds
one secret, and while it changes over the relay accepts the old and the new one. Which one
matched is told by its position (1 = the first line of the secret file), never by its value.
"""

from __future__ import annotations

import hmac


class Credentials:
    """Compares presented credentials in constant time. ``repr`` shows no secret."""

    def __init__(self, secrets: tuple[str, ...], token: str) -> None:
        self._secrets: tuple[bytes, ...] = ()
        self.replace_secrets(secrets)
        self._token = token.encode("utf-8")

    def __repr__(self) -> str:
        return f"Credentials(<{len(self._secrets)} secret(s)>, <token>)"

    @property
    def secret_count(self) -> int:
        """How many secrets are accepted."""
        return len(self._secrets)

    def replace_secrets(self, secrets: tuple[str, ...]) -> None:
        """Accepts these secrets from now on (a reload); raises ``ValueError`` if there are none."""
        if not secrets:
            raise ValueError("no webhook secret")
        self._secrets = tuple(s.encode("utf-8") for s in secrets)

    def secret_position(self, given: bytes | None) -> int:
        """The 1-based position of the secret ``given`` (the raw header value) matches, else 0.

        Every secret is compared, whichever matches, so the time taken tells nothing.
        """
        if given is None:
            return 0
        found = 0
        for position, secret in enumerate(self._secrets, 1):
            if hmac.compare_digest(given, secret) and not found:
                found = position
        return found

    def bearer_ok(self, authorization: bytes | None) -> bool:
        """Whether an ``Authorization`` header value carries the token as a bearer token."""
        if authorization is None:
            return False
        scheme, _, value = authorization.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(value.strip(), self._token)
