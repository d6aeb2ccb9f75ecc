"""The welcome dialog of a first start: the demo sandbox, or a real Impilo account."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.profiles.fields import ProfileFields, session_only_label

DEFAULT_NAME = "My Impilo account"


class WelcomeDialog(QDialog):
    """The first start: try the demo sandbox, or connect to a real Impilo account.

    For an account it asks the environment (production by default), the API base URL and key,
    and optionally a relay (our relay with its token, or a smee.io channel). ``choice`` is
    ``"demo"`` or ``"account"`` once it is accepted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Impilo Desk")
        self.setMinimumWidth(640)
        self.choice = ""
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.banner = MessageBanner(self)
        self.session_note = session_only_label(self)
        self.demo_button = QPushButton("Try the &demo sandbox", self)
        self.demo_button.setAccessibleName("Try the demo sandbox")
        self.demo_button.setDefault(True)
        self.fields = ProfileFields(
            self, DEFAULT_NAME, "optional: https://relay.example.com or a smee.io URL"
        )
        self.account_button = QPushButton("&Connect to this account", self)
        self.account_button.setAccessibleName("Connect to this account")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.banner)
        layout.addWidget(self.session_note)
        layout.addWidget(self.demo_button)
        layout.addSpacing(12)
        layout.addWidget(QLabel("<b>Or connect to an Impilo account</b>", self))
        layout.addWidget(self.fields)
        layout.addSpacing(6)
        layout.addWidget(self.account_button)
        self.set_session_only(False)
        self.demo_button.clicked.connect(lambda: self._choose("demo"))
        self.account_button.clicked.connect(lambda: self._choose("account"))

    def set_session_only(self, session_only: bool) -> None:
        """Says (or stops saying) that secrets are kept in memory for this session only."""
        self.session_note.setVisible(session_only)
        where = "in memory for this session only" if session_only else "in the system keyring"
        self.intro.setText(
            "<h3>Welcome to Impilo Desk</h3>"
            "<p>Start with the demo: a local practice sandbox and relay with live example "
            "data, nothing real. Or connect to your Impilo account with its API base URL "
            f"and an API key; the key is kept {where}, never in a file.</p>"
        )

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
