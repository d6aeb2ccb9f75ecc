"""The redelivery history: past runs of this profile, and every attempt of the chosen run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.table_model import Index, NamedColumnsModel, TitledColumn
from impilo_desk.ui.logs.model import local_time

if TYPE_CHECKING:
    from impilo_desk.services.redelivery import Attempt, RunSummary

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


class RunColumn(TitledColumn):
    """The runs table's columns."""

    STARTED = 0, "Started"
    PROFILE = 1, "Profile"
    STATE = 2, "State"
    PLANNED = 3, "Planned"
    DELIVERED = 4, "Delivered"
    FAILED = 5, "Failed"
    UNKNOWN = 6, "Unknown"
    TARGETS = 7, "Sent to"


class AttemptColumn(TitledColumn):
    """The attempts table's columns."""

    STARTED = 0, "Started"
    LOG = 1, "Log row"
    EVENT = 2, "Event id"
    SOURCE = 3, "Body from"
    TARGET = 4, "Target"
    OUTCOME = 5, "Outcome"
    STATUS = 6, "Status"
    LATENCY = 7, "Latency"
    ERROR = 8, "Error"


def run_text(run: RunSummary, column: RunColumn) -> str:
    """A cell of the runs table."""
    match column:
        case RunColumn.STARTED:
            return local_time(run.started_at)
        case RunColumn.PROFILE:
            return run.profile_name
        case RunColumn.STATE:
            return run.state.value
        case RunColumn.PLANNED:
            return str(run.planned)
        case RunColumn.DELIVERED:
            return str(run.delivered)
        case RunColumn.FAILED:
            return str(run.failed)
        case RunColumn.UNKNOWN:
            return str(run.unknown + run.sending)
        case RunColumn.TARGETS:
            return ", ".join(run.targets)
    return ""


def attempt_text(attempt: Attempt, column: AttemptColumn) -> str:
    """A cell of the attempts table."""
    match column:
        case AttemptColumn.STARTED:
            return local_time(attempt.started_at)
        case AttemptColumn.LOG:
            return "" if attempt.log_id is None else str(attempt.log_id)
        case AttemptColumn.EVENT:
            return str(attempt.event_id)
        case AttemptColumn.SOURCE:
            return "the log" if attempt.source == "log" else "the relay's copy"
        case AttemptColumn.TARGET:
            return attempt.target
        case AttemptColumn.OUTCOME:
            return attempt.outcome.value
        case AttemptColumn.STATUS:
            return "" if attempt.status is None else str(attempt.status)
        case AttemptColumn.LATENCY:
            return "" if attempt.latency_ms is None else f"{attempt.latency_ms:,.0f} ms"
        case AttemptColumn.ERROR:
            return attempt.error or ""
    return ""


class RunsModel(NamedColumnsModel):
    """Runs as rows, newest first."""

    columns = RunColumn

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.runs: list[RunSummary] = []

    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        """Replaces the rows."""
        self.beginResetModel()
        self.runs = list(runs)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows (none under a valid parent)."""
        return 0 if parent.isValid() else len(self.runs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text."""
        if not 0 <= index.row() < len(self.runs) or role not in (_DISPLAY, _ACCESSIBLE, _TOOLTIP):
            return None
        return run_text(self.runs[index.row()], RunColumn(index.column()))


class AttemptsModel(NamedColumnsModel):
    """The attempts of one run as rows, in the order they started."""

    columns = AttemptColumn

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.attempts: list[Attempt] = []

    def set_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Replaces the rows."""
        self.beginResetModel()
        self.attempts = list(attempts)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows (none under a valid parent)."""
        return 0 if parent.isValid() else len(self.attempts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text."""
        if not 0 <= index.row() < len(self.attempts):
            return None
        if role not in (_DISPLAY, _ACCESSIBLE, _TOOLTIP):
            return None
        return attempt_text(self.attempts[index.row()], AttemptColumn(index.column()))


class HistoryDialog(QDialog):
    """Past redelivery runs; choosing one lists its attempts (the controller loads them).

    Signals:
        run_chosen(str): The user chose the run with this id.

    Args:
        parent: The Logs tab.
    """

    run_chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Redelivery history")
        self.setAccessibleName("Redelivery history")
        self.setObjectName("redeliver-history")
        self.resize(1000, 560)
        self.runs = RunsModel(self)
        self.attempts = AttemptsModel(self)
        self.note = QLabel("Loading the history…", self)
        self.note.setAccessibleName("Redelivery history state")
        self.note.setWordWrap(True)
        self.runs_table = self._table(self.runs, "Redelivery runs", RunColumn.TARGETS)
        self.attempts_table = self._table(self.attempts, "Attempts of the run", AttemptColumn.ERROR)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.runs_table)
        split.addWidget(self.attempts_table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close history")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.runs_table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())

    def _table(self, model: NamedColumnsModel, name: str, stretch: int) -> QTableView:
        table = QTableView(self)
        table.setAccessibleName(name)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def show_runs(self, runs: Sequence[RunSummary]) -> None:
        """Lists ``runs`` and chooses the newest."""
        self.runs.set_runs(runs)
        self.runs_table.resizeColumnsToContents()
        if not runs:
            self.note.setText("No redelivery was made from this profile yet.")
            return
        self.note.setText(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''}, newest first. An “interrupted” run "
            "was cut short by a quit or a crash; its “unknown” attempts may or may not have "
            "arrived."
        )
        self.runs_table.selectRow(0)

    def show_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Lists the attempts of the chosen run."""
        self.attempts.set_attempts(attempts)
        self.attempts_table.resizeColumnsToContents()

    def chosen_run(self) -> str | None:
        """The id of the chosen run, or None."""
        rows = self.runs_table.selectionModel().selectedRows()
        return self.runs.runs[rows[0].row()].run_id if rows else None

    def _chosen(self) -> None:
        run = self.chosen_run()
        if run is not None:
            self.run_chosen.emit(run)
