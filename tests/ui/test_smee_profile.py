"""A profile whose relay is a smee.io channel, through the real app wiring.

The sandbox and the keyring API are real (as in ``test_desk_real``); the smee channel is a local
server sending smee's exact frames (``tests/fixtures/smee.py``).
"""

from __future__ import annotations

from impilo_desk.services.credentials import SecretKind
from impilo_desk.session import ProfileDraft
from tests.fixtures.desk import KEYRING_SERVICE as SERVICE
from tests.fixtures.desk import World
from tests.fixtures.relay import make_envelope

SECRET = "smee-channel-secret-0123456789"


def save_smee_profile(qtbot, world: World, sandbox, channel_url: str, secret: str | None):
    draft = ProfileDraft(
        name="Via smee",
        api_base_url=sandbox.base_url,
        relay_url=channel_url,
        environment="staging",
        relay_kind="smee",
    )
    task = world.desk.sessions.owner.spawn(world.services.book.save(draft, sandbox.api_key))
    qtbot.waitUntil(task.done, timeout=10_000)
    profile = task.result()
    assert getattr(profile, "relay_kind", None) == "smee"  # the saved Profile, not the protocol
    if secret is not None:  # the webhook secret as the Secret tab stores it: in the keyring
        world.backend.set_password(
            SERVICE, f"{profile.id}/{SecretKind.WEBHOOK_SECRET.value}", secret
        )
    world.profiles.profiles.append(profile)
    return profile


def test_smee_profile_checks_the_secret_counts_drops_and_reports_gaps(qtbot, world, sandbox, smee):
    profile = save_smee_profile(qtbot, world, sandbox, smee.url, SECRET)
    status = world.desk.window.status.relay_label
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    qtbot.waitUntil(lambda: status.text().startswith("Relay (smee): connected"), timeout=10_000)
    assert smee.connections == 1

    smee.forward(make_envelope(501), SECRET)
    qtbot.waitUntil(lambda: "1 event received" in status.text(), timeout=10_000)
    smee.forward(make_envelope(502), "not-the-secret")
    smee.forward(make_envelope(503), None)
    qtbot.waitUntil(lambda: "2 dropped (wrong secret)" in status.text(), timeout=10_000)
    assert "1 event received" in status.text()
    assert "gap" not in status.text()

    smee.drop_clients()  # smee went away: whatever it got meanwhile is lost
    qtbot.waitUntil(lambda: smee.requests == 2 and smee.connections == 1, timeout=15_000)
    qtbot.waitUntil(lambda: "possible gap after reconnect" in status.text(), timeout=10_000)
    smee.forward(make_envelope(504), SECRET)
    qtbot.waitUntil(lambda: "2 events received" in status.text(), timeout=10_000)
    assert status.text().startswith("Relay (smee): connected")
    assert SECRET not in status.toolTip()


def test_smee_profile_without_a_secret_says_what_to_do(qtbot, world, sandbox, smee):
    profile = save_smee_profile(qtbot, world, sandbox, smee.url, None)
    status = world.desk.window.status.relay_label
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    qtbot.waitUntil(lambda: "stopped" in status.text(), timeout=10_000)
    assert "Secret tab" in status.text()
    assert smee.requests == 0


def test_a_new_secret_saved_in_the_secret_tab_reaches_the_smee_check(qtbot, world, sandbox, smee):
    profile = save_smee_profile(qtbot, world, sandbox, smee.url, SECRET)
    status = world.desk.window.status.relay_label
    with qtbot.waitSignal(world.desk.webhooks.loaded, timeout=10_000):
        world.profiles.choose(profile.id)
    qtbot.waitUntil(lambda: status.text().startswith("Relay (smee): connected"), timeout=10_000)
    secret_tab = world.desk.secret
    qtbot.waitUntil(lambda: secret_tab.view.impilo_state.text() != "unknown", timeout=10_000)
    secret_tab.view.generate_action.trigger()
    new_secret = secret_tab.view.secret()
    with qtbot.waitSignal(secret_tab.saved, timeout=10_000):
        secret_tab.view.save_action.trigger()
    qtbot.waitUntil(lambda: smee.requests == 2, timeout=15_000)  # the feed started afresh
    qtbot.waitUntil(lambda: status.text().startswith("Relay (smee): connected"), timeout=10_000)
    smee.forward(make_envelope(601), SECRET)  # the old secret is refused now
    smee.forward(make_envelope(602), new_secret)
    qtbot.waitUntil(lambda: "1 event received" in status.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "1 dropped (wrong secret)" in status.text(), timeout=10_000)
