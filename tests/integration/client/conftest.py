"""Fixtures of the client's tests against real local servers."""

from collections.abc import Iterator

import pytest
from faults import FaultServer, fault_server


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server() as srv:
        yield srv


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
