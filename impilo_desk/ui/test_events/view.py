"""The Test events tab (view): a form per test kind, the receipt chain, the session's history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desk.ui.kit.banners import MessageBanner
from impilo_desk.ui.kit.palette import is_dark, set_box
from impilo_desk.ui.kit.tab import TabPage, action_button, page_action
from impilo_desk.ui.test_events.models import ChainColumn, ChainModel, HistoryColumn, HistoryModel

if TYPE_CHECKING:
    from impilo_desk.ui.test_events.form import KindForm

ASSUMED_TIP = (
    "Impilo has not published the fields of this reading. This app sends and shows them the "
    "way its own sandbox does (for an ECG: heart rate, sampling rate in Hz and the waveform in "
    "microvolts), so a real Impilo server may name or shape them differently."
)


def _table(parent: QWidget, model: ChainModel | HistoryModel, name: str) -> QTableView:
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class TestEventsTab(TabPage):
    """Shows the test-event form, the receipt chain of the chosen event and the session's history.

    The kind forms are built by :meth:`build_forms` (the contract loads after the first paint).
    The controller connects to the actions and decides what they do; this view only shows.

    Args:
        chain_model: The receipt chain of the event chosen in the history (else the newest).
        history_model: The events fired in this session.
        parent: Parent widget.
    """

    __test__ = False  # a class of the app, not a pytest test class despite its name

    title = "Test events"

    def __init__(
        self, chain_model: ChainModel, history_model: HistoryModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Test events tab")
        self.forms: dict[str, KindForm] = {}
        self.fire_action = page_action(
            self, "&Fire test event", "fire", QKeySequence("Ctrl+Return")
        )
        self.random_action = page_action(self, "Realistic &random values", "random", None)
        self.create_webhook_action = page_action(
            self, "Create the webhook to my relay", "create-webhook", None
        )
        self.fire_again_action = page_action(self, "Fire &again", "fire-again", None)
        self.banner = MessageBanner(self)

        # -- the form ----------------------------------------------------------------------
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName("Reading kind")
        self.preset_combo = QComboBox(self)
        self.preset_combo.setAccessibleName("Preset")
        self.patient_search = QLineEdit(self)
        self.patient_search.setAccessibleName("Search patients")
        self.patient_search.setPlaceholderText("Search by name or id…")
        self.patient_search.setClearButtonEnabled(True)
        self.patient_combo = QComboBox(self)
        self.patient_combo.setAccessibleName("Patient")
        self.patient_combo.setMinimumWidth(220)
        self.patient_note = QLabel("", self)
        self.patient_note.setAccessibleName("Patient search state")
        self.patient_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # either palette
        self.stack = QStackedWidget(self)
        self.kind_combo.currentIndexChanged.connect(self.stack.setCurrentIndex)
        self.fire_button = QPushButton(self)
        self.fire_button.setAccessibleName("Fire test event")
        self.fire_button.clicked.connect(self.fire_action.trigger)
        self.fire_action.changed.connect(self._sync_fire_button)
        self._sync_fire_button()

        patient_row = QHBoxLayout()
        patient_row.addWidget(self.patient_search, 1)
        patient_row.addWidget(self.patient_combo, 2)
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.preset_combo, 1)
        preset_row.addWidget(action_button(self, self.random_action, "Realistic random values"))
        top = QFormLayout()
        top.addRow(self._buddy("&Kind", self.kind_combo), self.kind_combo)
        top.addRow(self._buddy("&Patient", self.patient_search), patient_row)
        top.addRow("", self.patient_note)
        top.addRow(self._buddy("Pre&set", self.preset_combo), preset_row)
        fire_row = QHBoxLayout()
        fire_row.addStretch(1)
        fire_row.addWidget(self.fire_button)
        form_box = QGroupBox("Fire a test event", self)
        form_layout = QVBoxLayout(form_box)
        form_layout.addLayout(top)
        form_layout.addWidget(self.stack, 1)
        form_layout.addLayout(fire_row)

        # -- the chain ---------------------------------------------------------------------
        self.chain_title = QLabel("Nothing fired yet in this session.", self)
        self.chain_title.setAccessibleName("Followed event")
        self.chain_title.setWordWrap(True)
        self.chain_table = _table(self, chain_model, "Receipt chain")
        chain_model.restyle(is_dark(self))
        header = self.chain_table.horizontalHeader()
        for column in (ChainColumn.STEP, ChainColumn.STATUS, ChainColumn.TIME):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ChainColumn.LATENCY, QHeaderView.ResizeMode.ResizeToContents)
        self.chain_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.chain_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.reason_label = QLabel("", self)
        self.reason_label.setAccessibleName("Why a step is missing")
        self.reason_label.setWordWrap(True)
        self.reason_label.setMargin(6)
        set_box(self.reason_label, "caution")
        self.reason_label.hide()
        self.create_webhook_button = action_button(
            self, self.create_webhook_action, "Create the webhook to my relay"
        )
        self.create_webhook_button.hide()
        self.fire_again_button = action_button(self, self.fire_again_action, "Fire again")
        chain_buttons = QHBoxLayout()
        chain_buttons.addWidget(self.create_webhook_button)
        chain_buttons.addStretch(1)
        chain_buttons.addWidget(self.fire_again_button)
        chain_box = QGroupBox("Receipt chain", self)
        chain_layout = QVBoxLayout(chain_box)
        chain_layout.addWidget(self.chain_title)
        chain_layout.addWidget(self.chain_table, 1)
        chain_layout.addWidget(self.reason_label)
        chain_layout.addLayout(chain_buttons)

        # -- the history -------------------------------------------------------------------
        self.history_table = _table(self, history_model, "Fired in this session")
        header = self.history_table.horizontalHeader()
        for history_column in (HistoryColumn.TIME, HistoryColumn.KIND, HistoryColumn.PATIENT):
            header.setSectionResizeMode(history_column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryColumn.VALUES, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(HistoryColumn.VALUES, 380)
        header.setStretchLastSection(True)
        self.history_table.doubleClicked.connect(lambda _i: self.fire_again_action.trigger())
        history_box = QGroupBox("Fired in this session (double-click to fire again)", self)
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history_table)

        upper = QHBoxLayout()
        upper.addWidget(form_box, 5)
        upper.addWidget(chain_box, 6)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(upper, 3)
        layout.addWidget(history_box, 2)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt API
        """Status colours of the chain follow the palette (light or dark)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            model = self.chain_table.model()
            if isinstance(model, ChainModel):
                model.restyle(is_dark(self))

    def _buddy(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _sync_fire_button(self) -> None:
        self.fire_button.setText(self.fire_action.text().replace("&", ""))
        self.fire_button.setEnabled(self.fire_action.isEnabled())
        self.fire_button.setToolTip(self.fire_action.toolTip())

    # -- forms -----------------------------------------------------------------------------

    def build_forms(self) -> None:
        """Builds one form per kind that has a test endpoint (once; loads the contract)."""
        if self.forms:
            return
        from impilo_desk.contract import READING_KINDS
        from impilo_desk.services.test_event_values import FIRABLE_KINDS
        from impilo_desk.ui.test_events.form import KindForm

        for kind in FIRABLE_KINDS:
            info = READING_KINDS[kind]
            form = KindForm(info, self.stack)
            # values typed by hand are no longer the preset's: the list stops naming it
            form.edited.connect(lambda: self.preset_combo.setCurrentIndex(0))
            self.forms[kind.value] = form
            self.stack.addWidget(form)
            self.kind_combo.addItem(info.label, kind.value)
            if not info.documented:  # said in words where the user looks, not in a title
                index = self.kind_combo.count() - 1
                self.kind_combo.setItemData(index, ASSUMED_TIP, Qt.ItemDataRole.ToolTipRole)
                form.setToolTip(ASSUMED_TIP)

    def current_kind(self) -> str | None:
        """The kind chosen (its path slug), or None before the forms exist."""
        data = self.kind_combo.currentData()
        return str(data) if data is not None else None

    def current_form(self) -> KindForm | None:
        """The form of the chosen kind."""
        kind = self.current_kind()
        return self.forms.get(kind) if kind is not None else None

    def mark_unavailable(self, kinds: set[str]) -> None:
        """Labels the kinds this server has no test endpoint for ("… (not on this server)")."""
        for index in range(self.kind_combo.count()):
            kind = str(self.kind_combo.itemData(index))
            label = self.forms[kind].info.label if kind in self.forms else kind
            self.kind_combo.setItemText(
                index, f"{label} (not on this server)" if kind in kinds else label
            )

    def select_kind(self, kind: str) -> None:
        """Chooses the kind ``kind`` (a path slug such as ``blood-pressure``)."""
        index = self.kind_combo.findData(kind)
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)

    def set_presets(self, names: list[str]) -> None:
        """Offers these preset names (the first entry invites a choice)."""
        self.preset_combo.blockSignals(True)
        self.preset_combo.clear()
        self.preset_combo.addItem("Choose a preset…", None)
        for name in names:
            self.preset_combo.addItem(name, name)
        self.preset_combo.blockSignals(False)

    # -- patients --------------------------------------------------------------------------

    def set_patients(self, patients: list[tuple[int, str]], note: str) -> None:
        """Offers ``(id, label)`` patients, keeping the current choice when it is among them."""
        current = self.patient_id()
        self.patient_combo.clear()
        for patient_id, label in patients:
            self.patient_combo.addItem(label, patient_id)
        index = self.patient_combo.findData(current) if current is not None else -1
        if index >= 0:
            self.patient_combo.setCurrentIndex(index)
        self.patient_note.setText(note)

    def patient_id(self) -> int | None:
        """The chosen patient's id, or None."""
        data = self.patient_combo.currentData()
        return int(data) if data is not None else None

    def patient_label(self) -> str:
        """The chosen patient as the list shows them."""
        return self.patient_combo.currentText()

    def select_patient(self, patient_id: int, label: str) -> None:
        """Chooses a patient, adding them to the list if they are not in it."""
        index = self.patient_combo.findData(patient_id)
        if index < 0:
            self.patient_combo.insertItem(0, label, patient_id)
            index = 0
        self.patient_combo.setCurrentIndex(index)

    # -- the chain -------------------------------------------------------------------------

    def show_reason(self, sentence: str | None, offer_webhook: bool) -> None:
        """Shows why the chain stopped (None: hides it) and, if it helps, the webhook button."""
        self.reason_label.setText(sentence or "")
        self.reason_label.setVisible(bool(sentence))
        self.create_webhook_button.setVisible(offer_webhook)

    def select_history_row(self, row: int) -> None:
        """Selects the history row ``row`` (its chain is then shown)."""
        self.history_table.selectRow(row)

    def selected_history_row(self) -> int:
        """The selected history row, or -1."""
        rows = self.history_table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1


class ConfirmProductionDialog(QDialog):
    """Asks the user to type the profile's name before firing on production.

    Args:
        profile_name: What must be typed.
        what: What is about to happen, in a sentence.
        parent: Parent widget.
    """

    def __init__(self, profile_name: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fire on production?")
        self._name = profile_name
        text = QLabel(
            f"<b>{what}</b><br><br>This profile is marked <b>production</b>: the event reaches "
            "real customers' systems. Type the profile name "
            f"<b>{profile_name}</b> to fire it.",
            self,
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Profile name to confirm")
        self.name_edit.setPlaceholderText(profile_name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.fire_button = buttons.addButton("Fire", QDialogButtonBox.ButtonRole.AcceptRole)
        self.fire_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(
            lambda typed: self.fire_button.setEnabled(typed.strip() == self._name)
        )
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.name_edit)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())
