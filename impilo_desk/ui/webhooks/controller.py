"""The Webhooks tab's controller: loads, creates, changes and deletes webhooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from impilo_desk.services.delivery_alerts import FailingWatch, LoggingNotifier, Notifier
from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.services.url_checks import relay_ingest_url
from impilo_desk.ui.kit.dialogs import accepted, alive, confirm_box, run_dialog
from impilo_desk.ui.kit.palette import is_dark
from impilo_desk.ui.kit.status_icons import PAUSE, status_icon
from impilo_desk.ui.kit.tab_controller import TabController
from impilo_desk.ui.kit.tasks import TaskOwner
from impilo_desk.ui.webhooks.health import HealthWatch
from impilo_desk.ui.webhooks.model import WebhooksModel
from impilo_desk.ui.webhooks.view import WebhooksTab

if TYPE_CHECKING:  # the contract (pydantic) and the dialog load after the first paint
    from impilo_desk.client.ports import WebhookApi
    from impilo_desk.contract import Webhook
    from impilo_desk.session import Session

PAGE_SIZE = 250
MAX_PAGES = 40  # 10 000 webhooks: far more than an account has; keeps the loop bounded


async def fetch_all_webhooks(api: WebhookApi) -> list[Webhook]:
    """Every webhook of the account, page by page (bounded)."""
    from impilo_desk.client.paging import paginate  # the client loads after the first paint

    pages = paginate(
        lambda n: api.list_webhooks(page=n, size=PAGE_SIZE), size=PAGE_SIZE, max_pages=MAX_PAGES
    )
    return [hook async for page in pages for hook in page.content]


class WebhooksController(TabController[WebhooksTab]):
    """Decides what the Webhooks tab's actions do and runs them as owned tasks.

    Signals:
        loaded(int): The table was (re)loaded with this many webhooks.
        changed(): A webhook was created, changed or deleted.
        failing_changed(str): The status bar's line about failing webhooks ("" when none).
        api_ok(), api_failed(str): As for every :class:`TabController`.

    Args:
        view: The tab.
        model: The table model the tab shows.
        tasks: Owner of every task this controller starts (cancelled on profile switch/close).
        parent: QObject parent.
        clock: The current time (the health's "last 24 hours").
        notifier: Shows the desktop notification when a webhook turns failing.
    """

    loaded = Signal(int)
    changed = Signal()

    def __init__(
        self,
        view: WebhooksTab,
        model: WebhooksModel,
        tasks: TaskOwner,
        parent: QObject | None = None,
        clock: Callable[[], datetime] | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        super().__init__(view, tasks, parent)
        self.model = model
        alerts = FailingWatch(notifier or LoggingNotifier(), times=model.times)
        self.health = HealthWatch(
            view, model, tasks, clock or (lambda: datetime.now(UTC)), alerts, self
        )
        self.failing_changed = self.health.failing_changed
        self._api: WebhookApi | None = None
        self._ingest_url: str | None = None
        self.open_dialog: QDialog | None = None
        view.refresh_action.triggered.connect(self.refresh)
        view.new_action.triggered.connect(self.create)
        self._row_busy = False  # a change or delete of the selected webhook is under way
        view.selection_changed.connect(self._update_row_actions)
        view.edit_action.triggered.connect(self.edit)
        view.delete_action.triggered.connect(self.delete)
        view.relay_action.triggered.connect(self.send_readings_to_relay)
        self.set_session(None, None)

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (its client and relay URL), or none."""
        self.set_tasks(tasks)
        alerts = bool(getattr(session.profile, "alerts", True)) if session else True
        self.health.bind(
            None if session is None else session.log_mirror,
            tasks,
            alerts,
            attempts=None if session is None else session.attempts,
        )
        if session is None:
            self.set_session(None, None)
        else:
            self.set_session(session.api, session.profile.relay_url)

    def window_closing(self) -> None:
        """Stops the health's timers."""
        self.health.window_closing()

    def set_session(self, api: WebhookApi | None, relay_url: str | None) -> None:
        """Switches to another profile's client (or none) and reloads."""
        self._api = api
        self._ingest_url = relay_ingest_url(relay_url)
        self.model.set_webhooks([])
        self.view.banner.clear()
        self.view.show_count(loaded=False)
        connected = api is not None
        for action in (self.view.refresh_action, self.view.new_action):
            action.setEnabled(connected)
        self._update_row_actions()
        self.view.relay_action.setEnabled(connected and self._ingest_url is not None)
        self.view.relay_action.setToolTip(
            f"Creates the missing reading.* webhooks pointing at {self._ingest_url}"
            if self._ingest_url
            else "This profile has no relay URL; add one in Profiles."
        )
        if connected:
            self.refresh()

    # -- actions ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reloads the table and syncs the local copy of the log (F5)."""
        self._start(self.view.refresh_action, self._refresh, "webhooks.refresh")
        self.health.refresh()

    def create(self) -> None:
        """Asks for a type and URL, then creates the webhook."""
        self._start(self.view.new_action, self._create, "webhooks.create")

    def edit(self) -> None:
        """Asks for a new URL for the selected webhook, then changes it."""
        self._start_on_row(self.view.edit_action, self._edit, "webhooks.edit")

    def delete(self) -> None:
        """Asks for confirmation, then deletes the selected webhook."""
        self._start_on_row(self.view.delete_action, self._delete, "webhooks.delete")

    def send_readings_to_relay(self) -> None:
        """Creates the missing ``reading.*`` webhooks pointing at the relay's ingest URL."""
        self._start(self.view.relay_action, self._send_readings, "webhooks.relay")

    # -- the work --------------------------------------------------------------------------

    def _start(self, action: QAction, work: Callable[[], Awaitable[None]], name: str) -> None:
        if self._api is not None:
            self.run_action(action, work, name, enabled_after=lambda: self._api is not None)

    def _row_actions_allowed(self) -> bool:
        return self._api is not None and not self._row_busy and self.view.selected_row() >= 0

    def _update_row_actions(self) -> None:
        """Change URL and Delete: only with a webhook selected and nothing running on it."""
        allowed = self._row_actions_allowed()
        self.view.edit_action.setEnabled(allowed)
        self.view.delete_action.setEnabled(allowed)

    def _start_on_row(
        self, action: QAction, work: Callable[[], Awaitable[None]], name: str
    ) -> None:
        if not self._row_actions_allowed():
            return

        async def on_row() -> None:
            self._row_busy = True
            self._update_row_actions()
            try:
                await work()
            finally:
                self._row_busy = False

        self.run_action(
            action,
            on_row,
            name,
            enabled_after=self._row_actions_allowed,
            after=self._update_row_actions,
        )

    async def _refresh(self) -> None:
        api = self._require_api()
        self.view.set_busy(True)
        try:
            hooks = await fetch_all_webhooks(api)
        finally:
            if alive(self.view):
                self.view.set_busy(False)
        selected = self.model.webhook_at(self.view.selected_row())
        self.model.set_webhooks(hooks)
        if selected is not None:
            self.view.select_row(self.model.row_of(selected.id))
        self.view.show_count()
        if self.view.banner.kind == "error":
            self.view.banner.clear()
        self.api_ok.emit()
        self.loaded.emit(len(hooks))

    async def _create(self) -> None:
        from impilo_desk.ui.webhooks.dialog import WebhookDialog

        api = self._require_api()
        dialog = WebhookDialog(None, self._ingest_url or "", self.view)
        try:
            result = await self._ask(dialog)
            if not accepted(result, dialog):
                return
            webhook_type, url = dialog.webhook_type(), dialog.url()
        finally:
            dialog.deleteLater()
        hook = await api.create_webhook(webhook_type, url)
        self.view.banner.show_info(f"Created webhook #{hook.id} for {hook.type}.")
        await self._after_change(hook.id)

    async def _edit(self) -> None:
        api = self._require_api()
        hook = self._selected()
        if hook is None or hook.id is None:
            return
        from impilo_desk.ui.webhooks.dialog import WebhookDialog

        dialog = WebhookDialog(hook, "", self.view)
        try:
            result = await self._ask(dialog)
            if not accepted(result, dialog):
                return
            url = dialog.url()
        finally:
            dialog.deleteLater()
        await api.update_webhook_url(hook.id, hook.type, url)
        self.view.banner.show_info(f"Webhook #{hook.id} now sends {hook.type} to {url}.")
        await self._after_change(hook.id)

    async def _delete(self) -> None:
        api = self._require_api()
        hook = self._selected()
        if hook is None or hook.id is None:
            return
        box = confirm_box(
            self.view,
            "Delete webhook",
            f"Delete webhook #{hook.id} ({hook.type} → {hook.url})?\n\n"
            "Impilo stops sending these events to that URL.",
            "Delete",
        )
        try:
            result = await self._ask(box)
            if not accepted(result, box):
                return
        finally:
            box.deleteLater()
        await api.delete_webhook(hook.id)
        self.view.banner.show_info(f"Deleted webhook #{hook.id} ({hook.type}).")
        await self._after_change(None)

    async def _send_readings(self) -> None:
        api = self._require_api()
        target = self._ingest_url
        if target is None:
            return
        from impilo_desk.contract import READING_EVENT_TYPES

        hooks = await fetch_all_webhooks(api)
        present = {h.type for h in hooks if h.url.rstrip("/") == target}
        missing = [t for t in READING_EVENT_TYPES if t not in present]
        created: list[str] = []
        for webhook_type in missing:
            try:
                await api.create_webhook(webhook_type, target)
            except Exception as exc:
                if not created:
                    raise
                await self._after_change(None)
                self.view.banner.show_error(
                    f"Created {len(created)} of {len(missing)} webhooks, then: "
                    + describe_error(exc)
                )
                return
            created.append(webhook_type)
        await self._after_change(None)
        self.view.banner.show_info(_relay_report(created, len(present), target))

    async def _after_change(self, webhook_id: int | None) -> None:
        self.changed.emit()
        await self._refresh()
        if webhook_id is None or not alive(self.view):
            return
        row = self.model.row_of(webhook_id)
        if row >= 0 and not self.view.select_row(row):
            # the filter hides it: show it rather than leave the user looking for it
            self.view.filter_edit.clear()
            self.view.select_row(row)
            self.view.banner.show_info(
                f"{self.view.banner.text} The filter was cleared to show webhook #{webhook_id}."
            )

    async def _ask(self, dialog: QDialog) -> int:
        self.open_dialog = dialog
        try:
            return await run_dialog(dialog)
        finally:
            self.open_dialog = None

    def _selected(self) -> Webhook | None:
        hook = self.model.webhook_at(self.view.selected_row())
        if hook is None:
            self.view.banner.show_info("Select a webhook first.")
        return hook

    def _require_api(self) -> WebhookApi:
        if self._api is None:
            raise RuntimeError("no profile is connected")
        return self._api


def _relay_report(created: list[str], already: int, target: str) -> str:
    if not created:
        return f"Every reading type already goes to {target}; nothing to create."
    names = ", ".join(t.removeprefix("reading.") for t in created)
    more = f" ({already} were already there)" if already else ""
    return f"Created {len(created)} webhooks to {target}{more}: {names}."


def health_icons(widget: QWidget) -> dict[str, Any]:
    """The icon of each health state, beside its text, for the palette ``widget`` is drawn on.

    Discs of the status colours (:mod:`~impilo_desk.ui.kit.status_icons`), 4.5:1 on the table:
    the style's yellow warning sign was 1.5:1 on the white table, its red one 3.8:1 and its
    dark grey pause sign 1.1:1 on the dark one (found under Xvfb).
    """
    dark = is_dark(widget)
    return {
        "healthy": status_icon("✓", "ok", dark),
        "degraded": status_icon("!", "warning", dark),
        "failing": status_icon("✕", "error", dark),
        "idle": status_icon(PAUSE, "muted", dark),
    }
