"""A store of 1,000,000 realistic events for the Events tab's benchmarks, built once and kept.

Built in ``build/bench/`` (about 5 minutes; reused while its version matches): ten event
types, 500 patients with names, a receive time every 50 ms over about 14 hours, the search
index complete. Its events are dated November 2026 and its "keep" setting is 100 years, so
that opening it in the tab (which prunes to that setting) never deletes any.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from impilo_desk.contract import Envelope
from impilo_desk.services.event_store import EventStore, RelayEvent

COUNT = 1_000_000
VERSION = 2
FIRST = ["Amara", "Thabo", "Lindiwe", "Sipho", "Naledi", "Kagiso", "Zanele", "Tendai", "Ayo",
         "Chipo", "Farai", "Kofi", "Lerato", "Musa", "Nomsa", "Oluwaseun", "Palesa", "Rudo",
         "Sizwe", "Thandiwe"]  # fmt: skip
LAST = ["Nwosu", "Mokoena", "Dlamini", "Dube", "Khumalo", "Ndlovu", "Okafor", "Mensah",
        "Banda", "Phiri", "Moyo", "Zulu", "Mahlangu", "Sithole", "Nkosi", "Mbeki", "Adeyemi",
        "Chukwu", "Owusu", "Tshabalala", "Mthembu", "Shabalala", "Radebe", "Kunene",
        "Maseko"]  # fmt: skip
SUBJECTS = ["Cuff does not inflate", "Scale shows error E4", "Strap is broken",
            "Glucose strips missing", "Device will not pair", "Battery swells"]  # fmt: skip
T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def patients() -> list[dict[str, object]]:
    rng = random.Random(1)
    return [
        {"id": 1000 + n, "firstName": rng.choice(FIRST), "lastName": rng.choice(LAST),
         "externalIdentifier": f"MRN-{n:05d}"}
        for n in range(500)
    ]  # fmt: skip


def event(i: int, rng: random.Random, people: list[dict[str, object]]) -> RelayEvent:
    person = people[i % len(people)]
    at = T0 + timedelta(milliseconds=50 * i)
    pick = i % 10
    payload: dict[str, object]
    if pick < 5:
        kind = ("reading.bloodPressure", "reading.weight", "reading.bloodGlucose",
                "reading.bloodOxygen", "reading.temperature")[pick]  # fmt: skip
        payload = {"id": i, "readingTimestamp": at.isoformat(), "patient": person,
                   "value": rng.randint(40, 200), "manual": False,
                   "device": {"id": 5000 + i % 900, "currentPatient": person}}  # fmt: skip
    elif pick == 5:
        kind, payload = "patient.updated", dict(person)
    elif pick == 6:
        kind = "device.lowBattery"
        payload = {"batteryPercentage": rng.randint(1, 15),
                   "device": {"id": 5000 + i % 900, "currentPatient": person}}  # fmt: skip
    elif pick == 7:
        kind, payload = "order.status", {"id": 60000 + i, "eventType": rng.choice(
            ["shipped", "delivered", "returned"])}  # fmt: skip
    elif pick == 8:
        kind = "supportTicket.event"
        payload = {"id": 9000 + i, "eventType": "commentAdded", "subject": rng.choice(SUBJECTS)}
    else:
        kind = "device.weakSignal"
        payload = {"device": {"id": 5000 + i % 900, "currentPatient": person},
                   "signalStrength": -rng.randint(90, 120)}  # fmt: skip
    envelope = Envelope(id=i, type=kind, payload=payload)
    return RelayEvent(seq=i, received_at=at, envelope=envelope, headers={
        "content-type": "application/json", "user-agent": "Impilo-Webhooks/3"})  # fmt: skip


def million(folder: Path, count: int = COUNT) -> Path:
    """The path of the store (built if missing), closed."""
    path = folder / f"events-{count}-v{VERSION}.sqlite3"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    store = EventStore(partial)
    rng = random.Random(7)
    people = patients()
    for start in range(1, count + 1, 5000):
        store.add_many([event(i, rng, people) for i in range(start, min(count + 1, start + 5000))])
    store.build_search_index()
    store.set_meta("keep_days", 36_500)  # the tab prunes by age: this data must not age out
    store.close()
    partial.rename(path)
    print(f"\nbuilt {count:,} events in {time.perf_counter() - started:.0f} s: {path}")
    return path
