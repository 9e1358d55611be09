"""Fault 3: PostgreSQL stopped (``pg_ctl stop -m fast``) for 20 s mid-stream.

The ingest view needs the database only for the DSN key lookup (cached 5 s per
gunicorn worker) and the once-a-second outcome counter flush; processing retries
with backoff. Every accepted event must be stored exactly once after the restart."""

from __future__ import annotations

import time

import pytest

from tests.faults.stream import Stream, db_counts, settle, verdict

pytestmark = pytest.mark.faults

DOWN_SECONDS = 20


def test_postgres_down_20s_mid_stream_loses_no_accepted_event(world_factory, record_result):
    world = world_factory()
    stream = Stream(world.server.base_url, world.project_id, world.public_key, total=2000, rate=50).start()
    stream.wait_sent(0.3, timeout=60)
    world.pg.stop()
    done_before = stream.done()
    time.sleep(DOWN_SECONDS)
    during = [s for e in stream.events for s in e.statuses]  # answers seen up to now (incl. before)
    world.pg.start()
    stream.join(timeout=300)

    ids = [e.event_id for e in stream.events]
    waited = settle(
        lambda: len(db_counts(world.db_url, world.project_id, ids)["stored"]),
        sum(e.accepted for e in stream.events),
        world.redis.url,
        timeout=240,
        quiet=30,
    )
    counts = db_counts(world.db_url, world.project_id, ids)
    result = verdict(stream, counts["stored"], times_seen=counts["times_seen"])
    five_hundreds = (world.data_dir / "500.log").read_text() if (world.data_dir / "500.log").exists() else ""
    deadletter_files = len(list((world.data_dir / "deadletters").glob("*.json")))
    result.update(
        settle_s=waited,
        dead_letters=counts["dead_letters"],
        dead_letter_files=deadletter_files,
        answers_while_down=len(during) - done_before,
        server_500_lines=len(five_hundreds.splitlines()),
        server_500_first=five_hundreds[:300],
    )
    record_result("3 PostgreSQL down 20 s", result)
    assert result["duplicated"] == 0 and result["times_seen_minus_stored"] == 0, result
    assert result["missing"] == 0, result
    assert result["answered_500"] == 0, f"the ingest view answered 500 while PostgreSQL was down: {result}"
