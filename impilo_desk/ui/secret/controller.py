"""The Secret tab's controller: compares, generates and saves the webhook secret."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.session import webhook_secret_kind
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.secret.view import SecretTab

if TYPE_CHECKING:
    from impilo_desk.client.ports import WebhookApi
    from impilo_desk.services.credentials import CredentialStore
    from impilo_desk.session import Session

MIN_SECRET_LENGTH = 16
WEAK_SECRET = f"Use at least {MIN_SECRET_LENGTH} characters, or press Generate for a strong one."
FOLLOW_EVERY_S = 3.0
FOLLOW_FOR_S = 600.0  # how long the tab keeps checking the deliveries after a change
RELAY_STEPS = (
    "On your relay, put the new secret on the first line of its secret file (keep the old "
    "line until the deliveries below succeed) and send it SIGHUP, or restart it with the new "
    "IMPILO_RELAY_SECRET."
)


def generate_secret() -> str:
    """A strong secret: 32 random bytes, URL-safe text (43 characters)."""
    return secrets.token_urlsafe(32)


class SecretController(TabController[SecretTab]):
    """Loads the secret from Impilo and the keyring, and saves a new one to both in one step.

    A server that does not show its secret (405) still gets the keyring's state shown; one that
    cannot replace it ends in the portal sentence, after which Save keeps a secret locally only.

    Signals:
        loaded(): The state was (re)loaded.
        saved(): A secret was saved on Impilo and in the local store (keyring or memory).
        api_ok(), api_failed(str): As for every :class:`TabController`.

    After a change on Impilo, the demo's relay is given the new secret first (the app runs it);
    a real profile's relay is the user's, and the tab says what to do there. Either way the tab
    then follows Impilo's deliveries to the relay and says whether they succeed with it.

    Args:
        view: The tab.
        tasks: Owner of every task this controller starts.
        parent: QObject parent.
        clock: Now, aware (the times the tab shows).
        times: How times are written (the window's one rule: local or UTC).
    """

    loaded = Signal()
    saved = Signal()

    def __init__(
        self,
        view: SecretTab,
        tasks: TaskOwner,
        parent: QObject | None = None,
        clock: Callable[[], datetime] | None = None,
        times: TimeDisplay | None = None,
    ) -> None:
        super().__init__(view, tasks, parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._times = times or TimeDisplay()
        self._following: asyncio.Task[None] | None = None
        self._api: WebhookApi | None = None
        self._store: CredentialStore | None = None
        self._profile_id = ""
        self._on_impilo: str | None = None
        self._in_keyring: str | None = None
        self._shown: tuple[bool | None, bool | None] = (None, None)  # what show_state last said
        view.refresh_action.triggered.connect(self.refresh)
        view.save_action.triggered.connect(self.save)
        view.generate_action.triggered.connect(self.generate)
        view.secret_edit.textChanged.connect(self._update_save)
        self._session: Session | None = None
        self._stop_watching: Callable[[], None] | None = None
        self.saved.connect(self._tell_session)
        self.set_session(None, None, "")

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (its client, secret store and the store's name), or none."""
        self.set_tasks(tasks)
        if self._stop_watching is not None:
            self._stop_watching()
            self._stop_watching = None
        self._session = session
        if self._following is not None:
            self._following.cancel()  # the old session's relay
            self._following = None
        self.view.show_relay("")
        if session is None:
            self.set_session(None, None, "")
            return
        self.set_session(session.api, session.store, session.profile.id, session.store_name)
        if session.watch_store_name is not None:
            self._stop_watching = session.watch_store_name(self.store_renamed)

    def window_closing(self) -> None:
        """Clears the clipboard if it still holds a secret copied from this tab."""
        if alive(self.view):
            self.view.clear_clipboard()

    def _tell_session(self) -> None:
        # a relay feed that checks secrets itself (smee) must read the new one
        if self._session is not None:
            self._session.secrets_changed.notify()

    def set_session(
        self,
        api: WebhookApi | None,
        store: CredentialStore | None,
        profile_id: str,
        store_name: str = "the keyring",
    ) -> None:
        """Switches to another profile (or none) and reloads; ``store_name`` names ``store``."""
        self._api, self._store, self._profile_id = api, store, profile_id
        self._on_impilo = self._in_keyring = None
        self._exists: bool | None = None  # None: Impilo does not show its secret
        self._portal_only = False  # Impilo has one it cannot replace: Save keeps it locally
        self._hidden = False  # the server does not show its secret (GET is 405 or missing)
        self.view.set_save_mode(portal_only=False)
        self.view.banner.clear()
        self.view.set_store_name(store_name)
        self.view.clear_clipboard()
        self.view.set_secret("")
        self._show_state(None, None)
        self.view.show_match(None)
        connected = api is not None and store is not None
        for action in (self.view.refresh_action, self.view.generate_action):
            action.setEnabled(connected)
        self._update_save()
        if connected:
            self.refresh()

    def store_renamed(self, name: str) -> None:
        """The session's secrets moved (to memory, mid-session): shows the state under ``name``."""
        if alive(self.view):
            self.view.set_store_name(name)
            self._show_state(*self._shown)  # the same state, in the new words

    def refresh(self) -> None:
        """Reloads the state from Impilo and the keyring."""
        self._start(self.view.refresh_action, self._load, "secret.load")

    def generate(self) -> None:
        """Puts a new strong secret in the field (not saved until Save)."""
        self.view.set_secret(generate_secret())
        self.view.banner.show_info(
            "A new secret is in the field. Save it to send it to Impilo and keep it in "
            f"{self.view.store_name}."
        )

    def save(self) -> None:
        """Creates or replaces the secret on Impilo, then stores it in the keyring."""
        self._start(self.view.save_action, self._save, "secret.save")

    def _start(self, action: QAction, work: Callable[[], Awaitable[None]], name: str) -> None:
        if self._api is None:
            return
        self.run_action(
            action,
            work,
            name,
            enabled_after=lambda: self._api is not None,
            after=self._update_save,
            on_error=lambda exc: self.report_failure(exc, to_status=hasattr(exc, "status")),
        )  # an API error has a status; the keyring's goes to the banner only

    async def _load(self) -> None:
        from impilo_desk.services.secret_flow import read_impilo_secret  # after the first paint

        api, store = self._require()
        on_impilo = await read_impilo_secret(api)
        self.api_ok.emit()
        self._exists = on_impilo.exists
        self._hidden = not on_impilo.shown
        self._on_impilo = on_impilo.value
        self._in_keyring = await store.get(self._profile_id, webhook_secret_kind())
        self._show_state(self._exists, self._in_keyring is not None)
        both = self._on_impilo is not None and self._in_keyring is not None
        self.view.show_match(self._on_impilo == self._in_keyring if both else None)
        self.view.set_secret(self._on_impilo or self._in_keyring or "")
        if self._following is None or self._following.done():  # a change's follow says more
            await self._show_relay_now()
        self.loaded.emit()

    async def _show_relay_now(self) -> None:
        """Says how Impilo's deliveries to the relay fare now ("—" told a new user nothing)."""
        from impilo_desk.client.errors import ApiError
        from impilo_desk.services.relay_deliveries import failing_words

        session = self._session
        probe = session.relay_deliveries if session is not None else None
        if probe is None:
            self.view.show_relay("Not checked: this profile has no relay URL.")
            return
        try:
            found = await probe.check()
        except ApiError:
            self.view.show_relay("Not known now: the delivery log could not be read.")
            return
        if found.state == "ok":
            at = (
                f" (last at {self._times.moment(found.since, self._clock())})"
                if found.since
                else ""
            )
            self.view.show_relay(f"Impilo's deliveries to the relay succeed{at}.")
        elif found.state == "none":
            self.view.show_relay("Impilo sent nothing to the relay in the last hour.")
        else:
            words = failing_words(found, lambda at: self._times.moment(at, self._clock()))
            self.view.show_relay(words.replace("to it fail", "to the relay fail") + ".", True)

    async def _save(self) -> None:
        from impilo_desk.services.secret_flow import PortalOnlyError, set_impilo_secret

        api, store = self._require()
        value = self.view.secret()
        if len(value) < MIN_SECRET_LENGTH:  # Save is disabled then; this guards a stale click
            self.view.show_problem(WEAK_SECRET)
            return
        if self._portal_only:  # Impilo's secret is the portal's business: keep it locally only
            await self._keep(store, value, on_impilo=False)
            return
        session = self._session
        if session is not None and session.relay_takes_secret is not None:
            # before Impilo signs with it: the relay accepts the old and the new one meanwhile
            self.view.banner.show_info("Giving the demo's relay the new secret…")
            await session.relay_takes_secret(value)
        changed_at = self._clock()
        try:
            await set_impilo_secret(api, value, self._exists)
        except PortalOnlyError as exc:
            self._portal_only = True
            self._exists = True
            self.view.set_save_mode(portal_only=True)
            self.view.set_secret(self._on_impilo or self._in_keyring or "")
            self._show_state(True, self._in_keyring is not None)
            self.report_failure(exc)  # the status bar too: this call did not go through
            return
        self.api_ok.emit()
        self._on_impilo, self._exists = value, True
        await self._keep(store, value, on_impilo=True)
        self._follow_relay(changed_at)

    def _follow_relay(self, changed_at: datetime) -> None:
        """Follows Impilo's deliveries to the relay after the change, for a while."""
        session = self._session
        probe = session.relay_deliveries if session is not None else None
        if probe is None:
            return
        from impilo_desk.client.errors import ApiError
        from impilo_desk.services.relay_deliveries import after_change_words

        times = self._times

        async def follow() -> None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + FOLLOW_FOR_S
            while loop.time() < deadline:
                try:
                    found = await probe.check(after=changed_at)
                except ApiError:
                    self.view.show_relay("The delivery log could not be read; trying again…")
                else:
                    words = after_change_words(found, lambda at: times.moment(at, self._clock()))
                    self.view.show_relay(words, trouble=found.state == "failing")
                    if found.state == "ok":
                        return
                await asyncio.sleep(FOLLOW_EVERY_S)

        if self._following is not None:
            self._following.cancel()
        self.view.show_relay("Waiting for Impilo's next delivery to the relay…")
        self._following = self._tasks.spawn(follow(), name="secret.follow-relay")

    async def _keep(self, store: CredentialStore, value: str, *, on_impilo: bool) -> None:
        """Stores ``value`` locally; ``on_impilo``: Impilo has just taken it too."""
        try:
            await store.set(self._profile_id, webhook_secret_kind(), value)
        except Exception as exc:
            where = self.view.store_name  # now, not before: the store may have switched meanwhile
            done = "Impilo now uses the new secret, but it" if on_impilo else "The secret"
            self.report_failure(  # the keyring's failure, not Impilo's: the banner only
                exc,
                to_status=False,
                shown=lambda sentence: (
                    f"{done} could not be kept in {where} ({sentence.rstrip('.')}); copy it now."
                ),
            )
            self._show_state(self._exists, self._in_keyring is not None)
            self.view.show_match(False if self._in_keyring is not None and on_impilo else None)
            return
        self._in_keyring = value
        self._show_state(self._exists, True)
        if on_impilo:
            self.view.show_match(True)
            session = self._session
            if session is not None and session.relay_takes_secret is not None:
                relay = " The demo's relay accepts it too."
            elif session is not None and session.relay_deliveries is not None:
                relay = " " + RELAY_STEPS
            else:
                relay = (
                    " Give the new secret to every receiver (your relay too), or they will "
                    "refuse Impilo's deliveries."
                )
            self.view.banner.show_info(f"Saved on Impilo and in {self.view.store_name}.{relay}")
        else:
            known = self._on_impilo is not None
            self.view.show_match(value == self._on_impilo if known else None)
            self.view.banner.show_info(
                f"Kept in {self.view.store_name} for this profile; Impilo was not changed. It must "
                "be the secret the Impilo portal shows, or the relay and smee checks will refuse "
                "Impilo's deliveries."
            )
        self.saved.emit()

    def _show_state(self, on_impilo: bool | None, in_store: bool | None) -> None:
        self._shown = (on_impilo, in_store)
        self.view.show_state(on_impilo, in_store, not_shown=self._hidden)

    def _update_save(self) -> None:
        value = self.view.secret()
        differs = value != self._on_impilo or self._in_keyring != self._on_impilo
        weak = 0 < len(value) < MIN_SECRET_LENGTH and value != self._on_impilo
        self.view.show_problem(WEAK_SECRET if weak else "")
        usable = bool(value) and differs and not weak
        self.view.save_action.setEnabled(self._api is not None and usable)
        self.view.copy_action.setEnabled(bool(value))
        self.view.reveal_action.setEnabled(bool(value))

    def _require(self) -> tuple[WebhookApi, CredentialStore]:
        if self._api is None or self._store is None:
            raise RuntimeError("no profile is connected")
        return self._api, self._store
