"""What can be resent, where to, and the preview a user confirms before anything is sent.

A log row's ``payload`` is opaque text (the docs' own sample, ``"{'id':1234}"``, is not JSON).
A row is resent only when that text parses as the envelope ``{id, type, payload}``: then the
text itself is the body, byte for byte. Otherwise the row cannot be resent, with the reason, and
the copy the relay received (from the local event store) is offered when the store has that
event. A body is never made up.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from impilo_desk.contract import DeliveryPhase, WebhookLog, delivery_state
from impilo_desk.services.event_store import RelayEvent
from impilo_desk.services.redelivery.targets import RedeliveryRefused, check_target

BodySource = Literal["log", "store"]

NO_EXACT_COPY = "cannot be resent: the log has no exact copy of the body"

# The event id at the start of a payload that is not JSON (``{'id':1234, …``), so that the
# relay's copy can be looked up; it never becomes part of a body.
_LEADING_ID = re.compile(r"""^\s*\{\s*["']?id["']?\s*[:=]\s*(\d{1,18})\b""")


@dataclass(frozen=True)
class Delivery:
    """One POST to make: the exact body, where to, and where the body came from.

    Attributes:
        event_id: The Impilo event id (unchanged in the body).
        event_type: The envelope's type.
        body: The exact text to POST (sent as UTF-8).
        target: The URL to POST to.
        source: ``"log"`` (the log row's own payload) or ``"store"`` (the relay's copy).
        log_id: The log row this resends, when it comes from the Logs tab.
    """

    event_id: int
    event_type: str
    body: str = field(repr=False)
    target: str
    source: BodySource
    log_id: int | None = None


@dataclass(frozen=True)
class Unsendable:
    """A log row that cannot be resent as it is.

    Attributes:
        log_id: The row.
        reason: One sentence, starting "cannot be resent: …".
        alternative: The relay's copy of the same event, to send instead if the user agrees.
    """

    log_id: int | None
    reason: str
    alternative: Delivery | None = None


@dataclass(frozen=True)
class Preview:
    """What a run would do, for the user to confirm.

    Attributes:
        rows: How many rows (or events) were selected.
        sendable: How many would be sent.
        targets: ``(url, count)`` of what would be sent, most first.
        cannot_resend: How many cannot be resent as they are.
        alternatives: How many of those have the relay's copy to send instead.
    """

    rows: int
    sendable: int
    targets: tuple[tuple[str, int], ...]
    cannot_resend: int
    alternatives: int

    def describe(self) -> str:
        """One paragraph for the confirmation dialog."""
        noun = "row" if self.rows == 1 else "rows"
        where = ", ".join(f"{url} ({n})" for url, n in self.targets) or "nowhere"
        text = f"{self.rows} {noun} selected: {self.sendable} would be sent to {where}."
        if self.cannot_resend:
            text += f" {self.cannot_resend} cannot be resent (the log has no exact copy)"
            if self.alternatives:
                text += f"; the relay's copy of {self.alternatives} of them can be sent instead"
            text += "."
        return text


@dataclass(frozen=True)
class Plan:
    """The deliveries to make and the rows left out, with why."""

    deliveries: tuple[Delivery, ...]
    unsendable: tuple[Unsendable, ...] = ()

    def preview(self) -> Preview:
        """The counts the user confirms; a run of this plan sends exactly ``sendable``."""
        targets = Counter(d.target for d in self.deliveries)
        return Preview(
            rows=len(self.deliveries) + len(self.unsendable),
            sendable=len(self.deliveries),
            targets=tuple(sorted(targets.items(), key=lambda item: (-item[1], item[0]))),
            cannot_resend=len(self.unsendable),
            alternatives=sum(1 for u in self.unsendable if u.alternative is not None),
        )

    def with_relay_copies(self) -> Plan:
        """The plan with the relay's copies sent for the rows that have one (the user agreed)."""
        taken = tuple(u.alternative for u in self.unsendable if u.alternative is not None)
        left = tuple(u for u in self.unsendable if u.alternative is None)
        return Plan(self.deliveries + taken, left)


def envelope_of(text: str | None) -> tuple[int, str] | None:
    """``(id, type)`` when ``text`` is JSON of the envelope ``{id, type, payload}``, else None."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    event_id, kind, payload = data.get("id"), data.get("type"), data.get("payload")
    if isinstance(event_id, bool) or not isinstance(event_id, int):
        return None
    if not isinstance(kind, str) or not kind or not isinstance(payload, dict):
        return None
    return event_id, kind


def event_id_hint(text: str | None) -> int | None:
    """The event id a payload names, only to look up the relay's copy (never to build a body)."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        match = _LEADING_ID.match(text)
        return int(match[1]) if match else None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def store_body(event: RelayEvent) -> str:
    """The body of the relay's copy of an event: its envelope as JSON."""
    return event.envelope.model_dump_json()


def plan_logs(
    rows: Sequence[WebhookLog],
    *,
    target: str | None = None,
    stored: Mapping[int, RelayEvent] | None = None,
) -> Plan:
    """Plans the redelivery of log rows: to ``target``, or each to its own webhook URL.

    Args:
        rows: The selected rows (or the filtered failed rows of a recovery).
        target: One URL for all, or None for each row's own ``webhookUrl``.
        stored: Events of the local store by Impilo id (see ``stored_ids``), for the copies
            offered when a row has no exact body.

    Raises:
        RedeliveryRefused: No rows, or ``target`` is not a usable URL.
    """
    if not rows:
        raise RedeliveryRefused("Select at least one log row to resend.")
    chosen = check_target(target) if target is not None else None
    stored = stored or {}
    deliveries: list[Delivery] = []
    unsendable: list[Unsendable] = []
    for row in rows:
        url = chosen
        if url is None:
            try:
                url = check_target(row.webhookUrl)
            except RedeliveryRefused:
                unsendable.append(
                    Unsendable(row.id, "cannot be resent: the row has no http(s) webhook URL")
                )
                continue
        envelope = envelope_of(row.payload)
        if envelope is not None:
            event_id, kind = envelope
            deliveries.append(Delivery(event_id, kind, row.payload or "", url, "log", row.id))
            continue
        hint = event_id_hint(row.payload)
        event = stored.get(hint) if hint is not None else None
        alternative = None
        if event is not None:
            env = event.envelope
            alternative = Delivery(env.id, env.type, store_body(event), url, "store", row.id)
        unsendable.append(Unsendable(row.id, _why(row.payload), alternative))
    return Plan(tuple(deliveries), tuple(unsendable))


def stored_ids(rows: Iterable[WebhookLog]) -> list[int]:
    """The event ids to look up in the store for the rows that cannot be resent as they are."""
    ids = {event_id_hint(r.payload) for r in rows if envelope_of(r.payload) is None}
    return sorted(i for i in ids if i is not None)


def plan_events(events: Sequence[RelayEvent], target: str) -> Plan:
    """Plans "Replay to…" of received events (the relay's copies) to one URL.

    Raises:
        RedeliveryRefused: No events, or ``target`` is not a usable URL.
    """
    if not events:
        raise RedeliveryRefused("Select at least one event to replay.")
    url = check_target(target)
    return Plan(
        tuple(Delivery(e.envelope.id, e.envelope.type, store_body(e), url, "store") for e in events)
    )


def recoverable(
    rows: Iterable[WebhookLog], now: datetime, *, include_retrying: bool = False
) -> list[WebhookLog]:
    """The rows a "Recover…" resends: failed for good, and also retrying when asked."""
    phases = {DeliveryPhase.FAILED}
    if include_retrying:
        phases.add(DeliveryPhase.RETRYING)
    return [r for r in rows if delivery_state(r, now).phase in phases]


def _why(payload: str | None) -> str:
    if not payload:
        return f"{NO_EXACT_COPY} (the payload is empty)."
    try:
        json.loads(payload)
    except ValueError:
        return f"{NO_EXACT_COPY} (the payload is not JSON)."
    return f"{NO_EXACT_COPY} (the payload is not an {{id, type, payload}} envelope)."
