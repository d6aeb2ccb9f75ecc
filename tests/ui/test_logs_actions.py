"""The Logs tab's actions on the real sandbox: export, cancel, redaction, curl, auto-refresh."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from impilo_desk.ui.kit.save_folder import SaveFolder
from impilo_desk.ui.logs.model import LogColumn
from tests.fixtures.sandbox import SandboxProcess
from tests.ui.logs_support import Harness, close_tab, open_tab, seed_db


def export(qtbot, logs_tab: Harness, path, fmt: str, redact: bool):
    exporter = logs_tab.controller.exporter
    with qtbot.waitSignal(exporter.finished, timeout=20000) as done:
        exporter.start(logs_tab.tasks, path, fmt, redact)
    return done.args


def test_export_csv_walks_every_page(qtbot, logs_tab, logs_seeded, tmp_path):
    logs_tab.controller.exporter.page_size = 5  # five pages of five for 23 records
    progress: list[tuple[int, int]] = []
    logs_tab.controller.exporter.progress.connect(lambda n, t: progress.append((n, t)))
    path = tmp_path / "log.csv"
    assert export(qtbot, logs_tab, path, "csv", redact=False) == [23, str(path)]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in rows] == [r.id for r in logs_seeded.records]
    assert rows[0].keys() >= {"id", "webhookType", "lastResponseStatus", "payload"}
    assert any("Amara" in r["payload"] for r in rows)  # not redacted when not asked
    assert progress == [(5, 23), (10, 23), (15, 23), (20, 23), (23, 23)]
    assert f"Exported 23 records to {path}" in logs_tab.view.banner.text
    assert not logs_tab.view.export_bar.isVisible()


def test_export_jsonl_of_a_filter_with_redaction(qtbot, logs_tab, tmp_path):
    bar = logs_tab.view.filters
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        bar.type_box.setCurrentIndex(bar.type_box.findData("reading.weight"))
    path = tmp_path / "weight.jsonl"
    assert export(qtbot, logs_tab, path, "jsonl", redact=True)[0] == 5
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {r["webhookType"] for r in lines} == {"reading.weight"}
    assert len(lines) == 5
    for record in lines:
        patient = json.loads(record["payload"])["payload"]["patient"]
        assert patient["firstName"] == patient["lastName"] == "[redacted]"
        assert "Amara" not in record["payload"]
        assert "amara@example.org" not in record["payload"]
    assert "with patient details redacted" in logs_tab.view.banner.text


def test_cancel_leaves_no_file(qtbot, logs_tab, tmp_path):
    exporter = logs_tab.controller.exporter
    exporter.page_size = 2
    gate = asyncio.Event()
    logs_tab.api.gates[3] = gate  # the third page hangs until the test lets it go
    path = tmp_path / "never.csv"
    exporter.start(logs_tab.tasks, path, "csv", True)
    qtbot.waitUntil(lambda: logs_tab.api.calls[-1].page == 3)
    assert logs_tab.view.export_bar.isVisible()
    assert logs_tab.view.export_progress.value() == 4
    assert "Exported 4 of 23 records" in logs_tab.view.export_label.text()
    with qtbot.waitSignal(exporter.cancelled, timeout=5000):
        qtbot.mouseClick(logs_tab.view.export_cancel, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: not exporter.running)
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary part
    assert logs_tab.view.banner.text == "Export cancelled; no file was written."
    assert not logs_tab.view.export_bar.isVisible()
    assert logs_tab.view.export_action.isEnabled()


def test_export_asks_where_to_save(qtbot, logs_tab, tmp_path):
    logs_tab.view.export_action.trigger()
    exporter = logs_tab.controller.exporter
    qtbot.waitUntil(lambda: exporter.open_dialog is not None)
    dialog = exporter.open_dialog
    dialog.setDirectory(str(tmp_path))
    dialog.selectNameFilter("JSON Lines (*.jsonl)")
    dialog.findChild(QLineEdit, "fileNameEdit").setText("chosen")  # as if typed
    with qtbot.waitSignal(exporter.finished, timeout=20000) as done:
        dialog.accept()
    assert done.args == [23, str(tmp_path / "chosen.jsonl")]


def test_copy_as_curl_has_the_query_and_no_key(qtbot, logs_tab, logs_seeded):
    bar = logs_tab.view.filters
    with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
        bar.retries_min.setValue(1)
    logs_tab.view.curl_action.trigger()
    text = QApplication.clipboard().text()
    assert text.startswith(f"curl -sS '{logs_seeded.box.base_url}/api/v3/webhook/logs?")
    assert "retryAttemptsMin=1&page=1&size=15" in text
    assert "Impilo-API-Key: $IMPILO_API_KEY" in text
    assert logs_seeded.box.api_key not in text
    assert "IMPILO_API_KEY" in logs_tab.view.banner.text


def test_loading_and_error_states_say_what_happens(qtbot, make_desk, sandbox_factory):
    box = sandbox_factory()
    logs_tab = open_tab(qtbot, make_desk, box)
    try:
        gate = asyncio.Event()
        logs_tab.api.gates[1] = gate
        logs_tab.view.refresh_action.trigger()
        qtbot.waitUntil(lambda: logs_tab.view.busy_label.text() == "Loading page 1…")
        assert logs_tab.view.message.text() == "Loading the delivery log…"
        gate.set()
        qtbot.waitUntil(lambda: logs_tab.view.busy_label.text() == "")
        assert "No deliveries are logged yet" in logs_tab.view.message.text()
        box.stop()
        with qtbot.waitSignal(logs_tab.controller.api_failed, timeout=15000) as failed:
            logs_tab.view.refresh_action.trigger()
        sentence = failed.args[0]
        assert sentence.endswith(".")
        assert "Traceback" not in sentence
        assert logs_tab.view.banner.text == sentence
        assert logs_tab.view.banner.kind == "error"
        assert logs_tab.view.message.text() == f"The delivery log could not be loaded. {sentence}"
        assert logs_tab.view.busy_label.text() == ""
    finally:
        close_tab(qtbot, make_desk, logs_tab)


def test_auto_refresh_keeps_selection_and_scroll(qtbot, make_desk, tmp_path, receiver):
    start = datetime.now(UTC) - timedelta(hours=1)
    seed_db(
        tmp_path / "sandbox.db",
        [
            {"type": "reading.weight", "status": 200, "retries": 0,
             "created": start + timedelta(minutes=n)}
            for n in range(40)
        ],
    )  # fmt: skip
    with SandboxProcess(db_path=tmp_path / "sandbox.db") as box:
        logs_tab = open_tab(qtbot, make_desk, box)
        try:
            with qtbot.waitSignal(logs_tab.controller.loaded, timeout=10000):
                logs_tab.view.set_page_size(50)
            view, controller = logs_tab.view, logs_tab.controller
            view.select_row(30)
            chosen = logs_tab.model.record_at(30).id
            bar = view.table.verticalScrollBar()
            assert bar.maximum() > 0
            bar.setValue(bar.maximum() // 2)
            scroll = bar.value()
            view.auto_interval.setValue(5)
            view.auto_box.setChecked(True)
            assert controller.auto_refresh.isActive()
            assert controller.auto_refresh.interval() == 5000
            with box.client() as api:  # a new delivery arrives at the top meanwhile
                api.post("/api/v3/webhook", json={"type": "reading.weight", "url": receiver.url})
                patient = api.post("/api/v3/patient", json={"firstName": "A", "lastName": "B"})
                body = {"patientId": patient.json()["id"], "weight": 80.0}
                api.post("/api/v3/test/weight-webhook", json=body).raise_for_status()
            controller.auto_refresh.start(10)  # the interval, shortened for the test
            with qtbot.waitSignal(controller.loaded, timeout=10000) as shown:
                pass
            assert shown.args == [41]
            assert logs_tab.model.record_at(view.selected_row()).id == chosen
            assert view.selected_row() == 31
            assert bar.value() == scroll
            assert logs_tab.column(LogColumn.TYPE)[0] == "reading.weight"
            view.auto_box.setChecked(False)
            assert not controller.auto_refresh.isActive()
        finally:
            close_tab(qtbot, make_desk, logs_tab)


def test_export_dialog_opens_in_documents_then_in_the_last_folder(qtbot, logs_tab, tmp_path):
    exporter = logs_tab.controller.exporter
    first = tmp_path / "Documents"
    first.mkdir()
    exporter.folder = SaveFolder(first)  # the user's documents folder, as platformdirs gives it
    chosen = tmp_path / "exports"
    chosen.mkdir()
    for expected in (first, chosen):
        logs_tab.view.export_action.trigger()
        qtbot.waitUntil(lambda: exporter.open_dialog is not None)
        dialog = exporter.open_dialog
        assert Path(dialog.directory().absolutePath()) == expected  # never the working folder
        dialog.setDirectory(str(chosen))
        dialog.findChild(QLineEdit, "fileNameEdit").setText("log")
        with qtbot.waitSignal(exporter.finished, timeout=20000):
            dialog.accept()
