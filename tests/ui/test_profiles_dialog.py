from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from impilo_desk.session import ProfileDraft
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.profiles.controller import ProfilesController
from impilo_desk.ui.profiles.dialog import ProfilesDialog, WelcomeDialog
from tests.fixtures.desk import ProfileStub
from tests.ui.fakes import FakeApi, FakeApiError, FakeStore


class FakeBook:
    def __init__(self) -> None:
        self.saved: list[ProfileStub] = []
        self.keys: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.drafts: list[ProfileDraft] = []

    async def load(self):
        return list(self.saved)

    async def save(self, draft: ProfileDraft, api_key, relay_token=None):
        if not draft.api_base_url.startswith("http"):
            raise FakeApiError("The API base URL must start with https://.")
        profile = ProfileStub(
            draft.id or uuid.uuid4().hex,
            draft.name,
            draft.api_base_url,
            draft.relay_url,
            draft.environment,
        )
        self.saved = [p for p in self.saved if p.id != profile.id] + [profile]
        self.drafts.append(draft)
        if api_key:
            self.keys[profile.id] = api_key
        if relay_token:
            self.tokens[profile.id] = relay_token
        return profile

    async def delete(self, profile_id):
        self.saved = [p for p in self.saved if p.id != profile_id]
        self.keys.pop(profile_id, None)

    async def has_api_key(self, profile_id):
        return profile_id in self.keys

    async def test_connection(self, draft, api_key):
        return "It works."


@pytest.fixture
def setup(qtbot, qasync_loop, make_desk):
    book = FakeBook()
    api, store = FakeApi(), FakeStore()
    demo_calls = []

    async def start_demo():
        demo_calls.append(1)
        return ProfileStub("demo", "Sandbox (demo)", "http://127.0.0.1:1", None, "sandbox")

    desk = make_desk(api=api, store=store)
    tasks = TaskOwner(qasync_loop, name="app")
    desk.window.closing.connect(lambda: tasks.cancel_all(close=True))
    profiles = ProfilesController(desk.window, book, desk.sessions, tasks, start_demo, desk.window)
    return desk, profiles, book, demo_calls


def test_first_start_offers_welcome_and_demo(qtbot, setup):
    desk, profiles, _book, demo_calls = setup
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        profiles.start(demo=False)
    welcome = opened.args[0]
    assert isinstance(welcome, WelcomeDialog)
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        qtbot.mouseClick(welcome.demo_button, Qt.MouseButton.LeftButton)
    assert demo_calls == [1]
    assert desk.window.status.profile_label.text() == "Profile: Sandbox (demo)"


def test_welcome_account_saves_profile_and_key(qtbot, setup):
    desk, profiles, book, _ = setup
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        profiles.start(demo=False)
    welcome = opened.args[0]
    welcome.fields.url_edit.setText("https://impilo.example.com")
    welcome.fields.key_edit.setText("the-api-key-123456")
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    assert [p.api_base_url for p in book.saved] == ["https://impilo.example.com"]
    assert list(book.keys.values()) == ["the-api-key-123456"]


def test_profiles_dialog_add_edit_delete(qtbot, setup):
    desk, profiles, book, _ = setup
    book.saved = [ProfileStub("a", "Alpha", "https://a.example.com", None, "staging")]
    book.keys["a"] = "key-a-123456"
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        profiles.start(demo=False)
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        desk.window.profiles_action.trigger()
    dialog = opened.args[0]
    assert isinstance(dialog, ProfilesDialog)
    qtbot.waitUntil(lambda: dialog.fields.name_edit.text() == "Alpha")
    assert dialog.fields.key_edit.echoMode() == dialog.fields.key_edit.EchoMode.Password
    assert "stored" in dialog.fields.key_edit.placeholderText()
    # add
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.fields.name_edit.setText("Beta")
    dialog.fields.url_edit.setText("nope")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.kind == "error")
    assert "https://" in dialog.banner.text
    dialog.fields.url_edit.setText("https://b.example.com")
    dialog.fields.key_edit.setText("key-b-123456")
    with qtbot.waitSignal(profiles.profiles_changed, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in book.saved] == ["Alpha", "Beta"]
    # edit the active one: the session restarts with the new settings
    dialog.select_row(0)
    qtbot.waitUntil(lambda: dialog.fields.name_edit.text() == "Alpha")
    dialog.fields.name_edit.setText("Alpha renamed")
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert desk.window.status.profile_label.text() == "Profile: Alpha renamed"
    # delete Beta
    dialog.select_row(1)
    qtbot.waitUntil(lambda: dialog.fields.name_edit.text() == "Beta")
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.findChild(QMessageBox) is not None)
    box = dialog.findChild(QMessageBox)
    assert box is not None
    assert "Beta" in box.text()
    with qtbot.waitSignal(profiles.profiles_changed, timeout=5000):
        qtbot.mouseClick(
            next(b for b in box.buttons() if b.text() == "Delete"), Qt.MouseButton.LeftButton
        )
    assert [p.name for p in book.saved] == ["Alpha renamed"]
    assert "b" not in book.keys.values()
    dialog.reject()
    qtbot.waitUntil(lambda: profiles.dialog is None)


