"""What every tab's controller shares: its view, the owner of its tasks, the API's health."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from impilo_desk.ui.kit.tab import TabPage
from impilo_desk.ui.kit.tasks import TaskOwner

if TYPE_CHECKING:
    from impilo_desk.session import Session

ViewT = TypeVar("ViewT", bound=TabPage)


class TabController(QObject, Generic[ViewT]):
    """The base of a tab's controller: it drives ``view`` and runs its work as owned tasks.

    It is a :class:`~impilo_desk.ui.kit.tab.Tab`: the session controller binds it to each new
    profile session (and its :class:`TaskOwner`) with :meth:`bind`, and shows ``api_ok`` and
    ``api_failed`` in the status bar.

    Signals:
        api_ok(): A call to Impilo succeeded.
        api_failed(str): A call to Impilo failed; the sentence says why.

    Args:
        view: The tab.
        tasks: Owner of the tasks (replaced per session by :meth:`bind`).
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

    def bind(self, session: Session | None, tasks: TaskOwner) -> None:
        """Follows ``session`` (None: none), its work owned by ``tasks``; see the subclasses."""
        raise NotImplementedError

    def window_closing(self) -> None:
        """The window is closing; nothing to drop by default."""
