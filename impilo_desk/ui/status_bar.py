"""The status bar: the truth about the API and relay connections, and the profile in use."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget


class ApiState(StrEnum):
    """What the status bar says about the Impilo API."""

    CHECKING = "checking"
    OK = "ok"
    ERROR = "error"
    NONE = "none"


class RelayPhase(StrEnum):
    """What the status bar says about the relay stream (the subscriber's phases)."""

    OFF = "off"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    UNAUTHORIZED = "unauthorized"
    STOPPED = "stopped"


class StatusBar(QStatusBar):
    """Three permanent fields: API, relay (with the count of events received), profile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api_label = QLabel(self)
        self.api_label.setAccessibleName("API status")
        self.relay_label = QLabel(self)
        self.relay_label.setAccessibleName("Relay status")
        self.profile_label = QLabel(self)
        self.profile_label.setAccessibleName("Profile")
        for label in (self.api_label, self.relay_label, self.profile_label):
            label.setContentsMargins(8, 0, 8, 0)
        self.addWidget(self.api_label, 3)
        self.addPermanentWidget(self.relay_label, 0)
        self.addPermanentWidget(self.profile_label, 0)
        self.set_api(ApiState.NONE)
        self.set_relay(RelayPhase.OFF)
        self.set_profile(None)

    def set_api(self, state: ApiState, sentence: str = "") -> None:
        """Shows the API state; for ``ERROR``, ``sentence`` says what is wrong."""
        text = {
            ApiState.CHECKING: "API: checking…",
            ApiState.OK: "API: ok",
            ApiState.ERROR: f"API: {sentence or 'error'}",
            ApiState.NONE: "API: not connected",
        }[state]
        self.api_label.setText(text)
        self.api_label.setToolTip(text)
        colour = {ApiState.OK: "#1b5e20", ApiState.ERROR: "#b71c1c"}.get(state, "")
        self.api_label.setStyleSheet(f"color: {colour};" if colour else "")

    def set_relay(self, phase: RelayPhase, attempt: int = 0, received: int = 0) -> None:
        """Shows the relay stream's phase, its reconnect attempt and how many events came in."""
        words = {
            RelayPhase.OFF: "off",
            RelayPhase.CONNECTING: "connecting…",
            RelayPhase.LIVE: "live",
            RelayPhase.RECONNECTING: f"reconnecting ({attempt})",
            RelayPhase.UNAUTHORIZED: "unauthorized — check the relay token",
            RelayPhase.STOPPED: "stopped",
        }[phase]
        plural = "event" if received == 1 else "events"
        suffix = "" if phase is RelayPhase.OFF else f" · {received} {plural} received"
        self.relay_label.setText(f"Relay: {words}{suffix}")

    def set_profile(self, name: str | None) -> None:
        """Shows the profile's name."""
        self.profile_label.setText(f"Profile: {name}" if name else "No profile")
