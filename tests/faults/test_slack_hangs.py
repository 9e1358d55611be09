"""Fault 5: the Slack API hangs for 60 s while a rule posts every new issue to a Slack
channel. Event processing must not slow down: events stored per second during the hang
are compared with before it (same offered rate, one new issue every 20 events)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.alerts.slack_standin import NEW_ISSUE_RULE_SCRIPT, SlackStandIn
from tests.faults.stream import Stream, db_counts, settle, verdict

pytestmark = pytest.mark.faults

HANG_SECONDS = 60


class HangingSlack(SlackStandIn):
    """Every call in the hang window sleeps until the window ends (then answers normally)."""

    hang_until: float = 0.0

    def answer(self, method: str, args: dict[str, Any], auth: str):
        delay = self.hang_until - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return super().answer(method, args, auth)


def _stored_at(db_url: str, project_id: int) -> int:
    import psycopg

    with psycopg.connect(db_url, connect_timeout=5) as conn:
        return conn.execute("SELECT count(*) FROM ingest_storedevent WHERE project_id = %s", (project_id,)).fetchone()[
            0
        ]


def test_hanging_slack_does_not_slow_event_processing(world_factory, record_result):
    slack = HangingSlack()
    api = slack.start()
    try:
        world = world_factory(
            SLACK_API_BASE_URL=api, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="faults-signing-secret"
        )
        world.manage("shell", "-c", NEW_ISSUE_RULE_SCRIPT.format(pid=world.project_id))
        stream = Stream(
            world.server.base_url, world.project_id, world.public_key, total=3000, rate=25, new_issue_every=20
        ).start()
        time.sleep(20)  # warm-up, then a 30 s "before" window
        t0, n0 = time.monotonic(), _stored_at(world.db_url, world.project_id)
        time.sleep(30)
        t1, n1 = time.monotonic(), _stored_at(world.db_url, world.project_id)
        slack.hang_until = time.monotonic() + HANG_SECONDS
        time.sleep(HANG_SECONDS)
        t2, n2 = time.monotonic(), _stored_at(world.db_url, world.project_id)
        stream.join(timeout=240)
        ids = [e.event_id for e in stream.events]
        waited = settle(
            lambda: len(db_counts(world.db_url, world.project_id, ids)["stored"]),
            sum(e.accepted for e in stream.events),
            world.redis.url,
            timeout=180,
            quiet=20,
        )
        counts = db_counts(world.db_url, world.project_id, ids)
    finally:
        slack.stop()
    before, during = (n1 - n0) / (t1 - t0), (n2 - n1) / (t2 - t1)
    result = verdict(stream, counts["stored"], times_seen=counts["times_seen"])
    result.update(
        settle_s=waited,
        stored_per_s_before=round(before, 1),
        stored_per_s_during_hang=round(during, 1),
        offered_per_s=stream.rate,
        slack_posts=len(slack.posted()),
        slack_calls=len(slack.calls),
    )
    record_result("5 Slack hangs 60 s", result)
    assert result["missing"] == 0 and result["duplicated"] == 0, result
    assert during >= 0.8 * before, f"processing slowed from {before:.1f}/s to {during:.1f}/s while Slack hung"
