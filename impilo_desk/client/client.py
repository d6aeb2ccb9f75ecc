"""``ImpiloClient``: one method per Impilo endpoint, returning contract models."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
import stamina

from impilo_desk import __version__
from impilo_desk.client.bodies import jsonable, read_secret, webhook_request
from impilo_desk.client.errors import (
    ApiError,
    BadResponse,
    EndpointMissing,
    NotFound,
    SecretRotationUnsupported,
    TlsFailure,
    ValidationFailed,
)
from impilo_desk.client.filters import LogFilters, QueryValue, build_query
from impilo_desk.client.paging import paginate
from impilo_desk.client.policy import RetryPolicy
from impilo_desk.client.reader import parse_json, read_model, read_page
from impilo_desk.client.transport import ApiKey, normalize_base_url, send_once
from impilo_desk.contract import (
    API_PREFIX,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    READING_KINDS,
    Envelope,
    Page,
    Patient,
    Reading,
    ReadingKind,
    Webhook,
    WebhookLog,
    WebhookSecret,
)

T = TypeVar("T")

DEFAULT_MAX_PAGES = 1000  # iter_all stops with an error after this many pages (250 000 items)


class ImpiloClient:
    """Async client of the Impilo REST API (v3) over one ``httpx.AsyncClient``.

    Use it as ``async with ImpiloClient(url, key) as client: ...`` (or call ``aclose()``).
    The key is sent only in the ``Impilo-API-Key`` header and never shown. GETs are retried on
    connection errors, 5xx and 429 according to ``retry``; nothing else is ever retried.

    Args:
        base_url: The API's base URL, with or without the ``/api/v3`` suffix.
        api_key: The API key.
        timeout: Seconds allowed for connecting, and for each read/write of a request.
        retry: The retry policy for GETs (default: 4 attempts within 30 s).
        verify: TLS verification: True, a CA bundle path, or an ``ssl.SSLContext``.
        max_pages: Bound of ``iter_all``.

    Raises:
        ValueError: ``base_url`` is not an http(s) URL with a host.
        Unauthorized: ``api_key`` is empty or malformed.
        TlsFailure: The certificate bundle could not be loaded.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = 10.0,
        *,
        retry: RetryPolicy | None = None,
        verify: ssl.SSLContext | str | bool = True,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self._base_url = normalize_base_url(base_url)
        self._key = ApiKey(api_key)
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._max_pages = max_pages
        try:
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                timeout=httpx.Timeout(timeout),
                headers={"Accept": "application/json", "User-Agent": f"impilo-desk/{__version__}"},
                verify=verify,
                follow_redirects=False,  # the key must never follow a redirect to another host
            )
        except OSError as exc:
            raise TlsFailure(
                "The computer's certificate bundle could not be loaded, so no secure connection "
                "is possible; check the SSL_CERT_FILE setting or reinstall the certificates.",
                server_message=type(exc).__name__,
            ) from exc

    @property
    def base_url(self) -> str:
        """The normalized base URL (without ``/api/v3``)."""
        return self._base_url

    def __repr__(self) -> str:
        return f"ImpiloClient(base_url={self._base_url!r})"

    async def __aenter__(self) -> ImpiloClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._http.aclose()

    # -- plumbing ------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
    ) -> httpx.Response:
        url = API_PREFIX + path
        if method != "GET" or self._retry.attempts == 1:
            return await send_once(
                self._http,
                self._key,
                method,
                url,
                params=params,
                body=body,
                timeout_s=self._timeout,
            )
        policy = self._retry
        async for attempt in stamina.retry_context(
            on=policy.backoff_hook,
            attempts=policy.attempts,
            timeout=policy.total_timeout,
            wait_initial=policy.wait_initial,
            wait_max=policy.wait_max,
            wait_jitter=policy.wait_jitter,
        ):
            with attempt:
                return await send_once(
                    self._http, self._key, method, url, params=params, timeout_s=self._timeout
                )
        raise AssertionError("stamina ends with a result or the last error")  # pragma: no cover

    async def _get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = await self._call("GET", path, params=params)
        return parse_json(response.content, status=response.status_code)

    @staticmethod
    def _paging(page: int, size: int) -> dict[str, str]:
        if page < 1 or size < 1:
            raise ValueError("page and size start at 1")
        return {"page": str(page), "size": str(min(size, MAX_PAGE_SIZE))}

    # -- webhooks ------------------------------------------------------------------------------

    async def list_webhooks(self, page: int = 1, size: int = MAX_PAGE_SIZE) -> Page[Webhook]:
        """One page of the account's webhooks (the envelope or a bare array is accepted)."""
        data = await self._get_json("/webhook", self._paging(page, size))
        return read_page(data, Webhook, what="the webhook list")

    async def get_webhook(self, webhook_id: int) -> Webhook:
        """One webhook; ``NotFound`` when it does not exist."""
        data = await self._get_json(f"/webhook/{int(webhook_id)}")
        return read_model(data, Webhook, what="the webhook")

    async def create_webhook(self, type: str, url: str) -> Webhook:
        """Subscribes ``url`` to one event type."""
        request = webhook_request(type, url)
        response = await self._call("POST", "/webhook", body=request)
        data = parse_json(response.content, status=response.status_code)
        return read_model(data, Webhook, what="the new webhook")

    async def update_webhook_url(
        self,
        webhook_id: int,
        type: str,
        url: str,
    ) -> Webhook:
        """Changes a webhook's URL (PATCH); the type must stay the same."""
        request = webhook_request(type, url)
        response = await self._call("PATCH", f"/webhook/{int(webhook_id)}", body=request)
        data = parse_json(response.content, status=response.status_code)
        if data is None:  # tolerated: a 200/204 without a body means it took
            return Webhook(id=webhook_id, type=type, url=url)
        return read_model(data, Webhook, what="the changed webhook")

    async def delete_webhook(self, webhook_id: int) -> None:
        """Deletes a webhook (200 or 204, with or without a body)."""
        await self._call("DELETE", f"/webhook/{int(webhook_id)}")

    # -- secret --------------------------------------------------------------------------------

    async def get_secret(self) -> WebhookSecret | None:
        """The account's webhook secret, or None when it has none (404).

        Raises:
            MethodNotAllowed: The server does not show the secret (405; the docs have only POST).
            EndpointMissing: The server has no such endpoint (Spring's 404 "No static resource").
        """
        try:
            data = await self._get_json("/webhook-secret")
        except EndpointMissing:
            raise
        except NotFound:
            return None
        if data is None:
            return None
        secret = read_model(data, WebhookSecret, what="the webhook secret")
        return secret if secret.secret else None

    async def create_secret(self, secret: str | None = None) -> WebhookSecret:
        """Creates the secret (``Conflict`` if one exists); the server generates one if None."""
        body = {} if secret is None else {"secret": secret}
        response = await self._call("POST", "/webhook-secret", body=body)
        return read_secret(response, secret)

    async def replace_secret(self, secret: str) -> WebhookSecret:
        """Replaces the secret (PUT).

        Raises:
            SecretRotationUnsupported: The server has no such endpoint (404, 405 or 501); the old
                secret stays in force and must be rotated in the Impilo portal.
        """
        try:
            response = await self._call("PUT", "/webhook-secret", body={"secret": secret})
        except ApiError as exc:
            if exc.status in (404, 405, 501):
                unsupported = SecretRotationUnsupported(
                    status=exc.status, server_message=exc.server_message
                )
                unsupported.method, unsupported.path = exc.method, exc.path
                raise unsupported from exc
            raise
        return read_secret(response, secret)

    # -- logs and tests ------------------------------------------------------------------------

    async def list_logs(
        self,
        filters: LogFilters | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
    ) -> Page[WebhookLog]:
        """One page of the delivery log, newest first, with the given filters."""
        params = {**(filters.to_query() if filters else {}), **self._paging(page, size)}
        data = await self._get_json("/webhook/logs", params)
        return read_page(data, WebhookLog, what="the delivery log")

    async def fire_test(self, kind: ReadingKind, body: dict[str, Any]) -> Envelope:
        """Fires a test event of a reading kind; returns the envelope Impilo sent.

        A server that answers 2xx with no envelope (an empty body, or the reading alone) is
        tolerated: the result then has ``id`` 0 ("not told") and the reading as its payload.
        """
        info = READING_KINDS[ReadingKind(kind)]
        if not info.has_test_endpoint:
            raise ValidationFailed(f"Impilo has no test event for {info.label.lower()} readings.")
        response = await self._call(
            "POST", info.test_path.removeprefix(API_PREFIX), body=jsonable(body)
        )
        data = parse_json(response.content, status=response.status_code)
        if isinstance(data, dict) and "type" in data and "payload" in data:
            return read_model(data, Envelope, what="the test event")
        if data is None or isinstance(data, dict):
            return Envelope(id=0, type=info.webhook_type, payload=data or {})
        return read_model(data, Envelope, what="the test event")

    # -- readings and patients -----------------------------------------------------------------

    async def list_readings(
        self,
        kind: ReadingKind,
        *,
        patient_id: int | None = None,
        external_identifier: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        page: int = 1,
        size: int = MAX_PAGE_SIZE,
    ) -> Page[Reading]:
        """One page of readings of a kind (oldest first); ``end`` is exclusive."""
        info = READING_KINDS[ReadingKind(kind)]
        params = build_query(
            {
                "patientId": patient_id,
                "externalIdentifier": external_identifier,
                "startTimestamp": start,
                "endTimestamp": end,
            }
        )
        data = await self._get_json(
            info.path.removeprefix(API_PREFIX), {**params, **self._paging(page, size)}
        )
        page_: Page[Reading] = read_page(data, info.model, what=f"the {info.label.lower()} list")
        return page_

    async def get_reading(self, kind: ReadingKind, reading_id: int) -> Reading:
        """One reading, as the kind's model."""
        info = READING_KINDS[ReadingKind(kind)]
        data = await self._get_json(f"{info.path.removeprefix(API_PREFIX)}/{int(reading_id)}")
        return read_model(data, info.model, what=f"the {info.label.lower()} reading")

    async def list_patients(
        self,
        *,
        name: str | None = None,
        patient_id: int | None = None,
        page: int = 1,
        size: int = DEFAULT_PAGE_SIZE,
        **filters: QueryValue,
    ) -> Page[Patient]:
        """One page of patients; ``filters`` take the API's names (``siteId``, ``enrolled``…)."""
        params = build_query({**filters, "name": name or None, "id": patient_id})
        data = await self._get_json("/patient", {**params, **self._paging(page, size)})
        return read_page(data, Patient, what="the patient list")

    async def get_patient(self, patient_id: int) -> Patient:
        """One patient by Impilo id."""
        data = await self._get_json(f"/patient/{int(patient_id)}")
        return read_model(data, Patient, what="the patient")

    # -- paging --------------------------------------------------------------------------------

    async def iter_all(self, fetch_page: Callable[[int], Awaitable[Page[T]]]) -> AsyncIterator[T]:
        """Every item of a list, page after page, until the last page (bounded).

        The end is the first of: ``last`` true, ``total`` items seen, a short or empty page, or
        a page repeated (a server that ignores ``page``).

        Example: ``async for hook in client.iter_all(lambda p: client.list_webhooks(page=p))``.

        Raises:
            BadResponse: The list did not end within ``max_pages`` pages.
        """
        limit = self._max_pages
        message = f"The list did not end after {limit} pages; narrow it down with filters."
        async for page in paginate(
            fetch_page, max_pages=limit, too_many=lambda: BadResponse(message)
        ):
            for item in page.content:
                yield item
