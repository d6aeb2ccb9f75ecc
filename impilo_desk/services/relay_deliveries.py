"""Whether Impilo's deliveries to the profile's relay succeed: ``RelayDeliveryProbe``. Qt-free.

A relay stream can be connected while every POST Impilo sends to the relay is refused (a
secret that differs gives 401 on each one): "live" then hides the outage. The probe reads the
newest delivery-log rows whose webhook URL is the relay's and says whether the newest one
succeeded, and if not, with what status and since when.

Its rows come through a :data:`RowSource`. Today that is :func:`api_rows` (the first pages of
the API's log for a recent window, filtered here by URL, since the API has no URL filter). When
the local mirror of the delivery log exists (``services/log_mirror``), give the probe a source
that reads the mirror's rows instead (``WHERE webhook_url LIKE relay || '%'``, newest first):
one function, no other change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from impilo_desk.client.filters import LogFilters
from impilo_desk.client.ports import DeliveryLogApi
from impilo_desk.contract import WebhookLog
from impilo_desk.contract.base import utc

RowSource = Callable[[datetime], Awaitable[Sequence[WebhookLog]]]
"""The delivery-log rows created at or after a time, newest first (any webhook)."""

WINDOW = timedelta(hours=1)
PAGES = 2
PAGE_SIZE = 250

DeliveryState = Literal["ok", "none", "failing"]

_REASONS = {
    401: "the secrets differ",
    403: "the relay refuses Impilo",
    404: "the webhook's URL does not end in the relay's /hooks",
    413: "the events are larger than the relay accepts",
    0: "Impilo gets no answer from the relay",
}


@dataclass(frozen=True)
class RelayDeliveries:
    """What the newest deliveries to the relay say.

    Attributes:
        state: ``ok`` (the newest succeeded), ``none`` (none in the window) or ``failing``.
        status: The newest failing HTTP status (0: no answer), for ``failing``.
        since: ``failing``: when the run of failures began; ``ok``: the newest success.
        failures: How many of the newest deliveries failed in a row.
    """

    state: DeliveryState
    status: int | None = None
    since: datetime | None = None
    failures: int = 0

    def reason(self) -> str:
        """What the failing status most likely means, in a few words (or ``""``)."""
        if self.status is None:
            return ""
        if self.status >= 500:
            return "the relay has a problem; see its log"
        return _REASONS.get(self.status, "")


def targets(url: str | None, relay_url: str) -> bool:
    """Whether a webhook URL points at the relay (same scheme, host, port; below its path)."""
    if not url:
        return False
    a, b = urlsplit(url), urlsplit(relay_url)
    same_place = (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
    return same_place and a.path.startswith(b.path.rstrip("/"))


def succeeded(row: WebhookLog) -> bool:
    """Whether a delivery's last attempt got a 2xx."""
    return row.lastResponseStatus is not None and 200 <= row.lastResponseStatus < 300


def api_rows(api: DeliveryLogApi, pages: int = PAGES, size: int = PAGE_SIZE) -> RowSource:
    """Rows from the API's log: at most ``pages`` pages of ``size``, newest first."""

    async def rows(since: datetime) -> list[WebhookLog]:
        found: list[WebhookLog] = []
        for number in range(1, pages + 1):
            page = await api.list_logs(LogFilters(start=since), page=number, size=size)
            found += page.content
            if page.last or len(page.content) < size:
                break
        return found

    return rows


class RelayDeliveryProbe:
    """Reads the newest deliveries to one relay.

    Args:
        rows: Where the delivery-log rows come from (the API today, the mirror later).
        relay_url: The profile's relay URL (its webhooks post below it, e.g. ``…/hooks``).
        clock: Now, aware.
        window: How far back to look.
    """

    def __init__(
        self,
        rows: RowSource,
        relay_url: str,
        clock: Callable[[], datetime],
        window: timedelta = WINDOW,
    ) -> None:
        self._rows = rows
        self.relay_url = relay_url
        self._clock = clock
        self._window = window

    def __repr__(self) -> str:
        return f"RelayDeliveryProbe(relay_url={self.relay_url!r})"

    async def check(self, after: datetime | None = None) -> RelayDeliveries:
        """The newest deliveries to the relay (raises the client's error when the log fails).

        Args:
            after: Only deliveries created at or after this time (e.g. a secret's change).
        """
        since = self._clock() - self._window
        rows = await self._rows(max(since, after) if after is not None else since)
        mine = [  # a row not attempted yet says nothing
            row
            for row in rows
            if targets(row.webhookUrl, self.relay_url)
            and row.lastResponseStatus is not None
            and (after is None or _created(row) >= after)
        ]
        mine.sort(key=_created, reverse=True)
        return summarize(mine)


def _created(row: WebhookLog) -> datetime:
    return utc(row.createTimestamp) if row.createTimestamp else datetime.min.replace(tzinfo=UTC)


def summarize(rows: Sequence[WebhookLog]) -> RelayDeliveries:
    """What ``rows`` (deliveries to the relay, newest first) say."""
    if not rows:
        return RelayDeliveries("none")
    newest = rows[0]
    if succeeded(newest):
        return RelayDeliveries("ok", since=_created(newest))
    run = 0
    for row in rows:
        if succeeded(row):
            break
        run += 1
    first = rows[run - 1]
    status = newest.lastResponseStatus if newest.lastResponseStatus is not None else 0
    return RelayDeliveries("failing", status, _created(first), run)


def connected_words(found: RelayDeliveries | None, when: Callable[[datetime], str]) -> str:
    """What the status bar says of a connected stream, given what the deliveries say.

    ``found`` None: they could not be read (the API failed). ``when`` writes a time
    as people read it. Only ``ok`` is "live": the stream is connected *and* Impilo's POSTs to
    the relay succeed.
    """
    if found is None:
        return "connected · deliveries to it not known now"  # the API's own status says why
    if found.state == "ok":
        return "live"
    if found.state == "none":
        return "connected · no deliveries from Impilo to it in the last hour"
    return "connected, but " + failing_words(found, when)


def failing_words(found: RelayDeliveries, when: Callable[[datetime], str]) -> str:
    """``Impilo's deliveries to it fail (401 since 07:59: the secrets differ)``."""
    status = "no answer" if not found.status else str(found.status)
    since = f" since {when(found.since)}" if found.since else ""
    reason = found.reason()
    return f"Impilo's deliveries to it fail ({status}{since}{': ' + reason if reason else ''})"


def after_change_words(found: RelayDeliveries, when: Callable[[datetime], str]) -> str:
    """What the Secret tab says of the deliveries to the relay since the secret changed."""
    if found.state == "none":
        return "Waiting for Impilo's next delivery to the relay, to check the new secret…"
    if found.state == "ok":
        at = f" (last at {when(found.since)})" if found.since else ""
        return f"Impilo's deliveries to the relay succeed with the new secret{at}."
    return failing_words(found, when).replace("to it fail", "to the relay fail") + "."
