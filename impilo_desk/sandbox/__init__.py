"""The Impilo sandbox: a local Impilo-compatible API server with real webhook delivery.

Run it as ``impilo-sandbox`` (see :mod:`impilo_desk.sandbox.__main__`) or build the ASGI app
with :func:`create_app`.
"""

from impilo_desk.sandbox.app import create_app
from impilo_desk.sandbox.config import SandboxConfig

__all__ = ["SandboxConfig", "create_app"]
