"""Table models of the Test events tab: the receipt chain and the session's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from impilo_desk.services.time_display import TimeDisplay, duration
from impilo_desk.ui.kit.palette import status_colour
from impilo_desk.ui.kit.table_model import NamedColumnsModel, TitledColumn

if TYPE_CHECKING:  # the contract and services (pydantic) load after the first paint
    from impilo_desk.services.receipts import ReceiptChain, Step

_Index = QModelIndex | QPersistentModelIndex


def format_latency(span: timedelta | None) -> str:
    """``+85 ms``, ``+1.4 s`` or ``+2 min 5 s`` (the app's duration style); "" when unknown."""
    if span is None:
        return ""
    seconds = span.total_seconds()
    sign = "+" if seconds >= 0 else "−"
    return sign + ("0 ms" if seconds == 0 else duration(abs(seconds)))


def format_clock(at: datetime | None, times: TimeDisplay | None = None) -> str:
    """A step's time with milliseconds, by the app's rule: ``14:03:07.412 CET``."""
    if at is None:
        return ""
    return (times or TimeDisplay()).moment(at, milliseconds=True)


def step_latency(chain: ReceiptChain, step: Step) -> timedelta | None:
    """Time from the latest earlier step that happened before this one.

    The relay often gets the event before Impilo's answer reaches this desktop; its latency
    then counts from sending, never a negative figure.
    """
    at = chain.times.get(step)
    if at is None:
        return None
    earlier = [t for s, t in chain.times.items() if s < step and t <= at]
    return at - max(earlier) if earlier else None


class ChainColumn(TitledColumn):
    """The receipt chain's columns, by name, with their titles."""

    STEP = 0, "Step"
    STATUS = 1, "Status"
    TIME = 2, "Time"
    LATENCY = 3, "Latency"
    DETAIL = 4, "Detail"


class ChainModel(NamedColumnsModel):
    """One row per step of the chain (sent → accepted → relay → desktop → logged)."""

    columns = ChainColumn

    def __init__(self, parent: Any = None, times: TimeDisplay | None = None) -> None:
        super().__init__(parent)
        self._chain: ReceiptChain | None = None
        self._details: dict[Step, str] = {}
        self._finished = False
        self.dark = False  # the view's palette (status colours that read on it)
        self.times = times or TimeDisplay()
        self.times.listen(self.restyle)

    def restyle(self, dark: bool | None = None) -> None:
        """Redraws times (the rule changed) or colours (``dark``: the palette changed)."""
        if dark is not None:
            self.dark = dark
        if self._chain is not None:
            self.dataChanged.emit(self.index(0, 0), self.index(4, len(ChainColumn) - 1))

    def set_chain(
        self, chain: ReceiptChain | None, details: dict[Step, str], finished: bool
    ) -> None:
        """Shows ``chain`` (None: nothing fired yet); ``finished``: missing steps are final."""
        self.beginResetModel()
        self._chain = chain
        self._details = dict(details)
        self._finished = finished
        self.endResetModel()

    def status(self, row: int) -> str:
        """``Done``, ``Waiting…`` or ``Missing`` for the step in ``row``."""
        if self._chain is None:
            return ""
        from impilo_desk.services.receipts import Step

        return self._chain.status(Step(row), self._finished)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Five steps once something was fired (none under a valid parent)."""
        return 0 if parent.isValid() or self._chain is None else 5

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text and colour."""
        chain = self._chain
        if chain is None or not index.isValid() or not 0 <= index.row() < 5:
            return None
        from impilo_desk.services.receipts import Step

        step = Step(index.row())
        column = ChainColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            match column:
                case ChainColumn.STEP:
                    return f"{index.row() + 1}. {step.label}"
                case ChainColumn.STATUS:
                    return self.status(index.row())
                case ChainColumn.TIME:
                    return format_clock(chain.times.get(step), self.times)
                case ChainColumn.LATENCY:
                    return format_latency(step_latency(chain, step))
                case ChainColumn.DETAIL:
                    return self._details.get(step, "")
        if role == Qt.ItemDataRole.ToolTipRole and column is ChainColumn.DETAIL:
            return self._details.get(step) or None
        if role == Qt.ItemDataRole.ForegroundRole and column is ChainColumn.STATUS:
            from impilo_desk.services.receipts import DONE

            # the colour repeats the status word and sign ("✔ Done"), on a light or dark palette
            status = chain.status(step, self._finished)
            kind = "ok" if status == DONE else "error" if status.startswith("✘") else "muted"
            return QBrush(QColor(status_colour(kind, self.dark)))
        if role == Qt.ItemDataRole.TextAlignmentRole and column is ChainColumn.LATENCY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


@dataclass
class Fired:
    """One event fired in this session.

    Attributes:
        kind: The reading kind's value (``blood-pressure``…).
        kind_label: How the kind reads ("Blood pressure").
        patient_id: The patient.
        patient_label: How the patient reads ("Amara Nwosu (#3)").
        values: The value fields sent.
        summary: The values in one line.
        fired_at: When it was fired.
        outcome: How following it ended (or "Following…").
    """

    kind: str
    kind_label: str
    patient_id: int
    patient_label: str
    values: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    fired_at: datetime | None = None
    outcome: str = "Following…"


class HistoryColumn(TitledColumn):
    """The history table's columns, by name, with their titles."""

    TIME = 0, "Fired at"
    KIND = 1, "Kind"
    PATIENT = 2, "Patient"
    VALUES = 3, "Values"
    OUTCOME = 4, "Outcome"


class HistoryModel(NamedColumnsModel):
    """The events fired in this session, newest first."""

    columns = HistoryColumn

    def __init__(self, parent: Any = None, times: TimeDisplay | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Fired] = []
        self.times = times or TimeDisplay()
        self.times.listen(self._times_changed)

    def _times_changed(self) -> None:
        if self._rows:
            column = HistoryColumn.TIME
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def add(self, fired: Fired) -> None:
        """Puts ``fired`` at the top."""
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, fired)
        self.endInsertRows()

    def update(self, fired: Fired) -> None:
        """Refreshes the row of ``fired`` (its outcome changed)."""
        for row, item in enumerate(self._rows):
            if item is fired:
                left = self.index(row, 0)
                right = self.index(row, len(HistoryColumn) - 1)
                self.dataChanged.emit(left, right)
                return

    def fired_at_row(self, row: int) -> Fired | None:
        """The entry of ``row``, or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows (none under a valid parent)."""
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text or tooltip."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = HistoryColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            match column:
                case HistoryColumn.TIME:
                    return format_clock(item.fired_at, self.times)
                case HistoryColumn.KIND:
                    return item.kind_label
                case HistoryColumn.PATIENT:
                    return item.patient_label
                case HistoryColumn.VALUES:
                    return item.summary
                case HistoryColumn.OUTCOME:
                    return item.outcome
        if role == Qt.ItemDataRole.ToolTipRole and column in (
            HistoryColumn.VALUES,
            HistoryColumn.OUTCOME,
        ):
            return item.summary if column is HistoryColumn.VALUES else item.outcome
        return None
