"""The table model of webhooks: id, type, health, manual resends (apart), URL.

The health is Impilo's own deliveries over the last 24 hours (from the mirror); the manual
resends of the same 24 hours have a column of their own and never enter it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from impilo_desk.services.time_display import TimeDisplay
from impilo_desk.ui.kit.table_model import NamedColumnsModel, TitledColumn

if TYPE_CHECKING:  # the contract (pydantic) loads after the first paint
    from impilo_desk.contract import Webhook
    from impilo_desk.services.delivery_health import WebhookHealth
    from impilo_desk.services.manual_resends import ManualResends

_Index = QModelIndex | QPersistentModelIndex


class WebhookColumn(TitledColumn):
    """The model's columns, by name, with their titles."""

    ID = 0, "ID"
    TYPE = 1, "Event type"
    STATE = 2, "Health (24 h)"
    DELIVERIES = 3, "Deliveries"
    SUCCESS = 4, "Success"
    LAST_DELIVERED = 5, "Last delivered"
    FAILING_SINCE = 6, "Failing since"
    MANUAL = 7, "Manual resends (24 h)"
    URL = 8, "URL"


SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # what a column sorts by: its meaning, not its text
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2  # what the filter matches: event type and URL

# states by severity, so that a sort puts the worst together (the unknown first, as least said)
_SEVERITY = {"idle": 1, "healthy": 2, "degraded": 3, "failing": 4}

HEALTH_COLUMNS = (
    WebhookColumn.STATE,
    WebhookColumn.DELIVERIES,
    WebhookColumn.SUCCESS,
    WebhookColumn.LAST_DELIVERED,
    WebhookColumn.FAILING_SINCE,
)
TIME_COLUMNS = (WebhookColumn.LAST_DELIVERED, WebhookColumn.FAILING_SINCE)

IMPILO_TIP = (
    "Impilo's own deliveries to this webhook over the last 24 hours. Manual resends are not "
    "counted here: a resend that succeeds does not make a failing webhook healthy."
)
MANUAL_TIP = (
    "What this desktop resent by hand over the last 24 hours (Logs: Resend, Recover; Events: "
    "Replay to) to this webhook's URL, with its event type. Counted apart from Impilo's "
    "deliveries; they do not change its health."
)


