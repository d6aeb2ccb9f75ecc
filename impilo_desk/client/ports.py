"""Narrow views of ``ImpiloClient``: the one place the tabs and services name what they call.

Each protocol names a few of the client's methods; a tab or service asks for the smallest one
it needs, so tests can hand it the real client (against the sandbox) or a small stand-in.
Qt-free. Importing it loads the client package (httpx, pydantic), so modules the window loads
before its first paint import it for type checking only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from impilo_desk.client.filters import LogFilters
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

__all__ = [
    "DeliveryLogApi",
    "ImpiloApi",
    "LogsApi",
    "PatientsApi",
    "ReadingsApi",
    "TestEventsApi",
    "WebhookApi",
    "WebhookListApi",
]


class DeliveryLogApi(Protocol):
    """Reads the delivery log."""

    async def list_logs(
        self, filters: LogFilters | None = None, page: int = 1, size: int = 15
    ) -> Page[WebhookLog]:
        """One page of the delivery log, newest first."""


class PatientsApi(Protocol):
    """Finds patients."""

    async def list_patients(
        self,
        *,
        name: str | None = None,
        patient_id: int | None = None,
        page: int = 1,
        size: int = 15,
    ) -> Page[Patient]:
        """One page of patients, by name or id."""


class WebhookListApi(Protocol):
    """Lists webhooks and creates one."""

    async def list_webhooks(self, page: int = 1, size: int = 250) -> Page[Webhook]:
        """One page of webhooks."""

    async def create_webhook(self, type: str, url: str) -> Webhook:
        """Creates a webhook."""


class LogsApi(DeliveryLogApi, Protocol):
    """What the Logs tab uses: the delivery log, and the base URL for its curl command."""

    @property
    def base_url(self) -> str:
        """The API's base URL (without ``/api/v3``)."""


class WebhookApi(WebhookListApi, Protocol):
    """What the Webhooks and Secret tabs use."""

    async def update_webhook_url(self, webhook_id: int, type: str, url: str) -> Webhook:
        """Changes a webhook's URL."""

    async def delete_webhook(self, webhook_id: int) -> None:
        """Deletes a webhook."""

    async def get_secret(self) -> WebhookSecret | None:
        """The account's secret, or None when there is none."""

    async def create_secret(self, secret: str | None = None) -> WebhookSecret:
        """Creates the account's secret."""

    async def replace_secret(self, secret: str) -> WebhookSecret:
        """Replaces the account's secret."""


class ReadingsApi(PatientsApi, DeliveryLogApi, Protocol):
    """What the Readings tab uses: readings, patients and the failed deliveries in the log."""

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
        """One page of readings of a kind, oldest first (``end`` exclusive)."""


class TestEventsApi(WebhookListApi, PatientsApi, DeliveryLogApi, Protocol):
    """What the Test events tab uses: fire, find the patient and the webhook, follow the log."""

    async def fire_test(self, kind: ReadingKind, body: dict[str, Any]) -> Envelope:
        """Fires a test event; returns the envelope sent."""


class ImpiloApi(WebhookApi, LogsApi, ReadingsApi, TestEventsApi, Protocol):
    """Everything the desktop calls: what a session hands its tabs (``ImpiloClient`` is one).

    Each tab keeps only its own narrower port of it, so a tab's code names what it calls.
    """
