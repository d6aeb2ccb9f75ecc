"""The relay's command line and configuration.

The webhook secret and the subscriber token come from files (``--secret-file``,
``--token-file``) or from the environment (``IMPILO_RELAY_SECRET``, ``IMPILO_RELAY_TOKEN``); never
from the command line, where every user of the machine could read them. The secret file may
hold several secrets, one per line (a rotation's overlap window); SIGHUP reads it again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_ENV = "IMPILO_RELAY_SECRET"  # noqa: S105 - the name of a variable, not a secret
TOKEN_ENV = "IMPILO_RELAY_TOKEN"  # noqa: S105 - the name of a variable, not a secret
DEFAULT_MAX_BODY = 1024 * 1024
PG_SCHEMES = ("postgresql", "postgres")
# "scheme:" of two letters or more; one letter is a Windows drive ("C:\\relay.db"), a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
DEFAULT_MAX_CONNECTIONS = 4096
DEFAULT_MAX_SUBSCRIBERS = 2000
FD_RESERVE = 64  # open files kept for the database, logs and the listening socket
# asyncio accepts up to this many connections in one go, closing those over the cap only after,
# so they too must fit in the open-file limit; it is also the listen queue.
BACKLOG = 256


class ConfigError(Exception):
    """The relay cannot start with what it was given; the message says why (never a secret)."""


@dataclass(frozen=True)
class RelayConfig:
    """Everything the relay needs to run. ``repr`` never shows the secret or the token."""

    secrets: tuple[str, ...] = field(repr=False)
    token: str = field(repr=False)
    secret_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    db_path: Path = Path("impilo-relay.sqlite3")
    db_url: str | None = field(default=None, repr=False)  # postgresql://…; may hold a password
    retention_days: float | None = 30.0
    retention_count: int | None = 1_000_000
    retention_interval_s: float = 60.0
    dedup_days: float | None = 7.0
    dedup_count: int | None = 5_000_000
    max_body_bytes: int = DEFAULT_MAX_BODY
    keepalive_s: float = 15.0
    retry_ms: int = 2000
    queue_size: int = 1000
    synchronous: str = "NORMAL"
    log_level: str = "info"
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_subscribers: int = DEFAULT_MAX_SUBSCRIBERS
    header_timeout_s: float = 10.0
    keep_alive_timeout_s: float = 5.0

    @property
    def db_display(self) -> str:
        """The database, as logs and messages may show it (a password is masked)."""
        return redact_db_url(self.db_url) if self.db_url is not None else str(self.db_path)


def redact_db_url(url: str) -> str:
    """``url`` with any password (in the user part or as ``?password=``) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, True)],
        safe="*/:",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def parse_db(value: str) -> tuple[Path, str | None]:
    """``--db``: a path selects SQLite; ``postgresql://…`` PostgreSQL; other schemes are refused.

    Returns:
        The SQLite path (unused for PostgreSQL) and the PostgreSQL URL or ``None``.

    Raises:
        ConfigError: A URL of another kind, or a PostgreSQL URL that cannot be parsed.
    """
    match = _SCHEME.match(value)
    if match is None:
        return Path(value), None
    scheme = match.group(1).lower()
    if scheme not in PG_SCHEMES:
        raise ConfigError(
            f"--db {scheme}:… is not supported: give a file path (SQLite) or a "
            "postgresql://USER@HOST[:PORT]/DB URL (PostgreSQL)"
        )
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"--db {redact_db_url(value)} is not a valid URL: {exc}") from None
    if not value.startswith(f"{scheme}://"):
        raise ConfigError(f"--db {redact_db_url(value)}: write it as {scheme}://USER@HOST/DB")
    return Path(), value


