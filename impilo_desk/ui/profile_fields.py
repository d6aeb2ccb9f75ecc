"""Form fields the profiles dialog and the welcome dialog share."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

ENVIRONMENTS = ("production", "staging", "sandbox")
RELAY_KINDS = (("relay", "Impilo Desk relay"), ("smee", "smee.io channel"))
SESSION_ONLY_NOTE = (
    "No usable keyring: the API key and secrets are kept in memory for this session only and "
    "are lost when Impilo Desk closes."
)


def environment_combo(parent: QWidget) -> QComboBox:
    """Production, staging or sandbox (production first, the default for a real account)."""
    combo = QComboBox(parent)
    combo.setAccessibleName("Environment")
    for env in ENVIRONMENTS:
        combo.addItem(env.capitalize(), env)
    return combo


def relay_kind_combo(parent: QWidget) -> QComboBox:
    """Our relay (with a bearer token) or a smee.io channel (checked with the webhook secret)."""
    combo = QComboBox(parent)
    combo.setAccessibleName("Relay kind")
    for kind, label in RELAY_KINDS:
        combo.addItem(label, kind)
    return combo


def select_data(combo: QComboBox, value: str) -> None:
    """Selects the item whose data is ``value`` (the first one if none is)."""
    combo.setCurrentIndex(max(0, combo.findData(value)))


def masked_edit(parent: QWidget, accessible_name: str) -> QLineEdit:
    """A line edit that shows dots, for keys and tokens."""
    edit = QLineEdit(parent)
    edit.setAccessibleName(accessible_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def follow_relay_kind(kind_combo: QComboBox, token_edit: QLineEdit) -> None:
    """Disables the token field for smee, which needs none (the webhook secret is checked)."""

    def update() -> None:
        smee = kind_combo.currentData() == "smee"
        token_edit.setEnabled(not smee)
        token_edit.setToolTip(
            "A smee.io channel needs no token; events are checked with the webhook secret "
            "(Secret tab)."
            if smee
            else "The relay's bearer token."
        )

    kind_combo.currentIndexChanged.connect(update)
    update()


def session_only_label(parent: QWidget) -> QLabel:
    """A warning line, hidden until secrets are session-only."""
    label = QLabel(SESSION_ONLY_NOTE, parent)
    label.setWordWrap(True)
    label.setAccessibleName("Where secrets are kept")
    label.setStyleSheet("QLabel { color: #8a4b00; font-weight: bold; }")
    label.hide()
    return label
