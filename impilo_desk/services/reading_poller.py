"""Readings for the Readings tab from the API and the local event store. Qt-free.

Three sources, one shape (:class:`KindReading`):

- the reading endpoints, paged, per kind and patient, in a time window (``fetch_readings``), and
  :class:`ReadingPoller`, which backfills the window on start and then asks for what is new
  every interval (or at once, after a relay gap or reconnect: ``poll_now``);
- the local event store, which keeps every relay event and every polled reading, so readings
  survive a restart offline (``store_polled``, ``stored_readings``, ``stored_patients``);
- live relay events (``reading_from_event``).

The failed deliveries of a reading type come from the delivery log (``failed_deliveries``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from impilo_desk.client import LogFilters
from impilo_desk.client.paging import paginate
from impilo_desk.client.ports import ReadingsApi
from impilo_desk.contract import (
    MAX_PAGE_SIZE,
    READING_KINDS,
    Page,
    Patient,
    Reading,
    ReadingKind,
    WebhookLog,
    is_success,
    kind_for_webhook_type,
)
from impilo_desk.services.event_store import EventStore, PolledReading, RelayEvent, patient_id_of

CHART_KINDS = (
    ReadingKind.BLOOD_PRESSURE,
    ReadingKind.WEIGHT,
    ReadingKind.BLOOD_GLUCOSE,
    ReadingKind.BLOOD_OXYGEN,
    ReadingKind.TEMPERATURE,
    ReadingKind.HEART_RATE,
    ReadingKind.ECG,
)
"""The kinds the Readings tab charts, in its order."""

MAX_PAGES = 400  # 100 000 readings of one kind and patient per window: bounded
MAX_LOG_PAGES = 20
MAX_PATIENT_PAGES = 200


@dataclass(frozen=True)
class KindReading:
    """A reading with its kind and patient, from whichever source.

    Attributes:
        kind: The reading kind.
        patient_id: Its patient, when known.
        reading: The reading (the kind's model).
    """

    kind: ReadingKind
    patient_id: int | None
    reading: Reading


def reading_from_event(event: RelayEvent) -> KindReading | None:
    """The reading a ``reading.*`` relay event carries, or None for any other event."""
    info = kind_for_webhook_type(event.envelope.type)
    if info is None:
        return None
    reading = info.model.model_validate(event.envelope.payload)
    return KindReading(info.kind, patient_id_of(event.envelope), reading)


def _patient_of(reading: Reading, fallback: int | None) -> int | None:
    return reading.patient.id if reading.patient is not None else fallback


async def fetch_readings(
    api: ReadingsApi,
    kind: ReadingKind,
    patient_id: int | None,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    size: int = MAX_PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    on_page: Callable[[list[KindReading]], object] | None = None,
) -> list[KindReading]:
    """Every reading of a kind and patient in ``[start, end)``, page by page (bounded).

    Args:
        api: The client.
        kind: The reading kind.
        patient_id: Only this patient's (None: everyone's).
        start: Inclusive lower bound.
        end: Exclusive upper bound.
        size: Page size.
        max_pages: At most this many pages.
        on_page: Called with each page as it arrives (so a long history draws as it loads).
    """
    found: list[KindReading] = []

    def fetch(number: int) -> Awaitable[Page[Reading]]:
        return api.list_readings(
            kind, patient_id=patient_id, start=start, end=end, page=number, size=size
        )

    async for page in paginate(fetch, size=size, max_pages=max_pages):
        batch = [KindReading(kind, _patient_of(r, patient_id), r) for r in page.content]
        found.extend(batch)
        if on_page is not None and batch:
            on_page(batch)
    return found


async def fetch_patients(api: ReadingsApi, max_pages: int = MAX_PATIENT_PAGES) -> list[Patient]:
    """Every patient, page by page (bounded)."""
    pages = paginate(
        lambda n: api.list_patients(page=n, size=MAX_PAGE_SIZE),
        size=MAX_PAGE_SIZE,
        max_pages=max_pages,
    )
    return [patient async for page in pages for patient in page.content]


def _log_patient(log: WebhookLog) -> int | None:
    try:
        payload: Any = json.loads(log.payload or "")
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    inner = payload.get("payload", payload)
    patient = inner.get("patient") if isinstance(inner, dict) else None
    value = patient.get("id") if isinstance(patient, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def failed_deliveries(
    api: ReadingsApi,
    kind: ReadingKind,
    patient_id: int | None,
    start: datetime | None,
    *,
    max_pages: int = MAX_LOG_PAGES,
) -> list[datetime]:
    """When deliveries of a kind's event type failed (last attempt answered, not 2xx).

    A log whose payload names another patient is left out; one that names none is kept.
    """
    filters = LogFilters(webhook_type=READING_KINDS[kind].webhook_type, start=start)
    times: list[datetime] = []
    pages = paginate(
        lambda n: api.list_logs(filters, page=n, size=MAX_PAGE_SIZE),
        size=MAX_PAGE_SIZE,
        max_pages=max_pages,
    )
    async for page in pages:
        for log in page.content:
            status = log.lastResponseStatus
            if status is None or is_success(status):
                continue  # delivered, or not tried yet
            owner = _log_patient(log)
            if patient_id is not None and owner is not None and owner != patient_id:
                continue
            when = log.lastRetryTimestamp or log.createTimestamp
            if when is not None:
                times.append(when)
    return times


def store_polled(store: EventStore, items: Iterable[KindReading]) -> int:
    """Keeps polled readings in the local store; returns how many were new (blocking: thread).

    A reading without an id cannot be told apart from a later copy, so it is not kept.
    """
    rows = [
        PolledReading(
            item.kind.value,
            item.reading.id,
            item.patient_id,
            item.reading.readingTimestamp or datetime.now(UTC),
            item.reading.model_dump_json(),
        )
        for item in items
        if item.reading.id is not None
    ]
    return store.add_polled(rows)


def _polled(
    store: EventStore, patient_id: int | None, start: datetime | None, kinds: Iterable[ReadingKind]
) -> list[KindReading]:
    out = []
    for row in store.query_polled(
        kinds=[k.value for k in kinds], patient_id=patient_id, start=start
    ):
        kind = ReadingKind(row.kind)
        out.append(
            KindReading(
                kind, row.patient_id, READING_KINDS[kind].model.model_validate_json(row.reading)
            )
        )
    return out


def stored_readings(
    store: EventStore,
    patient_id: int | None,
    start: datetime | None = None,
    kinds: Iterable[ReadingKind] = CHART_KINDS,
) -> list[KindReading]:
    """The readings the local store holds for a patient, relayed and polled (blocking: thread).

    A reading held both ways is listed twice; the series keep it once (``reading_key``).
    """
    kinds = tuple(kinds)
    types = [READING_KINDS[k].webhook_type for k in kinds]
    out = []
    for event in store.query(types=types, patient_id=patient_id, start=start):
        item = reading_from_event(event)
        if item is not None:
            out.append(item)
    return out + _polled(store, patient_id, start, kinds)


def stored_patients(store: EventStore, limit: int = 20_000) -> dict[int, str]:
    """Patients seen in stored reading events and polled readings, id to name (blocking: thread)."""
    types = [READING_KINDS[k].webhook_type for k in CHART_KINDS]
    names: dict[int, str] = {}
    for event in store.query(types=types, limit=limit, newest_first=True):
        pid = patient_id_of(event.envelope)
        if pid is None or pid in names:
            continue
        raw = event.envelope.payload.get("patient")
        patient = Patient.model_validate(raw) if isinstance(raw, dict) else Patient(id=pid)
        names[pid] = patient.display_name
    for pid, body in store.polled_patients():
        if pid not in names:
            patient = Reading.model_validate_json(body).patient or Patient(id=pid)
            names[pid] = patient.display_name
    return names


def status_line(
    count: int,
    total: int,
    *,
    live: bool,
    polled_every_s: float | None,
    unavailable: bool,
    api_down: bool = False,
) -> str:
    """The Readings tab's line under a chart: how many readings, and where they come from.

    Args:
        count: Readings of the kind shown.
        total: Readings of every kind.
        live: Whether the relay stream is live now (never claimed while it is off or away).
        polled_every_s: The poll interval, or None when there is no API to poll.
        unavailable: The server has no endpoint for the kind shown (it is not polled).
        api_down: The last poll failed (the API is asked again, but nothing came from it).
    """
    sources = ["live from the relay"] if live else []
    if polled_every_s is not None:
        sources.append(
            "not polled: this server has no endpoint for it"
            if unavailable
            else f"the API did not answer the last poll (asked again every {polled_every_s:g} s)"
            if api_down
            else f"polled every {polled_every_s:g} s"
        )
    where = " and ".join(sources) or "from this computer's store only"
    return f"{count} readings of this kind · {total} in all · {where}"


class ReadingPoller:
    """Polls the reading endpoints per kind for one patient until cancelled.

    The first pass backfills ``[start, now)``; later passes ask, per kind, for what is at or
    after the newest reading seen (the caller drops the repeats by ``reading_key``).

    Args:
        api: The client.
        patient_id: The patient.
        on_readings: Called with each page of readings.
        start: The window's start (None: all history).
        interval_s: Seconds between passes.
        kinds: The kinds to poll.
        on_error: Called with the first exception of a pass in which a kind failed (that kind is
            tried again next time; the others were still asked).
        on_pass: Called after a pass in which every kind answered (or has no endpoint), with
            how many readings it brought; a pass in which a kind failed calls ``on_error``.
        on_unavailable: Called once per kind the server has no endpoint for, with the error
            that says so; that kind is not asked again (until a new poller: the next refresh).
        store: Where to keep what it fetches (written off the loop), so the history that was
            seen is still there after a restart with the API unreachable.
    """

    def __init__(
        self,
        api: ReadingsApi,
        patient_id: int | None,
        on_readings: Callable[[list[KindReading]], object],
        *,
        start: datetime | None = None,
        interval_s: float = 30.0,
        kinds: Iterable[ReadingKind] = CHART_KINDS,
        on_error: Callable[[Exception], None] | None = None,
        on_pass: Callable[[int], None] | None = None,
        store: EventStore | None = None,
        on_unavailable: Callable[[ReadingKind, Exception], None] | None = None,
    ) -> None:
        self._api = api
        self._on_unavailable = on_unavailable
        self.unavailable: dict[ReadingKind, str] = {}
        self._store = store
        self.patient_id = patient_id
        self._on_readings = on_readings
        self.interval_s = interval_s
        self.kinds = tuple(kinds)
        self._since: dict[ReadingKind, datetime | None] = dict.fromkeys(self.kinds, start)
        self._on_error = on_error
        self._on_pass = on_pass
        self._wake = asyncio.Event()
        self.passes = 0

    def poll_now(self) -> None:
        """Starts the next pass at once (after a relay gap or reconnect)."""
        self._wake.set()

    async def poll_once(self) -> int:
        """One pass over every kind, each on its own; returns how many readings it brought.

        A kind that fails does not keep the others from being asked: its error is reported
        (``on_error``, once per pass) and it is asked again next pass. A kind the server has no
        endpoint for is reported through ``on_unavailable`` and not asked again by this poller.
        """
        from impilo_desk.client.errors import EndpointMissing

        total = 0
        first_error: Exception | None = None
        for kind in self.kinds:
            if kind in self.unavailable:
                continue
            try:
                total += await self._poll_kind(kind)
            except asyncio.CancelledError:
                raise
            except EndpointMissing as exc:
                self.unavailable[kind] = exc.user_message
                if self._on_unavailable is not None:
                    self._on_unavailable(kind, exc)
            except Exception as exc:
                first_error = first_error or exc
        self.passes += 1
        if first_error is not None:  # the pass's news is its failure, not a success
            if self._on_error is not None:
                self._on_error(first_error)
        elif self._on_pass is not None:
            self._on_pass(total)
        return total

    async def _poll_kind(self, kind: ReadingKind) -> int:
        found = await fetch_readings(
            self._api, kind, self.patient_id, self._since[kind], on_page=self._on_readings
        )
        if self._store is not None and found:
            await asyncio.to_thread(store_polled, self._store, found)
        stamps = [r.reading.readingTimestamp for r in found if r.reading.readingTimestamp]
        if stamps:
            newest = max(stamps)
            since = self._since[kind]
            self._since[kind] = newest if since is None else max(since, newest)
        return len(found)

    async def run(self) -> None:
        """Passes every ``interval_s`` (or at once after ``poll_now``) until cancelled."""
        while True:
            self._wake.clear()
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._on_error is not None:
                    self._on_error(exc)
            with contextlib.suppress(TimeoutError):
                # not wait_for: on 3.11 it loses a cancel that meets a wake-up
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()
