"""Every client method against the real sandbox process over HTTP."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faults import FAST_RETRY

from impilo_desk.client import (
    Conflict,
    ImpiloClient,
    LogFilters,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from impilo_desk.contract import READING_KINDS, ReadingKind, WebhookLog
from impilo_desk.contract.examples import EXAMPLE_VALUES
from tests.fixtures.sandbox import Receiver, SandboxProcess, start_sandbox

pytestmark = pytest.mark.anyio

DEADLINE_S = 15.0  # bound of every wait for the sandbox's background delivery


def patient_body(n: int) -> dict[str, Any]:
    return {
        "firstName": f"Ada{n}",
        "lastName": "Lovelace",
        "externalIdentifier": f"MRN-{n}",
        "dateOfBirth": "1958-03-14",
        "sex": "female",
        "address": {"lineOne": "1 Elm St", "city": "Springfield", "zipCode": "62701",
                    "country": "US"},
        "siteId": 1,
    }  # fmt: skip


def seed(box: SandboxProcess, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Creates test data with plain HTTP (the client has no create-patient/record-reading)."""
    with box.client() as http:
        return [http.post(path, json=body).raise_for_status().json() for path, body in calls]


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxProcess]:
    """One sandbox for the tests that only look at what they made themselves."""
    process = start_sandbox()
    yield process
    process.close()


@pytest.fixture
async def api(sandbox: SandboxProcess) -> AsyncIterator[ImpiloClient]:
    """A client of a fresh sandbox (for tests that need an empty account)."""
    async with ImpiloClient(sandbox.base_url, sandbox.api_key, retry=FAST_RETRY) as client:
        yield client


@pytest.fixture
async def shared_api(shared: SandboxProcess) -> AsyncIterator[ImpiloClient]:
    async with ImpiloClient(shared.base_url, shared.api_key, retry=FAST_RETRY) as client:
        yield client


