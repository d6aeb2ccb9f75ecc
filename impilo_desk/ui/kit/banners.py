"""Banners: the environment banner at the top and the inline message banner of each tab."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, SignalInstance
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from impilo_desk.ui.kit.palette import set_box

BANNER_LINES = 1  # room kept for a sentence (a longer one is cut; its tooltip has it all)

# Text and colour together, never colour alone: the word says it, the colour repeats it
# (palette.BOX_COLOURS has each environment's colours).
_ENVIRONMENTS: dict[str, str] = {
    "production": "PRODUCTION — changes here reach real customers' systems",
    "staging": "STAGING — a test account on a real Impilo server",
    "sandbox": "SANDBOX — a local practice server; nothing here is real",
}


def keep_room(row: QWidget, label: QLabel) -> None:
    """Keeps ``row``'s room while it is hidden; ``label``'s text never widens it.

    For a progress row that comes and goes (an export, a redelivery run) beside other
    controls: shown or hidden, nothing beside or below it moves. A text longer than the room
    is cut (the row's owner puts the whole text in the label's tooltip).
    """
    policy = row.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
    policy.setRetainSizeWhenHidden(True)
    row.setSizePolicy(policy)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, label.sizePolicy().verticalPolicy())
    label.setMinimumWidth(0)


class EnvironmentBanner(QLabel):
    """A full-width strip naming the profile's environment in words and colour.

    Hidden until a profile's environment is set.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("Environment")
        self.setMargin(6)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.environment = ""
        self.hide()  # no profile yet: there is no environment to announce

    def set_environment(self, environment: str) -> None:
        """Shows ``environment`` (production, staging or sandbox; anything else as-is)."""
        self.environment = environment
        self.show()
        known = environment in _ENVIRONMENTS
        self.setText(_ENVIRONMENTS[environment] if known else environment.upper() or "NO PROFILE")
        set_box(self, environment if known else "other", border=False)


class MessageBanner(QFrame):
    """An inline banner of one sentence: an error (red) or a notice (blue), with a close button.

    A notice may offer one action (a button after the sentence). Hidden while there is nothing
    to say, but its room stays (``lines`` lines): showing or clearing it never moves
    what is below. The sentence starts with a word or sign that says what it is ("⚠" for an
    error), so the colour never says it alone. :meth:`show_error_until` makes an error go by
    itself when its cause is gone.
    """

    def __init__(self, parent: QWidget | None = None, lines: int = BANNER_LINES) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setAccessibleName("Message")
        self._sentence = ""
        self._label = QLabel(self)
        # One line of room: a sentence that wrapped showed the top of its second line, cut
        # through; it is cut at the end with "…" instead (the tooltip has it all).
        self._one_line = lines == 1
        self._label.setWordWrap(not self._one_line)
        if self._one_line:
            self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self._label.installEventFilter(self)
        self._shown = ""  # the label's whole text
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QToolButton(self)
        self.action_button.hide()
        self.action_button.clicked.connect(self._act)
        self._on_action: Callable[[], None] | None = None
        close = QToolButton(self)
        close.setText("✕")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.kind = ""
        self._recheck: tuple[SignalInstance, Callable[[], None]] | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self._label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setFixedHeight(self._label.fontMetrics().lineSpacing() * lines + 12)
        self.hide()

    @property
    def text(self) -> str:
        """The sentence shown, or ``""``."""
        return self._sentence

    def show_error(
        self, sentence: str, action: tuple[str, Callable[[], None]] | None = None
    ) -> None:
        """Shows ``sentence`` as an error; ``action`` (text, call) adds a button after it."""
        self._show(sentence, "error")
        self._offer(action)

    def show_error_until(
        self, sentence: str, recheck: SignalInstance, resolved: Callable[[], bool]
    ) -> None:
        """Shows ``sentence`` as an error until its cause is gone.

        Each time ``recheck`` is emitted (e.g. a form's ``edited``), ``resolved()`` is asked;
        when it says True the banner clears itself. Another message replaces the watch.
        """
        self.show_error(sentence)

        def check(*_args: object) -> None:
            if resolved():
                self.clear()

        recheck.connect(check)
        self._recheck = (recheck, check)

    def show_error_while(self, recheck: SignalInstance, current: Callable[[], str | None]) -> None:
        """Shows the error ``current()`` says, kept up to date at each ``recheck``.

        For a form: the sentence follows what is wrong now (a field fixed, another still
        wrong), and the banner clears itself when ``current()`` says ``None``. Another message
        replaces the watch.
        """
        sentence = current()
        if sentence is None:
            self.clear()
            return
        self.show_error(sentence)

        def check(*_args: object) -> None:
            now = current()
            if now is None:
                self.clear()
            elif now != self._sentence:
                self._sentence = now
                self._set_text("⚠ " + now)
                self._label.setToolTip(now)

        recheck.connect(check)
        self._recheck = (recheck, check)

    def show_info(
        self, sentence: str, action: tuple[str, Callable[[], None]] | None = None
    ) -> None:
        """Shows ``sentence`` as a notice; ``action`` (text, call) adds a button after it."""
        self._show(sentence, "info")
        self._offer(action)

    def _offer(self, action: tuple[str, Callable[[], None]] | None) -> None:
        if action is not None:
            text, self._on_action = action
            self.action_button.setText(text)
            self.action_button.setAccessibleName(text)
            self.action_button.show()

    def clear(self) -> None:
        """Hides the banner (its room stays)."""
        self._stop_recheck()
        self._sentence = ""
        self.kind = ""
        self._on_action = None
        self.action_button.hide()
        self._shown = ""
        self._label.clear()
        self.hide()

    def _stop_recheck(self) -> None:
        if self._recheck is not None:
            signal, check = self._recheck
            self._recheck = None
            signal.disconnect(check)

    def _act(self) -> None:
        if self._on_action is not None:
            self._on_action()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """Fits the sentence to the label's new width (cut with "…" when it is too short)."""
        if watched is self._label and event.type() == QEvent.Type.Resize:
            self._set_text(self._shown)
        return False

    def _set_text(self, text: str) -> None:
        self._shown = text
        if self._one_line:
            width = self._label.contentsRect().width()
            text = self._label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)
        self._label.setText(text)

    def _show(self, sentence: str, kind: str) -> None:
        self._stop_recheck()
        self._on_action = None
        self.action_button.hide()
        self.kind = kind
        self._sentence = sentence
        # ℹ, not ⓘ: DejaVu Sans (Debian's default face) has no ⓘ, which showed as a box
        sign = "⚠ " if kind == "error" else "ℹ "
        self._set_text(sign + sentence)
        self._label.setToolTip(sentence)
        set_box(self, kind)  # its colours follow the palette (light or dark)
        self.setAccessibleDescription(sentence)
        self.show()
