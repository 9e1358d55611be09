"""The one in-process TTL cache: ``cachetools.TTLCache`` behind a lock.

The ingest and alert hot paths keep a few reads in process for seconds (DSN keys,
the queue backlog, a project's alert rules). gunicorn threads and the Celery
worker's threads share these module-level caches, and a ``TTLCache`` is not
thread-safe (a read expires entries, so even ``get`` mutates it): every access
takes the cache's lock.

The timer is ``time.time``, not cachetools' default ``time.monotonic``, so tests
travel past a TTL with ``time-machine`` (which moves the wall clock, not the
monotonic one). A wall-clock step only stretches or shortens the one TTL window
in progress, which for these caches is seconds of staleness at most.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, Literal, TypeVar

from cachetools import TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Missing(enum.Enum):
    MISSING = "missing"


#: What ``get`` returns for a key not cached (a cached value may itself be None).
MISSING = _Missing.MISSING


class LockedTTLCache(Generic[K, V]):
    """Entries live ``ttl`` seconds; past ``maxsize`` the least recently used goes first."""

    def __init__(self, *, ttl: float, maxsize: int, timer: Callable[[], float] = time.time) -> None:
        self._cache: TTLCache[K, V] = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()

    def get(self, key: K) -> V | Literal[_Missing.MISSING]:
        """The live value, or ``MISSING``."""
        with self._lock:
            return self._cache.get(key, MISSING)

    def set(self, key: K, value: V) -> None:
        with self._lock:
            self._cache[key] = value

    def clear(self) -> None:
        """Forget everything (invalidation after a write the cache must not hide)."""
        with self._lock:
            self._cache.clear()
