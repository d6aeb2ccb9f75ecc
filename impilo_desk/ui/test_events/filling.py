"""Fills the Test events form: the presets of the chosen kind, or realistic random values."""

from __future__ import annotations

from impilo_desk.ui.test_events.view import TestEventsTab


class FormFilling:
    """What the kind, preset and random-values controls put into the form.

    Args:
        view: The tab (its kind and preset lists, and the form of the chosen kind).
    """

    def __init__(self, view: TestEventsTab) -> None:
        self.view = view
        view.kind_combo.currentIndexChanged.connect(lambda _i: self.kind_changed())
        view.preset_combo.activated.connect(lambda _i: self.apply_preset())
        view.random_action.triggered.connect(self.random_values)

    def kind_changed(self) -> None:
        """Offers the presets of the chosen kind."""
        kind = self.view.current_kind()
        if kind is None:
            return
        from impilo_desk.contract import ReadingKind
        from impilo_desk.services.test_event_values import presets

        self.view.set_presets(list(presets(ReadingKind(kind))))

    def apply_preset(self) -> None:
        """Puts the chosen preset's values into the form."""
        name = self.view.preset_combo.currentData()
        kind = self.view.current_kind()
        form = self.view.current_form()
        if name is None or kind is None or form is None:
            return
        from impilo_desk.contract import ReadingKind
        from impilo_desk.services.test_event_values import presets

        form.set_values(presets(ReadingKind(kind))[str(name)])

    def random_values(self) -> None:
        """Fills the form with realistic random values."""
        form = self.view.current_form()
        if form is not None:
            from impilo_desk.services.test_event_values import random_values

            form.set_values(random_values(form.info))
