"""The status bar: the truth about the API and relay connections, and the profile in use."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from impilo_desk.ui.kit.palette import set_tone

SESSION_ONLY_TEXT = "Secrets: this session only"
SESSION_ONLY_TIP = (
    "No usable keyring: the API key and secrets are kept in memory and are lost when "
    "Impilo Desk closes."
)


class ApiState(StrEnum):
    """What the status bar says about the Impilo API."""

    CHECKING = "checking"
    OK = "ok"
    UNREACHABLE = "unreachable"
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
    """Permanent fields: API, relay (with events received), profile, and where secrets are.

    The secrets field shows only when they are not in the keyring.

    Signals:
        secrets_choice_requested(): The user clicked "keep in memory…" after the keyring failed.
    """

    secrets_choice_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.secrets_label = QLabel(self)
        self.secrets_label.setAccessibleName("Where secrets are kept")
        self.secrets_label.setContentsMargins(8, 0, 8, 0)
        self.secrets_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.secrets_label.linkActivated.connect(lambda _link: self.secrets_choice_requested.emit())
        self.secrets_label.hide()
        self.api_label = QLabel(self)
        self.api_label.setAccessibleName("API status")
        # It takes the room left, never more: a long sentence is cut (the tooltip has it all)
        # instead of widening the window past the screen (found under Xvfb).
        self.api_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.api_label.setMinimumWidth(160)
        self.relay_label = QLabel(self)
        self.relay_label.setAccessibleName("Relay status")
        # Like the API field: it takes its share of the room and is cut, never widening the
        # window past the screen (a dead demo relay's sentence pushed the banner's restart
        # button off screen, found under Xvfb); its tooltip has it all.
        self.relay_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.relay_label.setMinimumWidth(240)
        self.relay_label.setMaximumWidth(720)
        self.profile_label = QLabel(self)
        self.profile_label.setAccessibleName("Profile")
        self.alert_label = QLabel(self)  # which webhooks fail (from the Webhooks tab's health)
        self.alert_label.setAccessibleName("Failing webhooks")
        self.alert_label.setContentsMargins(8, 0, 8, 0)
        self.alert_label.setMaximumWidth(480)  # many failing webhooks: cut, whole in the tooltip
        self.alert_label.hide()
        for label in (self.api_label, self.relay_label, self.profile_label):
            label.setContentsMargins(8, 0, 8, 0)
        self.addWidget(self.api_label, 3)
        self.addPermanentWidget(self.alert_label, 0)
        self.addPermanentWidget(self.secrets_label, 0)
        self.addPermanentWidget(self.relay_label, 2)
        self.addPermanentWidget(self.profile_label, 0)
        self.set_api(ApiState.NONE)
        self.set_relay(RelayPhase.OFF)
        self.set_profile(None)

    def set_api(self, state: ApiState, sentence: str = "", since: str = "") -> None:
        """Shows the API state.

        Args:
            state: What is known of the API.
            sentence: For ``ERROR``, what is wrong; for ``UNREACHABLE``, why (the tooltip).
            since: For ``UNREACHABLE``, when it stopped answering, as people read times.
        """
        text = {
            ApiState.CHECKING: "API: checking…",
            ApiState.OK: "API: ok",
            ApiState.UNREACHABLE: f"API: unreachable since {since}"
            if since
            else "API: unreachable",
            ApiState.ERROR: f"API: {sentence or 'error'}",
            ApiState.NONE: "API: not connected",
        }[state]
        self.api_label.setText(text)
        self.api_label.setToolTip(
            f"{text}\n{sentence}" if sentence and sentence not in text else text
        )
        trouble = (ApiState.ERROR, ApiState.UNREACHABLE)
        self._colour(
            self.api_label, "ok" if state is ApiState.OK else "error" if state in trouble else ""
        )

    def set_relay(
        self,
        phase: RelayPhase,
        attempt: int = 0,
        received: int = 0,
        *,
        kind: str = "relay",
        dropped: int = 0,
        gap: str | None = None,
        error: str | None = None,
        live_words: str | None = None,
        trouble: str | None = None,
    ) -> None:
        """Shows the relay stream's phase, its reconnect attempt and how many events came in.

        Args:
            phase: The subscriber's phase.
            attempt: The reconnect attempt (while reconnecting).
            received: New events received.
            kind: ``relay`` (ours) or ``smee`` (a smee.io channel).
            dropped: Events refused because their webhook secret did not match.
            gap: A possible gap in the events, in a few words.
            error: The last failure, one sentence (shown when reconnecting or stopped, else in
                the tooltip).
            live_words: What to say instead of "live" while the stream is live (e.g. that
                Impilo's deliveries to the relay fail): "live" only when they succeed.
            trouble: Said after the phase when the stream is not live (those deliveries fail).
        """
        words = {
            RelayPhase.OFF: "off",
            RelayPhase.CONNECTING: "connecting…",
            RelayPhase.LIVE: live_words or "live",
            RelayPhase.RECONNECTING: f"reconnecting ({attempt})" + (f" — {error}" if error else ""),
            RelayPhase.UNAUTHORIZED: "unauthorized — check the relay token",
            RelayPhase.STOPPED: f"stopped — {error}" if error else "stopped",
        }[phase]
        parts = [f"Relay{' (smee)' if kind == 'smee' else ''}: {words}"]
        if phase is not RelayPhase.OFF:
            parts.append(f"{received} {'event' if received == 1 else 'events'} received")
        if trouble and phase is not RelayPhase.LIVE:
            parts.append(trouble)
        if dropped:
            parts.append(f"{dropped} dropped (wrong secret)")
        if gap:
            parts.append(gap)
        text = " · ".join(parts)
        self.relay_label.setText(text)
        self.relay_label.setToolTip(f"{text}\nLast problem: {error}" if error else text)
        failing = bool(error) and phase is not RelayPhase.CONNECTING
        not_live = phase is RelayPhase.LIVE and (live_words or "live") != "live"
        warn = failing or not_live or trouble or dropped or gap
        self._colour(self.relay_label, "warning" if warn else "")

    def set_secrets(self, mode: str, sentence: str = "") -> None:
        """Shows where secrets are kept.

        Nothing for ``keyring``; a warning for ``session`` (memory, this session only); for
        ``unavailable``, a link to choose memory after all.
        """
        if mode == "session":
            self.secrets_label.setText(SESSION_ONLY_TEXT)
            self.secrets_label.setToolTip(SESSION_ONLY_TIP)
        elif mode == "unavailable":
            self.secrets_label.setText(
                'Secrets: no keyring — <a href="memory">keep in memory for this session…</a>'
            )
            self.secrets_label.setToolTip(sentence)
        self._colour(self.secrets_label, "warning", bold=True)
        self.secrets_label.setVisible(mode in ("session", "unavailable"))

    def set_profile(self, name: str | None) -> None:
        """Shows the profile's name."""
        self.profile_label.setText(f"Profile: {name}" if name else "No profile")

    def set_alert(self, line: str) -> None:
        """Says which webhooks are failing ("⚠ Webhook #14 … is failing since 07:59"); "" hides."""
        self.alert_label.setText(f"⚠ {line}" if line else "")
        self.alert_label.setToolTip(line)
        self._colour(self.alert_label, "error", bold=True)
        self.alert_label.setVisible(bool(line))

    def _colour(self, label: QLabel, kind: str, bold: bool = False) -> None:
        """Colours ``label`` as a status of ``kind`` ("": the palette's own text colour).

        The colour follows the palette (light or dark), so each keeps its contrast.
        """
        set_tone(label, kind, bold=bold)
