"""Pydantic models of the Impilo objects: webhooks, secret, log records, paging, errors, people.

Field names follow ``impilo-api.md``; every field the docs allow to be null is optional here.
"""

from __future__ import annotations

import json
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field, field_validator

from impilo_desk.contract.base import ImpiloModel, Timestamp


class Webhook(ImpiloModel):
    """A subscription: one event type delivered to one URL."""

    id: int | None = None
    type: str
    url: str


class WebhookRequest(ImpiloModel):
    """Body of create (POST) and URL change (PATCH); ``id`` is server-managed and ignored."""

    type: str = Field(min_length=1)
    url: str = Field(min_length=1)
    id: int | None = None


class WebhookSecret(ImpiloModel):
    """The account-wide secret sent as-is in the ``Impilo-Webhook-Secret`` header."""

    secret: str | None = None

    def __repr__(self) -> str:
        return "WebhookSecret(secret=<hidden>)"

    __str__ = __repr__


class WebhookLog(ImpiloModel):
    """One delivery of one event to one webhook, with its retry bookkeeping.

    ``payload`` is opaque text: the docs' own sample is not valid JSON. A server that sends an
    object instead of a string is tolerated; the object is kept as its JSON text.
    """

    id: int | None = None
    webhookId: int | None = None  # noqa: N815 - the contract's JSON name
    webhookType: str | None = None  # noqa: N815
    webhookUrl: str | None = None  # noqa: N815
    payload: str | None = None
    createTimestamp: Timestamp | None = None  # noqa: N815
    lastResponseStatus: int | None = None  # noqa: N815
    retryAttempts: int | None = None  # noqa: N815
    lastRetryTimestamp: Timestamp | None = None  # noqa: N815

    @field_validator("payload", mode="before")
    @classmethod
    def _payload_as_text(cls, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value)


T = TypeVar("T")


class Page(ImpiloModel, Generic[T]):
    """The paging envelope every list endpoint answers with (``page`` is 1-based)."""

    content: list[T] = Field(default_factory=list)
    first: bool | None = None
    last: bool | None = None
    page: int | None = None
    size: int | None = None
    total: int | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _null_content_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class Envelope(ImpiloModel):
    """What Impilo POSTs to a webhook URL: ``{id, type, payload}``."""

    id: int
    type: str
    payload: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(ImpiloModel):
    """Spring-style error body: ``{timestamp, status, error, message, path}``."""

    timestamp: Timestamp | None = None
    status: int | None = None
    error: str | None = None
    message: str | None = None
    path: str | None = None


class Address(ImpiloModel):
    """A postal address (patients, sites)."""

    lineOne: str | None = None  # noqa: N815
    lineTwo: str | None = None  # noqa: N815
    lineThree: str | None = None  # noqa: N815
    city: str | None = None
    state: str | None = None
    zipCode: str | None = None  # noqa: N815
    country: str | None = None
    note: str | None = None


class Site(ImpiloModel):
    """A customer site (clinic) that patients belong to."""

    id: int | None = None
    name: str | None = None
    active: bool | None = None
    phoneNumber: str | None = None  # noqa: N815
    address: Address | None = None


Sex = Literal["other", "female", "male", "unknown"]


class Patient(ImpiloModel):
    """A monitored patient."""

    id: int | None = None
    externalIdentifier: str | None = None  # noqa: N815
    firstName: str | None = None  # noqa: N815
    lastName: str | None = None  # noqa: N815
    dateOfBirth: str | None = None  # noqa: N815 - the docs' samples disagree on the format
    email: str | None = None
    phoneNumber: str | None = None  # noqa: N815
    archived: bool | None = None
    enrolled: bool | None = None
    sex: str | None = None
    address: Address | None = None
    site: Site | None = None

    @property
    def display_name(self) -> str:
        """``First Last (#id)``, or what of it is known."""
        name = " ".join(p for p in (self.firstName, self.lastName) if p)
        return f"{name} (#{self.id})" if name else f"Patient #{self.id}"


class PatientRequest(ImpiloModel):
    """Body of create (POST) and update (PUT) patient."""

    firstName: str = Field(min_length=1)  # noqa: N815
    lastName: str = Field(min_length=1)  # noqa: N815
    externalIdentifier: str | None = None  # noqa: N815
    dateOfBirth: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")  # noqa: N815
    email: str | None = None
    phoneNumber: str | None = None  # noqa: N815
    archived: bool | None = None
    enrolled: bool | None = None
    sex: Sex | None = None
    address: Address | None = None
    siteId: int | None = None  # noqa: N815


class Manufacturer(ImpiloModel):
    """A device maker."""

    id: int | None = None
    name: str | None = None


class Item(ImpiloModel):
    """A catalogue item (device model)."""

    id: int | None = None
    manufacturer: Manufacturer | None = None
    model: str | None = None
    name: str | None = None
    sku: str | None = None
    orderable: bool | None = None


class DeviceIdentifier(ImpiloModel):
    """One identifier of a device: ``imei``, ``serial`` or ``macAddress``."""

    type: str | None = None
    value: str | None = None


class DeviceEvent(ImpiloModel):
    """Something that happened to a device."""

    eventTimestamp: Timestamp | None = None  # noqa: N815
    type: str | None = None


class Device(ImpiloModel):
    """A physical device, usually with a patient."""

    id: int | None = None
    currentPatient: Patient | None = None  # noqa: N815
    currentStatus: str | None = None  # noqa: N815
    deviceEvents: list[DeviceEvent] | None = None  # noqa: N815
    deviceIdentifiers: list[DeviceIdentifier] | None = None  # noqa: N815
    disabledReadings: bool | None = None  # noqa: N815
    externalIdentifier: str | None = None  # noqa: N815
    item: Item | None = None
    lastHealthCheck: Timestamp | None = None  # noqa: N815
    site: Site | None = None
