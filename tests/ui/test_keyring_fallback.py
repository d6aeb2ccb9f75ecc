"""No usable keyring: the real dialogs offer session-only secrets, explicitly, never a file.

The keyring backend is keyring's own ``fail`` backend (what a machine without a Secret Service
gets), or one that breaks mid-session; the sandbox is real, and the app is wired as ``app.py``
wires it.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring
from keyring.errors import KeyringError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QToolButton

from impilo_desk.applog import HOME_ENV, AppPaths, SecretRedactor, setup_logging
from impilo_desk.services.credentials import KeyringCredentialStore
from impilo_desk.session import ProfileInfo, Session
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.profiles.controller import ProfilesController
from impilo_desk.ui.profiles.dialog import ProfilesDialog, WelcomeDialog
from impilo_desk.ui.profiles.keyring_choice import KEEP_IN_MEMORY, KeyringChoiceController
from impilo_desk.wiring import DeskServices, build_services


class App:
    def __init__(self, desk, services, profiles, choice, paths) -> None:
        self.desk, self.services, self.profiles = desk, services, profiles
        self.choice, self.paths = choice, paths


class BreakableKeyring(KeyringBackend):
    """A keyring in memory that works until ``broken`` is set, then fails every call."""

    @classproperty
    def priority(cls) -> float:  # noqa: N805 - a classproperty receives the class
        # Not viable, so keyring never picks it as anyone's default: only passed to the store.
        raise RuntimeError("a test backend, only used where it is passed")

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.values: dict[tuple[str, str], str] = {}

    def _check(self) -> None:
        if self.broken:
            raise KeyringError("The Secret Service went away")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        self.values.pop((service, username), None)


@pytest.fixture
def backend(request):
    """The OS keyring the app finds: keyring's ``fail`` backend, unless a test names another."""
    return getattr(request, "param", FailKeyring)()


@pytest.fixture
def app(qtbot, qasync_loop, tmp_path, monkeypatch, backend, make_desk):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    paths = AppPaths.from_env()
    redactor = SecretRedactor()
    handler = setup_logging(paths, redactor)
    services: DeskServices | None = None  # built below: it needs the keyring choice's dialog

    def open_session(profile: ProfileInfo) -> AbstractAsyncContextManager[Session]:
        assert services is not None
        return services.open_session(profile)

    desk = make_desk(open_session, closed_by_test=True)
    tasks = TaskOwner(qasync_loop, name="app")
    desk.window.closing.connect(lambda: tasks.cancel_all(close=True))
    choice = KeyringChoiceController(desk.window, tasks, desk.window)
    store = KeyringCredentialStore("impilo-desk-test", backend=backend)
    services = build_services(paths, redactor, store, ask_keyring=choice.ask)
    choice.memory_chosen.connect(services.secrets.use_memory)
    profiles = ProfilesController(
        desk.window,
        services.book,
        desk.sessions,
        tasks,
        services.start_demo,
        desk.window,
        check_secrets=services.secrets.check,
        keyring_choice=choice,
    )
    yield App(desk, services, profiles, choice, paths)
    make_desk.close(desk)  # every task ends before the services close
    logging.getLogger().removeHandler(handler)
    handler.close()
    services.close()


def click(qtbot, box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text() == text)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def files_under(paths: AppPaths) -> list[Path]:
    roots = (paths.config_dir, paths.data_dir, paths.log_dir)
    return [p for d in roots if d.exists() for p in d.rglob("*") if p.is_file()]


def test_unusable_keyring_at_start_offers_memory_for_this_session(qtbot, app, sandbox):
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as opened:
        app.profiles.start(demo=False)
    box = opened.args[0]
    assert "keyring" in box.text().lower()
    assert box.text().endswith(".")
    assert "lost when Impilo Desk closes" in box.informativeText()
    assert box.defaultButton() is box.escapeButton()  # Cancel is the safe default
    with qtbot.waitSignal(app.profiles.dialog_opened, timeout=10_000) as welcomed:
        click(qtbot, box, KEEP_IN_MEMORY)
    status = app.desk.window.status
    assert status.secrets_label.isVisible()
    assert status.secrets_label.text() == "Secrets: this session only"
    assert app.services.secrets.session_only
    welcome = welcomed.args[0]
    assert isinstance(welcome, WelcomeDialog)
    assert welcome.session_note.isVisible()
    welcome.fields.url_edit.setText(sandbox.base_url)
    welcome.fields.key_edit.setText(sandbox.api_key)
    welcome.fields.environment_combo.setCurrentIndex(
        welcome.fields.environment_combo.findData("sandbox")
    )
    # the Webhooks and Secret tabs load concurrently; the secret's state is known once it has
    with qtbot.waitSignals([app.desk.webhooks.loaded, app.desk.secret.loaded], timeout=10_000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    assert app.desk.window.status.api_label.text() == "API: ok"
    assert "this session only" in app.desk.secret.view.keyring_state.text()
    # the profiles dialog says so too, and the key is in no file
    with qtbot.waitSignal(app.profiles.dialog_opened, timeout=10_000) as opened:
        app.desk.window.profiles_action.trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, ProfilesDialog)
    assert dialog.session_note.isVisible()
    qtbot.waitUntil(lambda: "this session only" in dialog.fields.key_edit.placeholderText())
    dialog.reject()
    qtbot.waitUntil(lambda: app.profiles.dialog is None, timeout=10_000)
    for path in files_under(app.paths):
        assert sandbox.api_key.encode() not in path.read_bytes(), f"the API key is in {path}"


