"""What every tab's controller shares: its view, the owner of its tasks, the API's health."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from impilo_desk.services.failure_sentence import describe_error
from impilo_desk.ui.kit.dialogs import alive
from impilo_desk.ui.kit.tab import TabPage
from impilo_desk.ui.kit.tasks import TaskOwner, spawn_action

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

    def report_failure(
        self,
        exc: BaseException,
        *,
        to_status: bool = True,
        shown: Callable[[str], str] | None = None,
    ) -> str:
        """Says what went wrong in one sentence: in the tab's banner, then the status bar.

        Args:
            exc: The failure.
            to_status: Whether it was Impilo's (``api_failed``); the keyring's is not.
            shown: Words the banner shows around the sentence, if more than the sentence.

        Returns:
            The sentence.
        """
        sentence = describe_error(exc)
        self.report(sentence, to_status=to_status, shown=shown(sentence) if shown else None)
        return sentence

    def report(self, sentence: str, *, to_status: bool = True, shown: str | None = None) -> None:
        """Shows ``sentence`` (or ``shown``) in the banner and tells the status bar."""
        if alive(self.view):
            self.view.banner.show_error(shown or sentence)
        if to_status:
            self.api_failed.emit(sentence)

    def run_action(
        self,
        action: QAction,
        work: Callable[[], Awaitable[None]],
        name: str,
        *,
        enabled_after: Callable[[], bool],
        after: Callable[[], None] | None = None,
        on_error: Callable[[Exception], object] | None = None,
    ) -> None:
        """Runs a button's ``work`` as a task of the session, the button off until it ends.

        A failure is reported by :meth:`report_failure` (or ``on_error``); see
        :func:`~impilo_desk.ui.kit.tasks.spawn_action`.
        """
        report = on_error or self.report_failure
        spawn_action(
            self._tasks, action, work, report, name=name, enabled_after=enabled_after, after=after
        )
