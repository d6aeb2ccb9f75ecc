"""The tolerant reader on odd but plausible answers: a sensible result or a clear BadResponse."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impilo_desk.client import BadResponse, format_payload
from impilo_desk.client.reader import (
    parse_json,
    parse_retry_after,
    read_model,
    read_page,
    server_message,
)
from impilo_desk.contract import READING_KINDS, Patient, Webhook, WebhookLog, WebhookSecret

FAST = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
KNOWN = {"content"} | {
    name
    for model in (Webhook, WebhookLog, *(info.model for info in READING_KINDS.values()))
    for name in model.model_fields
}
extra_fields = st.dictionaries(  # fields the docs do not know (a known name would be typed)
    st.text(min_size=1).filter(lambda k: k not in KNOWN),
    json_values,
    max_size=4,
)
ids = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
webhooks = st.builds(
    lambda i, t, u, extra: {**extra, "id": i, "type": t, "url": u}, ids, st.text(), st.text(),
    extra_fields,
)  # fmt: skip
nullable_int = st.none() | st.integers(min_value=0, max_value=10**6)
envelope_fields = st.fixed_dictionaries(
    {},
    optional={
        "first": st.none() | st.booleans(),
        "last": st.none() | st.booleans(),
        "page": nullable_int,
        "size": nullable_int,
        "total": nullable_int,
        "somethingNew": json_values,
    },
)


@FAST
@given(items=st.lists(webhooks | st.none(), max_size=6), bare=st.booleans(), env=envelope_fields)
def test_webhook_lists_in_any_plausible_shape(
    items: list[dict[str, Any] | None], bare: bool, env: dict[str, Any]
) -> None:
    data: Any = items if bare else {**env, "content": items}
    page = read_page(json.loads(json.dumps(data)), Webhook, what="the webhook list")
    expected = [i for i in items if i is not None]
    assert [(w.id, w.type, w.url) for w in page.content] == [
        (i["id"], i["type"], i["url"]) for i in expected
    ]
    if bare:
        assert page.last is True
        assert page.total == len(expected) + items.count(None)


@FAST
@given(data=json_values)
def test_any_json_is_a_page_or_a_clear_error(data: Any) -> None:
    error: BadResponse | None = None
    try:
        page = read_page(data, Webhook, what="the webhook list")
    except BadResponse as exc:
        error = exc
    if error is None:
        assert all(isinstance(w, Webhook) for w in page.content)
    else:
        assert error.user_message.startswith("Impilo's answer for the webhook list")
        assert error.server_message


@FAST
@given(
    payload=st.none() | st.text() | json_values,
    retries=st.none() | st.integers(min_value=0, max_value=3),
    stamp=st.none() | st.sampled_from(["2026-11-29T10:00:00Z", "2026-11-29T10:00:00.123+02:00"]),
    extra=extra_fields,
)
def test_log_records_keep_any_payload_as_text(
    payload: Any, retries: int | None, stamp: str | None, extra: dict[str, Any]
) -> None:
    raw = {**extra, "id": 1, "payload": payload, "retryAttempts": retries,
           "createTimestamp": stamp, "lastRetryTimestamp": None}  # fmt: skip
    try:
        page = read_page([raw], WebhookLog, what="the delivery log")
    except BadResponse:
        # only a payload that is neither text nor JSON-encodable-as-text may fail: none here
        pytest.fail("a plausible log record was rejected")
    record = page.content[0]
    assert record.payload is None or isinstance(record.payload, str)
    shown = format_payload(record.payload)
    assert isinstance(shown, str)
    if isinstance(payload, str):
        assert record.payload == payload


@FAST
@given(text=st.text())
def test_format_payload_never_fails(text: str) -> None:
    shown = format_payload(text)
    try:
        parsed = json.loads(text)
    except ValueError:
        assert shown == text
    else:
        assert json.dumps(json.loads(shown)) == json.dumps(parsed)  # NaN-safe comparison


@FAST
@given(kind=st.sampled_from(sorted(READING_KINDS)), extra=extra_fields, nulls=st.booleans())
def test_readings_of_every_kind_with_extras_and_nulls(
    kind: Any, extra: dict[str, Any], nulls: bool
) -> None:
    info = READING_KINDS[kind]
    raw: dict[str, Any] = {**extra, "id": 3, "readingTimestamp": "2026-01-01T00:00:00Z"}
    for f in info.fields:
        raw[f.name] = None if nulls else _sample(f.type)
    reading = read_model(raw, info.model, what="a reading")
    assert isinstance(reading, info.model)
    for f in info.fields:
        assert reading.value(f.name) == raw[f.name]


def _sample(kind: str) -> Any:
    return {"int": 7, "float": 7.5, "bool": True, "str": "celsius", "samples": [1, 2]}[kind]


@FAST
@given(content=st.binary(max_size=64))
def test_parse_json_returns_or_says_not_json(content: bytes) -> None:
    error: BadResponse | None = None
    try:
        parse_json(content)
    except BadResponse as exc:
        error = exc
    assert error is None or "not JSON" in error.user_message


@FAST
@given(
    content=st.binary(max_size=200),
    ctype=st.none() | st.sampled_from(["text/html", "application/json"]),
)
def test_server_message_never_fails(content: bytes, ctype: str | None) -> None:
    msg = server_message(content, ctype)
    assert msg is None or isinstance(msg, str)


@FAST
@given(value=st.none() | st.text())
def test_retry_after_is_none_or_a_bounded_wait(value: str | None) -> None:
    wait = parse_retry_after(value)
    assert wait is None or 0 <= wait <= 24 * 3600


def test_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after("-3") == 0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after("1e9") == 24 * 3600


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        (b'{"status":400,"error":"Bad Request","message":"URL unchanged"}', None, "URL unchanged"),
        (b'{"error":"Conflict"}', None, "Conflict"),
        (b'{"detail":"Unknown type"}', None, "Unknown type"),
        (
            b'{"detail":[{"loc":["body","url"],"msg":"Field required"}]}',
            None,
            "url: Field required",
        ),
        (b"plain words", "text/plain", "plain words"),
        (b"<html>oops</html>", "text/html", None),
        (b"", None, None),
        (b"[1,2]", None, None),
    ],
)
def test_server_message_shapes(body: bytes, ctype: str | None, expected: str | None) -> None:
    assert server_message(body, ctype) == expected


def test_secret_and_patient_models_tolerate_extras() -> None:
    secret = read_model({"secret": "s3", "createdAt": None}, WebhookSecret, what="x")
    assert secret.secret == "s3"
    assert "s3" not in repr(secret)
    patient = read_model({"id": 1, "dateOfBirth": "01-01-2000", "sex": "x"}, Patient, what="p")
    assert patient.display_name == "Patient #1"


def test_bad_item_error_names_the_place_not_the_value() -> None:
    items = [{"id": 1, "type": "t", "url": "u"}, {"id": "secret-ish"}]
    with pytest.raises(BadResponse) as info:
        read_page({"content": items}, Webhook, what="w")
    assert "item 1" in info.value.user_message
    assert "secret-ish" not in info.value.user_message
    assert info.value.__context__ is None
