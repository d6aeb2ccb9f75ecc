"""A 404 for a missing endpoint is told apart from a 404 for a missing item (issue 13)."""

import pytest

from impilo_desk.client.endpoints import PathKind, endpoint_name, is_missing_endpoint, path_kind
from impilo_desk.client.errors import EndpointMissing, NotFound, error_for_status


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v3/webhook", PathKind.COLLECTION),
        ("/api/v3/ecg-reading", PathKind.COLLECTION),
        ("/api/v3/webhook/7", PathKind.ITEM),
        ("/api/v3/weight-reading/42?x=1", PathKind.ITEM),
        ("/api/v3/test/weight-webhook", PathKind.ACTION),
        ("/api/v3/webhook/logs", PathKind.ACTION),
    ],
)
def test_path_kinds(path: str, kind: PathKind) -> None:
    assert path_kind(path) is kind


def test_missing_endpoint_by_message_or_path_kind() -> None:
    spring = "No static resource api/v3/webhook/7."
    assert is_missing_endpoint("/api/v3/webhook/7", spring)  # the server's words decide
    assert not is_missing_endpoint("/api/v3/webhook/7", "Webhook 7 not found")
    assert is_missing_endpoint("/api/v3/ecg-reading", "Not Found")  # no id to be unknown
    assert not is_missing_endpoint("/api/v3/webhook-secret", "no secret")  # one per account
    assert is_missing_endpoint("/api/v3/webhook-secret", "No static resource x.")


def test_names_and_sentences() -> None:
    assert endpoint_name("POST", "/api/v3/test/ecg-webhook") == "ECG test-event"
    assert endpoint_name("GET", "/api/v3/blood-glucose-reading") == "blood glucose reading list"
    assert endpoint_name("PATCH", "/api/v3/webhook/3") == "PATCH webhook"
    missing = error_for_status(
        404, "No static resource api/v3/test/ecg-webhook.", method="POST",
        path="/api/v3/test/ecg-webhook",
    )  # fmt: skip
    assert isinstance(missing, EndpointMissing)
    assert missing.user_message == (
        "This Impilo server has no ECG test-event endpoint (404): "
        "No static resource api/v3/test/ecg-webhook."
    )
    item = error_for_status(404, "gone", method="GET", path="/api/v3/webhook/3")
    assert type(item) is NotFound
    assert (item.method, item.path) == ("GET", "/api/v3/webhook/3")