async def eventually(probe: Callable[[], Any], what: str) -> Any:
    """Awaits ``probe()`` until it returns something truthy, within DEADLINE_S."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.05)  # polling interval of a bounded wait, not a race cover-up
    raise TimeoutError(f"{what} not seen within {DEADLINE_S}s")


async def test_wrong_key_is_unauthorized(shared: SandboxProcess) -> None:
    async with ImpiloClient(shared.base_url + "/api/v3", "not-the-key") as client:
        with pytest.raises(Unauthorized) as info:
            await client.list_webhooks()
    assert info.value.status == 401
    assert info.value.server_message


async def test_webhook_lifecycle(shared_api: ImpiloClient) -> None:
    api = shared_api
    made = await api.create_webhook("reading.weight", "https://a.example/h")
    assert made.id is not None
    assert await api.get_webhook(made.id) == made
    listed = await api.list_webhooks()
    assert made in listed.content
    assert listed.page == 1
    changed = await api.update_webhook_url(made.id, "reading.weight", "https://b.example/h")
    assert changed.url == "https://b.example/h"
    with pytest.raises(ValidationFailed) as same:
        await api.update_webhook_url(made.id, "reading.weight", "https://b.example/h")
    assert same.value.server_message
    assert "same" in same.value.user_message
    with pytest.raises(ValidationFailed):
        await api.update_webhook_url(made.id, "reading.ecg", "https://c.example/h")
    with pytest.raises(ValidationFailed) as unknown:
        await api.create_webhook("reading.nope", "https://a.example/h")
    assert "reading.nope" in unknown.value.user_message
    await api.delete_webhook(made.id)
    with pytest.raises(NotFound):
        await api.get_webhook(made.id)
    with pytest.raises(NotFound):
        await api.delete_webhook(made.id)


async def test_iter_all_walks_every_page(shared_api: ImpiloClient) -> None:
    api = shared_api
    urls = [f"https://h{n}.iter.example/x" for n in range(5)]
    for url in urls:
        await api.create_webhook("patient.created", url)
    one_page = await api.list_webhooks(page=1, size=2)
    assert len(one_page.content) == 2
    assert one_page.total is not None
    assert one_page.total >= 5
    everything = [w async for w in api.iter_all(lambda p: api.list_webhooks(page=p, size=2))]
    assert len(everything) == one_page.total
    assert sorted(w.url for w in everything if w.url in urls) == urls


async def test_secret_lifecycle(api: ImpiloClient) -> None:
    assert await api.get_secret() is None
    made = await api.create_secret()
    assert made.secret
    assert await api.get_secret() == made
    with pytest.raises(Conflict) as again:
        await api.create_secret("x" * 32)
    assert "already has a webhook secret" in again.value.user_message
    replaced = await api.replace_secret("n" * 40)
    assert replaced.secret == "n" * 40
    fetched = await api.get_secret()
    assert fetched is not None
    assert fetched.secret == "n" * 40


async def test_create_secret_with_a_chosen_value(api: ImpiloClient) -> None:
    made = await api.create_secret("chosen-secret-123456")
    assert made.secret == "chosen-secret-123456"


async def test_fire_test_is_delivered_and_logged(
    api: ImpiloClient, sandbox: SandboxProcess, receiver: Receiver
) -> None:
    (patient,) = seed(sandbox, [("/api/v3/patient", patient_body(1))])
    secret = await api.create_secret()
    await api.create_webhook("reading.bloodPressure", receiver.url + "/hook")
    body = {"patientId": patient["id"], **EXAMPLE_VALUES[ReadingKind.BLOOD_PRESSURE]}
    envelope = await api.fire_test(ReadingKind.BLOOD_PRESSURE, body)
    assert envelope.type == "reading.bloodPressure"
    assert envelope.payload["patient"]["id"] == patient["id"]
    (delivery,) = await asyncio.to_thread(receiver.wait_for, 1, DEADLINE_S)
    assert delivery.json()["id"] == envelope.id
    assert delivery.headers["impilo-webhook-secret"] == secret.secret

    async def delivered() -> list[WebhookLog]:
        page = await api.list_logs(LogFilters(last_response_status=200))
        return [r for r in page.content if r.lastResponseStatus == 200]

    (record,) = await eventually(delivered, "the delivered log record")
    assert record.webhookType == "reading.bloodPressure"
    assert record.retryAttempts == 0
    assert record.payload is not None
    assert str(envelope.id) in record.payload
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    for filters, count in [
        (LogFilters(webhook_type="reading.bloodPressure"), 1),
        (LogFilters(webhook_type="reading.weight"), 0),
        (LogFilters(retry_attempts_min=0, retry_attempts_max=0), 1),
        (LogFilters(retry_attempts_min=1), 0),
        (LogFilters(last_response_status=500), 0),
        (LogFilters(start=now - hour, end=now + hour), 1),
        (LogFilters(end=now - hour), 0),
    ]:
        page = await api.list_logs(filters)
        assert len(page.content) == count, filters
    everything = [r async for r in api.iter_all(lambda p: api.list_logs(page=p, size=1))]
    assert [r.id for r in everything] == [record.id]


async def test_fire_test_validation_is_reported(
    shared_api: ImpiloClient, shared: SandboxProcess
) -> None:
    api = shared_api
    (patient,) = seed(shared, [("/api/v3/patient", patient_body(2))])
    with pytest.raises(ValidationFailed) as info:
        await api.fire_test(
            ReadingKind.BLOOD_PRESSURE, {"patientId": patient["id"], "systolic": 20}
        )
    assert info.value.status == 400
    assert info.value.server_message
    with pytest.raises(NotFound):
        await api.fire_test(ReadingKind.WEIGHT, {"patientId": 987654, "weight": 150})


@pytest.mark.parametrize("kind", sorted(READING_KINDS))
async def test_readings_of_every_kind(
    shared_api: ImpiloClient, shared: SandboxProcess, kind: ReadingKind
) -> None:
    api, sandbox = shared_api, shared
    info = READING_KINDS[kind]
    (patient,) = seed(sandbox, [("/api/v3/patient", patient_body(3))])
    days = [datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    made = seed(
        sandbox,
        [
            (info.path, {"patientId": patient["id"], "readingTimestamp": d.isoformat(),
                         **EXAMPLE_VALUES[kind]})
            for d in days
        ],
    )  # fmt: skip
    page = await api.list_readings(kind, patient_id=patient["id"])
    assert [r.id for r in page.content] == [m["id"] for m in made]  # oldest first
    assert all(isinstance(r, info.model) for r in page.content)
    window = await api.list_readings(
        kind, patient_id=patient["id"], start=days[1], end=days[2] + timedelta(seconds=1)
    )
    assert [r.id for r in window.content] == [made[1]["id"], made[2]["id"]]
    by_ext = await api.list_readings(kind, external_identifier="MRN-3")
    assert {r.id for r in by_ext.content} >= {m["id"] for m in made}
    one = await api.get_reading(kind, made[0]["id"])
    assert isinstance(one, info.model)
    for name, value in EXAMPLE_VALUES[kind].items():
        assert one.value(name) == value
    assert one.patient is not None
    assert one.patient.id == patient["id"]
    with pytest.raises(NotFound):
        await api.get_reading(kind, 987654)


async def test_patients(shared_api: ImpiloClient, shared: SandboxProcess) -> None:
    api = shared_api
    made = seed(shared, [("/api/v3/patient", patient_body(n)) for n in range(10, 15)])
    ids = [p["id"] for p in made]
    assert (await api.get_patient(ids[0])).firstName == "Ada10"
    by_name = await api.list_patients(name="Ada12")
    assert [p.id for p in by_name.content] == [ids[2]]
    by_id = await api.list_patients(patient_id=ids[3])
    assert [p.id for p in by_id.content] == [ids[3]]
    by_filter = await api.list_patients(externalIdentifier="MRN-14", enrolled=True)
    assert [p.id for p in by_filter.content] == [ids[4]]
    everyone = [p async for p in api.iter_all(lambda n: api.list_patients(page=n, size=2))]
    assert set(ids) <= {p.id for p in everyone}
    with pytest.raises(NotFound):
        await api.get_patient(987654)
