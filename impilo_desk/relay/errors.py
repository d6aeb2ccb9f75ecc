"""Errors that the relay's stores raise and its routes turn into answers."""


class StoreUnavailableError(Exception):
    """The store cannot be reached right now; the message is one sentence, never a secret."""
