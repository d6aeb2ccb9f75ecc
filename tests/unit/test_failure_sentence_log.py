"""What the app's log says of a failure shown to the user (``describe_error``)."""

from __future__ import annotations

import logging

import pytest

from impilo_desk.client.errors import ApiError
from impilo_desk.services.failure_sentence import describe_error

REFUSED = "Could not connect to 127.0.0.1:9 (the connection was refused)."


def _error(status: int | None, server_message: str | None) -> ApiError:
    error = ApiError(REFUSED, status=status, server_message=server_message)
    error.method, error.path = "GET", "/api/v3/webhook"  # as the transport sets them
    return error


def test_a_failure_with_no_answer_is_logged_without_a_server_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="impilo_desk.shown"):
        describe_error(_error(None, None))
    # it said "no answer, server said None" before
    assert caplog.messages == [f"shown: GET /api/v3/webhook -> no answer: {REFUSED}"]


def test_an_answer_is_logged_with_the_server_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="impilo_desk.shown"):
        describe_error(_error(400, "url: must be https"))
    assert caplog.messages == [
        f"shown: GET /api/v3/webhook -> 400, server said 'url: must be https': {REFUSED}"
    ]
