"""The status bar tells the truth about the API whichever tab made the call (issue 14's defect).

Every tab's ``api_ok`` / ``api_failed`` reaches it: before issue 14, only the Webhooks, Secret and
Logs tabs' did, so a failing Readings or Test events call left "API: ok" on screen.
"""

from __future__ import annotations

import asyncio
from typing import Any

from impilo_desk.contract import Patient
from tests.fixtures.desk import BuiltDesk, ProfileStub
from tests.ui.fakes import FakeApi, FakeApiError


def settled_session(qtbot: Any, desk: BuiltDesk) -> None:
    """Starts a session and waits until every tab's first calls have answered (status ok)."""
    with (
        qtbot.waitSignal(desk.webhooks.loaded, timeout=5000),
        qtbot.waitSignal(desk.secret.loaded, timeout=5000),
        qtbot.waitSignal(desk.logs.loaded, timeout=5000),
        qtbot.waitSignal(desk.test_events.patients_loaded, timeout=5000),
    ):
        desk.sessions.switch_to(ProfileStub())
    qtbot.waitUntil(lambda: desk.window.status.api_label.text() == "API: ok", timeout=5000)


def test_a_failing_readings_call_shows_in_the_status_bar(qtbot, make_desk):
    api = FakeApi()
    api.patients = [Patient(id=1, firstName="Amara", lastName="Nwosu")]
    api.fail_on["list_readings"] = FakeApiError("Impilo answered 503: down for maintenance.", 503)
    held = api.gates["list_readings"] = asyncio.Event()  # until the other tabs have answered
    desk = make_desk(api=api)
    settled_session(qtbot, desk)
    with qtbot.waitSignal(desk.readings.api_failed, timeout=5000):
        held.set()
    assert desk.window.status.api_label.text() == "API: Impilo answered 503: down for maintenance."


def test_a_failing_test_events_call_shows_in_the_status_bar(qtbot, make_desk):
    api = FakeApi()
    desk = make_desk(api=api)
    settled_session(qtbot, desk)
    api.fail_on["list_patients"] = FakeApiError("Impilo answered 502: bad gateway.", 502)
    with qtbot.waitSignal(desk.test_events.api_failed, timeout=5000):
        qtbot.keyClicks(desk.test_events.view.patient_search, "7")  # a search by patient id
    assert desk.window.status.api_label.text() == "API: Impilo answered 502: bad gateway."
    api.fail_on.clear()
    with qtbot.waitSignal(desk.test_events.patients_loaded, timeout=5000):
        qtbot.keyClicks(desk.test_events.view.patient_search, "8")
    assert desk.window.status.api_label.text() == "API: ok"
