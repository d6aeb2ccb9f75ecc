"""Async client of the Impilo REST API (v3): typed errors, tolerant reading, safe retries."""

from impilo_desk.client.client import ImpiloClient
from impilo_desk.client.errors import (
    ApiError,
    BadResponse,
    Conflict,
    ConnectionRefused,
    EndpointMissing,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    RequestTimeout,
    SecretRotationUnsupported,
    ServerError,
    TlsFailure,
    Unauthorized,
    Unreachable,
    ValidationFailed,
)
from impilo_desk.client.filters import LogFilters
from impilo_desk.client.policy import NO_RETRY, RetryPolicy
from impilo_desk.client.reader import format_payload
from impilo_desk.client.transport import is_loopback_host, normalize_base_url

__all__ = [
    "NO_RETRY",
    "ApiError",
    "BadResponse",
    "Conflict",
    "ConnectionRefused",
    "EndpointMissing",
    "Forbidden",
    "ImpiloClient",
    "LogFilters",
    "MethodNotAllowed",
    "NotFound",
    "RateLimited",
    "RequestTimeout",
    "RetryPolicy",
    "SecretRotationUnsupported",
    "ServerError",
    "TlsFailure",
    "Unauthorized",
    "Unreachable",
    "ValidationFailed",
    "format_payload",
    "is_loopback_host",
    "normalize_base_url",
]
