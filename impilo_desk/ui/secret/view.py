"""The Secret tab (view): the account's webhook secret, masked, with reveal and copy."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QClipboard, QFont, QFontDatabase, QFontInfo, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.palette import set_tone
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action

REVEAL_MS = 5_000
CLIPBOARD_CLEAR_MS = 30_000
REVEAL_TEXT = "Re&veal for 5 s"
COUNTDOWN_TEXT = "Hiding in {seconds} s"
STORE_CAPTION = "On this computer:"  # the state beside it names the store ("stored in …")
# Monospace faces whose I/l/1 and 0/O differ clearly, in order of preference.
SECRET_FONTS = ("DejaVu Sans Mono", "Cascadia Mono", "Consolas", "Menlo", "Source Code Pro")


def secret_font() -> QFont:
    """A monospace font in which I, l and 1, and 0 and O, look different."""
    families = set(QFontDatabase.families())
    for family in SECRET_FONTS:
        if family in families:
            font = QFont(family)
            break
    else:
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setFixedPitch(True)
    return font


EXPLANATION = (
    "The webhook secret is one value for the whole Impilo account. Impilo sends it as-is in the "
    "<b>Impilo-Webhook-Secret</b> header of every delivery, so a receiver can tell Impilo's "
    "requests from anyone else's. It is not a signature of the body: anyone who learns it can "
    "send requests that look like Impilo's, so keep it out of chats and tickets. When it "
    "changes, every receiver, your relay too, must get the new value, or it will refuse the "
    "deliveries."
)


class SecretTab(TabPage):
    """Shows the secret's state (on Impilo, in the keyring, do they match) and the secret.

    The secret is masked; Reveal shows it for a few seconds. Copy puts it on the clipboard and
    clears the clipboard after 30 s if it still holds the secret. Masking and the clipboard are
    this view's business; loading, generating and saving belong to the controller.

    Args:
        clipboard: The clipboard Copy writes to.
        parent: Parent widget.
    """

    title = "Secret"

    def __init__(self, clipboard: QClipboard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Secret tab")
        self._clipboard = clipboard
        self._copied = ""
        self._store_name = "the keyring"
        self._place = "keyring"
        self._portal_only = False
        self._hidden = False  # the server does not show its secret (set by show_state)
        self.refresh_action = page_action(self, "&Refresh", "refresh", QKeySequence("F5"))
        self.generate_action = page_action(self, "&Generate a strong secret", "generate", None)
        self.save_action = page_action(self, "&Save to Impilo and keyring", "save", None)
        self.reveal_action = page_action(self, REVEAL_TEXT, "reveal", None)
        self.copy_action = page_action(self, "&Copy", "copy", None)

        self.banner = MessageBanner(self)
        explanation = QLabel(EXPLANATION, self)
        explanation.setWordWrap(True)
        explanation.setAccessibleName("What the secret is")
        explanation.setMaximumWidth(900)

        self.impilo_state = QLabel("—", self)
        self.impilo_state.setAccessibleName("Secret on Impilo")
        self.keyring_state = QLabel("—", self)
        self.keyring_state.setAccessibleName("Secret in the keyring")
        self.match_state = QLabel("—", self)
        self.match_state.setAccessibleName("Secrets match")
        self.relay_state = QLabel("—", self)
        self.relay_state.setAccessibleName("Deliveries to the relay")
        self.relay_state.setWordWrap(True)
        self.relay_state.setMaximumWidth(700)
        # Room for two lines, kept when the sentence is shorter: the buttons below never move.
        self.relay_state.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.relay_state.setMinimumHeight(self.relay_state.fontMetrics().lineSpacing() * 2)
        self.secret_edit = QLineEdit(self)
        self.secret_edit.setAccessibleName("Webhook secret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("No secret yet: type one or generate one")
        self.secret_edit.setMinimumWidth(420)
        self.secret_edit.setMaximumWidth(560)
        self.secret_edit.setFont(secret_font())
        # The field's own problem (too short), said as it is typed; the line keeps its height
        # when empty, so the buttons below never move.
        self.secret_problem = QLabel(" ", self)
        self.secret_problem.setAccessibleName("Problem with the secret")
        set_tone(self.secret_problem, "error")
        self.secret_problem.setMinimumHeight(QFontInfo(self.font()).pixelSize() + 6)

        form = QFormLayout()
        form.addRow("On Impilo:", self.impilo_state)
        self.store_caption = QLabel(STORE_CAPTION, self)
        form.addRow(self.store_caption, self.keyring_state)
        form.addRow("Match:", self.match_state)
        relay_caption = QLabel("Relay:", self)  # at the top of the room kept for two lines
        relay_caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        relay_caption.setMinimumHeight(self.relay_state.minimumHeight())
        form.addRow(relay_caption, self.relay_state)
        form.addRow("&Secret:", self.secret_edit)
        form.addRow("", self.secret_problem)
        field_buttons = QHBoxLayout()
        reveal_button = action_button(self, self.reveal_action, "Reveal secret")
        field_buttons.addWidget(reveal_button)
        for action, name in (
            (self.copy_action, "Copy secret"),
            (self.generate_action, "Generate secret"),
        ):
            field_buttons.addWidget(action_button(self, action, name))
        field_buttons.addStretch(1)
        # As wide as its widest text ("Hiding in 5 s"), so the countdown moves no button.
        widths = []
        for text in (COUNTDOWN_TEXT.format(seconds=REVEAL_MS // 1000), REVEAL_TEXT):
            self.reveal_action.setText(text)
            widths.append(reveal_button.sizeHint().width())
        reveal_button.setMinimumWidth(max(widths))
        form.addRow("", field_buttons)
        main_buttons = QHBoxLayout()
        main_buttons.addWidget(action_button(self, self.save_action, "Save secret"))
        main_buttons.addWidget(action_button(self, self.refresh_action, "Refresh secret state"))
        main_buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(explanation)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addLayout(main_buttons)
        layout.addStretch(1)

        self.reveal_timer = QTimer(self)
        self.reveal_timer.setSingleShot(True)
        self.reveal_timer.setInterval(REVEAL_MS)
        self.reveal_timer.timeout.connect(self.hide_secret)
        self.reveal_tick = QTimer(self)  # the countdown on the button while revealed
        self.reveal_tick.setInterval(1_000)
        self.reveal_tick.timeout.connect(self._count_down)
        self._reveal_left = 0
        self.clipboard_timer = QTimer(self)
        self.clipboard_timer.setSingleShot(True)
        self.clipboard_timer.setInterval(CLIPBOARD_CLEAR_MS)
        self.clipboard_timer.timeout.connect(self.clear_clipboard)
        self.reveal_action.triggered.connect(self.reveal_secret)
        self.copy_action.triggered.connect(self.copy_secret)

    @property
    def revealed(self) -> bool:
        """Whether the secret is readable on screen."""
        return self.secret_edit.echoMode() == QLineEdit.EchoMode.Normal

    def secret(self) -> str:
        """The secret in the field, trimmed."""
        return self.secret_edit.text().strip()

    def set_secret(self, value: str) -> None:
        """Puts ``value`` in the field, masked."""
        self.secret_edit.setText(value)
        self.hide_secret()

    @property
    def store_name(self) -> str:
        """Where the secret is kept locally, as the tab names it ("the keyring", "memory …")."""
        return self._store_name

    def set_store_name(self, name: str) -> None:
        """Names where the secret is kept locally ("the keyring", or "memory" for the demo)."""
        self._store_name = name
        self.keyring_state.setAccessibleName(f"Secret in {name}")
        self._place = "keyring" if "keyring" in name else "memory"
        self.set_save_mode(portal_only=self._portal_only)

    def set_save_mode(self, *, portal_only: bool) -> None:
        """Names what Save does: to Impilo and the keyring, or (``portal_only``) the keyring."""
        self._portal_only = portal_only
        if portal_only:
            where = "the keyring" if self._place == "keyring" else "memory"
            self.save_action.setText(f"&Save in {where} only (this profile)")
        else:
            self.save_action.setText(f"&Save to Impilo and {self._place}")

    def show_state(
        self, on_impilo: bool | None, in_keyring: bool | None, *, not_shown: bool = False
    ) -> None:
        """Shows where a secret exists (None: not known, e.g. after an error).

        ``not_shown``: the server does not show its secret, which is said instead of "unknown".
        """
        self._hidden = not_shown
        # "No secret yet" in an emptied field was untrue while one existed (found under Xvfb)
        exists = bool(on_impilo) or bool(in_keyring) or (on_impilo is None and not_shown)
        self.secret_edit.setPlaceholderText(
            "Type a new secret or generate one"
            if exists
            else "No secret yet: type one or generate one"
        )
        impilo = _yes_no(on_impilo, "Impilo has a secret", "Impilo has none")
        if on_impilo is None and not_shown:
            impilo = "Impilo does not show the current secret"
        self.impilo_state.setText(impilo)
        self.keyring_state.setText(
            _yes_no(in_keyring, f"stored in {self._store_name}", f"not in {self._store_name}")
        )

    def show_match(self, match: bool | None) -> None:
        """Shows whether Impilo's secret and the keyring's are the same."""
        text = _yes_no(match, "yes, the same value", "no — they differ; save one to both")
        if match is None and self._hidden:
            text = "unknown: Impilo does not show its secret to compare"
        self.match_state.setText(text)
        set_tone(self.match_state, "error" if match is False else "")

    def show_relay(self, text: str, trouble: bool = False) -> None:
        """Shows whether Impilo's deliveries to the profile's relay succeed (``—``: not known)."""
        self.relay_state.setText(text or "—")
        set_tone(self.relay_state, "error" if trouble else "")

    def reveal_secret(self) -> None:
        """Shows the secret for a few seconds; the button counts them down."""
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Normal)
        self.reveal_timer.start()
        self._reveal_left = max(1, round(self.reveal_timer.interval() / 1000))
        self._show_countdown()
        self.reveal_tick.start()

    def hide_secret(self) -> None:
        """Hides the secret again."""
        self.reveal_timer.stop()
        self.reveal_tick.stop()
        self.reveal_action.setText(REVEAL_TEXT)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)

    def show_problem(self, sentence: str) -> None:
        """Says what is wrong with the typed secret, beside the field (``""``: nothing)."""
        self.secret_problem.setText(sentence or " ")

    def _count_down(self) -> None:
        self._reveal_left = max(0, self._reveal_left - 1)
        self._show_countdown()

    def _show_countdown(self) -> None:
        self.reveal_action.setText(COUNTDOWN_TEXT.format(seconds=self._reveal_left))

    def copy_secret(self) -> None:
        """Copies the secret; the clipboard is cleared in 30 s if it still holds it."""
        value = self.secret()
        if not value:
            return
        self._copied = value
        self._clipboard.setText(value)
        self.clipboard_timer.start()
        self.banner.show_info("Copied. The clipboard will be cleared in 30 seconds.")

    def clear_clipboard(self) -> None:
        """Clears the clipboard if it still holds the copied secret."""
        if self._copied and self._clipboard.text() == self._copied:
            self._clipboard.clear()
        self._copied = ""
        self.clipboard_timer.stop()


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "unknown" if value is None else (yes if value else no)
