"""The Readings tab against a sandbox that answers like production (issue 13): the temperature and
ECG reading endpoints are missing; every other kind is still polled and charted."""

from __future__ import annotations

from impilo_desk.contract import ReadingKind
from tests.fixtures.desk import World
from tests.ui.like_production_support import LIKE_PRODUCTION, app_log, connect_as
from tests.ui.readings_support import record

MISSING = {ReadingKind.TEMPERATURE, ReadingKind.ECG}


def test_each_kind_is_polled_on_its_own_and_a_missing_one_says_so_in_its_chart(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    with box.client() as http:
        made = http.post("/api/v3/patient", json={"firstName": "Anna", "lastName": "Berg"})
        made.raise_for_status()
        pid = int(made.json()["id"])
        record(http, "blood-pressure", pid, 5, systolic=128, diastolic=82, heartRate=71)
        record(http, "weight", pid, 4, weight=150.5)
        record(http, "heart-rate", pid, 3, heartRate=64)  # after temperature in the pass
    connect_as(qtbot, world, box, environment="staging")
    readings = world.desk.readings
    world.desk.window.tabs.setCurrentWidget(readings.view)
    qtbot.waitUntil(
        lambda: readings.poller is not None and readings.poller.passes >= 1, timeout=15_000
    )
    poller = readings.poller
    assert poller is not None
    assert set(poller.unavailable) == MISSING
    # The kinds after the missing one were asked, and each chart shows its own readings.
    counts = {kind: len(readings.series[kind.value]) for kind in poller.kinds}
    assert counts[ReadingKind.BLOOD_PRESSURE] == 1
    assert counts[ReadingKind.WEIGHT] == 1
    assert counts[ReadingKind.HEART_RATE] == 1
    for kind in MISSING:
        chart = readings.view.pages[kind.value].chart
        assert "not available" in chart.plot.titleLabel.text
        assert chart.readout.text().startswith("This Impilo server has no ")
        assert "reading list endpoint (404): No static resource api/v3/" in chart.readout.text()
    weight = readings.view.pages[ReadingKind.WEIGHT.value].chart
    assert "not available" not in weight.plot.titleLabel.text
    # A missing kind is not an error of the tab: no red banner, and it is not asked again.
    assert readings.view.banner.kind != "error"
    poller.poll_now()
    qtbot.waitUntil(lambda: poller.passes >= 2, timeout=15_000)
    log = app_log(world)
    assert log.count("GET /api/v3/ecg-reading -> 404") == 1  # shown once, logged once
    assert log.count("GET /api/v3/temperature-reading -> 404") == 1
    # This profile has no relay: the status line does not claim live data.
    readings.drawing.show_status()
    status = readings.view.status_label.text()
    assert "live from the relay" not in status
    assert "polled every" in status
    readings.view.kinds.setCurrentWidget(readings.view.pages[ReadingKind.ECG.value])
    readings.drawing.show_status()
    assert "not polled: this server has no endpoint for it" in readings.view.status_label.text()
