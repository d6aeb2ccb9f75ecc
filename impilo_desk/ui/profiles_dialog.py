"""The profiles dialog (view): a list of profiles and a form for the selected one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.banners import MessageBanner
from impilo_desk.ui.ports import ProfileDraft, ProfileInfo

_Index = QModelIndex | QPersistentModelIndex
ENVIRONMENTS = ("production", "staging", "sandbox")


class ProfilesModel(QAbstractListModel):
    """Profiles by name, for the list on the left of the dialog."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._profiles: list[ProfileInfo] = []

    def set_profiles(self, profiles: list[ProfileInfo]) -> None:
        """Replaces every row."""
        self.beginResetModel()
        self._profiles = list(profiles)
        self.endResetModel()

    def profile_at(self, row: int) -> ProfileInfo | None:
        """The profile of ``row``, or None."""
        return self._profiles[row] if 0 <= row < len(self._profiles) else None

    def row_of(self, profile_id: str) -> int:
        """The row of the profile with ``profile_id``, or -1."""
        return next((i for i, p in enumerate(self._profiles) if p.id == profile_id), -1)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        """Rows (none under a valid parent)."""
        return 0 if parent.isValid() else len(self._profiles)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The profile's name and environment."""
        profile = self.profile_at(index.row()) if index.isValid() else None
        if profile is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{profile.name} ({profile.environment})"
        if role == Qt.ItemDataRole.ToolTipRole:
            return profile.api_base_url
        return None


