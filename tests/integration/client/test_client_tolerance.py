"""Plausible answers a real Impilo may give where the docs are silent are all accepted."""

import json
from datetime import UTC, datetime

import pytest
from faults import API_KEY, FAST_RETRY, FaultServer, Reply

from impilo_desk.client import ImpiloClient, LogFilters, ValidationFailed
from impilo_desk.contract import ReadingKind
from impilo_desk.contract.readings import BloodPressureReading

pytestmark = pytest.mark.anyio

HOOKS = "/api/v3/webhook"
W1 = {"id": 1, "type": "reading.weight", "url": "https://a.example/h"}
W2 = {"id": 2, "type": "patient.created", "url": "https://b.example/h", "active": True}


def client(server: FaultServer) -> ImpiloClient:
    return ImpiloClient(server.base_url + "/api/v3/", API_KEY, retry=FAST_RETRY, timeout=2.0)


async def test_requests_carry_the_key_header_and_json(server: FaultServer) -> None:
    server.route("POST", HOOKS, Reply(200, W1))
    async with client(server) as c:
        await c.create_webhook("reading.weight", "https://a.example/h")
    seen = server.requests[-1]
    assert seen.headers["Impilo-API-Key"] == API_KEY
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Accept"] == "application/json"
    assert json.loads(seen.body) == {"type": "reading.weight", "url": "https://a.example/h"}
    assert API_KEY not in json.dumps(seen.query)


@pytest.mark.parametrize(
    "body",
    [
        [W1, W2],
        {"content": [W1, W2], "first": True, "last": True, "page": 1, "size": 250, "total": 2},
        {"content": [W1, None, W2], "first": None, "last": None, "page": None, "total": None},
    ],
)
async def test_list_accepts_envelope_or_bare_array(server: FaultServer, body: object) -> None:
    server.route("GET", HOOKS, Reply(200, body))
    async with client(server) as c:
        page = await c.list_webhooks()
        everything = [w async for w in c.iter_all(lambda p: c.list_webhooks(page=p))]
    assert [w.id for w in page.content] == [1, 2]
    assert [w.id for w in everything] == [1, 2]
    assert page.content[1].model_extra == {"active": True}
    assert server.requests[0].query == {"page": ["1"], "size": ["250"]}


@pytest.mark.parametrize("reply", [Reply(204), Reply(200, W1), Reply(200, None)])
async def test_delete_accepts_200_and_204(server: FaultServer, reply: Reply) -> None:
    server.route("DELETE", HOOKS + "/1", reply)
    async with client(server) as c:
        assert await c.delete_webhook(1) is None


async def test_patch_without_body_is_taken_as_done(server: FaultServer) -> None:
    server.route("PATCH", HOOKS + "/1", Reply(204))
    async with client(server) as c:
        hook = await c.update_webhook_url(1, "reading.weight", "https://new.example/h")
    assert (hook.id, hook.url) == (1, "https://new.example/h")
    assert json.loads(server.requests[-1].body) == {
        "type": "reading.weight",
        "url": "https://new.example/h",
    }


async def test_secret_answers(server: FaultServer) -> None:
    server.route("POST", "/api/v3/webhook-secret", Reply(200, {"secret": "gen-123"}))
    server.route("PUT", "/api/v3/webhook-secret", Reply(204))
    server.route("GET", "/api/v3/webhook-secret", Reply(200, {"secret": None}))
    async with client(server) as c:
        assert (await c.create_secret()).secret == "gen-123"
        assert json.loads(server.requests[-1].body) == {}
        assert (await c.replace_secret("mine-456")).secret == "mine-456"
        assert await c.get_secret() is None


async def test_log_filters_and_odd_payloads(server: FaultServer) -> None:
    logs = {
        "content": [
            {"id": 1, "payload": "{'id':1234}", "retryAttempts": None, "extra": 5},
            {"id": 2, "payload": {"id": 5, "type": "x"}, "createTimestamp": "2026-11-29T10:00Z"},
            {"id": 3, "payload": None, "lastRetryTimestamp": None},
        ],
        "page": 1,
        "size": 15,
        "total": 3,
    }
    server.route("GET", HOOKS + "/logs", Reply(200, logs))
    filters = LogFilters(
        webhook_type="reading.weight",
        retry_attempts_min=1,
        retry_attempts_max=3,
        last_response_status=500,
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 2, tzinfo=UTC),
    )
    async with client(server) as c:
        page = await c.list_logs(filters, page=2, size=15)
    assert [r.payload for r in page.content] == ["{'id':1234}", '{"id": 5, "type": "x"}', None]
    assert server.requests[-1].query == {
        "webhookType": ["reading.weight"],
        "retryAttemptsMin": ["1"],
        "retryAttemptsMax": ["3"],
        "lastResponseStatus": ["500"],
        "startTimestamp": ["2026-11-01T00:00:00.000Z"],
        "endTimestamp": ["2026-11-02T00:00:00.000Z"],
        "page": ["2"],
        "size": ["15"],
    }