def test_welcome_shows_a_bad_url_in_the_dialog_and_stays_open(qtbot, setup):
    _desk, profiles, book, _ = setup
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        profiles.start(demo=False)
    welcome = opened.args[0]
    welcome.fields.url_edit.setText("impilo.example.com")
    welcome.fields.key_edit.setText("the-api-key-123456")
    qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: welcome.banner.kind == "error")
    assert welcome.isVisible()
    assert book.saved == []
    welcome.reject()
    qtbot.waitUntil(lambda: profiles.dialog is None)


def test_welcome_account_with_environment_and_relay(qtbot, setup):
    desk, profiles, book, _ = setup
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        profiles.start(demo=False)
    welcome = opened.args[0]
    assert (
        welcome.fields.environment_combo.currentData() == "production"
    )  # the default for an account
    assert welcome.fields.relay_edit.text() == ""
    welcome.fields.environment_combo.setCurrentIndex(
        welcome.fields.environment_combo.findData("staging")
    )
    welcome.fields.url_edit.setText("https://staging.impilo.example.com")
    welcome.fields.key_edit.setText("the-api-key-123456")
    welcome.fields.relay_edit.setText("https://relay.example.com")
    welcome.fields.token_edit.setText("the-relay-token-123456")
    assert welcome.fields.token_edit.echoMode() == welcome.fields.token_edit.EchoMode.Password
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    (draft,) = book.drafts
    assert draft.environment == "staging"
    assert draft.relay_url == "https://relay.example.com"
    assert draft.relay_kind == "relay"
    assert list(book.tokens.values()) == ["the-relay-token-123456"]
    assert desk.window.environment_banner.environment == "staging"


def test_welcome_smee_channel_needs_no_token(qtbot, setup):
    _desk, profiles, book, _ = setup
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        profiles.start(demo=False)
    welcome = opened.args[0]
    welcome.fields.url_edit.setText("https://impilo.example.com")
    welcome.fields.key_edit.setText("the-api-key-123456")
    welcome.fields.relay_edit.setText("https://smee.io/AbCdEf123")
    welcome.fields.token_edit.setText("ignored-token-123456")
    welcome.fields.relay_kind_combo.setCurrentIndex(
        welcome.fields.relay_kind_combo.findData("smee")
    )
    assert not welcome.fields.token_edit.isEnabled()
    with qtbot.waitSignal(profiles.profiles_changed, timeout=5000):
        qtbot.mouseClick(welcome.account_button, Qt.MouseButton.LeftButton)
    (draft,) = book.drafts
    assert draft.relay_kind == "smee"
    assert draft.environment == "production"
    assert book.tokens == {}


def test_the_demo_profile_in_use_is_listed_read_only(qtbot, setup):
    desk, profiles, book, _ = setup
    book.saved = [ProfileStub("a", "Alpha", "https://a.example.com", None, "staging")]
    book.keys["a"] = "key-a-123456"
    with qtbot.waitSignal(desk.sessions.session_started, timeout=5000):
        profiles.start(demo=True)
    with qtbot.waitSignal(profiles.dialog_opened, timeout=5000) as opened:
        desk.window.profiles_action.trigger()
    dialog = opened.args[0]
    names = [dialog.model.profile_at(r).name for r in range(dialog.model.rowCount())]
    assert names == ["Alpha", "Sandbox (demo)"]
    qtbot.waitUntil(lambda: dialog.fields.name_edit.text() == "Sandbox (demo)")  # the one in use
    assert not dialog.fields.isEnabled()
    assert not dialog.save_button.isEnabled()
    assert not dialog.delete_button.isEnabled()
    assert dialog.use_button.isEnabled()
    assert "cannot be changed or deleted" in dialog.banner.text
    dialog.select_row(0)
    qtbot.waitUntil(lambda: dialog.fields.name_edit.text() == "Alpha")
    assert dialog.fields.isEnabled()
    assert dialog.save_button.isEnabled()
    dialog.reject()
