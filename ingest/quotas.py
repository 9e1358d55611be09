"""Admission control on the ingest path: key/project quotas and back-pressure.

Quotas are fixed one-minute windows counted in Django's cache (Redis in
production, so every web process shares them; per process on the embedded
default). Back-pressure reads the processing backlog, cached for a second so
the hot path pays for it once per second, not per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from errorhub.models import ProjectKey
from ingest.ratelimit_header import RateLimit

_backlog_cache = {"at": 0.0, "depth": 0}


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
            return Refusal(RateLimit(retry_after=_seconds_left_in_window(), categories=("error", "default"),
                                     scope=scope, reason_code=f"{scope}_quota"), reason=f"{scope}_quota")
    return None


def backlog_depth() -> int:
    """Messages waiting in the processing queues (cached for one second)."""
    now = time.monotonic()
    if now - _backlog_cache["at"] < 1.0:
        return _backlog_cache["depth"]
    _backlog_cache["depth"] = queue_depths().get("ingest", 0) + queue_depths().get("ingest-retry", 0)
    _backlog_cache["at"] = now
    return _backlog_cache["depth"]


def queue_depths() -> dict[str, int]:
    """Depth of each processing queue, read from the broker itself."""
    url = settings.CELERY_BROKER_URL
    names = ("ingest", "ingest-retry", "index", "alerts", "housekeeping")
    if url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1)
        return {name: int(client.llen(name)) for name in names}
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
    try:
        depth = backlog_depth()
    except Exception:  # the broker is unreachable: enqueueing will fail loudly on its own
        return None
    if depth > settings.INGEST_BACKLOG_LIMIT:
        return Refusal(RateLimit(retry_after=10, categories=(), scope="organization", reason_code="backlog"),
                       reason="backlog")
    return None
