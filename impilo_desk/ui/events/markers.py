"""What a marker row says: where events may be missing or were replayed, and what the app did."""

from __future__ import annotations


def marker_sentence(reason: str, after: int | None, resume_after: int | None) -> str:
    """One sentence for a gap or reconnect of the relay or smee feed."""
    if reason == "lost":
        return (
            "Relay connection lost: the app is reconnecting; the relay keeps what arrives "
            "meanwhile, and it is replayed here on reconnect."
        )
    if reason == "smee-lost":
        return (
            "smee connection lost: the app is reconnecting; smee keeps no history, so what is "
            "sent meanwhile is lost."
        )
    if reason == "reconnect":
        return (
            "Relay connection lost and back: the app asked the relay for every event after the "
            "last one it stored, so those received meanwhile are listed below, each once."
        )
    if reason == "retention":
        span = f" after #{after}" if after is not None else ""
        until = f" up to #{resume_after}" if resume_after is not None else ""
        return (
            f"Events missing: the relay no longer keeps the events{span}{until} (older than "
            "it keeps); the app went on with the next one it has."
        )
    if reason == "reset":
        start = f" from #{resume_after}" if resume_after is not None else ""
        return (
            "The relay's store was reset: its sequence numbers started again, and the app "
            f"resumed{start}; events from before the reset may be missing."
        )
    if reason == "smee-reconnect":
        return (
            "smee reconnected: smee keeps no history, so events sent while it was disconnected "
            "may be missing here."
        )
    return "Events may be missing here."
