"""The sandbox's API over real HTTP: auth, webhooks, secret, patients, readings, tests, errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from impilo_desk.contract import (
    EVENT_TYPES,
    READING_KINDS,
    Envelope,
    Page,
    Patient,
    ReadingKind,
    Webhook,
    validate_values,
)
from impilo_desk.contract.examples import EXAMPLE_VALUES
from tests.fixtures.sandbox import SandboxProcess

PATIENT = {
    "firstName": "Thandiwe",
    "lastName": "Mokoena",
    "externalIdentifier": "MRN-1",
    "dateOfBirth": "1958-03-14",
    "email": "t.mokoena@example.com",
    "sex": "female",
    "address": {"lineOne": "14 Elm Street", "city": "Springfield", "zipCode": "62701",
                "country": "US"},
    "siteId": 1,
}  # fmt: skip


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxProcess]:
    with SandboxProcess(time_scale=3600) as process:
        yield process


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "message", "path"}
    assert body["status"] == status
    assert body["message"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v3/webhook"), ("GET", "/api/v3/webhook/logs"), ("POST", "/api/v3/webhook"),
     ("GET", "/api/v3/webhook-secret"), ("POST", "/api/v3/test/weight-webhook"),
     ("GET", "/api/v3/ecg-reading"), ("GET", "/api/v3/patient")],
)  # fmt: skip
def test_every_api_route_needs_the_key(box: SandboxProcess, method: str, path: str) -> None:
    with httpx.Client(base_url=box.base_url) as anonymous:
        body = assert_error(anonymous.request(method, path, json={}), 401)
        assert body["path"] == path
        wrong = anonymous.request(method, path, json={}, headers={"Impilo-API-Key": "nope"})
        assert_error(wrong, 401)


def test_info_needs_no_key(box: SandboxProcess) -> None:
    info = httpx.get(box.base_url + "/sandbox/info").json()
    assert info == {"time_scale": 3600.0, "version": info["version"]}


def test_webhook_lifecycle(api: httpx.Client) -> None:
    created = Webhook.model_validate(
        api.post("/api/v3/webhook", json={"type": "reading.weight", "url": "https://a.example/h"})
        .raise_for_status()
        .json()
    )
    assert created.id
    assert created.type == "reading.weight"
    fetched = api.get(f"/api/v3/webhook/{created.id}").raise_for_status().json()
    assert fetched == {"id": created.id, "type": "reading.weight", "url": "https://a.example/h"}
    listed = Page[Webhook].model_validate(api.get("/api/v3/webhook", params={"size": 250}).json())
    assert created in listed.content
    assert listed.page == 1
    assert listed.first
    patched = api.patch(
        f"/api/v3/webhook/{created.id}",
        json={"type": "reading.weight", "url": "https://b.example/h"},
    )
    assert patched.status_code == 200
    assert patched.json()["url"] == "https://b.example/h"
    same = api.patch(
        f"/api/v3/webhook/{created.id}",
        json={"type": "reading.weight", "url": "https://b.example/h"},
    )
    assert "same" in assert_error(same, 400)["message"]
    other_type = api.patch(
        f"/api/v3/webhook/{created.id}", json={"type": "reading.ecg", "url": "https://c.example/h"}
    )
    assert "type" in assert_error(other_type, 400)["message"]
    deleted = api.delete(f"/api/v3/webhook/{created.id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(api.get(f"/api/v3/webhook/{created.id}"), 404)
    assert_error(api.delete(f"/api/v3/webhook/{created.id}"), 404)
    assert_error(api.patch(f"/api/v3/webhook/{created.id}", json={"type": "a", "url": "b"}), 404)


@pytest.mark.parametrize(
    "body",
    [{"type": "reading.nope", "url": "https://a.example"}, {"type": "reading.weight", "url": "ftp://x"},
     {"type": "reading.weight", "url": "not a url"}, {"type": "reading.weight"},
     {"type": 5, "url": "https://a.example"}, {"url": "https://a.example"}, [], "text"],
)  # fmt: skip
def test_bad_webhooks_are_400_with_a_message(api: httpx.Client, body: Any) -> None:
    assert_error(api.post("/api/v3/webhook", json=body), 400)


def test_malformed_json_and_bad_params_are_400(api: httpx.Client) -> None:
    bad_json = api.post(
        "/api/v3/webhook", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_error(bad_json, 400)["message"]
    assert_error(api.get("/api/v3/webhook/abc"), 400)
    assert_error(api.get("/api/v3/webhook/99999999999999999999999"), 400)
    assert_error(api.get("/api/v3/webhook", params={"page": "x"}), 400)
    assert_error(api.get("/api/v3/webhook/logs", params={"startTimestamp": "yesterday"}), 400)
    assert_error(api.get("/api/v3/patient", params={"dateOfBirthMin": "1958-02-30"}), 400)
    assert_error(api.get("/api/v3/patient", params={"sort": "age"}), 400)
    assert_error(api.request("PUT", "/api/v3/webhook"), 405)
    assert_error(api.get("/api/v3/nothing-here"), 404)


def test_secret_create_conflict_get_replace_delete(api: httpx.Client) -> None:
    api.delete("/api/v3/webhook-secret")  # whatever an earlier test left
    assert_error(api.get("/api/v3/webhook-secret"), 404)
    generated = api.post("/api/v3/webhook-secret", json={}).raise_for_status().json()["secret"]
    assert len(generated) >= 32
    assert_error(api.post("/api/v3/webhook-secret", json={"secret": "other"}), 409)
    assert api.get("/api/v3/webhook-secret").json() == {"secret": generated}
    assert api.put("/api/v3/webhook-secret", json={"secret": "s3cr3t-2"}).json() == {
        "secret": "s3cr3t-2"
    }
    assert_error(api.put("/api/v3/webhook-secret", json={}), 400)
    assert_error(api.put("/api/v3/webhook-secret", json={"secret": "has space"}), 400)
    assert api.delete("/api/v3/webhook-secret").status_code == 204
    assert_error(api.delete("/api/v3/webhook-secret"), 404)
    chosen = api.post("/api/v3/webhook-secret", json={"secret": "mine-1234"}).json()
    assert chosen == {"secret": "mine-1234"}
    api.delete("/api/v3/webhook-secret").raise_for_status()
    assert api.post("/api/v3/webhook-secret").status_code == 200  # no body at all
    api.delete("/api/v3/webhook-secret").raise_for_status()


def test_patients_create_get_update_list_with_filters(api: httpx.Client) -> None:
    made = Patient.model_validate(
        api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()
    )
    assert made.id
    assert made.site is not None
    assert made.site.id == 1
    assert made.enrolled
    other = {**PATIENT, "firstName": "Sipho", "lastName": "Dlamini", "externalIdentifier": "MRN-2",
             "email": "sipho@example.com", "dateOfBirth": "1971-07-01", "archived": True,
             "address": {"zipCode": "53703", "country": "ZA"}}  # fmt: skip
    second = api.post("/api/v3/patient", json=other).raise_for_status().json()
    assert api.get(f"/api/v3/patient/{made.id}").json()["email"] == PATIENT["email"]
    updated = api.put(f"/api/v3/patient/{made.id}", json={**PATIENT, "phoneNumber": "+1-555-0001"})
    assert updated.json()["phoneNumber"] == "+1-555-0001"

    def ids(**params: Any) -> list[int]:
        page = api.get("/api/v3/patient", params={"size": 250, **params}).raise_for_status()
        return [p["id"] for p in page.json()["content"]]

    both = {made.id, second["id"]}
    assert both <= set(ids())
    assert ids(id=made.id) == [made.id]
    assert ids(externalIdentifier="MRN-2") == [second["id"]]
    assert ids(email="T.MOKOENA@example.com") == [made.id]
    assert ids(name="sipho dla") == [second["id"]]
    assert second["id"] in ids(archived="true")
    assert made.id not in ids(archived="true")
    assert made.id in ids(enrolled="true")
    assert set(ids(dateOfBirthMin="1960-01-01")) & both == {second["id"]}
    assert set(ids(dateOfBirthMax="1960-01-01")) & both == {made.id}
    assert set(ids(postalCode="53703")) & both == {second["id"]}
    assert set(ids(country="za")) & both == {second["id"]}
    assert set(ids(siteId=1)) >= both
    names = [i for i in ids(sort="firstName", sortDescending="true") if i in both]
    assert names == [made.id, second["id"]]  # Thandiwe after Sipho, descending
    assert_error(api.get("/api/v3/patient/987654"), 404)
    assert_error(api.put("/api/v3/patient/987654", json=PATIENT), 404)
    assert_error(api.post("/api/v3/patient", json={"firstName": "A"}), 400)
    assert_error(api.post("/api/v3/patient", json={**PATIENT, "siteId": 999}), 400)
    assert_error(api.post("/api/v3/patient", json={**PATIENT, "dateOfBirth": "14/03/1958"}), 400)


@pytest.fixture(scope="module")
def patient_id(box: SandboxProcess) -> int:
    with box.client() as api:
        return int(api.post("/api/v3/patient", json=PATIENT).raise_for_status().json()["id"])


@pytest.mark.parametrize("kind", list(READING_KINDS), ids=str)
def test_record_list_and_get_every_reading_kind(
    api: httpx.Client, patient_id: int, kind: Any
) -> None:
    info = READING_KINDS[kind]
    values = dict(EXAMPLE_VALUES[kind])
    assert not validate_values(info, values)
    when = "2026-11-02T08:00:00Z"
    made = api.post(
        info.path, json={"patientId": patient_id, "readingTimestamp": when, **values}
    ).raise_for_status()
    reading = info.model.model_validate(made.json())
    assert reading.patient is not None
    assert reading.patient.id == patient_id
    for name, value in values.items():
        assert reading.value(name) == value
    assert api.get(f"{info.path}/{reading.id}").json() == made.json()
    page = api.get(info.path, params={"patientId": patient_id, "startTimestamp": when}).json()
    assert [r["id"] for r in page["content"]] == [reading.id]
    assert (
        api.get(info.path, params={"patientId": patient_id, "endTimestamp": when}).json()["total"]
        == 0
    )  # end is exclusive
    by_ext = api.get(info.path, params={"externalIdentifier": "MRN-1"}).json()
    assert reading.id in [r["id"] for r in by_ext["content"]]
    assert_error(api.get(f"{info.path}/99999999"), 404)
    required = [f.name for f in info.fields if f.required]
    if required:
        missing = {k: v for k, v in values.items() if k != required[0]}
        assert_error(
            api.post(
                info.path, json={"patientId": patient_id, "readingTimestamp": when, **missing}
            ),
            400,
        )
    assert_error(api.post(info.path, json={"readingTimestamp": when, **values}), 400)
    assert_error(
        api.post(info.path, json={"patientId": 987654, "readingTimestamp": when, **values}), 404
    )


def test_readings_are_oldest_first_and_paged(api: httpx.Client, patient_id: int) -> None:
    path = READING_KINDS[ReadingKind.WEIGHT].path
    for day in (5, 3, 4):
        body = {"patientId": patient_id, "weight": 150 + day,
                "readingTimestamp": f"2025-01-0{day}T00:00:00Z"}  # fmt: skip
        api.post(path, json=body).raise_for_status()
    params = {"patientId": patient_id, "startTimestamp": "2025-01-01T00:00:00Z",
              "endTimestamp": "2025-02-01T00:00:00Z", "size": 2}  # fmt: skip
    first = api.get(path, params=params).json()
    assert [r["weight"] for r in first["content"]] == [153, 154]
    assert first["total"] == 3
    assert first["first"]
    assert not first["last"]
    second = api.get(path, params={**params, "page": 2}).json()
    assert [r["weight"] for r in second["content"]] == [155]
    assert second["last"]


@pytest.mark.parametrize(
    "kind", [k for k, i in READING_KINDS.items() if i.has_test_endpoint], ids=str
)
def test_every_test_endpoint_answers_the_envelope(
    api: httpx.Client, patient_id: int, kind: Any
) -> None:
    info = READING_KINDS[kind]
    response = api.post(info.test_path, json={"patientId": patient_id, **EXAMPLE_VALUES[kind]})
    envelope = Envelope.model_validate(response.raise_for_status().json())
    assert envelope.type == info.webhook_type
    assert envelope.payload["patient"]["id"] == patient_id
    info.model.model_validate(envelope.payload)
    assert_error(api.post(info.test_path, json={"patientId": 987654, **EXAMPLE_VALUES[kind]}), 404)


def test_test_endpoint_validation(api: httpx.Client, patient_id: int) -> None:
    bp = "/api/v3/test/blood-pressure-webhook"
    out_of_range = assert_error(api.post(bp, json={"patientId": patient_id, "systolic": 20,
                                                   "diastolic": 80}), 400)  # fmt: skip
    assert "Systolic" in out_of_range["message"]
    assert_error(
        api.post(bp, json={"patientId": patient_id, "systolic": "high", "diastolic": 80}), 400
    )
    assert_error(api.post(bp, json={"systolic": 120, "diastolic": 80}), 400)
    temp = "/api/v3/test/temperature-webhook"
    assert_error(api.post(temp, json={"patientId": patient_id, "temperature": 37}), 400)
    celsius = api.post(temp, json={"patientId": patient_id, "temperature": 37.2,
                                   "temperatureUnit": "celsius"})  # fmt: skip
    assert celsius.status_code == 200, celsius.text


def test_every_catalogue_type_can_be_subscribed(api: httpx.Client) -> None:
    for name in EVENT_TYPES:
        made = api.post("/api/v3/webhook", json={"type": name, "url": "http://127.0.0.1:9/x"})
        assert made.status_code == 200, made.text
        api.delete(f"/api/v3/webhook/{made.json()['id']}").raise_for_status()