async def test_fire_test_accepts_envelope_empty_or_reading(server: FaultServer) -> None:
    path = "/api/v3/test/blood-pressure-webhook"
    envelope = {"id": 99, "type": "reading.bloodPressure", "payload": {"systolic": 120}}
    server.route("POST", path, Reply(200, envelope), Reply(200, None), Reply(200, {"id": 5}))
    body = {"patientId": 1, "systolic": 120, "diastolic": 80, "at": datetime(2026, 1, 1)}
    async with client(server) as c:
        first = await c.fire_test(ReadingKind.BLOOD_PRESSURE, body)
        second = await c.fire_test(ReadingKind.BLOOD_PRESSURE, body)
        third = await c.fire_test(ReadingKind.BLOOD_PRESSURE, body)
        with pytest.raises(ValidationFailed):
            await c.fire_test(ReadingKind.HEART_RATE, {"patientId": 1})
    assert (first.id, first.payload) == (99, {"systolic": 120})
    assert (second.id, second.type, second.payload) == (0, "reading.bloodPressure", {})
    assert third.payload == {"id": 5}
    assert json.loads(server.requests[0].body)["at"] == "2026-01-01T00:00:00.000Z"


async def test_readings_and_patients_queries(server: FaultServer) -> None:
    reading = {"id": 4, "systolic": 121, "diastolic": 79, "readingTimestamp": "2026-01-01T00:00Z"}
    server.route("GET", "/api/v3/blood-pressure-reading", Reply(200, [reading]))
    server.route("GET", "/api/v3/blood-pressure-reading/4", Reply(200, reading))
    server.route("GET", "/api/v3/patient", Reply(200, {"content": [{"id": 3}], "total": 1}))
    server.route("GET", "/api/v3/patient/3", Reply(200, {"id": 3, "firstName": "Ada"}))
    async with client(server) as c:
        page = await c.list_readings(
            ReadingKind.BLOOD_PRESSURE,
            patient_id=3,
            external_identifier="ext-1",
            start=datetime(2026, 1, 1, tzinfo=UTC),
            end=datetime(2026, 2, 1, tzinfo=UTC),
            size=1000,
        )
        one = await c.get_reading(ReadingKind.BLOOD_PRESSURE, 4)
        patients = await c.list_patients(name="Ada", patient_id=3, enrolled=True, siteId=2)
        ada = await c.get_patient(3)
    assert isinstance(page.content[0], BloodPressureReading)
    assert isinstance(one, BloodPressureReading)
    assert one.systolic == 121
    assert server.requests[0].query == {
        "patientId": ["3"],
        "externalIdentifier": ["ext-1"],
        "startTimestamp": ["2026-01-01T00:00:00.000Z"],
        "endTimestamp": ["2026-02-01T00:00:00.000Z"],
        "page": ["1"],
        "size": ["250"],
    }
    assert server.requests[2].query == {
        "enrolled": ["true"],
        "siteId": ["2"],
        "name": ["Ada"],
        "id": ["3"],
        "page": ["1"],
        "size": ["15"],
    }
    assert patients.content[0].id == 3
    assert ada.firstName == "Ada"


async def test_iter_all_walks_pages_and_is_bounded(server: FaultServer) -> None:
    def page(n: int, last: bool) -> Reply:
        items = [{"id": n * 10 + i, "type": "t", "url": "u"} for i in range(2)]
        return Reply(200, {"content": items, "page": n, "size": 2, "total": 6, "last": last})

    server.route("GET", HOOKS, page(1, False), page(2, False), page(3, True))
    async with client(server) as c:
        ids = [w.id async for w in c.iter_all(lambda p: c.list_webhooks(page=p, size=2))]
    assert ids == [10, 11, 20, 21, 30, 31]
    assert [r.query["page"] for r in server.requests] == [["1"], ["2"], ["3"]]

    server.route("GET", HOOKS, Reply(200, {"content": [{"id": 1, "type": "t", "url": "u"}]}))
    async with client(server) as c:  # a server that ignores ``page``: the repeat ends it
        assert [w.id async for w in c.iter_all(lambda p: c.list_webhooks(page=p))] == [1]

    endless = [Reply(200, {"content": [{"id": n, "type": "t", "url": "u"}]}) for n in range(9)]
    server.route("GET", HOOKS, *endless)
    async with ImpiloClient(server.base_url, API_KEY, max_pages=5, retry=FAST_RETRY) as c:
        with pytest.raises(Exception, match="did not end after 5 pages"):
            _ = [w async for w in c.iter_all(lambda p: c.list_webhooks(page=p))]


async def test_a_server_that_ignores_a_filter_is_caught_by_checking_the_rows(
    server: FaultServer,
) -> None:
    from impilo_desk.client.filters import check_filters, matching_rows

    rows = [
        {"id": 1, "webhookType": "reading.weight", "lastResponseStatus": 503},
        {"id": 2, "webhookType": "reading.weight", "lastResponseStatus": 200},
        {"id": 3, "webhookType": "reading.weight", "lastResponseStatus": 200},
    ]
    server.route("GET", HOOKS + "/logs", Reply(200, {"content": rows, "total": 3}))
    filters = LogFilters(webhook_type="reading.weight", last_response_status=503)
    async with client(server) as c:
        page = await c.list_logs(filters)
    assert server.requests[-1].query["lastResponseStatus"] == ["503"]  # it was sent
    found = check_filters(filters, page.content)
    assert found is not None
    assert found.names == ("lastResponseStatus",)
    assert found.sentence() == (
        "Impilo ignored the last response status filter; 2 rows shown that don't match."
    )
    assert [r.id for r in matching_rows(filters, page.content)] == [1]
    assert check_filters(LogFilters(webhook_type="reading.weight"), page.content) is None
