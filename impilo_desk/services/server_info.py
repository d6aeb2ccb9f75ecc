"""What a server says about itself: the sandbox's retry time scale (1 for a real Impilo)."""

from __future__ import annotations

import logging

import httpx

INFO_PATH = "/sandbox/info"
TIMEOUT_S = 3.0

_log = logging.getLogger(__name__)


def may_ask_sandbox_info(environment: str) -> bool:
    """Whether ``/sandbox/info`` may be asked of a profile's server: only of a sandbox.

    The request carries no API key, so a real Impilo would log it as a 401 in the customer's
    account; a production or staging profile is never asked (its schedule is the documented one).
    """
    return environment == "sandbox"


async def fetch_time_scale(base_url: str, *, wait_s: float = TIMEOUT_S) -> float:
    """The retry time scale of the server at ``base_url``.

    The sandbox answers ``GET /sandbox/info`` with ``{"time_scale": N}``; a real Impilo has no
    such path. Anything but a positive number (404, no answer, another shape) means 1: the
    documented 15/30/60-minute schedule.

    Args:
        base_url: The API's base URL without ``/api/v3``.
        wait_s: Seconds to wait for the answer.
    """
    url = base_url.rstrip("/") + INFO_PATH
    try:
        async with httpx.AsyncClient(timeout=wait_s) as http:
            response = await http.get(url)
        if response.status_code != 200:
            return 1.0
        scale = response.json().get("time_scale")
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        _log.info("no time scale from %s (%s); using 1", url, type(exc).__name__)
        return 1.0
    if isinstance(scale, int | float) and not isinstance(scale, bool) and scale > 0:
        return float(scale)
    return 1.0
