"""Every failure a real server can produce maps to the right error; only GETs are retried."""

import time

import pytest
from faults import API_KEY, FAST_RETRY, FaultServer, Reply, closed_port

from impilo_desk.client import (
    ApiError,
    BadResponse,
    Conflict,
    ConnectionRefused,
    EndpointMissing,
    Forbidden,
    ImpiloClient,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    RequestTimeout,
    RetryPolicy,
    SecretRotationUnsupported,
    ServerError,
    TlsFailure,
    Unauthorized,
    Unreachable,
    ValidationFailed,
)

pytestmark = pytest.mark.anyio

HOOK = "/api/v3/webhook/7"
SECRET = "/api/v3/webhook-secret"


def spring(status: int, error: str, message: str) -> dict[str, object]:
    return {
        "timestamp": "2026-11-29T10:00:00.000Z",
        "status": status,
        "error": error,
        "message": message,
        "path": HOOK,
    }


def client(server: FaultServer, **kw: object) -> ImpiloClient:
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("timeout", 2.0)
    return ImpiloClient(server.base_url, API_KEY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (Reply(401, spring(401, "Unauthorized", "bad key")), Unauthorized, "API key was rejected"),
        (Reply(403, spring(403, "Forbidden", "no")), Forbidden, "not allowed"),
        (Reply(404, spring(404, "Not Found", "no webhook 7")), NotFound, "404"),
        (
            Reply(409, spring(409, "Conflict", "A webhook secret already exists")),
            Conflict,
            "A webhook secret already exists",
        ),
        (
            Reply(400, spring(400, "Bad Request", "The URL is unchanged")),
            ValidationFailed,
            "The URL is unchanged",
        ),
        (
            Reply(422, {"detail": [{"loc": ["body", "url"], "msg": "Field required"}]}),
            ValidationFailed,
            "url: Field required",
        ),
        (Reply(405, spring(405, "Method Not Allowed", "PATCH only")), MethodNotAllowed, "405"),
        (Reply(501, "Not Implemented", content_type="text/plain"), ServerError, "501"),
    ],
)
async def test_error_status_maps_to_its_class_and_a_sentence(
    server: FaultServer, reply: Reply, error: type[ApiError], words: str
) -> None:
    server.route("GET", HOOK, reply)
    async with client(server) as c:
        with pytest.raises(error) as info:
            await c.get_webhook(7)
    exc = info.value
    assert type(exc) is error
    assert exc.status == reply.status
    assert words in exc.user_message
    assert exc.user_message.endswith(".")
    assert str(exc) == exc.user_message
    assert server.hits("GET", HOOK) == 1  # 4xx and 501 are not retried


async def test_server_message_is_kept(server: FaultServer) -> None:
    server.route("POST", SECRET, Reply(409, spring(409, "Conflict", "Secret exists")))
    async with client(server) as c:
        with pytest.raises(Conflict) as info:
            await c.create_secret()
    assert info.value.server_message == "Secret exists"
    assert info.value.user_message == (
        "Impilo refused the change because of a conflict (409): Secret exists."
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_get_is_retried_on_5xx_then_succeeds(server: FaultServer, status: int) -> None:
    ok = Reply(200, {"id": 7, "type": "reading.weight", "url": "https://x.example/h"})
    server.route("GET", HOOK, Reply(status), Reply(status), ok)
    async with client(server) as c:
        hook = await c.get_webhook(7)
    assert hook.id == 7
    assert server.hits("GET", HOOK) == 3


async def test_get_gives_up_after_the_attempts(server: FaultServer) -> None:
    server.route("GET", HOOK, Reply(503, spring(503, "Service Unavailable", "maintenance")))
    async with client(server) as c:
        with pytest.raises(ServerError) as info:
            await c.get_webhook(7)
    assert server.hits("GET", HOOK) == FAST_RETRY.attempts
    assert info.value.status == 503
    assert "503" in info.value.user_message
    assert "maintenance" in info.value.user_message


async def test_get_retries_are_bounded_in_time(server: FaultServer) -> None:
    server.route("GET", HOOK, Reply(500))
    policy = RetryPolicy(attempts=1000, total_timeout=0.3, wait_initial=0.05, wait_max=0.05,
                         wait_jitter=0.0)  # fmt: skip
    async with client(server, retry=policy) as c:
        with pytest.raises(ServerError):
            await c.get_webhook(7)
    assert 2 <= server.hits("GET", HOOK) < 50


async def test_429_honours_retry_after(server: FaultServer) -> None:
    ok = Reply(200, {"id": 7, "type": "reading.weight", "url": "https://x.example/h"})
    server.route("GET", HOOK, Reply(429, headers={"Retry-After": "0.2"}), ok)
    started = time.monotonic()
    async with client(server) as c:
        await c.get_webhook(7)
    assert server.hits("GET", HOOK) == 2
    assert time.monotonic() - started >= 0.2  # waited at least as long as asked


async def test_429_asking_too_long_is_reported_at_once(server: FaultServer) -> None:
    server.route("GET", HOOK, Reply(429, headers={"Retry-After": "120"}))
    async with client(server) as c:
        with pytest.raises(RateLimited) as info:
            await c.get_webhook(7)
    assert server.hits("GET", HOOK) == 1
    assert info.value.retry_after == 120
    assert "wait 120 seconds" in info.value.user_message


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("POST", "/api/v3/webhook", lambda c: c.create_webhook("reading.weight", "https://x.io")),
        ("PATCH", HOOK, lambda c: c.update_webhook_url(7, "reading.weight", "https://y.io")),
        ("DELETE", HOOK, lambda c: c.delete_webhook(7)),
        ("PUT", SECRET, lambda c: c.replace_secret("s" * 32)),
        ("POST", SECRET, lambda c: c.create_secret()),
        ("POST", "/api/v3/test/weight-webhook", lambda c: c.fire_test("weight", {"patientId": 1})),
    ],
)
@pytest.mark.parametrize("status", [500, 503, 429])
async def test_writes_are_never_retried(
    server: FaultServer, method: str, path: str, call: object, status: int
) -> None:
    server.route(method, path, Reply(status, headers={"Retry-After": "0"}))
    async with client(server) as c:
        with pytest.raises(ServerError if status >= 500 else RateLimited):
            await call(c)  # type: ignore[operator]
    assert server.hits(method, path) == 1


