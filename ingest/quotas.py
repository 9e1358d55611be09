"""Admission control on the ingest path: key/project quotas and back-pressure.

Quotas are fixed one-minute windows counted in Django's cache (Redis in
production, so every web process shares them; per process on the embedded
default). Back-pressure reads the processing backlog, cached for a second so
the hot path pays for it once per second, not per request.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache

from errorhub.accounts.models import ProjectKey
from errorhub.caching import MISSING, LockedTTLCache
from ingest.protocol.ratelimit_header import RateLimit

logger = logging.getLogger(__name__)
_BACKLOG_TTL = 1.0
_backlog: LockedTTLCache[str, int] = LockedTTLCache(ttl=_BACKLOG_TTL, maxsize=1)


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused with 429, in Sentry's rate-limit vocabulary."""

    limit: RateLimit
    reason: str


def _window_count(name: str, amount: int) -> int:
    key = f"quota:{name}:{int(time.time() // 60)}"
    try:
        return cache.incr(key, amount)
    except ValueError:  # first hit of this window
        cache.add(key, 0, timeout=120)
        return cache.incr(key, amount)


def _seconds_left_in_window() -> int:
    return max(1, 60 - int(time.time()) % 60)


def check_quotas(key: ProjectKey, amount: int = 1) -> Refusal | None:
    """Count ``amount`` events against the key's and project's minute quotas."""
    checks = (
        ("key", key.rate_limit_per_minute or settings.INGEST_DEFAULT_RATE_LIMIT, f"k{key.pk}"),
        ("project", key.project.rate_limit_per_minute, f"p{key.project_id}"),
    )
    for scope, limit, name in checks:
        if limit and _window_count(name, amount) > limit:
            return Refusal(
                RateLimit(
                    retry_after=_seconds_left_in_window(),
                    categories=("error", "default"),
                    scope=scope,
                    reason_code=f"{scope}_quota",
                ),
                reason=f"{scope}_quota",
            )
    return None


def backlog_depth() -> int:
    """Messages waiting in the processing queues (read at most once a second).

    An unreachable broker reads as 0, with a warning: queueing the payload then
    fails on its own and answers 503, so back-pressure need not refuse for it.
    """
    cached = _backlog.get("depth")
    if cached is not MISSING:
        return cached
    try:
        depths = queue_depths()
        depth = depths.get("ingest", 0) + depths.get("ingest-retry", 0)
    except Exception as exc:  # noqa: BLE001 (any broker failure; logged, at most once a second)
        logger.warning("cannot read the processing queues' depth: %s", exc)
        depth = 0
    _backlog.set("depth", depth)
    return depth


def clear_backlog_cache() -> None:
    """Read the backlog afresh on the next call (tests that change the queues)."""
    _backlog.clear()


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:
    """One client (and connection pool) per broker URL, not a new connection per read."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=1)


def queue_depths() -> dict[str, int]:
    """Depth of each processing queue, read from the broker itself."""
    url = settings.CELERY_BROKER_URL
    names = ("ingest", "ingest-retry", "index", "alerts", "housekeeping")
    if url.startswith("redis"):
        with _redis(url).pipeline(transaction=False) as pipe:
            for name in names:
                pipe.llen(name)
            return {name: int(n) for name, n in zip(names, pipe.execute())}
    if url.startswith("filesystem"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        depths = dict.fromkeys(names, 0)
        for entry in folder.iterdir() if folder.exists() else []:
            queue = entry.name.partition(".")[2].removesuffix(".msg")  # <ms>_<uuid>.<queue>.msg
            if queue in depths:
                depths[queue] += 1
        return depths
    return {}


def check_backpressure() -> Refusal | None:
    if backlog_depth() > settings.INGEST_BACKLOG_LIMIT:
        return Refusal(
            RateLimit(retry_after=10, categories=(), scope="organization", reason_code="backlog"), reason="backlog"
        )
    return None
