"""Fixtures of the client's tests against real local servers."""

from collections.abc import Iterator

import pytest
from faults import FaultServer, fault_server

from impilo_desk.client import RetryPolicy

API_KEY = "test-key-3f9a1c77e2b04d5c"

# Fast but real: the same code path as production, with waits in milliseconds.
FAST_RETRY = RetryPolicy(
    attempts=3, total_timeout=5.0, wait_initial=0.01, wait_max=0.02, wait_jitter=0.0,
    max_retry_after=1.0,
)  # fmt: skip


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as srv:
        yield srv


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
