"""Many nodes, one truth (issue #23): 2 web and 4 worker "hosts" (``tests/scale/nodes.py`` says
what a host is here) and one beat on one PostgreSQL, Redis and OpenSearch take a storm that hits
the same issues from both web nodes at once; one ingest worker is killed with ``kill -9`` midway.

Then everything is counted from the stores themselves: every accepted event is stored exactly
once (its claim in SQL, its document in the search engine), every issue's ``times_seen`` equals
its stored events, nothing the killed worker held is lost once its messages come back (Celery
``acks_late``; the broker's visibility timeout is 30 s here, 300 s in production), a resolved
issue regresses once, a snooze-by-count ends once, and every alert rule fires exactly once per
its semantics, each alert reaching the Slack stand-in from the alerts worker's node once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
import requests

from tests.scale.conftest import RULES, SUMMARY, Running
from tests.scale.counts import claimed_after, read_engine, read_sql, unacked_events
from tests.scale.storm import Outcome, Storm, plan

pytestmark = pytest.mark.scale

HOT = [f"hot-{i}" for i in range(8)]  # busy issues every node hits all along
REGRESS, SNOOZE = "resolved-then-back", "snoozed-for-100"
NEW = {f"new-{i}" for i in range(30)}  # born during the storm, first two events on both nodes at once
STORM = {**dict.fromkeys(HOT, 240), REGRESS: 200, SNOOZE: 250, **dict.fromkeys(NEW, 5)}  # 2,520 events
SNOOZE_COUNT = 100
BUSY_THRESHOLD = RULES["busy issue"][2]["frequency_count"]
QUEUES = ("ingest", "ingest-retry", "index", "alerts", "housekeeping")


@dataclass
class Kill:
    """The kill, and what came back after it through the broker's visibility timeout."""

    at: float = 0.0  # epoch seconds
    at_sent: int = 0
    held: dict[str, set[str]] = field(default_factory=dict)  # delivery tag -> event ids, unacknowledged at the kill
    unstored: set[str] = field(default_factory=set)  # events of ``held`` not yet stored at the kill
    redelivered: set[str] = field(default_factory=set)  # tags of ``held`` taken again after the kill

    def watch(self, broker_url: str) -> None:
        """Note the held messages some worker takes again (restored by the visibility timeout)."""
        self.redelivered |= set(self.held) & claimed_after(broker_url, self.at)


def _send(running: Running, events: dict[str, int], seed: int, new: set[str] = frozenset()) -> Storm:
    dsn = f"http://{running.public_key}@scale/{running.project_id}"
    shots = plan(events, new=set(new), dsn=dsn, seed=seed)
    return Storm(shots, running.web_urls(), running.project_id, running.public_key).start()


def _wait(what: str, done: Callable[[], bool], timeout: float, running: Running) -> None:
    """Poll ``done`` until true (bounded); a node dying meanwhile (other than the killed one) fails at once."""
    deadline = time.monotonic() + timeout
    while not done():
        for node in running.cluster.nodes.values():
            if node.name != "worker-2" and not node.alive():
                raise RuntimeError(f"{node.name} died while waiting for {what}\n{node.log()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s ({getattr(done, 'why', '')})")
        time.sleep(0.5)


def _issue_of(running: Running, event_id: str) -> int:
    issue = read_sql(running.services.db_url, running.project_id)["sql"].get(event_id)
    assert issue is not None, f"warm-up event {event_id} has no issue"
    return int(issue)