class WebhooksModel(NamedColumnsModel):
    """Webhooks as rows; :meth:`set_webhooks` replaces them all, :meth:`set_health` their health.

    The health's state shows as text and an icon (``icons`` maps a state's value to a QIcon),
    so that colour never carries the meaning alone. :meth:`set_manual` shows the manual resends
    in their own column, never in the health. Times follow ``times`` (the window's one rule).
    """

    columns = WebhookColumn

    def __init__(
        self,
        parent: Any = None,
        icons: dict[str, Any] | None = None,
        times: TimeDisplay | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows: list[Webhook] = []
        self._health: dict[int, WebhookHealth] = {}
        self._health_known = False
        self._manual: dict[int, ManualResends] = {}
        self._manual_known = False
        self._icons = icons or {}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.times = times or TimeDisplay()
        self.times.listen(self._times_changed)

    def set_icons(self, icons: dict[str, Any]) -> None:
        """The icon of each health state, by the state's value."""
        self._icons = dict(icons)

    def icon_of(self, state: str) -> Any:
        """The icon shown beside the health state ``state`` (None: none)."""
        return self._icons.get(state)

    def set_health(self, health: dict[int, WebhookHealth] | None) -> None:
        """Shows each webhook's health (None: not known, e.g. no local copy yet)."""
        self._health = dict(health or {})
        self._health_known = health is not None
        self._changed(HEALTH_COLUMNS)

    def health_of(self, webhook_id: int | None) -> WebhookHealth | None:
        """The health shown for a webhook, if known."""
        return None if webhook_id is None else self._health.get(webhook_id)

    def set_manual(self, manual: dict[int, ManualResends] | None) -> None:
        """Shows each webhook's manual resends (None: no record of them in this session)."""
        self._manual = dict(manual or {})
        self._manual_known = manual is not None
        self._changed((WebhookColumn.MANUAL,))

    def manual_of(self, webhook_id: int | None) -> ManualResends | None:
        """The manual resends shown for a webhook (None: none in the last 24 h, or not known)."""
        return None if webhook_id is None else self._manual.get(webhook_id)

    def headerData(  # noqa: N802 - Qt API
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles; the tooltip says whose deliveries a column counts."""
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if section in HEALTH_COLUMNS:
                return IMPILO_TIP
            if section == WebhookColumn.MANUAL:
                return MANUAL_TIP
        return super().headerData(section, orientation, role)

    def _changed(self, columns: tuple[WebhookColumn, ...]) -> None:
        if self._rows:
            first, last = min(columns), max(columns)
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))

    def _times_changed(self) -> None:
        self._changed((*TIME_COLUMNS, WebhookColumn.MANUAL))

    def set_webhooks(self, webhooks: list[Webhook]) -> None:
        """Replaces every row."""
        self.beginResetModel()
        self._rows = list(webhooks)
        self.endResetModel()

    def webhooks(self) -> list[Webhook]:
        """Every row, in order."""
        return list(self._rows)

    def webhook_at(self, row: int) -> Webhook | None:
        """The webhook of ``row``, or None when out of range."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, webhook_id: int | None) -> int:
        """The row of the webhook with ``webhook_id``, or -1."""
        for row, hook in enumerate(self._rows):
            if hook.id == webhook_id:
                return row
        return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows under ``parent`` (none under a valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, tooltip or alignment."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        hook = self._rows[index.row()]
        column = WebhookColumn(index.column())
        if role == FILTER_ROLE:
            return f"{hook.type}\n{hook.url}"
        if role == SORT_ROLE:
            return self._sort_key(hook, column)
        if column in HEALTH_COLUMNS:
            return self._health_data(hook, column, role)
        if column is WebhookColumn.MANUAL:
            return self._manual_data(hook, role)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column is WebhookColumn.ID:
                return "" if hook.id is None else str(hook.id)
            return hook.type if column is WebhookColumn.TYPE else hook.url
        if role == Qt.ItemDataRole.ToolTipRole:
            if column is WebhookColumn.TYPE:
                from impilo_desk.contract import EVENT_TYPES

                known = EVENT_TYPES.get(hook.type)
                return known.description if known else "An event type this app does not know."
            return hook.url if column is WebhookColumn.URL else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column is WebhookColumn.ID:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _sort_key(self, hook: Webhook, column: WebhookColumn) -> Any:
        """One type per column (numbers or lower-case text); the missing sort first."""
        if column is WebhookColumn.ID:
            return -1 if hook.id is None else hook.id
        if column is WebhookColumn.TYPE:
            return hook.type.casefold()
        if column is WebhookColumn.URL:
            return hook.url.casefold()
        if column is WebhookColumn.MANUAL:
            manual = self.manual_of(hook.id)
            return -1.0 if manual is None else float(manual.resent)
        health = self.health_of(hook.id)
        if health is None:
            return -1.0
        if column is WebhookColumn.STATE:
            return float(_SEVERITY.get(health.state.value, 0))
        if column is WebhookColumn.DELIVERIES:
            return float(health.deliveries)
        if column is WebhookColumn.SUCCESS:
            rate = health.success_rate
            return -1.0 if rate is None else rate
        when = (
            health.last_delivered
            if column is WebhookColumn.LAST_DELIVERED
            else health.failing_since
        )
        return -1.0 if when is None else when.timestamp()

    def _health_data(self, hook: Webhook, column: WebhookColumn, role: int) -> Any:
        health = self.health_of(hook.id)
        display = role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
        if health is None:
            if display and column is WebhookColumn.STATE:
                return "not known yet" if not self._health_known else "idle"
            return "" if display else None
        if column is WebhookColumn.STATE:
            if display:
                return health.state.value.capitalize()
            if role == Qt.ItemDataRole.DecorationRole:
                return self._icons.get(health.state.value)
            if role == Qt.ItemDataRole.ToolTipRole:
                return state_tooltip(health, self.manual_of(hook.id))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            WebhookColumn.DELIVERIES,
            WebhookColumn.SUCCESS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if not display:
            return None
        if column is WebhookColumn.DELIVERIES:
            return f"{health.deliveries:,}"
        if column is WebhookColumn.SUCCESS:
            rate = health.success_rate
            return "" if rate is None else f"{rate:.0%}" if rate in (0, 1) else f"{rate:.1%}"
        when = (
            health.last_delivered
            if column is WebhookColumn.LAST_DELIVERED
            else health.failing_since
        )
        return "" if when is None else self.times.moment(when, self._clock())

    def _manual_data(self, hook: Webhook, role: int) -> Any:
        manual = self.manual_of(hook.id)
        display = role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
        if display:
            if manual is not None:
                return f"{manual.resent:,} resent, {manual.delivered:,} delivered"
            return "none" if self._manual_known else ""
        if role == Qt.ItemDataRole.ToolTipRole and manual is not None:
            return manual_tooltip(manual, self.times, self._clock())
        return None


def state_tooltip(health: WebhookHealth, manual: ManualResends | None) -> str | None:
    """Why the state is what it is; with manual resends, that they do not change it."""
    reason = health.reason[:1].upper() + health.reason[1:] if health.reason else ""
    if manual is None:
        return reason or None
    apart = (
        f"Impilo's deliveries only: the manual resends ({manual.delivered_of()}) are counted "
        "apart and do not change this state."
    )
    return f"{reason}\n{apart}" if reason else apart


def manual_tooltip(manual: ManualResends, times: TimeDisplay, now: datetime) -> str:
    """The manual resends in full, and that Impilo's health does not count them."""
    lines = [f"Manual resends in the last 24 h: {manual.describe()}."]
    if manual.failures:
        lines.append(f"Failed: {manual.failure_words()}.")
    latest = manual.latest_status if manual.latest_status is not None else manual.latest.value
    lines.append(f"Latest: {times.moment(manual.latest_at, now)}, {latest}.")
    lines.append("Impilo's own health does not count them.")
    return "\n".join(lines)