def test_cancel_is_no_dead_end_saving_a_key_asks_again(qtbot, app, sandbox):
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as opened:
        app.profiles.start(demo=False)
    with qtbot.waitSignal(app.profiles.dialog_opened, timeout=10_000) as welcomed:
        click(qtbot, opened.args[0], "Cancel")
    window = app.desk.window
    assert window.banner.kind == "error"
    assert "memory for this session only" in window.banner.text
    assert "no keyring" in window.status.secrets_label.text()
    assert not app.services.secrets.session_only
    welcome = welcomed.args[0]
    welcome.fields.url_edit.setText(sandbox.base_url)
    welcome.fields.key_edit.setText(sandbox.api_key)
    # saving the key hits the keyring (set) and asks again; Cancel keeps the welcome usable
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as asked:
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    click(qtbot, asked.args[0], "Cancel")
    qtbot.waitUntil(lambda: welcome.banner.kind == "error", timeout=10_000)
    assert "keyring" in welcome.banner.text
    assert welcome.isVisible()
    # second try: keep in memory; the save goes on there
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as asked:
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(app.desk.webhooks.loaded, timeout=10_000):
        click(qtbot, asked.args[0], KEEP_IN_MEMORY)
    assert window.status.secrets_label.text() == "Secrets: this session only"
    assert app.services.secrets.session_only


def test_status_bar_link_offers_the_choice_again(qtbot, app):
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as opened:
        app.profiles.start(demo=False)
    with qtbot.waitSignal(app.profiles.dialog_opened, timeout=10_000) as welcomed:
        click(qtbot, opened.args[0], "Cancel")
    welcomed.args[0].reject()
    qtbot.waitUntil(lambda: app.profiles.dialog is None, timeout=10_000)
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as opened:
        app.desk.window.status.secrets_label.linkActivated.emit("memory")
    with qtbot.waitSignal(app.choice.mode_changed, timeout=10_000):
        click(qtbot, opened.args[0], KEEP_IN_MEMORY)
    assert app.services.secrets.session_only
    assert app.desk.window.status.secrets_label.text() == "Secrets: this session only"


@pytest.mark.parametrize("backend", [BreakableKeyring], indirect=True)
def test_secret_tab_names_memory_once_the_keyring_gives_way_mid_session(
    qtbot, app, backend, sandbox
):
    with qtbot.waitSignal(app.profiles.dialog_opened, timeout=10_000) as welcomed:
        app.profiles.start(demo=False)  # the keyring works: no question
    welcome = welcomed.args[0]
    welcome.fields.url_edit.setText(sandbox.base_url)
    welcome.fields.key_edit.setText(sandbox.api_key)
    secret = app.desk.secret
    with qtbot.waitSignals([app.desk.webhooks.loaded, secret.loaded], timeout=10_000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    app.desk.window.tabs.setCurrentWidget(secret.view)
    assert secret.view.keyring_state.text() == "not in the keyring"
    assert secret.view.store_caption.text() == "On this computer:"

    backend.broken = True  # the OS keyring fails mid-session
    secret.view.generate_action.trigger()
    assert secret.view.banner.text.endswith(
        "Save it to send it to Impilo and keep it in the keyring."
    )
    with qtbot.waitSignal(app.choice.dialog_opened, timeout=10_000) as asked:
        qtbot.mouseClick(secret_button(secret.view, "Save secret"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(secret.saved, timeout=10_000):
        click(qtbot, asked.args[0], KEEP_IN_MEMORY)
    assert secret.view.store_caption.text() == "On this computer:"
    assert secret.view.keyring_state.text() == "stored in memory (this session only)"
    assert secret.view.save_action.text() == "&Save to Impilo and memory"
    banner = secret.view.banner.text
    assert banner.startswith("Saved on Impilo and in memory (this session only). Give the new")
    assert "keyring" not in banner
    secret.view.generate_action.trigger()
    assert secret.view.banner.text.endswith(
        "Save it to send it to Impilo and keep it in memory (this session only)."
    )


def secret_button(view, name: str):
    return next(b for b in view.findChildren(QToolButton) if b.accessibleName() == name)
