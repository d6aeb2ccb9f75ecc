"""What the Events tab asks the store for: a filter (``EventFilter``) and rows (``Listed``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from impilo_desk.services.event_store.records import ts

Key = tuple[float, int]
"""Where a row sits: (receive time, id); an event's id is its Impilo id, a marker's is < 0."""

_TOKEN = re.compile(r'"[^"]*"\*?|\S+')


class SearchSyntaxError(ValueError):
    """The search text cannot be read; the message says so in one sentence."""


@dataclass(frozen=True)
class EventFilter:
    """What the Events tab shows; every part combines with the others (AND).

    Attributes:
        types: Event types to keep (None: all).
        patient: A patient id (digits) or words of the patient's name (prefixes).
        start: Received at or after (inclusive).
        end: Received before (exclusive).
        text: Full-text search of the payload (FTS5: words, "phrases", prefix*).
    """

    types: frozenset[str] | None = None
    patient: str = ""
    start: datetime | None = None
    end: datetime | None = None
    text: str = ""

    @property
    def events_only(self) -> bool:
        """Whether markers are left out (a filter about events' contents is set)."""
        return self.types is not None or bool(self.patient.strip()) or bool(self.text.strip())

    @property
    def needs_index(self) -> bool:
        """Whether this filter reads the full-text index."""
        patient = self.patient.strip()
        return bool(self.text.strip()) or (bool(patient) and not patient.isdigit())


@dataclass(frozen=True)
class Listed:
    """One row of the Events table: an event, or a marker (gap, reconnect) among them.

    Attributes:
        key: Its place (receive time, id).
        received_at: When it was received (a marker: noticed), aware UTC.
        marker: Whether it is a marker rather than an event.
        type: The event type (a marker: its reason).
        patient_id: The event's patient id, if any.
        patient_name: The patient's name, if the payload gives it.
        envelope_id: The Impilo event id (None for a marker).
        seq: The relay's sequence (None for smee and markers).
        source: ``relay`` or ``smee``.
        text: A marker's sentence ("" for events).
    """

    key: Key
    received_at: datetime
    marker: bool
    type: str
    patient_id: int | None
    patient_name: str
    envelope_id: int | None
    seq: int | None
    source: str
    text: str = ""


def _phrase(token: str) -> str:
    star = token.endswith("*")
    word = token[:-1] if star else token
    word = word.strip('"').replace('"', '""')
    return f'"{word}"' + ("*" if star else "")


def match_expression(f: EventFilter) -> str | None:
    """The FTS5 expression of a filter's name and text parts (None when it has neither)."""
    parts: list[str] = []
    patient = f.patient.strip()
    if patient and not patient.isdigit():
        words = [_phrase(w.rstrip("*") + "*") for w in patient.split()]
        parts.append(f"patient : ({' AND '.join(words)})")
    text = f.text.strip()
    if text:
        parts.append(f"({text})")
    return " AND ".join(parts) if parts else None


def quoted_expression(f: EventFilter) -> str | None:
    """Like :func:`match_expression`, every word of the text taken literally (a fallback)."""
    tokens = [t for t in _TOKEN.findall(f.text.strip()) if re.search(r"\w", t)]
    text = " ".join(_phrase(t) for t in tokens)
    return match_expression(EventFilter(f.types, f.patient, f.start, f.end, text))


def event_where(f: EventFilter, expr: str | None) -> tuple[list[str], list[Any]]:
    """The conditions of ``f`` on ``events`` (with ``expr`` as its full-text part, if any)."""
    where: list[str] = []
    args: list[Any] = []
    if f.types is not None:
        names = sorted(f.types)
        where.append(f"type IN ({','.join('?' * len(names))})" if names else "0")
        args += names
    patient = f.patient.strip()
    if patient.isdigit():
        where.append("patient_id = ?")
        args.append(int(patient))
    if f.start is not None:
        where.append("received_ts >= ?")
        args.append(ts(f.start))
    if f.end is not None:
        where.append("received_ts < ?")
        args.append(ts(f.end))
    if expr is not None:
        where.append("envelope_id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
        args.append(expr)
    return where, args
