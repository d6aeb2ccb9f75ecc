"""Turns any failure into one sentence a support person understands (never a traceback)."""

from __future__ import annotations

GENERIC = "Something went wrong ({kind}); the details are in the app's log file."


def describe_error(exc: BaseException) -> str:
    """One sentence for people about ``exc``.

    Client and service errors carry ``user_message`` (one sentence, no secrets); anything else
    gets a generic sentence naming only the kind of error, because its text may hold anything.
    """
    message = getattr(exc, "user_message", None)
    if isinstance(message, str) and message.strip():
        return message.strip()
    if isinstance(exc, TimeoutError):
        return "The server took too long to answer; try again in a moment."
    if isinstance(exc, ConnectionError):
        return "The server could not be reached; check the address and your network."
    return GENERIC.format(kind=type(exc).__name__)
