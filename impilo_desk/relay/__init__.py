"""``impilo-relay``: receives Impilo's webhook POSTs, stores them durably, streams them over SSE.

It imports the contract only; never the client, the services or the UI.
"""

from impilo_desk.relay.app import create_app
from impilo_desk.relay.config import RelayConfig, config_from_args

__all__ = ["RelayConfig", "config_from_args", "create_app"]
