"""The Impilo contract as data: models, event types, reading kinds and the retry schedule.

Everything else in the package (client, sandbox, relay, UI) speaks through these; this package
imports nothing else of ours.
"""

from impilo_desk.contract.base import ImpiloModel, Timestamp, format_timestamp, utc
from impilo_desk.contract.catalogue import (
    EVENT_TYPES,
    READING_EVENT_TYPES,
    EventType,
    is_known_type,
)
from impilo_desk.contract.models import (
    Address,
    Device,
    Envelope,
    ErrorBody,
    Item,
    Page,
    Patient,
    PatientRequest,
    Site,
    Webhook,
    WebhookLog,
    WebhookRequest,
    WebhookSecret,
)
from impilo_desk.contract.readings import (
    READING_KINDS,
    KindInfo,
    Reading,
    ReadingKind,
    ValueField,
    kind_for_webhook_type,
)
from impilo_desk.contract.retry import (
    MAX_ATTEMPTS,
    MAX_RETRIES,
    RETRY_SCHEDULE,
    DeliveryPhase,
    DeliveryState,
    delivery_state,
    is_success,
    scaled_schedule,
)
from impilo_desk.contract.values import validate_values

API_PREFIX = "/api/v3"
API_KEY_HEADER = "Impilo-API-Key"
SECRET_HEADER = "Impilo-Webhook-Secret"  # noqa: S105 - a header name, not a secret
DEFAULT_PAGE_SIZE = 15
MAX_PAGE_SIZE = 250

__all__ = [
    "API_KEY_HEADER",
    "API_PREFIX",
    "DEFAULT_PAGE_SIZE",
    "EVENT_TYPES",
    "MAX_ATTEMPTS",
    "MAX_PAGE_SIZE",
    "MAX_RETRIES",
    "READING_EVENT_TYPES",
    "READING_KINDS",
    "RETRY_SCHEDULE",
    "SECRET_HEADER",
    "Address",
    "DeliveryPhase",
    "DeliveryState",
    "Device",
    "Envelope",
    "ErrorBody",
    "EventType",
    "ImpiloModel",
    "Item",
    "KindInfo",
    "Page",
    "Patient",
    "PatientRequest",
    "Reading",
    "ReadingKind",
    "Site",
    "Timestamp",
    "ValueField",
    "Webhook",
    "WebhookLog",
    "WebhookRequest",
    "WebhookSecret",
    "delivery_state",
    "format_timestamp",
    "is_known_type",
    "is_success",
    "kind_for_webhook_type",
    "scaled_schedule",
    "utc",
    "validate_values",
]
