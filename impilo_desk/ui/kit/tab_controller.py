"""What every tab's controller shares: its view, the owner of its tasks, the API's health."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from impilo_desk.ui.kit.tasks import TaskOwner

ViewT = TypeVar("ViewT", bound=QWidget)


class TabController(QObject, Generic[ViewT]):
    """The base of a tab's controller: it drives ``view`` and runs its work as owned tasks.

    The session controller hands each new profile session's :class:`TaskOwner` to
    :meth:`set_tasks`, and shows ``api_ok`` and ``api_failed`` in the status bar.

    Signals:
        api_ok(): A call to Impilo succeeded.
        api_failed(str): A call to Impilo failed; the sentence says why.

    Args:
        view: The tab.
        tasks: Owner of the tasks (replaced per session by :meth:`set_tasks`).
        parent: QObject parent.
    """

    api_ok = Signal()
    api_failed = Signal(str)

    def __init__(self, view: ViewT, tasks: TaskOwner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self._tasks = tasks

    def set_tasks(self, tasks: TaskOwner) -> None:
        """Uses ``tasks`` as the owner of new tasks (a new profile session)."""
        self._tasks = tasks
