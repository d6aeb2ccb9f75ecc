"""Shared test set-up: Qt offscreen before anything imports it; shared fixtures."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.sandbox",
    "tests.fixtures.relay",
    "tests.fixtures.postgres",
    "tests.fixtures.haproxy",
    "tests.fixtures.smee",
    "tests.fixtures.redelivery",
]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (``@pytest.mark.anyio``) run on asyncio, like the app (qasync)."""
    return "asyncio"
