"""The app's own log: a rotating file in the user log folder, with every known secret removed."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "impilo-desk"
HOME_ENV = "IMPILO_DESK_HOME"  # one folder for config, data and logs (tests, portable use)
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter values would redact ordinary words

_HEADER_VALUE = re.compile(
    r"(?i)\b(impilo-api-key|impilo-webhook-secret|authorization|x-api-key)"
    r"([\"']?\s*[:=]\s*[\"']?)(bearer\s+)?[^\s\"',}]+"
)
_QUERY_VALUE = re.compile(r"(?i)\b(api[_-]?key|secret|token|password)=([^\s&\"']+)")


@dataclass(frozen=True)
class AppPaths:
    """Where the app keeps its files (secrets never go to any of them)."""

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AppPaths:
        """The platform's user folders, or subfolders of ``$IMPILO_DESK_HOME`` when it is set."""
        env = os.environ if environ is None else environ
        home = env.get(HOME_ENV)
        if home:
            base = Path(home)
            return cls(base / "config", base / "data", base / "log")
        return cls(
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def profiles_file(self) -> Path:
        """The profiles file."""
        return self.config_dir / "profiles.json"

    @property
    def log_file(self) -> Path:
        """The app's log file."""
        return self.log_dir / "impilo-desk.log"


class SecretRedactor:
    """Knows the secrets in use (API keys, webhook secret, relay token) and removes them.

    Values are added as the app learns them; header and query patterns catch the rest.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SecretRedactor({len(self._secrets)} secrets)"

    def add(self, value: str | None) -> None:
        """Remembers ``value`` as a secret (too short or empty values are ignored)."""
        if value and len(value) >= MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        """``text`` without any known secret, secret-bearing header or query value."""
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for secret in known:
            text = text.replace(secret, REDACTED)
        text = _HEADER_VALUE.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
        return _QUERY_VALUE.sub(lambda m: f"{m[1]}={REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record (message and traceback) through a :class:`SecretRedactor`."""

    def __init__(self, redactor: SecretRedactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Redacts ``record`` in place; never drops it."""
        record.msg = self._redactor.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._redactor.redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redactor.redact(record.stack_info)
        return True


def setup_logging(paths: AppPaths, redactor: SecretRedactor) -> logging.Handler:
    """Logs INFO and up to a rotating file (1 MB x 3) in the log folder, secrets removed.

    Returns:
        The handler (the caller removes and closes it on exit).
    """
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        paths.log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    for noisy in ("httpx", "httpcore"):  # request lines are not the app's story
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
