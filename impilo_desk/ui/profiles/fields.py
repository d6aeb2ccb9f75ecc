"""The profile form the profiles dialog and the welcome dialog share."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from impilo_desk.session import ProfileDraft, ProfileInfo
from impilo_desk.ui.kit.palette import set_tone

ENVIRONMENTS = ("production", "staging", "sandbox")
RELAY_KINDS = (("relay", "Impilo Desk relay"), ("smee", "smee.io channel"))
SESSION_ONLY_NOTE = (
    "No usable keyring: the API key and secrets are kept in memory for this session only and "
    "are lost when Impilo Desk closes."
)


def select_data(combo: QComboBox, value: str) -> None:
    """Selects the item whose data is ``value`` (the first one if none is)."""
    combo.setCurrentIndex(max(0, combo.findData(value)))


def session_only_label(parent: QWidget) -> QLabel:
    """A warning line, hidden until secrets are session-only."""
    label = QLabel(SESSION_ONLY_NOTE, parent)
    label.setWordWrap(True)
    label.setAccessibleName("Where secrets are kept")
    set_tone(label, "warning", bold=True)
    label.hide()
    return label


class ProfileFields(QWidget):
    """Name, environment, API base URL and key, relay URL, kind and token of one profile.

    The API key and the relay token are typed masked; the token field is disabled for a smee.io
    channel, which needs none (its events are checked with the webhook secret). No signals.

    Args:
        parent: The dialog the form sits in.
        default_name: The name shown at first, and used when the name field is left empty.
        relay_placeholder: The hint in the empty relay URL field.
    """

    def __init__(self, parent: QWidget, default_name: str, relay_placeholder: str) -> None:
        super().__init__(parent)
        self._default_name = default_name
        self.name_edit = QLineEdit(default_name, self)
        self.name_edit.setAccessibleName("Profile name")
        self.environment_combo = _combo(
            self, "Environment", [(e, e.capitalize()) for e in ENVIRONMENTS]
        )
        self.url_edit = QLineEdit(self)
        self.url_edit.setAccessibleName("API base URL")
        self.url_edit.setPlaceholderText("https://app.impiloplatform.com")
        self.key_edit = _masked_edit(self, "API key")
        self.relay_edit = QLineEdit(self)
        self.relay_edit.setAccessibleName("Relay URL")
        self.relay_edit.setPlaceholderText(relay_placeholder)
        self.relay_kind_combo = _combo(self, "Relay kind", list(RELAY_KINDS))
        self.token_edit = _masked_edit(self, "Relay token")
        self.token_edit.setPlaceholderText("optional")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Environment", self.environment_combo)
        form.addRow("API &base URL", self.url_edit)
        form.addRow("API &key", self.key_edit)
        form.addRow("&Relay URL", self.relay_edit)
        form.addRow("Relay k&ind", self.relay_kind_combo)
        form.addRow("Relay &token", self.token_edit)
        self.relay_kind_combo.currentIndexChanged.connect(self._follow_relay_kind)
        self._follow_relay_kind()

    def show_profile(self, profile: ProfileInfo | None) -> None:
        """Fills the fields from ``profile`` (None: empty, for a new one); key and token empty."""
        self.name_edit.setText(profile.name if profile else "")
        select_data(self.environment_combo, profile.environment if profile else "production")
        select_data(self.relay_kind_combo, str(getattr(profile, "relay_kind", "relay")))
        self.url_edit.setText(profile.api_base_url if profile else "")
        self.relay_edit.setText((profile.relay_url or "") if profile else "")
        self.key_edit.clear()
        self.token_edit.clear()

    def draft(self, profile_id: str | None = None) -> ProfileDraft:
        """What the fields say, as a draft for ``profile_id`` (None: a new profile)."""
        return ProfileDraft(
            name=self.name_edit.text().strip() or self._default_name,
            api_base_url=self.url_edit.text().strip(),
            relay_url=self.relay_edit.text().strip() or None,
            environment=str(self.environment_combo.currentData()),
            id=profile_id,
            relay_kind=str(self.relay_kind_combo.currentData()),
        )

    def api_key(self) -> str | None:
        """The API key typed, or None when the field is empty."""
        return self.key_edit.text().strip() or None

    def relay_token(self) -> str | None:
        """The relay token typed (our relay only), or None when it is empty or for smee."""
        if self.relay_kind_combo.currentData() == "smee":
            return None
        return self.token_edit.text().strip() or None

    def _follow_relay_kind(self) -> None:
        smee = self.relay_kind_combo.currentData() == "smee"
        self.token_edit.setEnabled(not smee)
        self.token_edit.setToolTip(
            "A smee.io channel needs no token; events are checked with the webhook secret "
            "(Secret tab)."
            if smee
            else "The relay's bearer token."
        )


def _combo(parent: QWidget, accessible_name: str, items: list[tuple[str, str]]) -> QComboBox:
    """A combo box of ``(data, label)`` items; the first one is the default."""
    combo = QComboBox(parent)
    combo.setAccessibleName(accessible_name)
    for data, label in items:
        combo.addItem(label, data)
    return combo


def _masked_edit(parent: QWidget, accessible_name: str) -> QLineEdit:
    """A line edit that shows dots, for keys and tokens."""
    edit = QLineEdit(parent)
    edit.setAccessibleName(accessible_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit
