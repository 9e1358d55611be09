"""Fault 2: Redis (AOF on, fsync every second) stopped with SIGTERM mid-stream and
started again on the same port and data. A graceful stop fsyncs the AOF, so queued
payloads survive; while it is down the ingest view answers 503 and the client retries."""

from __future__ import annotations

import time

import pytest

from tests.faults.stream import Stream, db_counts, settle, verdict
from tests.faults.test_worker_killed import _held_unacked

pytestmark = pytest.mark.faults


def test_redis_restart_mid_stream_loses_no_accepted_event(world_factory, record_result):
    world = world_factory()
    stream = Stream(world.server.base_url, world.project_id, world.public_key, total=1500, rate=50).start()
    stream.wait_sent(0.4, timeout=60)
    world.redis.stop()
    time.sleep(5)
    world.redis.start()
    stream.join(timeout=240)

    ids = [e.event_id for e in stream.events]
    waited = settle(
        lambda: len(db_counts(world.db_url, world.project_id, ids)["stored"]),
        sum(e.accepted for e in stream.events),
        world.redis.url,
        timeout=150,
        quiet=20,
    )
    world.server.check_alive()
    counts = db_counts(world.db_url, world.project_id, ids)
    result = verdict(stream, counts["stored"], times_seen=counts["times_seen"])
    missing = sorted({e.event_id for e in stream.events if e.accepted} - set(counts["stored"]))
    result.update(
        settle_s=waited,
        dead_letters=counts["dead_letters"],
        redis_down_s=5,
        missing_held_in_unacked=_held_unacked(world.redis.url, missing) if missing else 0,
    )
    record_result("2 Redis restart", result)
    assert result["duplicated"] == 0 and result["times_seen_minus_stored"] == 0, result
    assert result["missing"] == 0, result
