"""Turns any failure into one sentence a support person understands (never a traceback)."""

from __future__ import annotations

import contextlib
import logging

GENERIC = "Something went wrong ({kind}); the details are in the app's log file."

_log = logging.getLogger("impilo_desk.shown")
_LOGGED = "_impilo_desk_logged"  # set on an exception once its sentence is in the log


def describe_error(exc: BaseException) -> str:
    """One sentence for people about ``exc``; the first time, it also goes to the app's log.

    Client and service errors carry ``user_message`` (one sentence, no secrets); anything else
    gets a generic sentence naming only the kind of error, because its text may hold anything.
    The log line has the request's method, path, status and the server's message (never a
    header: the API key is not in any of them).
    """
    message = getattr(exc, "user_message", None)
    if isinstance(message, str) and message.strip():
        sentence = message.strip()
    elif isinstance(exc, TimeoutError):
        sentence = "The server took too long to answer; try again in a moment."
    elif isinstance(exc, ConnectionError):
        sentence = "The server could not be reached; check the address and your network."
    else:
        sentence = GENERIC.format(kind=type(exc).__name__)
    _log_once(exc, sentence)
    return sentence


def _log_once(exc: BaseException, sentence: str) -> None:
    if getattr(exc, _LOGGED, False):
        return
    with contextlib.suppress(AttributeError):  # a type without a __dict__: logged each time
        setattr(exc, _LOGGED, True)
    status = getattr(exc, "status", None)
    if status is None and getattr(exc, "method", None) is None:
        _log.warning("shown: %s (%s)", sentence, type(exc).__name__)
        return
    said = getattr(exc, "server_message", None)
    _log.warning(
        "shown: %s %s -> %s%s: %s",
        getattr(exc, "method", None) or "?",
        getattr(exc, "path", None) or "?",
        status if status is not None else "no answer",
        "" if said is None else f", server said {said!r}",  # none when nothing answered
        sentence,
    )
