"""The real window against the real sandbox and relay (processes on 127.0.0.1), real keyring API.

The keyring is keyring's plain-text file backend in a folder of its own (toolchain.md §5), outside
the app's config, data and log folders, which all live under a temporary IMPILO_DESK_HOME.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from impilo_desk.services.credentials import SecretKind
from impilo_desk.session import ProfileDraft
from impilo_desk.ui.webhooks.dialog import WebhookDialog
from tests.fixtures.desk import KEYRING_SERVICE as SERVICE
from tests.fixtures.desk import World


def connect(qtbot, world: World, sandbox, relay=None, name="Sandbox") -> str:
    """Saves a profile for ``sandbox`` (through the profile book) and switches to it."""
    draft = ProfileDraft(
        name=name,
        api_base_url=sandbox.base_url,
        relay_url=relay.url if relay else None,
        environment="sandbox",
    )
    loop = world.desk.sessions.owner  # any owner of the qasync loop will do
    task = loop.spawn(
        world.services.book.save(draft, sandbox.api_key, relay.token if relay else None)
    )
    qtbot.waitUntil(task.done, timeout=10_000)
    profile = task.result()
    world.profiles.profiles.append(profile)
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    return profile.id


def sandbox_get(sandbox, path: str) -> httpx.Response:
    with sandbox.client() as client:
        return client.get(path)


def test_webhook_create_change_delete_on_the_sandbox(qtbot, world, sandbox):
    connect(qtbot, world, sandbox)
    controller = world.desk.webhooks
    before = controller.model.rowCount()
    controller.view.new_action.trigger()
    qtbot.waitUntil(lambda: isinstance(controller.open_dialog, WebhookDialog))
    dialog = controller.open_dialog
    dialog.select_type("reading.temperature")
    dialog.url_edit.setText("https://receiver.example.com/temp")
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert controller.model.rowCount() == before + 1
    row = controller.view.selected_row()
    hook = controller.model.webhook_at(row)
    assert hook is not None
    assert hook.url == "https://receiver.example.com/temp"
    on_server = sandbox_get(sandbox, f"/api/v3/webhook/{hook.id}").json()
    assert on_server["type"] == "reading.temperature"

    controller.view.edit_action.trigger()
    qtbot.waitUntil(lambda: isinstance(controller.open_dialog, WebhookDialog))
    dialog = controller.open_dialog
    dialog.url_edit.setText("https://receiver.example.com/temp2")
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    on_server = sandbox_get(sandbox, f"/api/v3/webhook/{hook.id}").json()
    assert on_server["url"] == "https://receiver.example.com/temp2"

    controller.view.select_row(controller.model.row_of(hook.id))
    controller.view.delete_action.trigger()
    qtbot.waitUntil(lambda: isinstance(controller.open_dialog, QMessageBox))
    box = controller.open_dialog
    assert f"#{hook.id}" in box.text()
    with qtbot.waitSignal(controller.loaded, timeout=10_000):
        qtbot.mouseClick(
            next(b for b in box.buttons() if b.text() == "Delete"), Qt.MouseButton.LeftButton
        )
    assert sandbox_get(sandbox, f"/api/v3/webhook/{hook.id}").status_code == 404
    assert controller.model.row_of(hook.id) == -1


def test_secret_saved_to_keyring_and_sandbox(qtbot, world, sandbox):
    profile_id = connect(qtbot, world, sandbox)
    controller = world.desk.secret
    world.desk.window.tabs.setCurrentWidget(controller.view)
    qtbot.waitUntil(lambda: controller.view.impilo_state.text() != "unknown", timeout=10_000)
    controller.view.generate_action.trigger()
    value = controller.view.secret()
    with qtbot.waitSignal(controller.saved, timeout=10_000):
        controller.view.save_action.trigger()
    stored = world.backend.get_password(SERVICE, f"{profile_id}/{SecretKind.WEBHOOK_SECRET.value}")
    assert stored == value
    assert sandbox_get(sandbox, "/api/v3/webhook-secret").json()["secret"] == value
    assert controller.view.match_state.text().startswith("yes")


def test_switching_profile_cancels_every_task_of_the_old_one(qtbot, world, sandbox, relay):
    connect(qtbot, world, sandbox, relay, name="First")
    sessions = world.desk.sessions
    if relay is not None:
        qtbot.waitUntil(
            lambda: "live" in world.desk.window.status.relay_label.text(), timeout=10_000
        )
    old = sessions.tasks
    world.desk.webhooks.view.refresh_action.trigger()  # a request in flight
    world.desk.secret.view.refresh_action.trigger()
    assert old.pending >= 1
    with qtbot.waitSignal(sessions.session_ended, timeout=10_000):
        connect(qtbot, world, sandbox, None, name="Second")
    assert old.closed
    assert old.pending == 0
    assert world.desk.window.status.profile_label.text() == "Profile: Second"
    assert world.desk.window.status.relay_label.text() == "Relay: off"


def test_stopped_sandbox_gives_one_sentence_and_a_usable_tab(qtbot, world, sandbox):
    connect(qtbot, world, sandbox)
    controller = world.desk.webhooks
    sandbox.stop()
    with qtbot.waitSignal(controller.api_failed, timeout=30_000) as failed:
        controller.view.refresh_action.trigger()
    sentence = failed.args[0]
    assert sentence == controller.view.banner.text
    assert "Traceback" not in sentence
    assert sentence.count(". ") <= 2
    assert sentence in world.desk.window.status.api_label.text()
    qtbot.waitUntil(controller.view.refresh_action.isEnabled, timeout=10_000)
    assert controller.view.new_action.isEnabled()


def test_no_secret_in_any_file_after_a_session(qtbot, world, sandbox, relay):
    connect(qtbot, world, sandbox, relay)
    secret_controller = world.desk.secret
    qtbot.waitUntil(lambda: secret_controller.view.impilo_state.text() != "unknown", timeout=10_000)
    secret_controller.view.generate_action.trigger()
    secret = secret_controller.view.secret()
    with qtbot.waitSignal(secret_controller.saved, timeout=10_000):
        secret_controller.view.save_action.trigger()
    # a failure on the way, logged with its traceback
    sandbox.stop()
    with qtbot.waitSignal(world.desk.webhooks.api_failed, timeout=30_000):
        world.desk.webhooks.view.refresh_action.trigger()
    world.desk.window.close()
    qtbot.waitUntil(lambda: world.desk.sessions.tasks.pending == 0, timeout=10_000)
    # the session itself ends last: its event store closes after the feed stored what it had
    qtbot.waitUntil(lambda: world.desk.sessions.owner.pending == 0, timeout=10_000)
    files = [
        p
        for d in (world.paths.config_dir, world.paths.data_dir, world.paths.log_dir)
        if d.exists()
        for p in Path(d).rglob("*")
        if p.is_file()
    ]
    assert any(p.name == "profiles.json" for p in files)
    for path in files:
        data = path.read_bytes()
        for value in (sandbox.api_key, secret, relay.token):
            assert value.encode() not in data, f"a secret is in {path}"


def test_status_bar_counts_events_from_the_relay(qtbot, world, sandbox, relay):
    connect(qtbot, world, sandbox, relay)
    status = world.desk.window.status
    # connected, not "live": no webhook of the sandbox delivers to this relay
    qtbot.waitUntil(
        lambda: "no deliveries from Impilo" in status.relay_label.text(), timeout=10_000
    )
    envelope = {"id": 424242, "type": "reading.weight", "payload": {"patientId": 7}}
    answer = httpx.post(
        relay.ingest_url, json=envelope, headers={"Impilo-Webhook-Secret": relay.secret}
    )
    assert answer.status_code == 200
    qtbot.waitUntil(lambda: "1 event received" in status.relay_label.text(), timeout=10_000)
    assert world.desk.window.status.api_label.text() == "API: ok"


def test_status_bar_shows_a_gap_the_relay_reports(qtbot, world, sandbox, relay):
    connect(qtbot, world, sandbox, relay)
    label = world.desk.window.status.relay_label
    qtbot.waitUntil(lambda: label.text().startswith("Relay: connected"), timeout=10_000)
    envelope = {"id": 515151, "type": "reading.weight", "payload": {"patientId": 7}}
    answer = httpx.post(
        relay.ingest_url, json=envelope, headers={"Impilo-Webhook-Secret": relay.secret}
    )
    assert answer.status_code == 200
    qtbot.waitUntil(lambda: "1 event received" in label.text(), timeout=10_000)
    assert "reset" not in label.text()
    # The relay comes back on an empty store: the desktop's last event is newer than it knows.
    relay.kill()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{relay.db_path}{suffix}").unlink(missing_ok=True)
    relay.start()
    qtbot.waitUntil(lambda: "the relay's store was reset" in label.text(), timeout=30_000)
    assert label.text().startswith("Relay: connected")
    assert relay.token not in label.toolTip()


def test_profiles_dialog_tests_the_connection_and_keeps_the_key_out_of_files(qtbot, world, sandbox):
    with qtbot.waitSignal(world.profiles.dialog_opened, timeout=10_000) as opened:
        world.profiles.start(demo=False)  # no profile yet: the welcome dialog
    welcome = opened.args[0]
    welcome.fields.url_edit.setText(sandbox.base_url)
    welcome.fields.key_edit.setText(sandbox.api_key)
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(world.profiles.dialog_opened, timeout=10_000) as opened:
        world.desk.window.profiles_action.trigger()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.fields.url_edit.text() == sandbox.base_url, timeout=10_000)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.text.startswith("It works"), timeout=10_000)
    dialog.fields.key_edit.setText("wrong-key-0000000000")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.kind == "error", timeout=10_000)
    assert "key" in dialog.banner.text.lower()
    dialog.reject()
    qtbot.waitUntil(lambda: world.profiles.dialog is None, timeout=10_000)
    profiles_file = world.paths.profiles_file.read_text()
    assert sandbox.base_url.rstrip("/") in profiles_file
    assert sandbox.api_key not in profiles_file


def test_readings_are_polled_at_the_profile_interval(qtbot, world, sandbox):
    from tests.ui.readings_support import add_patient, record

    with sandbox.client() as api:
        pid = add_patient(api, "Ida", "Poll")
        record(api, "weight", pid, 5, weight=170.0)
    draft = ProfileDraft(name="Slow", api_base_url=sandbox.base_url, relay_url=None,
                         environment="sandbox")  # fmt: skip
    task = world.desk.sessions.owner.spawn(world.services.book.save(draft, sandbox.api_key, None))
    qtbot.waitUntil(task.done, timeout=10_000)
    profile = task.result().model_copy(update={"poll_interval_s": 7})
    world.profiles.profiles.append(profile)
    world.profiles.choose(profile.id)
    readings = world.desk.readings
    qtbot.waitUntil(lambda: readings.poller is not None, timeout=20_000)
    assert readings.poll_interval_s == 7
    assert readings.poller.interval_s == 7
