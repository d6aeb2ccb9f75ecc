"""Small in-memory stand-ins for the Impilo client and the credential store (fast UI tests)."""

from __future__ import annotations

import asyncio

from impilo_desk.client import Conflict, SecretRotationUnsupported
from impilo_desk.contract import Page, Webhook, WebhookSecret


class FakeApiError(Exception):
    """Shaped like the client's ApiError: status and one sentence for people."""

    def __init__(self, user_message: str, status: int | None = 500) -> None:
        super().__init__("fake api error")
        self.user_message = user_message
        self.status = status


class FakeApi:
    def __init__(self) -> None:
        self.hooks: dict[int, Webhook] = {}
        self.secret: str | None = None
        self.next_id = 1
        self.fail_with: Exception | None = None
        self.rotation_supported = True
        self.gate: asyncio.Event | None = None
        self.calls: list[str] = []

    async def _enter(self, name: str) -> None:
        self.calls.append(name)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with

    async def list_webhooks(self, page: int = 1, size: int = 250) -> Page[Webhook]:
        await self._enter("list_webhooks")
        items = sorted(self.hooks.values(), key=lambda h: h.id or 0)
        chunk = items[(page - 1) * size : page * size]
        last = page * size >= len(items)
        return Page[Webhook](content=chunk, page=page, size=size, total=len(items), last=last)

    async def create_webhook(self, type: str, url: str) -> Webhook:
        await self._enter("create_webhook")
        hook = Webhook(id=self.next_id, type=type, url=url)
        self.hooks[self.next_id] = hook
        self.next_id += 1
        return hook

    async def update_webhook_url(self, webhook_id: int, type: str, url: str) -> Webhook:
        await self._enter("update_webhook_url")
        hook = Webhook(id=webhook_id, type=type, url=url)
        self.hooks[webhook_id] = hook
        return hook

    async def delete_webhook(self, webhook_id: int) -> None:
        await self._enter("delete_webhook")
        del self.hooks[webhook_id]

    async def get_secret(self) -> WebhookSecret | None:
        await self._enter("get_secret")
        return None if self.secret is None else WebhookSecret(secret=self.secret)

    async def create_secret(self, secret: str | None = None) -> WebhookSecret:
        await self._enter("create_secret")
        if self.secret is not None:
            raise Conflict(status=409, server_message="A secret already exists.")
        self.secret = secret or "generated-by-server-0123456789"
        return WebhookSecret(secret=self.secret)

    async def replace_secret(self, secret: str) -> WebhookSecret:
        await self._enter("replace_secret")
        if not self.rotation_supported:
            raise SecretRotationUnsupported(status=405)
        self.secret = secret
        return WebhookSecret(secret=secret)


class FakeStore:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    async def get(self, profile_id: str, kind: str) -> str | None:
        return self.values.get((profile_id, str(kind)))

    async def set(self, profile_id: str, kind: str, value: str) -> None:
        self.values[(profile_id, str(kind))] = value

    async def delete(self, profile_id: str, kind: str) -> None:
        self.values.pop((profile_id, str(kind)), None)
