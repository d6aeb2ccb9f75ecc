"""``impilo-relay --db postgresql://…`` as a real process: where the password comes from.

libpq's own ways: ``PGPASSWORD``, ``PGPASSFILE`` and a service file. A password written into the
URL works too, but it is never shown: not in the log, not in an error, not in /healthz.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.postgres import PASSWORD, PASSWORD_ROLE, PgServer, free_port
from tests.fixtures.relay import RelayProcess, make_envelope


@pytest.fixture
def pw_db(pg_server: PgServer) -> Iterator[str]:
    """A database owned by the role that must give its password."""
    pg_server.ensure_password_role()
    name = pg_server.create_database(owner=PASSWORD_ROLE)
    try:
        yield name
    finally:
        pg_server.drop_database(name)


def run_relay(db: str, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs the relay expecting it to refuse to start (bounded)."""
    return subprocess.run(
        [sys.executable, "-m", "impilo_desk.relay", "--port", "0", "--db", db],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "IMPILO_RELAY_SECRET": "s", "IMPILO_RELAY_TOKEN": "t", **env},
    )


def works(relay: RelayProcess) -> None:
    r = httpx.post(
        relay.ingest_url, json=make_envelope(1), headers={"Impilo-Webhook-Secret": relay.secret}
    )
    assert r.json() == {"seq": 1, "duplicate": False}
    health = httpx.get(relay.url + "/healthz", timeout=10)
    assert health.json()["status"] == "ok"
    assert PASSWORD not in health.text


def test_other_schemes_are_refused_and_nothing_is_created(tmp_path: Path) -> None:
    proc = run_relay("sqlite:///relay.db", tmp_path, {})
    assert proc.returncode == 2
    assert "--db sqlite:… is not supported" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # no folder named "sqlite:" (nor anything else)


def test_without_the_password_it_says_why_in_one_sentence(
    pg_server: PgServer, pw_db: str, tmp_path: Path
) -> None:
    proc = run_relay(pg_server.url(pw_db, PASSWORD_ROLE), tmp_path, {"PGPASSWORD": "wrong"})
    assert proc.returncode == 2
    assert "cannot reach PostgreSQL at postgresql://relay_pw@127.0.0.1" in proc.stderr
    assert "password authentication failed" in proc.stderr
    assert "Traceback" not in proc.stderr
    unreachable = f"postgresql://relay_pw:{PASSWORD}@127.0.0.1:{free_port()}/x"
    proc = run_relay(unreachable, tmp_path, {})
    assert proc.returncode == 2
    assert "cannot reach PostgreSQL at postgresql://relay_pw:***@127.0.0.1" in proc.stderr
    assert PASSWORD not in proc.stderr


def test_pgpassword(pg_server: PgServer, pw_db: str, tmp_path: Path) -> None:
    url = pg_server.url(pw_db, PASSWORD_ROLE)
    log = tmp_path / "relay.log"
    with RelayProcess(url, stderr_path=log, env={"PGPASSWORD": PASSWORD}) as relay:
        works(relay)
    assert PASSWORD not in log.read_text()


def test_pgpassfile(pg_server: PgServer, pw_db: str, tmp_path: Path) -> None:
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:{pw_db}:{PASSWORD_ROLE}:{PASSWORD}\n")
    passfile.chmod(0o600)  # libpq ignores a password file that others can read
    url = pg_server.url(pw_db, PASSWORD_ROLE)
    env = {"PGPASSFILE": str(passfile)}
    with RelayProcess(url, stderr_path=tmp_path / "relay.log", env=env) as relay:
        works(relay)


def test_service_file(pg_server: PgServer, pw_db: str, tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[impilo]\nhost=127.0.0.1\nport={pg_server.port}\ndbname={pw_db}\n"
        f"user={PASSWORD_ROLE}\npassword={PASSWORD}\n"
    )
    env = {"PGSERVICEFILE": str(services)}
    log = tmp_path / "relay.log"
    with RelayProcess("postgresql://?service=impilo", stderr_path=log, env=env) as relay:
        works(relay)
    assert PASSWORD not in log.read_text()


def test_a_password_in_the_url_works_but_is_never_shown(
    pg_server: PgServer, pw_db: str, tmp_path: Path
) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{pg_server.port}/{pw_db}"
    log = tmp_path / "relay.log"
    with RelayProcess(url, stderr_path=log, extra_args=["--log-level", "debug"]) as relay:
        works(relay)
    text = log.read_text()
    assert f"postgresql://{PASSWORD_ROLE}:***@127.0.0.1" in text  # it did log the store
    assert PASSWORD not in text
