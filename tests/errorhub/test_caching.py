"""The one in-process TTL cache (``errorhub.caching``): expiry, bounds, invalidation, threads.

Time travels with ``time-machine``: the cache's timer is ``time.time``, which it moves.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import time_machine

from errorhub.caching import MISSING, LockedTTLCache

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_entry_lives_its_ttl_and_no_longer() -> None:
    with time_machine.travel(START, tick=False) as clock:
        cache: LockedTTLCache[str, int] = LockedTTLCache(ttl=5, maxsize=10)
        cache.set("a", 1)
        clock.shift(4.9)
        assert cache.get("a") == 1
        clock.shift(0.2)
        assert cache.get("a") is MISSING


def test_a_cached_none_is_a_hit_not_a_miss() -> None:
    """The key cache remembers "no such key" too: None must not read as missing."""
    cache: LockedTTLCache[str, None] = LockedTTLCache(ttl=5, maxsize=10)
    cache.set("unknown", None)
    assert cache.get("unknown") is None
    assert cache.get("never set") is MISSING


def test_past_maxsize_the_least_recently_used_entry_goes() -> None:
    cache: LockedTTLCache[int, int] = LockedTTLCache(ttl=60, maxsize=2)
    cache.set(1, 1)
    cache.set(2, 2)
    cache.get(1)
    cache.set(3, 3)
    assert (cache.get(1), cache.get(2), cache.get(3)) == (1, MISSING, 3)


def test_clear_forgets_everything() -> None:
    cache: LockedTTLCache[int, int] = LockedTTLCache(ttl=60, maxsize=10)
    cache.set(1, 1)
    cache.clear()
    assert cache.get(1) is MISSING


def test_threads_sharing_one_cache_never_corrupt_it() -> None:
    """gunicorn threads share the module caches; reads expire entries (they mutate), so
    unlocked access from many threads broke the TTLCache's internal links."""
    cache: LockedTTLCache[int, int] = LockedTTLCache(ttl=0.001, maxsize=64)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for i in range(5_000):
                cache.set((i + offset) % 200, i)
                cache.get((i * 7 + offset) % 200)
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    cache.set(1, 1)
    assert cache.get(1) == 1
