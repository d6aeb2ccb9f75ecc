"""Small in-memory stand-ins for the Impilo client and the credential store (fast UI tests)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from impilo_desk.client import Conflict, LogFilters, SecretRotationUnsupported
from impilo_desk.contract import (
    Envelope,
    Page,
    Patient,
    Reading,
    ReadingKind,
    Webhook,
    WebhookLog,
    WebhookSecret,
)


class FakeApiError(Exception):
    """Shaped like the client's ApiError: status and one sentence for people."""

    def __init__(self, user_message: str, status: int | None = 500) -> None:
        super().__init__("fake api error")
        self.user_message = user_message
        self.status = status


class FakeApi:
    """The whole client protocol (``ImpiloApi``) in memory: webhooks and the secret are kept;
    the log, patients and readings are empty unless a test puts some in ``patients`` or makes a
    call fail through ``fail_on`` (method name -> error) or hold on ``gates`` (method name)."""

    base_url = "http://127.0.0.1:1"  # nothing listens: the Logs tab's time-scale probe gets 1

    def __init__(self) -> None:
        self.patients: list[Patient] = []
        self.fail_on: dict[str, Exception] = {}
        self.gates: dict[str, asyncio.Event] = {}
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

    async def _other(self, name: str) -> None:
        # the calls the Webhooks and Secret tests do not count (other tabs', at session start)
        gate = self.gates.get(name)
        if gate is not None:
            await gate.wait()
        failure = self.fail_on.get(name) or self.fail_with
        if failure is not None:
            raise failure

    async def list_logs(
        self, filters: LogFilters | None = None, page: int = 1, size: int = 15
    ) -> Page[WebhookLog]:
        await self._other("list_logs")
        return Page[WebhookLog](content=[], page=page, size=size, total=0, last=True)

    async def list_patients(
        self,
        *,
        name: str | None = None,
        patient_id: int | None = None,
        page: int = 1,
        size: int = 15,
    ) -> Page[Patient]:
        await self._other("list_patients")
        found = [p for p in self.patients if patient_id is None or p.id == patient_id]
        chunk = found[(page - 1) * size : page * size]
        return Page[Patient](
            content=chunk, page=page, size=size, total=len(found), last=page * size >= len(found)
        )

    async def list_readings(
        self,
        kind: ReadingKind,
        *,
        patient_id: int | None = None,
        external_identifier: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page: int = 1,
        size: int = 250,
    ) -> Page[Reading]:
        await self._other("list_readings")
        return Page[Reading](content=[], page=page, size=size, total=0, last=True)

    async def fire_test(self, kind: ReadingKind, body: dict[str, Any]) -> Envelope:
        await self._other("fire_test")
        raise FakeApiError("Test events are not faked here.", 501)


class FakeStore:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    async def get(self, profile_id: str, kind: str) -> str | None:
        return self.values.get((profile_id, str(kind)))

    async def set(self, profile_id: str, kind: str, value: str) -> None:
        self.values[(profile_id, str(kind))] = value

    async def delete(self, profile_id: str, kind: str) -> None:
        self.values.pop((profile_id, str(kind)), None)
