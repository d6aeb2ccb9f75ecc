"""The table model of webhooks: id, type, health over the last 24 hours (from the mirror), URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from impilo_desk.ui.kit.table_model import NamedColumnsModel, TitledColumn

if TYPE_CHECKING:  # the contract (pydantic) loads after the first paint
    from impilo_desk.contract import Webhook
    from impilo_desk.services.delivery_health import WebhookHealth

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
    URL = 7, "URL"


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


class WebhooksModel(NamedColumnsModel):
    """Webhooks as rows; :meth:`set_webhooks` replaces them all, :meth:`set_health` their health.

    The health's state shows as text and an icon (``icons`` maps a state's value to a QIcon),
    so that colour never carries the meaning alone.
    """

    columns = WebhookColumn

    def __init__(self, parent: Any = None, icons: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Webhook] = []
        self._health: dict[int, WebhookHealth] = {}
        self._health_known = False
        self._icons = icons or {}

    def set_icons(self, icons: dict[str, Any]) -> None:
        """The icon of each health state, by the state's value."""
        self._icons = dict(icons)

    def set_health(self, health: dict[int, WebhookHealth] | None) -> None:
        """Shows each webhook's health (None: not known, e.g. no local copy yet)."""
        self._health = dict(health or {})
        self._health_known = health is not None
        if self._rows:
            first, last = HEALTH_COLUMNS[0], HEALTH_COLUMNS[-1]
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last))

    def health_of(self, webhook_id: int | None) -> WebhookHealth | None:
        """The health shown for a webhook, if known."""
        return None if webhook_id is None else self._health.get(webhook_id)

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
                return health.reason[:1].upper() + health.reason[1:] if health.reason else None
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
        return "" if when is None else when.astimezone().strftime("%d %b %H:%M")
