"""Fault 6: a soak at a steady rate (``ERRORHUB_FAULTS_SOAK_SECONDS``, default 300) with the
resident memory of the web (gunicorn + its workers) and worker (celery) process trees
sampled every 5 s. A least-squares line through each series, after a 30 s warm-up,
must rise less than ``SLOPE_BOUND`` bytes per second, and nothing accepted may be lost."""

from __future__ import annotations

import os
import statistics
import time

import pytest

from tests.faults.stream import Stream, db_counts, settle, verdict

pytestmark = pytest.mark.faults

SOAK_SECONDS = float(os.environ.get("ERRORHUB_FAULTS_SOAK_SECONDS", "300"))
RATE = 20.0
SLOPE_BOUND = 20_000  # bytes/s: 72 MB an hour would be a leak worth a look
WARMUP = 30.0


def slope(points: list[tuple[float, int]]) -> float:
    """Least-squares slope of (t, value)."""
    return statistics.linear_regression(*zip(*points)).slope if len({t for t, _ in points}) > 1 else 0.0


def test_soak_memory_flat_and_nothing_lost(world_factory, record_result):
    world = world_factory()
    total = int(SOAK_SECONDS * RATE)
    stream = Stream(
        world.server.base_url, world.project_id, world.public_key, total=total, rate=RATE, threads=4
    ).start()
    samples: dict[str, list[tuple[float, int]]] = {"gunicorn": [], "celery": []}
    start = time.monotonic()
    while time.monotonic() - start < SOAK_SECONDS:
        time.sleep(5)
        t = time.monotonic() - start
        for name in samples:
            samples[name].append((t, world.server.rss_bytes(name)))
    stream.join(timeout=120)
    ids = [e.event_id for e in stream.events]
    waited = settle(
        lambda: len(db_counts(world.db_url, world.project_id, ids)["stored"]),
        sum(e.accepted for e in stream.events),
        world.redis.url,
        timeout=120,
    )
    counts = db_counts(world.db_url, world.project_id, ids)
    result = verdict(stream, counts["stored"], times_seen=counts["times_seen"])
    slopes = {name: slope([p for p in pts if p[0] >= WARMUP] or pts) for name, pts in samples.items()}
    result.update(
        settle_s=waited,
        soak_s=SOAK_SECONDS,
        rate=RATE,
        **{
            f"rss_{n}_mb_first_last": (round(p[0][1] / 2**20, 1), round(p[-1][1] / 2**20, 1))
            for n, p in samples.items()
        },
        **{f"rss_{n}_slope_bytes_per_s": round(s) for n, s in slopes.items()},
    )
    record_result("6 soak", result)
    assert result["missing"] == 0 and result["duplicated"] == 0, result
    for name, s in slopes.items():
        assert s < SLOPE_BOUND, f"{name} RSS grows {s:.0f} B/s over the soak: {samples[name]}"
