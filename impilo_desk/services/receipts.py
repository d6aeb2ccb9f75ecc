"""Following a fired test event to its arrival: the receipt chain and why a step is missing.

Qt-free: the Test events tab feeds it what it sees (the API's answer, relay events, log records)
and shows what it says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from impilo_desk.contract import (
    RETRY_SCHEDULE,
    DeliveryPhase,
    Envelope,
    Webhook,
    WebhookLog,
    delivery_state,
    utc,
)

MATCH_WINDOW = timedelta(minutes=2)

DONE = "✔ Done"
WAITING = "… Waiting"
MISSING = "✘ Missing"
FAILED = "✘ Failed"  # the request never reached the server (no connection)
NO_ANSWER = "✘ No answer"  # sent, but no answer came in time: whether it arrived is unknown
REFUSED = "✘ Refused"  # the server answered, with an error
NOT_REACHED = "not reached"
NO_RELAY = "not followed: this profile has no relay"


class Step(IntEnum):
    """The steps of a receipt chain, in order."""

    SENT = 0
    ACCEPTED = 1
    RELAY = 2
    DESKTOP = 3
    LOGGED = 4

    @property
    def label(self) -> str:
        """How the step reads in the chain."""
        return _LABELS[self]


_LABELS = {
    Step.SENT: "Sent",
    Step.ACCEPTED: "Accepted by Impilo",
    Step.RELAY: "Received by the relay",
    Step.DESKTOP: "Received by this desktop",
    Step.LOGGED: "Delivery logged",
}


@dataclass
class ReceiptChain:
    """What has happened to one fired event, step by step.

    Attributes:
        event_type: The ``reading.*`` type fired.
        patient_id: The patient it was fired for.
        values: The value fields sent.
        envelope: The envelope Impilo answered with (None until accepted, or if it sent none).
        times: When each step happened.
        log_status: The delivery's last response status, once logged.
        log_phase: The delivery's phase (delivered, retrying…), once logged.
        not_followed: Steps that will not be watched, with why ("not followed: this profile
            has no relay"), known from the start.
        rejected: The test event went no further: the steps after the failed one are not
            reached.
        failed: The step that failed, with how it reads (:data:`FAILED`: never sent,
            :data:`NO_ANSWER`: sent, no answer, :data:`REFUSED`: Impilo answered with an error).
    """

    event_type: str
    patient_id: int
    values: Mapping[str, Any]
    envelope: Envelope | None = None
    times: dict[Step, datetime] = field(default_factory=dict)
    log_status: int | None = None
    log_phase: DeliveryPhase | None = None
    not_followed: dict[Step, str] = field(default_factory=dict)
    rejected: bool = False
    failed: tuple[Step, str] | None = None

    def status(self, step: Step, finished: bool) -> str:
        """How ``step`` reads: done, failed, waiting, missing, not followed or not reached."""
        if self.failed is not None and step == self.failed[0]:
            return self.failed[1]
        if step in self.times:
            return DONE
        last = self.failed[0] if self.failed is not None else Step.SENT
        if self.rejected and step > last:
            return NOT_REACHED
        if step in self.not_followed:
            return self.not_followed[step]
        return MISSING if finished else WAITING

    def fail(self, step: Step, status: str) -> None:
        """Records that ``step`` failed (reads as ``status``); the later steps are not reached."""
        self.failed = (step, status)
        self.rejected = True

    def mark(self, step: Step, at: datetime) -> bool:
        """Records a step the first time it is seen; returns whether it was new."""
        if step in self.times:
            return False
        self.times[step] = utc(at)
        return True

    def latency(self, step: Step) -> timedelta | None:
        """Time from the latest earlier step that happened to this one."""
        if step not in self.times:
            return None
        earlier = [s for s in self.times if s < step]
        return self.times[step] - self.times[max(earlier)] if earlier else None

    @property
    def complete(self) -> bool:
        """Whether every step has happened."""
        return len(self.times) == len(Step)

    def matches(self, envelope: Envelope, received_at: datetime) -> bool:
        """Whether an envelope seen downstream is this event.

        By envelope id when Impilo returned one; otherwise by type, patient and values, within a
        time window after sending.
        """
        if self.envelope is not None and self.envelope.id:
            return envelope.id == self.envelope.id
        if envelope.type != self.event_type:
            return False
        sent = self.times.get(Step.SENT)
        if sent is not None and not sent - MATCH_WINDOW <= utc(received_at) <= sent + MATCH_WINDOW:
            return False
        payload = envelope.payload
        patient = payload.get("patient") or {}
        if patient.get("id", payload.get("patientId")) != self.patient_id:
            return False
        return all(payload.get(k) == v for k, v in self.values.items())

    def matches_log(self, record: WebhookLog) -> bool:
        """Whether a delivery-log record is the delivery of this event."""
        if record.webhookType != self.event_type or not record.payload:
            return False
        try:
            sent = json.loads(record.payload)
        except ValueError:
            return False
        if not isinstance(sent, dict):
            return False
        try:
            envelope = Envelope.model_validate(sent)
        except ValueError:
            return False
        at = record.createTimestamp or self.times.get(Step.SENT)
        return at is not None and self.matches(envelope, at)

    def record_log(
        self, record: WebhookLog, now: datetime, schedule: Sequence[timedelta] = RETRY_SCHEDULE
    ) -> None:
        """Takes the delivery's log record: marks the step and keeps its status and phase."""
        self.mark(Step.LOGGED, record.createTimestamp or now)
        self.log_status = record.lastResponseStatus
        self.log_phase = delivery_state(record, now, schedule).phase


def missing_step_reason(
    chain: ReceiptChain,
    webhooks: Iterable[Webhook],
    relay_ingest_url: str | None,
) -> str:
    """One sentence on why the chain stopped where it did, and what to do.

    Args:
        chain: The chain that did not complete in time.
        webhooks: The account's webhooks, as just listed.
        relay_ingest_url: Where this profile's relay receives webhooks, if it has one.
    """
    of_type = [w for w in webhooks if w.type == chain.event_type]
    if chain.failed is not None and chain.failed[1] == FAILED:
        return "The test event was not sent: the connection failed (see the message above)."
    if chain.failed is not None and chain.failed[1] == NO_ANSWER:
        return (
            "Impilo did not answer, so whether it got the test event is unknown; look for it "
            "in the Logs tab before firing again."
        )
    if Step.ACCEPTED not in chain.times:
        return "Impilo did not accept the test event; see the error above."
    if not of_type:
        return (
            f"No webhook of type {chain.event_type} exists, so Impilo has nowhere to send it. "
            "Create one pointing at your relay?"
        )
    if chain.log_phase is DeliveryPhase.RETRYING:
        return (
            f"Impilo's delivery failed (last answer {_status(chain.log_status)}) and will be "
            "retried; check that the receiver is up and answers 2xx."
        )
    if chain.log_phase is DeliveryPhase.FAILED:
        return (
            f"Impilo gave up after four attempts (last answer {_status(chain.log_status)}); "
            "fix the receiver and fire again."
        )
    if Step.RELAY not in chain.times:
        if relay_ingest_url is None:
            return "This profile has no relay, so the event cannot be followed past Impilo."
        if not any(_same_url(w.url, relay_ingest_url) for w in of_type):
            return (
                f"The {chain.event_type} webhook points elsewhere, not at your relay "
                f"({relay_ingest_url}). Add one pointing at the relay?"
            )
        return (
            "The relay has not received it. If the relay answered 401, its secret differs "
            "from Impilo's: set the same secret on both."
        )
    if Step.DESKTOP not in chain.times:
        return "The relay has it but this desktop has not: check the relay connection below."
    return "The delivery has not appeared in Impilo's log yet; the log can lag a little."


def _status(status: int | None) -> str:
    return "none: no connection" if not status else str(status)


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")
