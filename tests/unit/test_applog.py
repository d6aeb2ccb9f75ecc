from __future__ import annotations

import logging

from impilo_desk.applog import HOME_ENV, AppPaths, SecretRedactor, setup_logging


def test_paths_follow_the_home_variable(tmp_path):
    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    assert paths.config_dir == tmp_path / "config"
    assert paths.log_file.parent == tmp_path / "log"


def test_redactor_removes_known_secrets_and_header_values():
    redactor = SecretRedactor()
    redactor.add("s3cr3t-value-123")
    redactor.add("abc")  # too short to be treated as a secret
    text = redactor.redact(
        "secret s3cr3t-value-123 and Impilo-API-Key: key-zzz-999 and "
        "{'Impilo-Webhook-Secret': 'whs-42424242'} and url?token=tok-1234567 abc"
    )
    assert "s3cr3t-value-123" not in text
    assert "key-zzz-999" not in text
    assert "whs-42424242" not in text
    assert "tok-1234567" not in text
    assert text.endswith("abc")


def test_log_file_never_holds_a_secret_even_in_a_traceback(tmp_path):
    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    redactor = SecretRedactor()
    handler = setup_logging(paths, redactor)
    try:
        redactor.add("the-api-key-0123456789")
        log = logging.getLogger("impilo_desk.test")
        log.warning("calling with %s", "the-api-key-0123456789")
        try:
            raise RuntimeError("bad key the-api-key-0123456789")
        except RuntimeError:
            log.exception("failed")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = paths.log_file.read_text()
    assert "failed" in text
    assert "RuntimeError" in text
    assert "the-api-key-0123456789" not in text


def test_stamina_retries_and_library_warnings_go_to_the_log_not_stderr(tmp_path, capfd):
    import asyncio
    import warnings

    import pytest

    from impilo_desk.client import ImpiloClient, RetryPolicy, Unreachable

    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    redactor = SecretRedactor()
    key = "the-api-key-for-retries-42"
    redactor.add(key)
    handler = setup_logging(paths, redactor)
    policy = RetryPolicy(attempts=2, total_timeout=5.0, wait_initial=0.01, wait_max=0.01)

    async def fetch() -> None:
        # a server that drops every connection (retried; a refused one is an answer, not retried)
        async def drop(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        server = await asyncio.start_server(drop, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            async with ImpiloClient(url, key, timeout=2.0, retry=policy) as client:
                await client.list_webhooks()
        finally:
            server.close()
            await server.wait_closed()

    try:
        with pytest.raises(Unreachable):
            asyncio.run(fetch())
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # the suite turns warnings into errors
            warnings.warn(f"a library complains about {key}", UserWarning, stacklevel=1)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    captured = capfd.readouterr()
    assert "stamina" not in captured.err
    assert "complains" not in captured.err
    text = paths.log_file.read_text()
    assert "stamina: retry 1 of" in text
    assert "py.warnings" in text
    assert "a library complains" in text
    assert key not in text
    assert logging.getLogger().handlers.count(handler) == 0
