"""Builds copy-pasteable curl commands, with every secret as an environment variable.

Two commands: the GET of an API request (the Logs tab's list query, key as
``$IMPILO_API_KEY``), and the POST that reproduces one webhook delivery (body, content type,
secret as ``$IMPILO_WEBHOOK_SECRET``). The clipboard never holds a secret's value.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from impilo_desk.contract import API_KEY_HEADER, SECRET_HEADER

API_KEY_PLACEHOLDER = "$IMPILO_API_KEY"
WEBHOOK_SECRET_PLACEHOLDER = "$IMPILO_WEBHOOK_SECRET"  # noqa: S105 - a variable's name


def curl_command(base_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """A copy-pasteable ``curl`` for a GET; the API key is never included.

    The key header reads the ``IMPILO_API_KEY`` environment variable, so the command works once
    the user exports their own key and the clipboard never holds it.
    """
    url = base_url.rstrip("/") + path
    if query:
        url += "?" + urlencode(dict(query))
    return _command(
        ["-sS", url],
        [_Expanded(f"{API_KEY_HEADER}: {API_KEY_PLACEHOLDER}"), "Accept: application/json"],
    )


def delivery_curl_command(target: str, body: str, *, timeout_s: float = 10.0) -> str:
    """The ``curl`` POST that reproduces one webhook delivery; the secret is never included.

    The body is passed as is (``--data-raw``: byte for byte, no ``@file`` reading), with
    ``Content-Type: application/json`` and the ``Impilo-Webhook-Secret`` header read from the
    ``IMPILO_WEBHOOK_SECRET`` environment variable. Like Impilo, it gives up after
    ``timeout_s`` and does not follow redirects.
    """
    return _command(
        ["-sS", "-i", "--max-time", f"{timeout_s:g}", target],
        [
            "Content-Type: application/json",
            _Expanded(f"{SECRET_HEADER}: {WEBHOOK_SECRET_PLACEHOLDER}"),
        ],
        data=body,
    )


class _Expanded(str):
    """A header holding a ``$VARIABLE`` that the shell must expand (ours, never user text)."""

    __slots__ = ()


def _command(args: Sequence[str], headers: Sequence[str], data: str | None = None) -> str:
    """``curl ARGS`` and its options, one per line, each quoted for a POSIX shell.

    An ``_Expanded`` header goes in double quotes, so that the shell expands the variable in
    it; everything else is single-quoted, so nothing in it is expanded.
    """
    parts = ["curl " + " ".join(shlex.quote(a) for a in args)]
    lines = [f'-H "{h}"' if isinstance(h, _Expanded) else f"-H {shlex.quote(h)}" for h in headers]
    if data is not None:
        lines.append(f"--data-raw {shlex.quote(data)}")
    return " \\\n  ".join(parts + lines)