async def test_slow_answer_times_out_without_retry(server: FaultServer) -> None:
    server.route("GET", HOOK, Reply(200, {"id": 7, "type": "t", "url": "u"}, hold=5.0))
    async with client(server, timeout=0.3) as c:
        with pytest.raises(RequestTimeout) as info:
            await c.get_webhook(7)
    assert "did not answer within 0.3 seconds" in info.value.user_message
    assert info.value.status is None
    assert server.hits("GET", HOOK) == 1


async def test_closed_port_is_refused_at_once_with_its_port() -> None:
    port = closed_port()
    async with ImpiloClient(f"http://127.0.0.1:{port}", API_KEY, retry=FAST_RETRY) as c:
        with pytest.raises(Unreachable) as info:
            await c.list_webhooks()
    text = info.value.user_message
    assert text.startswith(f"127.0.0.1:{port} refused the connection: nothing is listening")
    assert "right port" in text
    assert info.value.status is None
    # an answer, not a silence: never retried (a retry costs the user seconds for nothing)
    assert isinstance(info.value, ConnectionRefused)
    assert info.value.loopback
    assert RetryPolicy().backoff_hook(info.value) is False


async def test_tls_to_a_plain_http_server_is_a_tls_failure(server: FaultServer) -> None:
    url = server.base_url.replace("http://", "https://")
    async with ImpiloClient(url, API_KEY, retry=FAST_RETRY) as c:
        with pytest.raises(TlsFailure) as info:
            await c.list_webhooks()
    port = url.rsplit(":", 1)[1]
    assert f"secure (TLS) connection to 127.0.0.1:{port} failed" in info.value.user_message


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, "this is not json", content_type="text/plain"),
        Reply(200, "<html><body>Login</body></html>", content_type="text/html"),
        Reply(200, {"id": "seven", "type": "t", "url": "u"}),
        Reply(200, [1, 2, 3]),
        Reply(200, None),
    ],
)
async def test_malformed_bodies_are_bad_responses(server: FaultServer, reply: Reply) -> None:
    server.route("GET", HOOK, reply)
    async with client(server) as c:
        with pytest.raises(BadResponse) as info:
            await c.get_webhook(7)
    assert info.value.user_message.endswith(".")
    assert server.hits("GET", HOOK) == 1


async def test_redirect_is_not_followed(server: FaultServer) -> None:
    server.route("GET", HOOK, Reply(302, headers={"Location": "https://elsewhere.example/x"}))
    async with client(server) as c:
        with pytest.raises(ApiError) as info:
            await c.get_webhook(7)
    assert info.value.status == 302
    assert "redirects to https://elsewhere.example" in info.value.user_message
    assert server.hits("GET", HOOK) == 1


@pytest.mark.parametrize("status", [404, 405])
async def test_replace_secret_unsupported(server: FaultServer, status: int) -> None:
    server.route("PUT", SECRET, Reply(status, spring(status, "x", "no such endpoint")))
    async with client(server) as c:
        with pytest.raises(SecretRotationUnsupported) as info:
            await c.replace_secret("n" * 32)
    text = info.value.user_message
    assert "rotate it in the Impilo portal for this account" in text
    assert "old secret" in text
    assert info.value.status == status


async def test_get_secret_is_none_on_404(server: FaultServer) -> None:
    server.route("GET", SECRET, Reply(404, spring(404, "Not Found", "no secret")))
    async with client(server) as c:
        assert await c.get_secret() is None
    assert server.hits("GET", SECRET) == 1


