"""Banners: the environment banner at the top and the inline message banner of each tab."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

# Text and colour together, never colour alone: the word says it, the colour repeats it.
_ENVIRONMENTS: dict[str, tuple[str, str, str]] = {
    "production": (
        "PRODUCTION — changes here reach real customers' systems",
        "#b71c1c",
        "#ffffff",
    ),
    "staging": ("STAGING — a test account on a real Impilo server", "#e65100", "#ffffff"),
    "sandbox": ("SANDBOX — a local practice server; nothing here is real", "#1b5e20", "#ffffff"),
}


class EnvironmentBanner(QLabel):
    """A full-width strip naming the profile's environment in words and colour.

    Hidden until a profile's environment is set.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAccessibleName("Environment")
        self.setMargin(6)
        self.environment = ""
        self.hide()  # no profile yet: there is no environment to announce

    def set_environment(self, environment: str) -> None:
        """Shows ``environment`` (production, staging or sandbox; anything else as-is)."""
        self.environment = environment
        self.show()
        text, background, foreground = _ENVIRONMENTS.get(
            environment, (environment.upper() or "NO PROFILE", "#455a64", "#ffffff")
        )
        self.setText(text)
        self.setStyleSheet(
            f"QLabel {{ background: {background}; color: {foreground}; font-weight: bold; }}"
        )


class MessageBanner(QFrame):
    """An inline banner of one sentence: an error (red) or a notice (blue), with a close button.

    Either may offer one action (a button after the sentence). Hidden while there is nothing
    to say.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setAccessibleName("Message")
        self._label = QLabel(self)
        self._label.setWordWrap(True)
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
        self.hide()

    @property
    def text(self) -> str:
        """The sentence shown, or ``""``."""
        return self._label.text()

    def show_error(
        self, sentence: str, action: tuple[str, Callable[[], None]] | None = None
    ) -> None:
        """Shows ``sentence`` as an error; ``action`` (text, call) adds a button after it."""
        self._show(sentence, "error", "#fdecea", "#8a1c1c")
        self._offer(action)

    def show_info(
        self, sentence: str, action: tuple[str, Callable[[], None]] | None = None
    ) -> None:
        """Shows ``sentence`` as a notice; ``action`` (text, call) adds a button after it."""
        self._show(sentence, "info", "#e8f1fb", "#0d3c61")
        self._offer(action)

    def _offer(self, action: tuple[str, Callable[[], None]] | None) -> None:
        if action is not None:
            text, self._on_action = action
            self.action_button.setText(text)
            self.action_button.setAccessibleName(text)
            self.action_button.show()

    def clear(self) -> None:
        """Hides the banner."""
        self.kind = ""
        self._on_action = None
        self.action_button.hide()
        self._label.clear()
        self.hide()

    def _act(self) -> None:
        if self._on_action is not None:
            self._on_action()

    def _show(self, sentence: str, kind: str, background: str, foreground: str) -> None:
        self._on_action = None
        self.action_button.hide()
        self.kind = kind
        self._label.setText(sentence)
        self.setStyleSheet(
            f"#messageBanner {{ background: {background}; border: 1px solid {foreground}; "
            f"border-radius: 3px; }} QLabel {{ color: {foreground}; }}"
        )
        self.setAccessibleDescription(sentence)
        self.show()