class ProfilesDialog(QDialog):
    """Add, edit, delete and test connection profiles; the API key is typed masked.

    Signals:
        save_requested(): Save was pressed.
        delete_requested(): Delete was pressed.
        test_requested(): Test connection was pressed.
        use_requested(): "Use this profile" was pressed.
        selection_changed(int): Another row was selected (-1: none, a new profile).
    """

    save_requested = Signal()
    delete_requested = Signal()
    test_requested = Signal()
    use_requested = Signal()
    selection_changed = Signal(int)

    def __init__(self, model: ProfilesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connection profiles")
        self.resize(860, 420)
        self.model = model
        self.list = QListView(self)
        self.list.setModel(model)
        self.list.setAccessibleName("Profiles")
        self.list.setMinimumWidth(240)
        self.add_button = QPushButton("&Add", self)
        self.add_button.setAccessibleName("Add profile")
        self.delete_button = QPushButton("&Delete", self)
        self.delete_button.setAccessibleName("Delete profile")

        self.banner = MessageBanner(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Profile name")
        self.environment_combo = QComboBox(self)
        self.environment_combo.setAccessibleName("Environment")
        for env in ENVIRONMENTS:
            self.environment_combo.addItem(env.capitalize(), env)
        self.url_edit = QLineEdit(self)
        self.url_edit.setAccessibleName("API base URL")
        self.url_edit.setPlaceholderText("https://app.impiloplatform.com")
        self.key_edit = QLineEdit(self)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.relay_edit = QLineEdit(self)
        self.relay_edit.setAccessibleName("Relay URL")
        self.relay_edit.setPlaceholderText("https://relay.example.com (optional)")
        self.token_edit = QLineEdit(self)
        self.token_edit.setAccessibleName("Relay token")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setAccessibleName("Test connection")
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName("Save profile")
        self.use_button = QPushButton("&Use this profile", self)
        self.use_button.setAccessibleName("Use this profile")
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Environment", self.environment_combo)
        form.addRow("API &base URL", self.url_edit)
        form.addRow("API &key", self.key_edit)
        form.addRow("&Relay URL", self.relay_edit)
        form.addRow("Relay &token", self.token_edit)
        actions = QHBoxLayout()
        for button in (self.test_button, self.save_button, self.use_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(self.banner)
        right.addLayout(form)
        right.addStretch(1)
        right.addLayout(actions)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.add_button)
        left_buttons.addWidget(self.delete_button)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(left_buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

        self.add_button.clicked.connect(self.clear_selection)
        self.delete_button.clicked.connect(self.delete_requested)
        self.test_button.clicked.connect(self.test_requested)
        self.save_button.clicked.connect(self.save_requested)
        self.use_button.clicked.connect(self.use_requested)
        self.list.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.selection_changed.emit(current.row())
        )

    def selected_row(self) -> int:
        """The selected row, or -1 (a new profile)."""
        index = self.list.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        """Selects ``row`` (-1: none)."""
        if row < 0:
            self.clear_selection()
        else:
            self.list.setCurrentIndex(self.model.index(row, 0))

    def clear_selection(self) -> None:
        """Starts a new profile: no row selected, an empty form."""
        self.list.setCurrentIndex(QModelIndex())
        self.list.clearSelection()
        self.show_profile(None, has_key=False)
        self.selection_changed.emit(-1)
        self.name_edit.setFocus()

    def show_profile(self, profile: ProfileInfo | None, has_key: bool) -> None:
        """Fills the form from ``profile`` (None: empty, for a new one)."""
        self.banner.clear()
        self.name_edit.setText(profile.name if profile else "")
        env = profile.environment if profile else "production"
        self.environment_combo.setCurrentIndex(max(0, self.environment_combo.findData(env)))
        self.url_edit.setText(profile.api_base_url if profile else "")
        self.relay_edit.setText((profile.relay_url or "") if profile else "")
        self.key_edit.clear()
        self.token_edit.clear()
        self.token_edit.setPlaceholderText(
            "kept in the keyring; type a new one to replace it" if profile else "optional"
        )
        self.key_edit.setPlaceholderText(
            "stored in the keyring; type a new one to replace it" if has_key else "required"
        )
        self.delete_button.setEnabled(profile is not None)
        self.use_button.setEnabled(profile is not None)

    def draft(self, profile_id: str | None) -> ProfileDraft:
        """What the form says, as a draft for ``profile_id`` (None: a new profile)."""
        return ProfileDraft(
            name=self.name_edit.text().strip(),
            api_base_url=self.url_edit.text().strip(),
            relay_url=self.relay_edit.text().strip() or None,
            environment=str(self.environment_combo.currentData()),
            id=profile_id,
        )

    def api_key(self) -> str | None:
        """The API key typed, or None when the field is empty (keep the stored one)."""
        return self.key_edit.text().strip() or None

    def relay_token(self) -> str | None:
        """The relay token typed, or None when the field is empty (keep the stored one)."""
        return self.token_edit.text().strip() or None

    def set_buttons_enabled(self, enabled: bool) -> None:
        """Disables the action buttons while an action runs."""
        for button in (self.test_button, self.save_button, self.add_button):
            button.setEnabled(enabled)


class WelcomeDialog(QDialog):
    """The first start: try the demo sandbox, or connect to a real Impilo account.

    ``choice`` is ``"demo"`` or ``"account"`` once it is accepted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Impilo Desk")
        self.setMinimumWidth(560)
        self.choice = ""
        intro = QLabel(
            "<h3>Welcome to Impilo Desk</h3>"
            "<p>Start with the demo: a local practice sandbox and relay with live example "
            "data, nothing real. Or connect to your Impilo account with its API base URL "
            "and an API key; the key is kept in the system keyring, never in a file.</p>",
            self,
        )
        intro.setWordWrap(True)
        self.banner = MessageBanner(self)
        self.demo_button = QPushButton("Try the &demo sandbox", self)
        self.demo_button.setAccessibleName("Try the demo sandbox")
        self.demo_button.setDefault(True)
        self.name_edit = QLineEdit("My Impilo account", self)
        self.name_edit.setAccessibleName("Profile name")
        self.url_edit = QLineEdit(self)
        self.url_edit.setAccessibleName("API base URL")
        self.url_edit.setPlaceholderText("https://app.impiloplatform.com")
        self.key_edit = QLineEdit(self)
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.account_button = QPushButton("&Connect to this account", self)
        self.account_button.setAccessibleName("Connect to this account")
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("API &base URL", self.url_edit)
        form.addRow("API &key", self.key_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(self.demo_button)
        layout.addSpacing(12)
        layout.addWidget(QLabel("<b>Or connect to an Impilo account</b>", self))
        layout.addLayout(form)
        layout.addWidget(self.account_button)
        self.demo_button.clicked.connect(lambda: self._choose("demo"))
        self.account_button.clicked.connect(lambda: self._choose("account"))

    def draft(self) -> ProfileDraft:
        """The account as typed."""
        return ProfileDraft(
            name=self.name_edit.text().strip() or "My Impilo account",
            api_base_url=self.url_edit.text().strip(),
            relay_url=None,
            environment="production",
        )

    def api_key(self) -> str:
        """The API key typed."""
        return self.key_edit.text().strip()

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