def _positive_or_none(value: str) -> float | None:
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 (off) or more")
    return number or None


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def fd_limit() -> int:
    """The open-file limit, raised to its hard maximum first (a relay holds many sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def default_max_connections() -> int:
    """What fits in the open-file limit, at most ``DEFAULT_MAX_CONNECTIONS``."""
    return max(1, min(DEFAULT_MAX_CONNECTIONS, fd_limit() - FD_RESERVE - BACKLOG))


def build_parser() -> argparse.ArgumentParser:
    """The ``impilo-relay`` argument parser."""
    p = argparse.ArgumentParser(
        prog="impilo-relay",
        description="Receives Impilo webhooks, stores them durably and streams them over SSE.",
        epilog=f"The secret and token may also be given in ${SECRET_ENV} and ${TOKEN_ENV}.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port to bind (0 picks a free one)")
    p.add_argument(
        "--db",
        default="impilo-relay.sqlite3",
        help="a SQLite file (one relay process), or postgresql://USER@HOST[:PORT]/DB for "
        "several replicas on one database; the password comes from $PGPASSWORD, $PGPASSFILE "
        "(~/.pgpass) or a service file (postgresql://?service=NAME), not the command line",
    )
    p.add_argument(
        "--secret-file",
        type=Path,
        help="file holding the Impilo webhook secret(s), one per line; read again on SIGHUP",
    )
    p.add_argument("--token-file", type=Path, help="file holding the subscribers' bearer token")
    p.add_argument("--retention-days", type=_positive_or_none, default=30.0, help="0 = keep all")
    p.add_argument("--retention-count", type=_positive_or_none, default=1_000_000.0)
    p.add_argument("--retention-interval", type=float, default=60.0, help=argparse.SUPPRESS)
    p.add_argument(
        "--dedup-days",
        type=_positive_or_none,
        default=7.0,
        help="how long the id of an event deleted by retention is still recognised as a "
        "duplicate, from its receipt (Impilo retries for about 2 hours); 0 = no age limit",
    )
    p.add_argument(
        "--dedup-count",
        type=_positive_or_none,
        default=5_000_000.0,
        help="at most this many ids of deleted events are remembered (the newest); 0 = no limit",
    )
    p.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY)
    p.add_argument("--keepalive", type=float, default=15.0, help="seconds between SSE comments")
    p.add_argument("--retry-ms", type=int, default=2000, help="the SSE retry: hint")
    p.add_argument("--queue-size", type=int, default=1000, help="live queue per subscriber")
    p.add_argument(
        "--synchronous",
        choices=["normal", "full"],
        default="normal",
        help="normal: survives a process kill; full: also survives power loss (slower)",
    )
    p.add_argument(
        "--max-connections",
        type=_at_least_one,
        default=None,
        help=f"open connections at most (default {DEFAULT_MAX_CONNECTIONS}, or the open-file "
        f"limit less {FD_RESERVE + BACKLOG}); more are answered 503 and closed",
    )
    p.add_argument(
        "--max-subscribers",
        type=_at_least_one,
        default=DEFAULT_MAX_SUBSCRIBERS,
        help="open SSE streams at most; more are answered 503 with Retry-After",
    )
    p.add_argument(
        "--header-timeout",
        type=_positive,
        default=10.0,
        help="seconds a connection has to send a request's head before it is closed",
    )
    p.add_argument(
        "--keep-alive-timeout",
        type=_positive,
        default=5.0,
        help="seconds an idle keep-alive connection stays open between requests",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p


def read_secrets(path: Path | None) -> tuple[str, ...]:
    """The webhook secrets: one per non-empty line of ``path``, else ``$IMPILO_RELAY_SECRET``.

    Raises:
        ConfigError: The file cannot be read, or there is no secret.
    """
    text = _read_credential(path, SECRET_ENV, "secret")
    found = tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    return found


def _read_credential(path: Path | None, env: str, what: str) -> str:
    if path is not None:
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the {what} file {path}: {exc.strerror}") from None
    else:
        value = os.environ.get(env, "").strip()
    if not value:
        raise ConfigError(f"no {what}: give --{what}-file or set ${env}")
    return value


def config_from_args(argv: list[str] | None = None) -> RelayConfig:
    """Parses the command line and reads the credentials; raises ``ConfigError``."""
    args = build_parser().parse_args(argv)
    count = args.retention_count
    dedup_count = args.dedup_count
    db_path, db_url = parse_db(args.db)
    return RelayConfig(
        secrets=read_secrets(args.secret_file),
        token=_read_credential(args.token_file, TOKEN_ENV, "token"),
        secret_file=args.secret_file,
        host=args.host,
        port=args.port,
        db_path=db_path,
        db_url=db_url,
        retention_days=args.retention_days,
        retention_count=int(count) if count else None,
        retention_interval_s=args.retention_interval,
        dedup_days=args.dedup_days,
        dedup_count=int(dedup_count) if dedup_count else None,
        max_body_bytes=args.max_body_bytes,
        keepalive_s=args.keepalive,
        retry_ms=args.retry_ms,
        queue_size=args.queue_size,
        synchronous=args.synchronous.upper(),
        log_level=args.log_level,
        max_connections=args.max_connections or default_max_connections(),
        max_subscribers=args.max_subscribers,
        header_timeout_s=args.header_timeout,
        keep_alive_timeout_s=args.keep_alive_timeout,
    )
