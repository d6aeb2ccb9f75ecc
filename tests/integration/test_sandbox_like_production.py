"""``impilo-sandbox --like-production`` answers as a real Spring-based platform plausibly does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.fixtures.sandbox import SandboxProcess

SECRET = "/api/v3/webhook-secret"


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxProcess]:
    with SandboxProcess(extra_args=("--like-production",)) as process:
        yield process


def test_secret_post_is_400_once_one_exists_and_get_put_delete_are_405(box: SandboxProcess) -> None:
    with box.client() as http:
        first = http.post(SECRET, json={"secret": "first-secret-0123456789"})
        again = http.post(SECRET, json={"secret": "second-secret-0123456789"})
        reads = [http.request(m, SECRET, json={"secret": "x" * 20}) for m in ("GET", "PUT")]
        delete = http.delete(SECRET)
    assert first.status_code == 200
    assert again.status_code == 400
    assert again.json()["message"] == "A webhook secret already exists for this account"
    for answer, method in zip([*reads, delete], ("GET", "PUT", "DELETE"), strict=True):
        assert answer.status_code == 405
        assert answer.json()["message"] == f"Request method '{method}' is not supported"
        assert answer.headers["Allow"] == "POST"


def test_missing_endpoints_are_spring_404s_and_the_rest_still_answers(box: SandboxProcess) -> None:
    with box.client() as http:
        weight = http.post("/api/v3/test/weight-webhook", json={"patientId": 1, "weight": 150})
        ecg_list = http.get("/api/v3/ecg-reading")
        ecg_item = http.get("/api/v3/ecg-reading/7")
        patch = http.patch("/api/v3/webhook/1", json={"type": "reading.weight", "url": "https://x"})
        glucose = http.get("/api/v3/blood-glucose-reading")
        no_key = http.get("/api/v3/ecg-reading", headers={"Impilo-API-Key": "wrong-key"})
    assert weight.status_code == 404
    assert weight.json()["message"] == "No static resource api/v3/test/weight-webhook."
    assert ecg_list.status_code == ecg_item.status_code == patch.status_code == 404
    assert glucose.status_code == 200
    assert no_key.status_code == 401  # the key is checked first, as on the real platform


def test_test_endpoint_answers_200_with_an_empty_body(box: SandboxProcess) -> None:
    with box.client() as http:
        patient = http.post(
            "/api/v3/patient",
            json={
                "firstName": "Ada", "lastName": "Lovelace",
                "address": {"lineOne": "1 Road", "city": "C", "state": "S",
                            "zipCode": "1", "country": "ZA"},
            },
        )  # fmt: skip
        patient.raise_for_status()
        fired = http.post(
            "/api/v3/test/blood-pressure-webhook",
            json={"patientId": patient.json()["id"], "systolic": 120, "diastolic": 80},
        )
    assert fired.status_code == 200
    assert fired.content == b""


def test_log_ignores_the_status_filter_and_info_is_401(box: SandboxProcess) -> None:
    with box.client() as http:
        everything = http.get("/api/v3/webhook/logs").json()["total"]
        filtered = http.get("/api/v3/webhook/logs", params={"lastResponseStatus": 599})
        info = http.get("/sandbox/info")
    assert filtered.json()["total"] == everything
    assert info.status_code == 401
    assert "like-production: GET /sandbox/info answered 401" in box.stderr()


def test_missing_takes_specs_and_none(sandbox_factory: Callable[..., SandboxProcess]) -> None:
    only = ("--like-production", "--missing", "GET blood-glucose-reading")
    box = sandbox_factory(extra_args=only)
    with box.client() as http:
        assert http.get("/api/v3/blood-glucose-reading").status_code == 404
        assert http.get("/api/v3/ecg-reading").status_code == 200
    none = sandbox_factory(extra_args=("--like-production", "--missing", "none"))
    with none.client() as http:
        assert http.get("/api/v3/ecg-reading").status_code == 200
