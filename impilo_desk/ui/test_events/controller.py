"""The Test events tab's controller: checks, fires, shows the chains, offers the fix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtWidgets import QDialog

from impilo_desk.services.url_checks import relay_ingest_url
from impilo_desk.ui.kit.dialogs import accepted, alive, run_dialog
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.test_events.filling import FormFilling
from impilo_desk.ui.test_events.models import ChainModel, Fired, HistoryModel, format_clock
from impilo_desk.ui.test_events.patients import PatientSearch
from impilo_desk.ui.test_events.tracker import Follow, FollowTracker
from impilo_desk.ui.test_events.view import ConfirmProductionDialog, TestEventsTab

if TYPE_CHECKING:  # the contract, client and services (pydantic) load after the first paint
    from impilo_desk.client.ports import TestEventsApi
    from impilo_desk.services.event_store import RelayEvent
    from impilo_desk.services.test_event_follow import FollowTimes
    from impilo_desk.session import ProfileInfo, Session


class TestEventsController(TabController[TestEventsTab]):
    """Decides what the Test events tab does and runs it as owned tasks.

    Every fired event is followed at once by :attr:`tracker`; the chain panel shows the chain of
    the selected history row, else of the newest.

    Signals:
        patients_loaded(int): The patient list was (re)loaded with this many patients.
        blocked(str): Firing was refused before sending; the sentence says why.
        chain_changed(): The chain shown changed (a step happened, or another row was chosen).
        followed(str): Following an event ended; the outcome as the history shows it.
        webhook_created(str): The offered webhook was created (its type).
        api_ok(), api_failed(str): As for every :class:`TabController`.

    Args:
        view: The tab.
        chain_model: The receipt chain model the tab shows.
        history: The history model the tab shows.
        tasks: Owner of every task this controller starts (replaced per profile session).
        follow_times: Time-outs and polling pace of following (default: ``FollowTimes()``).
        parent: QObject parent.
    """

    __test__ = False  # a class of the app, not a pytest test class despite its name

    patients_loaded = Signal(int)
    blocked = Signal(str)
    chain_changed = Signal()
    followed = Signal(str)
    webhook_created = Signal(str)

    def __init__(
        self,
        view: TestEventsTab,
        chain_model: ChainModel,
        history: HistoryModel,
        tasks: TaskOwner,
        follow_times: FollowTimes | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(view, tasks, parent)
        self.chain_model = chain_model
        self.history = history
        self._times = follow_times
        self._api: TestEventsApi | None = None
        self._profile: ProfileInfo | None = None
        self._ingest_url: str | None = None
        self._unavailable: dict[str, str] = {}  # kind -> why, until the profile is opened again
        self.tracker = FollowTracker(history, self._spawn, self)
        self.tracker.changed.connect(self._chain_changed)
        self.tracker.ended.connect(self._follow_ended)
        self._stop_listening: Callable[[], None] | None = None
        self._busy = False
        self.open_dialog: QDialog | None = None
        self.patients = PatientSearch(view, self._spawn, self)
        self.patients.loaded.connect(self.patients_loaded)
        self.patients.answered.connect(self.api_ok)
        self.patients.failed.connect(self.report_failure)
        view.fire_action.triggered.connect(self.fire)
        view.fire_again_action.triggered.connect(self.fire_again)
        history.rowsInserted.connect(lambda *_a: self._sync_fire_again())
        history.modelReset.connect(self._sync_fire_again)
        view.create_webhook_action.triggered.connect(self.create_relay_webhook)
        self.filling = FormFilling(view)
        view.history_table.selectionModel().selectionChanged.connect(
            lambda _selected, _deselected: self._show(self.shown_follow())
        )
        self.set_session(None)

    # -- session ---------------------------------------------------------------------------

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (its client, profile and relay events), or none."""
        self.set_session(session, tasks)

    def set_session(self, session: Session | None, tasks: TaskOwner | None = None) -> None:
        """Switches to another profile's session (or none): a new client, relay, history.

        Listens to the session's relay events (its ``EventHub``) until the next switch.
        """
        if tasks is not None:
            self._tasks = tasks
        if self._stop_listening is not None:  # the old hub must not call a gone controller
            self._stop_listening()
            self._stop_listening = None
        if not alive(self.view):  # the window is gone (a session ending at shutdown)
            return
        self.patients.timer.stop()
        self.tracker.cancel_all()  # the old session's follows end with it (its client closes)
        self._api = session.api if session is not None else None
        self.patients.api = self._api
        self._profile = session.profile if session is not None else None
        self._ingest_url = relay_ingest_url(self._profile.relay_url if self._profile else None)
        self._unavailable = {}  # this server's missing test endpoints are asked again next time
        if session is not None and session.events is not None:
            from impilo_desk.services.reading_feed import HubListener  # after the first paint

            self._stop_listening = session.events.add_listener(
                HubListener(event=self.on_relay_event)
            )
        connected = session is not None
        self.view.fire_action.setEnabled(connected)
        self._sync_fire_again()
        self.view.random_action.setEnabled(True)
        self.view.banner.clear()
        self.view.show_reason(None, False)
        self.view.set_patients([], "" if connected else "Connect a profile to fire test events.")
        if connected:
            self.view.build_forms()
            self.view.mark_unavailable(set())
            self.filling.kind_changed()
            self.patients.search_now()

    def on_relay_event(self, event: RelayEvent) -> None:
        """Takes an event the relay feed received (for the follow it belongs to)."""
        self.tracker.offer(event)

    def shown_follow(self) -> Follow | None:
        """The follow the chain panel shows: the selected history row's, else the newest."""
        row = self.view.selected_history_row()
        return self.tracker.follow_of(self.history.fired_at_row(row if row >= 0 else 0))

    # -- actions ---------------------------------------------------------------------------

    def fire(self) -> None:
        """Checks the form and the patient, then fires and follows the event."""
        form = self.view.current_form()
        kind = self.view.current_kind()
        if self._api is None or form is None or kind is None or self._busy:
            return
        values = form.values()
        errors = form.check()
        form.show_errors(errors)
        patient_id = self.view.patient_id()
        if errors:
            field = form.first_error_field()
            if field is not None:
                field.setFocus()

            def first_error() -> str | None:  # what is wrong now, as the form is edited
                return next(iter(form.check().values()), None)

            # the banner follows the form and goes as soon as the form is right again
            self.view.banner.show_error_while(form.edited, first_error)
            self.blocked.emit(next(iter(errors.values())))
            return
        if patient_id is None:
            self._block("Choose a patient first: search by name or id.",
                        self.view.patient_combo.currentIndexChanged,
                        lambda: self.view.patient_id() is not None)  # fmt: skip
            return
        if kind in self._unavailable:
            self._block(
                self._unavailable[kind].rstrip(".") + "; it is not asked again until this "
                "profile is opened again (Ctrl+P)."
            )
            return
        self._spawn(self._fire(kind, patient_id, self.view.patient_label(), values), "fire")

    def fire_again(self) -> None:
        """Puts the selected (else the latest) fired event back in the form and fires it."""
        row = self.view.selected_history_row()
        item = self.history.fired_at_row(row if row >= 0 else 0)
        if item is None:
            self._block("Nothing was fired yet in this session.")
            return
        self.view.select_kind(item.kind)
        form = self.view.current_form()
        if form is not None:
            form.set_values(item.values)
        self.view.select_patient(item.patient_id, item.patient_label)
        self.fire()

    def random_values(self) -> None:
        """Fills the form with realistic random values."""
        self.filling.random_values()

    def fire_example(self, kind: str = "blood-pressure", preset: str = "Normal") -> bool:
        """Fires a preset for the chosen patient (screenshots, smoke tests); wait on ``followed``.

        Returns:
            Whether it was fired (False without a session, a patient or that preset).
        """
        if self._api is None or self.view.patient_id() is None or self._busy:
            return False
        from impilo_desk.contract import ReadingKind
        from impilo_desk.services.test_event_values import presets

        values = presets(ReadingKind(kind)).get(preset)
        self.view.select_kind(kind)
        form = self.view.current_form()
        if values is None or form is None:
            return False
        self.view.preset_combo.setCurrentIndex(self.view.preset_combo.findData(preset))
        form.set_values(values)
        self.fire()
        return True

    def create_relay_webhook(self) -> None:
        """Creates the missing webhook of the shown event's type, pointing at the relay."""
        follow = self.shown_follow()
        if self._api is None or follow is None or self._ingest_url is None:
            return
        event_type = follow.follower.chain.event_type
        self._spawn(self._create_webhook(event_type, self._ingest_url), "webhook")

    # -- the work --------------------------------------------------------------------------

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        return self._tasks.spawn(coro, name=f"firing.{name}")

    def _block(
        self,
        sentence: str,
        recheck: SignalInstance | None = None,
        resolved: Callable[[], bool] | None = None,
    ) -> None:
        if recheck is not None and resolved is not None:
            self.view.banner.show_error_until(sentence, recheck, resolved)
        else:
            self.view.banner.show_error(sentence)
        self.blocked.emit(sentence)

    def _sync_fire_again(self) -> None:
        """Fire again only once something was fired (in a session)."""
        if alive(self.view):
            fired = self.history.rowCount() > 0
            self.view.fire_again_action.setEnabled(self._api is not None and fired)

    async def _fire(self, kind: str, patient_id: int, label: str, values: dict[str, Any]) -> None:
        from impilo_desk.contract import READING_KINDS, ReadingKind
        from impilo_desk.services.test_event_follow import FollowTimes
        from impilo_desk.services.test_event_values import summarize

        api, profile = self._api, self._profile
        if api is None or profile is None:
            return
        info = READING_KINDS[ReadingKind(kind)]
        self._busy = True
        self.view.fire_action.setEnabled(False)
        try:
            if profile.environment == "production" and not await self._confirm(
                profile.name, f"Fire a {info.label.lower()} test event for {label}?"
            ):
                self.view.banner.show_info("Not fired: the profile name was not confirmed.")
                return
        finally:
            self._busy = False
            if alive(self.view):
                self.view.fire_action.setEnabled(self._api is not None)
        fired = Fired(
            kind,
            info.label,
            patient_id,
            label,
            dict(values),
            summarize(info, values),
            datetime.now(UTC),
        )
        title = f"{info.label} for {label} ({fired.summary}), fired at "
        from impilo_desk.services.server_info import may_ask_sandbox_info

        info_url = profile.api_base_url if may_ask_sandbox_info(profile.environment) else None
        await self.tracker.follow(
            fired,
            title + format_clock(fired.fired_at, self.history.times),
            api,
            info_url,
            self._ingest_url,
            self._times or FollowTimes(),
        )
        self.view.banner.clear()
        self.view.select_history_row(0)  # show the chain of what was just fired

    def _show(self, follow: Follow | None) -> None:
        """Shows ``follow``'s chain, title and, once it ended short, why (None: nothing yet)."""
        if not alive(self.view):
            return
        if follow is None:
            self.chain_model.set_chain(None, {}, False)
            self.view.chain_title.setText("Nothing fired yet in this session.")
            self.view.show_reason(None, False)
        else:
            follower, ended = follow.follower, follow.ended  # cancelled: ended, not finished
            self.chain_model.set_chain(follower.chain, follower.result.details, ended)
            self.view.chain_title.setText(follow.title)
            result = follower.result
            self.view.show_reason(result.reason if ended else None, ended and result.offer_webhook)
        self.chain_changed.emit()

    def _chain_changed(self, fired: Fired) -> None:
        shown = self.shown_follow()
        if shown is not None and shown.fired is fired:
            self._show(shown)

    def _follow_ended(self, fired: Fired) -> None:
        follow = self.tracker.follow_of(fired)
        if follow is None:
            return
        error = follow.follower.result.error
        if follow.failure is not None:
            self.report_failure(follow.failure)
        elif error is not None:
            if follow.follower.result.endpoint_missing:
                self._unavailable[fired.kind] = error
                self.view.mark_unavailable(set(self._unavailable))
            self.report(error)
        else:
            self.api_ok.emit()
        self._chain_changed(fired)
        self.followed.emit(fired.outcome)

    async def _confirm(self, profile_name: str, what: str) -> bool:
        dialog = ConfirmProductionDialog(profile_name, what, self.view)
        self.open_dialog = dialog
        try:
            result = await run_dialog(dialog)
            return accepted(result, dialog)
        finally:
            self.open_dialog = None
            dialog.deleteLater()

    async def _create_webhook(self, webhook_type: str, url: str) -> None:
        api = self._api
        if api is None:
            return
        self.view.create_webhook_action.setEnabled(False)
        try:
            hook = await api.create_webhook(webhook_type, url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.report_failure(exc)
            return
        finally:
            if alive(self.view):
                self.view.create_webhook_action.setEnabled(True)
        self.view.show_reason(None, False)
        self.view.banner.show_info(
            f"Created webhook #{hook.id}: {webhook_type} now goes to {url}. Fire again to follow "
            "a new event."
        )
        self.api_ok.emit()
        self.webhook_created.emit(webhook_type)
