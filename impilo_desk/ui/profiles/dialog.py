"""The profiles dialog (view): a list of profiles and a form for the selected one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.session import ProfileInfo
from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.profiles.fields import ENVIRONMENTS, ProfileFields, session_only_label
from impilo_desk.ui.profiles.welcome import WelcomeDialog

__all__ = ["ENVIRONMENTS", "ProfilesDialog", "ProfilesModel", "WelcomeDialog"]
_Index = QModelIndex | QPersistentModelIndex


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
        self.session_note = session_only_label(self)
        self._store_words = "in the keyring"
        self._read_only = False
        self.fields = ProfileFields(self, "", "https://relay.example.com (optional)")
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setAccessibleName("Test connection")
        self.save_button = QPushButton("&Save", self)
        self.save_button.setAccessibleName("Save profile")
        self.use_button = QPushButton("&Use this profile", self)
        self.use_button.setAccessibleName("Use this profile")
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)

        actions = QHBoxLayout()
        for button in (self.test_button, self.save_button, self.use_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(self.session_note)
        right.addWidget(self.banner)
        right.addWidget(self.fields)
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
        self.fields.name_edit.setFocus()

    def show_profile(
        self, profile: ProfileInfo | None, has_key: bool, *, read_only: bool = False
    ) -> None:
        """Fills the form from ``profile`` (None: empty, for a new one).

        ``read_only``: the profile is shown but cannot be changed or deleted (the demo's, which
        the app makes afresh each run); it can still be used.
        """
        self.banner.clear()
        self._read_only = read_only
        self.fields.show_profile(profile)
        self.fields.setEnabled(not read_only)
        if read_only:
            self.banner.show_info(
                "The demo's profile is made afresh each time the demo starts, so it cannot be "
                "changed or deleted here."
            )
        where = self._store_words
        self.fields.token_edit.setPlaceholderText(
            f"kept {where} if set; type a new one to replace it" if profile else "optional"
        )
        self.fields.key_edit.setPlaceholderText(
            f"stored {where}; type a new one to replace it" if has_key else "required"
        )
        self.delete_button.setEnabled(profile is not None and not read_only)
        self.use_button.setEnabled(profile is not None)
        self.save_button.setEnabled(not read_only)
        self.test_button.setEnabled(not read_only)

    def set_session_only(self, session_only: bool) -> None:
        """Says whether secrets are kept in memory for this session only (else: the keyring)."""
        self.session_note.setVisible(session_only)
        self._store_words = "in memory for this session only" if session_only else "in the keyring"

    def set_buttons_enabled(self, enabled: bool) -> None:
        """Disables the action buttons while an action runs."""
        for button in (self.test_button, self.save_button, self.add_button):
            button.setEnabled(enabled and (button is self.add_button or not self._read_only))
