"""Each profile session opens its redelivery record beside its event store and closes it after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from impilo_desk.applog import AppPaths, SecretRedactor
from impilo_desk.services.credentials import KeyringCredentialStore
from impilo_desk.services.redelivery import AttemptStore
from impilo_desk.session import ProfileDraft
from impilo_desk.wiring import build_services

pytestmark = pytest.mark.anyio


async def test_a_session_holds_its_profiles_record_and_closes_it(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    services = build_services(
        paths, SecretRedactor(), KeyringCredentialStore("impilo-desk-test", backend=backend)
    )
    try:
        # Nothing listens on port 1: the session opens without talking to Impilo.
        draft = ProfileDraft("Staging", "http://127.0.0.1:1", None, "staging")
        first = await services.book.save(draft, "key-1")
        second = await services.book.save(
            ProfileDraft("Other", "http://127.0.0.1:1", None, "staging"), "key-2"
        )
        async with services.open_session(first) as session:
            record = session.attempts
            assert isinstance(record, AttemptStore)
            assert record.path == AttemptStore.path_for(paths.data_dir, first.id)
            assert record.path.parent == paths.data_dir  # beside events-<profile>.sqlite3
            assert (paths.data_dir / f"events-{first.id}.sqlite3").exists()
            assert record.runs() == []
        with pytest.raises(sqlite3.ProgrammingError):  # closed with the session
            record.runs()
        async with services.open_session(second) as other:
            assert other.attempts is not None
            assert other.attempts.path != record.path  # one record per profile
    finally:
        services.close()
