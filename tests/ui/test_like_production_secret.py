"""The Secret tab against a sandbox that answers like production: the secret is set, or the one
portal sentence is shown, and the keyring's state is always shown (issue 13)."""

from __future__ import annotations

from impilo_desk.services.credentials import SecretKind
from tests.fixtures.desk import KEYRING_SERVICE as SERVICE
from tests.fixtures.desk import World
from tests.ui.like_production_support import (
    LIKE_PRODUCTION,
    app_log,
    connect_as,
    secret_on_sandbox,
)

NEW = "new-secret-from-the-desk-0123456789"
PORTAL = "the-portals-secret-0123456789abcdef"


def open_secret_tab(qtbot, world: World, box) -> str:
    profile_id = connect_as(qtbot, world, box, environment="production")
    secret = world.desk.secret
    world.desk.window.tabs.setCurrentWidget(secret.view)
    qtbot.waitUntil(lambda: secret.view.keyring_state.text() != "unknown", timeout=10_000)
    return profile_id


def keyring_value(world: World, profile_id: str) -> str | None:
    return world.backend.get_password(SERVICE, f"{profile_id}/{SecretKind.WEBHOOK_SECRET.value}")


def test_405_on_reading_shows_not_shown_and_the_keyring_and_save_sets_it(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    open_secret_tab(qtbot, world, box)
    view = world.desk.secret.view
    assert view.impilo_state.text() == "Impilo does not show the current secret"
    assert view.keyring_state.text() == "not in the keyring"
    assert view.banner.kind != "error"
    view.secret_edit.setText(NEW)
    with qtbot.waitSignal(world.desk.secret.saved, timeout=10_000):
        view.save_action.trigger()
    assert secret_on_sandbox(box) == NEW  # POST set it
    assert view.impilo_state.text() == "Impilo has a secret"
    assert view.keyring_state.text() == "stored in the keyring"
    assert "Saved on Impilo" in view.banner.text


def test_an_existing_secret_ends_in_the_portal_sentence_then_save_keeps_it_locally(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    with box.client() as http:  # set in the portal, as far as the desk knows
        http.post("/api/v3/webhook-secret", json={"secret": PORTAL}).raise_for_status()
    profile_id = open_secret_tab(qtbot, world, box)
    view = world.desk.secret.view
    view.secret_edit.setText(NEW)
    view.save_action.trigger()
    qtbot.waitUntil(lambda: view.banner.kind == "error", timeout=10_000)
    sentence = view.banner.text
    assert "replace it in the Impilo portal" in sentence
    assert "paste it here and press Save to keep it for this profile" in sentence
    assert "relay and smee checks" in sentence
    assert "400" not in sentence.split(";")[0]  # not the raw 400 of the POST
    # The status bar follows this latest call: it failed, so it does not say "API: ok".
    assert world.desk.window.status.api_label.text() == f"API: {sentence}"
    assert secret_on_sandbox(box) == PORTAL  # nothing changed on Impilo
    assert view.impilo_state.text() == "Impilo has a secret"
    assert "keyring only" in view.save_action.text()
    # The second outcome's next step: the portal's secret goes into the keyring for this profile.
    view.secret_edit.setText(PORTAL)
    with qtbot.waitSignal(world.desk.secret.saved, timeout=10_000):
        view.save_action.trigger()
    assert keyring_value(world, profile_id) == PORTAL
    assert secret_on_sandbox(box) == PORTAL
    assert view.keyring_state.text() == "stored in the keyring"
    assert "Impilo was not changed" in view.banner.text
    # The user saw a failure: it is in the app's log once, with method, path, status, message.
    log = app_log(world)
    assert log.count("PUT /api/v3/webhook-secret -> 405") == 1
    assert "Request method 'PUT' is not supported" in log
    for secret in (PORTAL, NEW, box.api_key):
        assert secret not in log


def test_keyring_state_is_shown_when_impilo_does_not_show_its_secret(
    qtbot,
    world: World,
    sandbox_factory,
):
    box = sandbox_factory(extra_args=LIKE_PRODUCTION)
    profile_id = open_secret_tab(qtbot, world, box)
    world.backend.set_password(SERVICE, f"{profile_id}/{SecretKind.WEBHOOK_SECRET.value}", PORTAL)
    view = world.desk.secret.view
    with qtbot.waitSignal(world.desk.secret.loaded, timeout=10_000):
        view.refresh_action.trigger()
    assert view.impilo_state.text() == "Impilo does not show the current secret"
    assert view.keyring_state.text() == "stored in the keyring"
    assert view.secret() == PORTAL
