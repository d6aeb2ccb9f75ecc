"""What a sandbox is started with, and the objects one running sandbox owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from impilo_desk import __version__

if TYPE_CHECKING:
    from impilo_desk.sandbox.like_production import LikeProduction

VERSION = __version__


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of one sandbox.

    Attributes:
        db_path: The SQLite file.
        api_keys: Accepted ``Impilo-API-Key`` values (at least one).
        time_scale: Retry delays are divided by this (60: minutes become seconds).
        demo: Seed demo data and keep recording readings.
        base_url: Where the sandbox itself is reachable (demo webhooks point at its sink).
        demo_interval_s: Seconds between live demo readings.
        like_production: Answer as a real platform plausibly does (``--like-production``).
    """

    db_path: str
    api_keys: tuple[str, ...]
    time_scale: float = 1.0
    demo: bool = False
    base_url: str | None = None
    demo_interval_s: float = 3.0
    like_production: LikeProduction | None = None

    def __repr__(self) -> str:
        return (
            f"SandboxConfig(db_path={self.db_path!r}, api_keys=<{len(self.api_keys)} hidden>, "
            f"time_scale={self.time_scale}, demo={self.demo}, base_url={self.base_url!r}, "
            f"like_production={self.like_production is not None})"
        )
