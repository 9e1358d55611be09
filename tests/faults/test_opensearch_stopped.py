"""Fault 4: the search engine (a private OpenSearch node) stopped for 30 s mid-stream
with ``ERRORHUB_EVENT_STORE=opensearch``. Events wait in the SQL outbox and drain when
it returns (beat runs ``index_pending`` every 5 s, as in production); each event is then
in the index exactly once (documents counted per event id by search)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.faults.private_services import PrivateOpenSearch
from tests.faults.stream import Stream, db_counts, search_counts, settle, verdict

pytestmark = pytest.mark.faults

DOWN_SECONDS = 30


@pytest.fixture
def private_opensearch(fault_root) -> Iterator[PrivateOpenSearch]:
    node = PrivateOpenSearch(fault_root)
    node.start()
    yield node
    node.stop()


def test_opensearch_down_30s_events_wait_in_outbox_then_indexed_once(world_factory, private_opensearch, record_result):
    prefix = f"faults-{uuid.uuid4().hex[:6]}"
    world = world_factory(
        ERRORHUB_EVENT_STORE="opensearch",
        ERRORHUB_EVENT_STORE_URL=private_opensearch.url,
        ERRORHUB_EVENT_STORE_INDEX_PREFIX=prefix,
    )
    world.server.add_beat()
    stream = Stream(world.server.base_url, world.project_id, world.public_key, total=2000, rate=50).start()
    stream.wait_sent(0.3, timeout=60)
    private_opensearch.stop()
    time.sleep(DOWN_SECONDS)
    outbox_while_down = db_counts(world.db_url, world.project_id, [])["outbox"]
    private_opensearch.start()
    stream.join(timeout=300)

    ids = [e.event_id for e in stream.events]
    accepted = sum(e.accepted for e in stream.events)
    waited = settle(
        lambda: len(search_counts(private_opensearch.url, prefix, world.project_id, ids)),
        accepted,
        world.redis.url,
        timeout=180,
        quiet=30,
    )
    found = search_counts(private_opensearch.url, prefix, world.project_id, ids)
    counts = db_counts(world.db_url, world.project_id, ids)
    result = verdict(stream, found, times_seen=counts["times_seen"])
    result.update(
        settle_s=waited,
        outbox_while_down=outbox_while_down,
        outbox_after=counts["outbox"],
        claims=len(counts["seen"]),
        dead_letters=counts["dead_letters"],
    )
    record_result("4 OpenSearch down 30 s", result)
    assert result["duplicated"] == 0 and result["times_seen_minus_stored"] == 0, result
    assert result["missing"] == 0 and counts["outbox"] == 0, result