async def test_dropped_connection_is_retried_for_get_only(server: FaultServer) -> None:
    ok = Reply(200, {"id": 7, "type": "reading.weight", "url": "https://x.example/h"})
    server.route("GET", HOOK, Reply(drop=True), Reply(drop=True), ok)
    server.route("DELETE", HOOK, Reply(drop=True))
    async with client(server) as c:
        assert (await c.get_webhook(7)).id == 7
        with pytest.raises(Unreachable) as info:
            await c.delete_webhook(7)
    assert server.hits("GET", HOOK) == 3
    assert server.hits("DELETE", HOOK) == 1
    assert "broke off" in info.value.user_message


def test_missing_certificate_bundle_is_a_tls_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca-bundle.pem")
    with pytest.raises(TlsFailure) as info:
        ImpiloClient("https://app.impiloplatform.com", API_KEY)
    assert "certificate bundle could not be loaded" in info.value.user_message


# -- what a real (Spring) Impilo may answer where the docs are silent (issue 13) ---------------


def no_static_resource(path: str) -> Reply:
    """Spring 6's answer for a path it has no handler for."""
    body = spring(404, "Not Found", f"No static resource {path.lstrip('/')}.")
    return Reply(404, {**body, "path": path})


@pytest.mark.parametrize(
    ("method", "path", "call", "words"),
    [
        ("POST", "/api/v3/test/weight-webhook", "fire_weight", "no weight test-event endpoint"),
        ("POST", "/api/v3/test/ecg-webhook", "fire_ecg", "no ECG test-event endpoint"),
        ("GET", "/api/v3/ecg-reading", "list_ecg", "no ECG reading list endpoint"),
        ("PATCH", HOOK, "patch", "no PATCH webhook endpoint"),
    ],
)
async def test_missing_endpoint_is_named_as_missing(
    server: FaultServer, method: str, path: str, call: str, words: str
) -> None:
    from impilo_desk.contract import ReadingKind

    server.route(method, path, no_static_resource(path))
    calls = {
        "fire_weight": lambda c: c.fire_test(ReadingKind.WEIGHT, {"patientId": 1, "weight": 150}),
        "fire_ecg": lambda c: c.fire_test(ReadingKind.ECG, {"patientId": 1, "heartRate": 60}),
        "list_ecg": lambda c: c.list_readings(ReadingKind.ECG),
        "patch": lambda c: c.update_webhook_url(7, "reading.weight", "https://a.example/h"),
    }
    async with client(server) as c:
        with pytest.raises(EndpointMissing) as info:
            await calls[call](c)
    exc = info.value
    assert isinstance(exc, NotFound)  # still a 404 for code that only asks that
    assert f"This Impilo server has {words} (404)" in exc.user_message
    assert f"No static resource {path.lstrip('/')}" in exc.user_message  # the server's words
    assert "refresh the list" not in exc.user_message
    assert (exc.method, exc.path, exc.status) == (method, path, 404)


async def test_missing_item_is_still_a_missing_item_with_the_servers_message(
    server: FaultServer,
) -> None:
    server.route("GET", HOOK, Reply(404, spring(404, "Not Found", "Webhook 7 does not exist")))
    server.route("GET", "/api/v3/ecg-reading", Reply(404, spring(404, "Not Found", "nothing")))
    async with client(server) as c:
        with pytest.raises(NotFound) as item:
            await c.get_webhook(7)
        with pytest.raises(EndpointMissing):  # a collection has no id that could be unknown
            await c.list_readings("ecg")  # type: ignore[arg-type]
    assert type(item.value) is NotFound
    assert "Impilo does not know this item (404)" in item.value.user_message
    assert "Webhook 7 does not exist" in item.value.user_message


async def test_reading_the_secret_may_be_405_and_creating_one_may_be_400(
    server: FaultServer,
) -> None:
    server.route(
        "GET", SECRET,
        Reply(405, spring(405, "Method Not Allowed", "Request method 'GET' is not supported")),
    )  # fmt: skip
    server.route(
        "POST", SECRET,
        Reply(400, spring(400, "Bad Request", "A webhook secret already exists for this account")),
    )  # fmt: skip
    async with client(server) as c:
        with pytest.raises(MethodNotAllowed) as read:
            await c.get_secret()
        with pytest.raises(ValidationFailed) as create:
            await c.create_secret("a-new-secret-0123456789")
    assert "Request method 'GET' is not supported" in read.value.user_message
    assert (read.value.method, read.value.path) == ("GET", SECRET)
    assert "A webhook secret already exists for this account" in create.value.user_message


async def test_secret_404_without_spring_words_still_means_none(server: FaultServer) -> None:
    server.route("GET", SECRET, Reply(404, spring(404, "Not Found", "no secret")))
    async with client(server) as c:
        assert await c.get_secret() is None
    server.route("GET", SECRET, no_static_resource(SECRET))
    async with client(server) as c:
        with pytest.raises(EndpointMissing):
            await c.get_secret()
