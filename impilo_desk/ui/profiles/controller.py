"""Decides what happens with profiles: first start, the profiles dialog, switching."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.session import ProfileBook, ProfileInfo
from impilo_desk.ui.kit.dialogs import accepted, alive, confirm_box, run_dialog
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.profiles.dialog import ProfilesDialog, ProfilesModel, WelcomeDialog
from impilo_desk.ui.profiles.keyring_choice import KeyringChoiceController
from impilo_desk.ui.shell.main_window import MainWindow
from impilo_desk.ui.shell.session_controller import SessionController

StartDemo = Callable[[], Awaitable[ProfileInfo]]
_log = logging.getLogger(__name__)


class ProfilesController(QObject):
    """Loads profiles, offers the welcome dialog on a first start, runs the profiles dialog.

    Signals:
        profiles_changed(): The list of profiles changed (saved, deleted, demo added).
        dialog_opened(QObject): The profiles or welcome dialog was opened (tests, smoke test).
        demo_ready(object): The demo sandbox and relay are running (its profile).

    Args:
        window: The main window (menus, banner).
        book: Loads and saves profiles and their API keys.
        sessions: Switches the active profile.
        tasks: Owner of this controller's tasks (closed with the window).
        start_demo: Starts the demo sandbox and relay and returns their profile, if offered.
        parent: QObject parent.
        check_secrets: Checks the keyring at start-up (asking about memory if it is unusable).
        keyring_choice: Knows whether secrets are session-only (the dialogs say so).
    """

    profiles_changed = Signal()
    dialog_opened = Signal(QObject)
    demo_ready = Signal(object)

    def __init__(
        self,
        window: MainWindow,
        book: ProfileBook,
        sessions: SessionController,
        tasks: TaskOwner,
        start_demo: StartDemo | None = None,
        parent: QObject | None = None,
        *,
        check_secrets: Callable[[], Awaitable[None]] | None = None,
        keyring_choice: KeyringChoiceController | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self._book = book
        self._sessions = sessions
        self._tasks = tasks
        self._start_demo = start_demo
        self.profiles: list[ProfileInfo] = []
        self._demo: ProfileInfo | None = None
        self.dialog: ProfilesDialog | WelcomeDialog | None = None
        self._check_secrets = check_secrets
        self._keyring_choice = keyring_choice
        if keyring_choice is not None:
            keyring_choice.mode_changed.connect(self._secrets_mode_changed)
        window.profiles_requested.connect(self.open_dialog)
        window.profile_chosen.connect(self.choose)
        sessions.demo_restart_requested.connect(self.restart_demo)

    def start(self, demo: bool) -> asyncio.Task[None]:
        """First thing after the window shows: the demo, the first profile, or the welcome."""
        return self._tasks.spawn(self._begin(demo), name="profiles.start")

    def choose(self, profile_id: str) -> None:
        """Switches to the profile with ``profile_id``."""
        profile = next((p for p in self.profiles if p.id == profile_id), None)
        if profile is not None:
            self._sessions.switch_to(profile)
            self._update_menu(profile.id)

    def restart_demo(self) -> None:
        """Ends the demo's session, starts the demo's servers afresh and switches to them."""
        if self._start_demo is None or self._tasks.closed:
            return

        async def restart() -> None:
            await self._sessions.end_session()
            await self._demo_profile()

        self._tasks.spawn(restart(), name="profiles.restart-demo")

    def open_dialog(self) -> None:
        """Opens the profiles dialog (once)."""
        if not isinstance(self.dialog, ProfilesDialog):
            self._tasks.spawn(self._run_profiles_dialog(), name="profiles.dialog")

    # -- start-up --------------------------------------------------------------------------

    async def _begin(self, demo: bool) -> None:
        try:
            saved = await self._book.load()
        except Exception as exc:
            self.window.banner.show_error(describe_error(exc))
            saved = []
        self.profiles = list(saved)
        if demo:
            await self._demo_profile()
            return
        if self._check_secrets is not None:
            try:
                await self._check_secrets()
            except Exception as exc:  # the keyring is unusable and memory was declined
                self.window.banner.show_error(describe_error(exc))
        self._update_menu(None)
        if self.profiles:
            self.choose(self.profiles[0].id)
            return
        await self._welcome()

    async def _welcome(self) -> None:
        dialog = WelcomeDialog(self.window)
        try:
            self._opened(dialog)
            while True:
                result = await run_dialog(dialog)
                if not accepted(result, dialog):
                    return
                if dialog.choice == "demo":
                    break
                try:
                    profile = await self._book.save(
                        dialog.fields.draft(), dialog.fields.api_key(), dialog.fields.relay_token()
                    )
                except Exception as exc:
                    dialog.banner.show_error(describe_error(exc))
                    continue
                self.profiles.append(profile)
                self.profiles_changed.emit()
                self.choose(profile.id)
                return
        finally:
            self.dialog = None
            dialog.deleteLater()
        await self._demo_profile()

    async def _demo_profile(self) -> None:
        if self._start_demo is None:
            self.window.banner.show_error("The demo is not available in this build.")
            return
        self.window.banner.show_info("Starting the demo sandbox and relay…")
        try:
            profile = await self._start_demo()
        except Exception as exc:
            _log.warning("the demo did not start", exc_info=exc)
            self.window.banner.show_error(describe_error(exc))
            return
        self.window.banner.clear()
        self._demo = profile
        self.profiles = [p for p in self.profiles if p.id != profile.id] + [profile]
        self.profiles_changed.emit()
        self.choose(profile.id)
        self.demo_ready.emit(profile)

    # -- the profiles dialog ---------------------------------------------------------------

    async def _run_profiles_dialog(self) -> None:
        model = ProfilesModel()
        dialog = ProfilesDialog(model, self.window)
        model.setParent(dialog)
        dialog_tasks = TaskOwner(asyncio.get_running_loop(), dialog.banner.show_error, "dialog")
        model.set_profiles(self._editable())

        def spawn(work: Callable[[], Awaitable[None]]) -> None:
            async def run() -> None:
                dialog.set_buttons_enabled(False)
                try:
                    await work()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    dialog.banner.show_error(describe_error(exc))
                finally:
                    if alive(dialog):
                        dialog.set_buttons_enabled(True)

            dialog_tasks.spawn(run())

        async def show(row: int) -> None:
            profile = model.profile_at(row)
            if profile is None:  # a new profile: clear_selection() has emptied the form
                return
            if self._is_demo(profile):  # shown (it is in use), not editable: its key is in memory
                dialog.show_profile(profile, True, read_only=True)
                return
            has_key = await self._book.has_api_key(profile.id)
            if dialog.selected_row() == row:
                dialog.show_profile(profile, has_key)

        async def save() -> None:
            current = model.profile_at(dialog.selected_row())
            if current is not None and self._is_demo(current):
                return
            saved = await self._book.save(
                dialog.fields.draft(current.id if current else None),
                dialog.fields.api_key(),
                dialog.fields.relay_token(),
            )
            self._put(saved)
            model.set_profiles(self._editable())
            dialog.select_row(model.row_of(saved.id))
            dialog.banner.show_info(f"Saved “{saved.name}”.")
            self.profiles_changed.emit()
            active = self._sessions.profile
            if active is not None and active.id == saved.id:
                self._sessions.switch_to(saved)  # reload every tab with the new settings
            self._update_menu(active.id if active else None)

        async def test() -> None:
            current = model.profile_at(dialog.selected_row())
            draft = dialog.fields.draft(current.id if current else None)
            dialog.banner.show_info("Testing…")
            dialog.banner.show_info(
                await self._book.test_connection(draft, dialog.fields.api_key())
            )

        async def delete() -> None:
            current = model.profile_at(dialog.selected_row())
            if current is None or self._is_demo(current):
                return
            box = confirm_box(
                dialog,
                "Delete profile",
                f"Delete the profile “{current.name}” and its API key and secret from the keyring?",
                "Delete",
            )
            try:
                if not accepted(await run_dialog(box), box):
                    return
            finally:
                box.deleteLater()
            await self._book.delete(current.id)
            self.profiles = [p for p in self.profiles if p.id != current.id]
            model.set_profiles(self._editable())
            dialog.clear_selection()
            self.profiles_changed.emit()
            active = self._sessions.profile
            if active is not None and active.id == current.id:
                await self._sessions.end_session()
            self._update_menu(active.id if active and active.id != current.id else None)

        async def use() -> None:
            current = model.profile_at(dialog.selected_row())
            if current is not None:
                self.choose(current.id)
                dialog.accept()

        dialog.selection_changed.connect(lambda row: dialog_tasks.spawn(show(row)))
        dialog.save_requested.connect(lambda: spawn(save))
        dialog.test_requested.connect(lambda: spawn(test))
        dialog.delete_requested.connect(lambda: spawn(delete))
        dialog.use_requested.connect(lambda: spawn(use))
        active = self._sessions.profile
        dialog.select_row(model.row_of(active.id) if active else (0 if self.profiles else -1))
        try:
            self._opened(dialog)
            await run_dialog(dialog)
        finally:
            await dialog_tasks.aclose()
            self.dialog = None
            if alive(dialog):
                dialog.deleteLater()

    # -- helpers ---------------------------------------------------------------------------

    def _put(self, profile: ProfileInfo) -> None:
        """Replaces the profile with the same id in place, or appends it."""
        ids = [p.id for p in self.profiles]
        if profile.id in ids:
            self.profiles[ids.index(profile.id)] = profile
        else:
            self.profiles.append(profile)

    def _editable(self) -> list[ProfileInfo]:
        """The dialog's list: every profile, the demo's too (shown read-only)."""
        return list(self.profiles)

    def _is_demo(self, profile: ProfileInfo) -> bool:
        return self._demo is not None and profile.id == self._demo.id

    def _opened(self, dialog: ProfilesDialog | WelcomeDialog) -> None:
        self.dialog = dialog
        if self._keyring_choice is not None:
            dialog.set_session_only(self._keyring_choice.session_only)
        self.dialog_opened.emit(dialog)

    def _secrets_mode_changed(self, _mode: str) -> None:
        if self.dialog is not None and alive(self.dialog) and self._keyring_choice is not None:
            self.dialog.set_session_only(self._keyring_choice.session_only)

    def _update_menu(self, active_id: str | None) -> None:
        active = active_id or (self._sessions.profile.id if self._sessions.profile else None)
        self.window.set_profiles([(p.id, p.name) for p in self.profiles], active)
