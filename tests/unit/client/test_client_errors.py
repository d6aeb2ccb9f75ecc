"""Error mapping, filters, URL handling and the retry policy, without a server."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from impilo_desk.client import (
    ApiError,
    Conflict,
    ImpiloClient,
    LogFilters,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    Unauthorized,
    Unreachable,
    ValidationFailed,
    normalize_base_url,
)
from impilo_desk.client.errors import error_for_status
from impilo_desk.client.transport import ApiKey, is_loopback_host


def test_401_sentence_is_the_agreed_one() -> None:
    err = error_for_status(401, "Invalid key")
    assert isinstance(err, Unauthorized)
    assert err.user_message == (
        "The API key was rejected (401). Check the key in the profile, "
        "or whether it expired in the Impilo portal."
    )
    assert err.server_message == "Invalid key"


@pytest.mark.parametrize(
    ("status", "cls"),
    [(404, NotFound), (409, Conflict), (400, ValidationFailed), (422, ValidationFailed),
     (429, RateLimited), (500, ServerError), (599, ServerError), (418, ApiError)],
)  # fmt: skip
def test_status_classes(status: int, cls: type[ApiError]) -> None:
    err = error_for_status(status, None)
    assert type(err) is cls
    assert err.status == status
    assert err.user_message.endswith(".")
    assert "\n" not in err.user_message


def test_long_server_messages_are_shortened_to_one_line() -> None:
    err = error_for_status(400, "line one\nline two " + "x" * 1000)
    assert err.server_message is not None
    assert len(err.server_message) <= 300
    assert "\n" not in err.user_message


def test_retry_after_in_the_sentence() -> None:
    err = error_for_status(429, None, retry_after=42)
    assert isinstance(err, RateLimited)
    assert err.retry_after == 42
    assert "wait 42 seconds" in err.user_message


def test_retry_policy_hook() -> None:
    policy = RetryPolicy(max_retry_after=5)
    assert policy.backoff_hook(ServerError(status=503)) is True
    assert policy.backoff_hook(ServerError(status=501)) is False
    assert policy.backoff_hook(Unreachable()) is True
    assert policy.backoff_hook(RateLimited(retry_after=2)) == 2
    assert policy.backoff_hook(RateLimited(retry_after=60)) is False
    assert policy.backoff_hook(RateLimited()) is True
    assert policy.backoff_hook(NotFound(status=404)) is False
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://app.impiloplatform.com/api/v3", "https://app.impiloplatform.com"),
        ("https://app.impiloplatform.com/api/v3/", "https://app.impiloplatform.com"),
        (" http://127.0.0.1:8000/ ", "http://127.0.0.1:8000"),
        ("https://gw.example/impilo/api/v3", "https://gw.example/impilo"),
    ],
)
def test_base_url_normalized(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["ftp://x", "app.impiloplatform.com", "https://", "https://u:p@h"])
def test_bad_base_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="API base URL"):
        normalize_base_url(bad)


@pytest.mark.parametrize("bad", ["", "   ", "two words", "tab\tkey", "ключ"])
def test_bad_api_keys_are_refused_without_echo(bad: str) -> None:
    with pytest.raises(Unauthorized) as info:
        ApiKey(bad)
    assert bad.strip() == "" or bad not in info.value.user_message


def test_api_key_and_client_reprs_hide_the_key() -> None:
    key = ApiKey("k-123456")
    assert "k-123456" not in repr(key) + str(key)
    assert key.reveal() == "k-123456"
    client = ImpiloClient("https://app.impiloplatform.com", "k-123456")
    assert "k-123456" not in repr(client)
    assert client.base_url == "https://app.impiloplatform.com"


def test_loopback_hosts() -> None:
    assert all(map(is_loopback_host, ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]))
    assert not any(map(is_loopback_host, ["example.com", "10.0.0.1", "", None]))


def test_log_filters_query_names_and_times() -> None:
    sast = timezone(timedelta(hours=2))
    filters = LogFilters(
        webhook_type="reading.weight",
        retry_attempts_min=0,
        retry_attempts_max=3,
        last_response_status=503,
        start_last_retry=datetime(2026, 1, 1, 2, 0, tzinfo=sast),
        end_last_retry=datetime(2026, 1, 2),
        start=datetime(2026, 1, 1, tzinfo=UTC),
        end=datetime(2026, 1, 3, tzinfo=UTC),
    )
    assert filters.to_query() == {
        "webhookType": "reading.weight",
        "retryAttemptsMin": "0",
        "retryAttemptsMax": "3",
        "lastResponseStatus": "503",
        "startLastRetryTimestamp": "2026-01-01T00:00:00.000Z",
        "endLastRetryTimestamp": "2026-01-02T00:00:00.000Z",
        "startTimestamp": "2026-01-01T00:00:00.000Z",
        "endTimestamp": "2026-01-03T00:00:00.000Z",
    }
    assert LogFilters().to_query() == {}
    assert LogFilters(webhook_type="").to_query() == {}


def test_log_filters_refuse_inverted_ranges() -> None:
    with pytest.raises(ValueError, match="retry count"):
        LogFilters(retry_attempts_min=3, retry_attempts_max=1)
    with pytest.raises(ValueError, match="created time range"):
        LogFilters(start=datetime(2026, 2, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
