"""Fixtures shared by the integration tests.

``api`` serves the modules that start one sandbox for all their tests (their own ``box``
fixture, module-scoped, with the data each of them needs).
"""

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.sandbox import SandboxProcess


@pytest.fixture
def api(box: SandboxProcess) -> Iterator[httpx.Client]:
    """A client of the module's sandbox (``box``), with its base URL and API key."""
    with box.client() as client:
        yield client