def _set_status(running: Running, web: int, issue_id: int, body: dict[str, Any]) -> None:
    """An issue's status through the REST API of one web node, as a user would."""
    answer = requests.put(
        f"{running.web_urls()[web]}/api/0/issues/{issue_id}/",
        json=body,
        headers={"Authorization": f"Bearer {running.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def _warm_up(running: Running) -> dict[str, str]:
    """One event per fingerprint that exists before the storm; then resolve one issue and snooze
    another for ``SNOOZE_COUNT`` more events. Returns fingerprint -> warm-up event id."""
    storm = _send(running, dict.fromkeys([*HOT, REGRESS, SNOOZE], 1), seed=1)
    storm.join(60)
    assert all(o.accepted for o in storm.outcomes), [o.status for o in storm.outcomes]
    ids = {o.shot.fingerprint: o.shot.event_id for o in storm.outcomes}

    def grouped() -> bool:
        claims = read_sql(running.services.db_url, running.project_id)["sql"]
        return all(claims.get(eid) for eid in ids.values())

    _wait("warm-up events grouped", grouped, 120, running)
    _set_status(running, 1, _issue_of(running, ids[REGRESS]), {"status": "resolved"})
    snooze = {"status": "ignored", "statusDetails": {"ignoreCount": SNOOZE_COUNT, "ignoreReason": "scale test"}}
    _set_status(running, 0, _issue_of(running, ids[SNOOZE]), snooze)
    return ids


def _storm_with_kill(running: Running, broker_url: str) -> tuple[Storm, Kill]:
    """The storm; when half of it is answered and the queue has a backlog (so every ingest worker
    holds prefetched messages), ``kill -9`` worker-2's whole process group."""
    storm = _send(running, STORM, seed=2, new=NEW)
    client = redis.Redis.from_url(broker_url, socket_timeout=10)
    half = len(storm.shots) // 2
    _wait("half the storm answered", lambda: storm.sent() >= half, 300, running)
    everything = len(storm.shots)
    _wait("a backlog on the ingest queue", lambda: client.llen("ingest") > 0 or storm.sent() == everything, 60, running)
    kill = Kill(at_sent=storm.sent())
    running.cluster.nodes["worker-2"].kill9()
    kill.at = time.time()
    kill.held = unacked_events(broker_url, {s.event_id for s in storm.shots})
    claims = read_sql(running.services.db_url, running.project_id)["sql"]
    kill.unstored = {eid for eids in kill.held.values() for eid in eids if not claims.get(eid)}
    while storm.sent() < everything:
        kill.watch(broker_url)
        time.sleep(0.5)
    storm.join(300)
    return storm, kill


def _settled(running: Running, accepted: set[str], kill: Kill, broker_url: str) -> Callable[[], bool]:
    """Everything accepted is grouped and indexed, the queues are empty, every delivery is done
    and none of the messages held at the kill is still unacknowledged."""
    client = redis.Redis.from_url(broker_url, socket_timeout=10)

    def settled() -> bool:
        kill.watch(broker_url)
        queued = {q: client.llen(q) for q in QUEUES}
        held = set(kill.held) & {t.decode() for t in client.hkeys("unacked")}
        sql = read_sql(running.services.db_url, running.project_id)
        ungrouped = sum(1 for eid in accepted if not sql["sql"].get(eid))
        undelivered = sum(1 for d in sql["deliveries"] if d["status"] in ("pending", "retrying"))
        engine, _ = read_engine(running.services.opensearch_url, running.services.index_prefix, running.project_id)
        settled.why = (  # type: ignore[attr-defined]
            f"queued {queued}, held at the kill and still unacknowledged {len(held)}, not grouped {ungrouped}, "
            f"outbox {sql['outbox']}, not indexed {len(accepted - set(engine))}, deliveries pending {undelivered}"
        )
        return (
            not (any(queued.values()) or held or ungrouped or sql["outbox"] or undelivered) and set(engine) >= accepted
        )

    return settled


def _issues_of(outcomes: list[Outcome], claims: dict[str, int | None]) -> dict[str, set[int | None]]:
    """Fingerprint -> the issues its events were grouped into."""
    found: dict[str, set[int | None]] = {}
    for outcome in outcomes:
        found.setdefault(outcome.shot.fingerprint, set()).add(claims.get(outcome.shot.event_id))
    return found


def test_many_nodes_store_every_accepted_event_once_and_alert_once(running_cluster: Running) -> None:
    running, broker_url = running_cluster, running_cluster.services.broker_url
    SUMMARY.append(f"hosts: {running.cluster.links.describe() if running.cluster.links else '?'}")
    warm_ids = _warm_up(running)
    storm, kill = _storm_with_kill(running, broker_url)
    outcomes = storm.outcomes
    accepted = {o.shot.event_id for o in outcomes if o.accepted} | set(warm_ids.values())
    _wait("the cluster to settle", _settled(running, accepted, kill, broker_url), 480, running)
    time.sleep(3)  # anything late (a redelivery) would change the counts now
    sql = read_sql(running.services.db_url, running.project_id)
    engine, engine_by_issue = read_engine(
        running.services.opensearch_url, running.services.index_prefix, running.project_id
    )
    claims: dict[str, int | None] = sql["sql"]
    by_issue = Counter(i for i in claims.values() if i is not None)
    issues = _issues_of(outcomes, claims)
    for fingerprint, event_id in warm_ids.items():
        issues.setdefault(fingerprint, set()).add(claims.get(event_id))
    issue = {fp: next(iter(ids)) for fp, ids in issues.items()}
    deliveries: list[dict[str, Any]] = sql["deliveries"]
    alerts = {name: Counter(d["issue_id"] for d in deliveries if d["rule"] == name) for name in RULES}
    posted = Counter(c.args.get("channel") for c in running.slack.posted())
    held = {eid for eids in kill.held.values() for eid in eids}
    counts = {
        "sent": len(outcomes) + len(warm_ids),
        "accepted": len(accepted),
        "answers": dict(Counter(o.status for o in outcomes)),
        "stored_sql": sum(1 for eid in accepted if claims.get(eid)),
        "stored_engine": sum(1 for eid in accepted if engine.get(eid)),
        "duplicates_engine": sum(n - 1 for n in engine.values() if n > 1),
        "unknown_stored": len((set(claims) | set(engine)) - accepted),
        "lost": len([eid for eid in accepted if not claims.get(eid) or not engine.get(eid)]),
        "issues": len(sql["times_seen"]),
        "times_seen_off": {
            i: (n, by_issue[i], engine_by_issue[i])
            for i, n in sql["times_seen"].items()
            if not n == by_issue[i] == engine_by_issue[i]
        },
        "per_issue": {fp: sql["times_seen"].get(issue[fp]) for fp in [*HOT, REGRESS, SNOOZE]},
        "killed_at_answered": kill.at_sent,
        "unacked_at_kill": f"{len(kill.held)} messages, {len(held)} events ({len(kill.unstored)} not yet stored)",
        "redelivered_after_kill": len(kill.redelivered),
        "held_lost": len([eid for eid in held if not claims.get(eid)]),
        "regressions": dict(sql["activities"].get("regressed", {})),
        "snoozes_ended": dict(sql["activities"].get("snooze_ended", {})),
        "alerts_per_rule": {name: sum(c.values()) for name, c in alerts.items()},
        "slack_posts_per_channel": dict(posted),
        "dead_letters": sql["dead_letters"],
    }
    SUMMARY.extend(f"{key}: {value}" for key, value in counts.items())
    print("\n".join(SUMMARY))

    # every answer was an acceptance, and every accepted event is stored once, in both stores
    assert counts["answers"] == {200: len(outcomes)}, counts
    assert counts["lost"] == 0 and counts["unknown_stored"] == 0 and counts["duplicates_engine"] == 0, counts
    assert counts["held_lost"] == 0 and counts["dead_letters"] == 0, counts
    # the killed worker held prefetched messages: they came back through the visibility timeout
    assert kill.unstored and kill.redelivered, counts
    # one issue per fingerprint, whichever node saw it first; counts equal stored events
    assert all(len(ids) == 1 and None not in ids for ids in issues.values()), issues
    assert len(set(issue.values())) == len(issue) == counts["issues"], issue
    assert counts["times_seen_off"] == {}, counts
    # lifecycle transitions exactly once under concurrency
    assert counts["regressions"] == {issue[REGRESS]: 1}, counts
    assert counts["snoozes_ended"] == {issue[SNOOZE]: 1}, counts
    # alerts: each rule once per its semantics, each sent and posted to Slack once
    assert alerts["new issue"] == Counter(set(issue.values())), alerts["new issue"]
    assert alerts["regression"] == Counter([issue[REGRESS]]) and alerts["snooze ended"] == Counter([issue[SNOOZE]])
    busy = {issue[fp] for fp in issue if STORM.get(fp, 0) + 1 > BUSY_THRESHOLD}
    assert alerts["busy issue"] == Counter(busy), alerts["busy issue"]
    assert all(d["status"] == "sent" for d in deliveries), [d for d in deliveries if d["status"] != "sent"]
    assert len({d["slack_ts"] for d in deliveries}) == len(deliveries), "two deliveries on one Slack message"
    expected_posts = {RULES[name][1]: sum(c.values()) for name, c in alerts.items()}
    assert dict(posted) == expected_posts, (posted, expected_posts)
