"""Copy as curl for one delivery: the command, run by a real shell, reproduces the POST."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest

from impilo_desk.contract import SECRET_HEADER
from impilo_desk.services.curl import WEBHOOK_SECRET_PLACEHOLDER, delivery_curl_command
from tests.fixtures.receiver import receiver

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl (tools/system-deps.sh)"),
]

SECRET = "whsec-curl-5c0ffee1234"
# What a shell would expand or a curl option would read, if the quoting were wrong.
BODY = json.dumps(
    {
        "id": 77,
        "type": "patient.updated",
        "payload": {"note": 'it\'s $HOME `id` $(id) \\ "q"\nline 2 ünïcode', "at": "@/etc/passwd"},
    },
    ensure_ascii=False,
    indent=1,
)


async def run_shell(command: str) -> tuple[int, str]:
    env = dict(os.environ, IMPILO_WEBHOOK_SECRET=SECRET)
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(30):
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


async def test_the_copied_command_sends_the_exact_body_and_the_secret_from_the_environment():
    async with receiver() as rec:
        command = delivery_curl_command(rec.url + "/webhook?x=1&y=2", BODY)
        code, out = await run_shell(command)
    assert code == 0, out
    assert "HTTP/1.1 200" in out  # -i shows the receiver's answer
    (got,) = rec.received
    assert (got.method, got.path) == ("POST", "/webhook")
    assert got.body == BODY.encode("utf-8")
    assert got.headers["content-type"] == "application/json"
    assert got.headers[SECRET_HEADER.lower()] == SECRET
    assert SECRET not in command
    assert f'"{SECRET_HEADER}: {WEBHOOK_SECRET_PLACEHOLDER}"' in command
