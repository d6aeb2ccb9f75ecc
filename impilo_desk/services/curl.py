"""Builds the curl command equivalent to an API request, with the key as a placeholder."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from urllib.parse import urlencode

from impilo_desk.contract import API_KEY_HEADER

API_KEY_PLACEHOLDER = "$IMPILO_API_KEY"


def curl_command(base_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """A copy-pasteable ``curl`` for a GET; the API key is never included.

    The key header reads the ``IMPILO_API_KEY`` environment variable, so the command works once
    the user exports their own key and the clipboard never holds it.
    """
    url = base_url.rstrip("/") + path
    if query:
        url += "?" + urlencode(dict(query))
    header = f"{API_KEY_HEADER}: {API_KEY_PLACEHOLDER}"
    return f"curl -sS {shlex.quote(url)} \\\n  -H \"{header}\" \\\n  -H 'Accept: application/json'"
