"""The Secret tab: the account's webhook secret, on Impilo and in the keyring."""

from __future__ import annotations

from impilo_desk.ui.kit.tab import TabParts
from impilo_desk.ui.secret.controller import SecretController
from impilo_desk.ui.secret.view import SecretTab


def build(parts: TabParts) -> SecretController:
    """The Secret tab: its view (copying to the clipboard) and controller."""
    return SecretController(
        SecretTab(parts.clipboard), parts.idle, parts.window, clock=parts.clock, times=parts.times
    )
