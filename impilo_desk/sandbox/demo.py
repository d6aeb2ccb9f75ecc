"""``--demo``: seed a month of realistic data and keep recording readings so webhooks fire.

Random numbers here make demo data, not secrets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
from datetime import date
from typing import TYPE_CHECKING, Any

from impilo_desk.contract import READING_KINDS, ReadingKind, scaled_schedule
from impilo_desk.sandbox import demo_data as data
from impilo_desk.sandbox.recording import Source, record
from impilo_desk.sandbox.store import logs as store_logs
from impilo_desk.sandbox.store import people
from impilo_desk.sandbox.store import readings as store_readings
from impilo_desk.sandbox.store import webhooks as store_webhooks
from impilo_desk.sandbox.timeutil import now_ms

if TYPE_CHECKING:
    from impilo_desk.sandbox.common import Sandbox

log = logging.getLogger(__name__)

SEEDED_KEY = "demo_seeded"
PATIENTS = 16
DAYS = 30
DAY_MS = 86_400_000
MAIN_KINDS = (ReadingKind.BLOOD_PRESSURE, ReadingKind.WEIGHT, ReadingKind.BLOOD_GLUCOSE,
              ReadingKind.BLOOD_OXYGEN, ReadingKind.TEMPERATURE)  # fmt: skip
OTHER_KINDS = tuple(k for k in ReadingKind if k not in MAIN_KINDS)
SINK_FLAKY = {"reading.bloodPressure"}
# A second temperature webhook whose receiver went down DOWN_SINCE_MS ago: every delivery to it
# fails, so the Webhooks tab's health has a failing webhook to show.
SINK_DOWN = "reading.temperature"
DOWN_SINCE_MS = 20 * 3_600_000


def _rng(seed: int = 1042) -> random.Random:
    return random.Random(seed)  # noqa: S311 - demo data, not security


def _patients(conn: sqlite3.Connection, rng: random.Random) -> list[tuple[int, dict[str, float]]]:
    site_ids = [
        people.add_site(conn, name, phone,
                        {"lineOne": f"{rng.randint(10, 900)} Main Street", "city": city,
                         "state": state, "zipCode": zip_, "country": "US"})
        for name, city, state, zip_, phone in data.SITES
    ]  # fmt: skip
    out = []
    for i in range(PATIENTS):
        first, last = data.FIRST_NAMES[i], data.LAST_NAMES[(i * 7) % len(data.LAST_NAMES)]
        site = i % len(data.SITES)
        body = {
            "externalIdentifier": f"MRN-{10_000 + i * 37:05d}",
            "firstName": first,
            "lastName": last,
            "dateOfBirth": date(
                1940 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28)
            ).isoformat(),
            "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com",
            "phoneNumber": f"+1-555-{rng.randint(200, 999):04d}",
            "archived": i == PATIENTS - 1,
            "enrolled": i % 5 != 4,
            "sex": data.SEXES[i],
            "address": {
                "lineOne": f"{rng.randint(1, 99)} {rng.choice(data.STREETS)}",
                "city": data.SITES[site][1],
                "state": data.SITES[site][2],
                "zipCode": data.SITES[site][3],
                "country": "US",
            },
            "siteId": site_ids[site],
        }
        out.append((people.add_patient(conn, body, tz_offset=-21600), data.baselines(rng)))
    return out


def _devices(
    conn: sqlite3.Connection, patients: list[tuple[int, dict[str, float]]], rng: random.Random
) -> dict[tuple[int, ReadingKind], int]:
    devices = {}
    start = now_ms() - (DAYS + 5) * DAY_MS
    for index, (pid, _) in enumerate(patients):
        kinds = list(MAIN_KINDS) + [k for j, k in enumerate(OTHER_KINDS) if (index + j) % 3 == 0]
        for kind in kinds:
            serial = f"{kind.value[:3].upper()}-{pid:04d}-{rng.randint(1000, 9999)}"
            devices[(pid, kind)] = people.add_device(
                conn,
                patient_id=pid,
                kind=kind.value,
                external_identifier=f"DEV-{serial}",
                identifiers=[{"type": "serial", "value": serial},
                             {"type": "imei", "value": f"35693803{rng.randint(10**6, 10**7)}"}],
                item=data.ITEMS[kind],
                created_ms=start,
            )  # fmt: skip
    return devices


def _readings(
    conn: sqlite3.Connection,
    patients: list[tuple[int, dict[str, float]]],
    devices: dict[tuple[int, ReadingKind], int],
    rng: random.Random,
) -> None:
    base = dict(patients)
    now = now_ms()
    batch = []
    for (pid, kind), device_id in devices.items():
        every = 7 if kind is ReadingKind.ECG else 1
        for day in range(DAYS, 0, -every):
            when = now - day * DAY_MS + rng.randint(7, 20) * 3_600_000
            values = data.reading_values(kind, rng, base[pid])
            batch.append(
                store_readings.NewReading(kind, pid, device_id, when, False, -21600, values)
            )
    store_readings.add_many(conn, batch)


def _webhooks(conn: sqlite3.Connection, base_url: str) -> list[dict[str, Any]]:
    hooks = []
    for info in READING_KINDS.values():
        mode = "flaky" if info.webhook_type in SINK_FLAKY else "ok"
        hooks.append(
            store_webhooks.create(conn, info.webhook_type, f"{base_url}/sandbox/sink/{mode}")
        )
    for type_ in ("patient.created", "patient.updated"):
        hooks.append(store_webhooks.create(conn, type_, f"{base_url}/sandbox/sink/ok"))
    hooks.append(store_webhooks.create(conn, SINK_DOWN, f"{base_url}/sandbox/sink/down"))
    return hooks


def _history(
    conn: sqlite3.Connection, hooks: list[dict[str, Any]], time_scale: float, rng: random.Random
) -> None:
    """Seeds a month of delivery log in every state.

    Delivered, delivered after retries, failed for good, and a few deliveries in the middle of
    their retries (really due, so they happen while you watch).
    """
    schedule = [round(d.total_seconds() * 1000) for d in scaled_schedule(time_scale)]
    by_type: dict[str, dict[str, Any]] = {}
    down: dict[str, Any] | None = None
    for h in hooks:
        if h["url"].endswith("/sink/down"):
            down = h
        else:
            by_type.setdefault(h["type"], h)
    builder = store_readings.Builder(conn)
    rows = conn.execute(
        f"SELECT {store_readings.READING_COLUMNS} FROM readings WHERE kind != 'ecg' "  # noqa: S608
        "ORDER BY reading_ms"
    ).fetchall()
    now = now_ms()
    next_id = store_logs.new_event_id(conn)
    events: list[tuple[int, str, str, int]] = []
    logs: list[tuple[Any, ...]] = []
    for index, row in enumerate(rows):
        info = READING_KINDS[ReadingKind(row[1])]
        hook = by_type[info.webhook_type]
        created = int(row[4]) + rng.randint(2_000, 40_000)
        envelope = {"id": next_id, "type": info.webhook_type, "payload": builder.reading(row)}
        events.append(
            (next_id, info.webhook_type, json.dumps(envelope, separators=(",", ":")), created)
        )
        roll = rng.random()
        if index >= len(rows) - 4:  # the newest few: mid-retry, due soon
            retries = len(rows) - 1 - index  # 0..3 -> use 0..2 below
            retries = min(retries, 2)
            last_retry = None if retries == 0 else now - schedule[retries - 1] // 3
            created = now - schedule[0] // 2 if retries == 0 else created
            base = created if retries == 0 else last_retry
            assert base is not None
            logs.append(
                (
                    next_id,
                    hook["id"],
                    hook["type"],
                    hook["url"],
                    created,
                    503,
                    retries,
                    last_retry,
                    base + schedule[retries],
                )
            )
        elif roll < 0.86:
            logs.append(
                (next_id, hook["id"], hook["type"], hook["url"], created, 200, 0, None, None)
            )
        elif roll < 0.93:
            retries = rng.randint(1, 2)
            last = created + sum(schedule[:retries])
            logs.append(
                (next_id, hook["id"], hook["type"], hook["url"], created, 200, retries, last, None)
            )
        else:
            status = rng.choice((503, 500, 404, 0))
            last = created + sum(schedule)
            logs.append(
                (next_id, hook["id"], hook["type"], hook["url"], created, status, 3, last, None)
            )
        if down is not None and hook["type"] == down["type"] and created > now - DOWN_SINCE_MS:
            last = min(created + sum(schedule), now)  # failed for good, every attempt a 503
            logs.append(
                (next_id, down["id"], down["type"], down["url"], created, 503, 3, last, None)
            )
        next_id += 1
    store_logs.bulk_insert(conn, events, logs)


def seed_demo(conn: sqlite3.Connection, base_url: str | None, time_scale: float) -> None:
    """Seeds the demo once per database (a restart on the same ``--db`` keeps what is there)."""
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", (SEEDED_KEY,)).fetchone():
        return
    rng = _rng()
    patients = _patients(conn, rng)
    devices = _devices(conn, patients, rng)
    _readings(conn, patients, devices, rng)
    if base_url is not None:
        _history(conn, _webhooks(conn, base_url), time_scale, rng)
    conn.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (SEEDED_KEY,))


class DemoRecorder:
    """Records a new reading every few seconds, so that webhooks keep firing.

    Owned by the app's lifespan; stops by itself after ``limit`` readings.
    """

    def __init__(self, sandbox: Sandbox, *, interval_s: float = 3.0, limit: int = 20_000) -> None:
        self._sandbox = sandbox
        self._interval = max(0.2, interval_s)
        self._limit = limit
        self._task: asyncio.Task[None] | None = None
        self._rng = _rng(7)

    def start(self) -> None:
        """Starts recording."""
        self._task = asyncio.create_task(self._run(), name="sandbox-demo")

    async def stop(self) -> None:
        """Stops recording and waits for the task to end."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        db = self._sandbox.db
        pairs = await db.read(_device_pairs)
        bases: dict[int, dict[str, float]] = {}
        for _ in range(self._limit):
            await asyncio.sleep(self._interval)
            if not pairs:
                continue
            pid, kind, device_id = self._rng.choice(pairs)
            base = bases.setdefault(pid, data.baselines(self._rng))
            try:
                _, log_ids = await db.write(
                    record,
                    kind,
                    Source(device_id=device_id),
                    reading_ms=now_ms(),
                    manual=False,
                    device_tz=-21600,
                    values=data.reading_values(kind, self._rng, base),
                )
            except Exception as exc:  # a demo reading that fails must not end the demo
                log.warning("demo reading failed: %r", exc)
                continue
            self._sandbox.deliveries.notify(log_ids)


def _device_pairs(conn: sqlite3.Connection) -> list[tuple[int, ReadingKind, int]]:
    rows = conn.execute(
        "SELECT patient_id, kind, id FROM devices WHERE patient_id IS NOT NULL AND kind IS NOT NULL"
    ).fetchall()
    return [(int(r[0]), ReadingKind(r[1]), int(r[2])) for r in rows]
