"""``--db``: a path is SQLite, ``postgresql://`` is PostgreSQL, anything else is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from impilo_desk.relay.config import ConfigError, config_from_args, parse_db


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPILO_RELAY_SECRET", "s")
    monkeypatch.setenv("IMPILO_RELAY_TOKEN", "t")


@pytest.mark.parametrize("value", ["relay.db", "/var/lib/r/relay.db", "C:\\relay\\r.db", "r:1"])
def test_a_path_is_sqlite(value: str) -> None:
    config = config_from_args(["--db", value])
    assert (config.db_path, config.db_url) == (Path(value), None)


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://relay@db.internal:5433/relay",
        "postgres://relay@db/relay",
        "postgresql:///relay?service=impilo",
        "postgresql://?service=impilo",
    ],
)
def test_a_postgresql_url_selects_postgresql(value: str) -> None:
    assert config_from_args(["--db", value]).db_url == value


@pytest.mark.parametrize("value", ["sqlite:///relay.db", "mysql://u@h/db", "https://x/y"])
def test_other_schemes_are_refused_with_a_clear_message(value: str) -> None:
    with pytest.raises(ConfigError, match="is not supported: give a file path"):
        parse_db(value)


@pytest.mark.parametrize("value", ["postgresql://h:notaport/db", "postgresql:relay"])
def test_a_malformed_postgresql_url_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="--db postgresql"):
        parse_db(value)


def test_a_password_is_never_shown() -> None:
    url = "postgresql://relay:hunter2@db:5432/relay?password=hunter3&sslmode=require"
    config = config_from_args(["--db", url])
    assert "hunter" not in repr(config)
    assert "hunter" not in config.db_display
    assert config.db_display == "postgresql://relay:***@db:5432/relay?password=***&sslmode=require"
    with pytest.raises(ConfigError) as caught:
        parse_db("postgresql://relay:hunter2@db:nope/relay")
    assert "hunter2" not in str(caught.value)
