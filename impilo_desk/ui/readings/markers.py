"""The failed-delivery markers of the Readings charts: which readings' webhooks failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from impilo_desk.services.failure_sentence import describe_error

if TYPE_CHECKING:
    from impilo_desk.client.ports import ReadingsApi
    from impilo_desk.ui.kit.tasks import TaskOwner

_log = logging.getLogger(__name__)

Failed = dict[str, list[float]]
"""Kind value to the times (s since the epoch) of its failed deliveries."""


class FailureMarkers:
    """Fetches, one fetch at a time, when the webhooks of a patient's readings failed.

    Args:
        shown: Called with the failures found, if the patient is still the one shown
            (``is_shown(patient_id)``).
        is_shown: Whether a patient is still the one shown.
    """

    def __init__(self, shown: Callable[[Failed], None], is_shown: Callable[[int], bool]) -> None:
        self._shown = shown
        self._is_shown = is_shown
        self._task: asyncio.Task[None] | None = None

    @property
    def fetching(self) -> bool:
        """Whether a fetch is under way."""
        return self._task is not None and not self._task.done()

    def fetch(
        self, tasks: TaskOwner, api: ReadingsApi, patient_id: int, start: datetime | None
    ) -> None:
        """Starts a fetch of ``patient_id``'s failures since ``start`` (unless one is going)."""
        if not self.fetching:
            self._task = tasks.spawn(self._fetch(api, patient_id, start), name="readings.failed")

    def cancel(self) -> None:
        """Stops the fetch under way (another patient, another session)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _fetch(self, api: ReadingsApi, patient_id: int, start: datetime | None) -> None:
        from impilo_desk.services.reading_poller import CHART_KINDS, failed_deliveries

        failed: Failed = {}
        try:
            for kind in CHART_KINDS:
                times = await failed_deliveries(api, kind, patient_id, start)
                failed[kind.value] = [t.timestamp() for t in times]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # markers are a help, not the data: say it in the log only
            _log.info("failed deliveries not loaded: %s", describe_error(exc))
            return
        if self._is_shown(patient_id):
            self._shown(failed)
