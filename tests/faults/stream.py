"""A known stream of distinct events sent over HTTP like an SDK, and the count afterwards.

Events are the captured SDK envelopes of tests/fixtures/sentry/, each with a
fresh event id, sent at a steady rate from a few threads. A 429, 503, 500 or a
refused connection is retried (Retry-After honoured, capped so the test stays
bounded) until the event is answered 200 or its own deadline passes. Afterwards
the database (and the search index) is asked, by event id, what was stored.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
import requests

from tests.sentry_fixtures import FIXTURES, fresh_envelope

RETRY_STATUSES = {0, 429, 500, 502, 503}


def captured_bodies() -> list[bytes]:
    """Every captured envelope that carries an event item."""
    return [
        p.read_bytes()
        for p in sorted(FIXTURES.glob("*/*.envelope"))
        if b'"type":"event"' in p.read_bytes().replace(b" ", b"")
    ]


@dataclass
class Sent:
    event_id: str
    statuses: list[int] = field(default_factory=list)
    accepted_at: float | None = None

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None


@dataclass
class Stream:
    """``total`` events at ``rate`` per second from ``threads`` threads; runs in the background."""

    base_url: str
    project_id: int
    public_key: str
    total: int = 1500
    rate: float = 50.0
    threads: int = 8
    event_deadline: float = 120.0  # an event not answered 200 within this many seconds is given up
    new_issue_every: int = 0  # every n-th event gets a fingerprint of its own (a new issue)
    events: list[Sent] = field(default_factory=list)
    started: float = 0.0
    _pool: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Stream:
        self.events = [Sent(uuid.uuid4().hex) for _ in range(self.total)]
        self.started = time.monotonic()
        self._pool = [threading.Thread(target=self._worker, args=(n,), daemon=True) for n in range(self.threads)]
        for t in self._pool:
            t.start()
        return self

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self._pool:
            t.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in self._pool):
            raise RuntimeError(f"the event stream did not finish within {timeout} s")

    def done(self) -> int:
        return sum(1 for e in self.events if e.statuses)

    def wait_sent(self, fraction: float, timeout: float) -> None:
        """Block until ``fraction`` of the stream has had an answer (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.done() < fraction * self.total and time.monotonic() < deadline:
            time.sleep(0.1)

    def _worker(self, n: int) -> None:
        session = requests.Session()
        bodies = captured_bodies()
        dsn = f"http://{self.public_key}@127.0.0.1/{self.project_id}"
        url = f"{self.base_url}/api/{self.project_id}/envelope/"
        headers = {
            "X-Sentry-Auth": f"Sentry sentry_key={self.public_key}, sentry_version=7, sentry_client=faults/1.0",
            "Content-Type": "application/x-sentry-envelope",
        }
        for i in range(n, self.total, self.threads):
            due = self.started + i / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
            sent = self.events[i]
            fp = f"fault-{i}" if self.new_issue_every and i % self.new_issue_every == 0 else None
            data = fresh_envelope(bodies[i % len(bodies)], dsn, sent.event_id, fp)
            self._send(session, url, headers, data, sent)

    def _send(self, session: requests.Session, url: str, headers: dict[str, str], data: bytes, sent: Sent) -> None:
        give_up = time.monotonic() + self.event_deadline
        while True:
            retry_after = 0.5
            try:
                response = session.post(url, data=data, headers=headers, timeout=10)
                status = response.status_code
                retry_after = float(response.headers.get("Retry-After") or 0.5)
            except requests.RequestException:
                status = 0
            sent.statuses.append(status)
            if status == 200:
                sent.accepted_at = time.monotonic()
                return
            if status not in RETRY_STATUSES or time.monotonic() > give_up:
                return
            time.sleep(min(max(retry_after, 0.2), 2.0))  # an SDK waits Retry-After; capped to stay bounded

    def summary(self) -> dict[str, Any]:
        statuses: Counter[int] = Counter(s for e in self.events for s in e.statuses)
        return {
            "sent": self.total,
            "accepted": sum(e.accepted for e in self.events),
            "retried": sum(1 for e in self.events if len(e.statuses) > 1),
            "retried_429_503": sum(1 for e in self.events if {429, 503} & set(e.statuses[:-1])),
            "answered_500": sum(1 for e in self.events if 500 in e.statuses),
            "refused_connection": sum(1 for e in self.events if 0 in e.statuses),
            "never_accepted": sum(1 for e in self.events if not e.accepted),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
        }


# ----------------------------------------------------------------------------- counting


def db_counts(db_url: str, project_id: int, event_ids: list[str]) -> dict[str, Any]:
    """What the database holds for these event ids: stored rows, claims, issue counters, dead letters."""
    with psycopg.connect(db_url, connect_timeout=5) as conn:
        stored = Counter(
            r[0]
            for r in conn.execute(
                "SELECT event_id FROM ingest_storedevent WHERE project_id = %s AND event_id = ANY(%s)",
                (project_id, event_ids),
            )
        )
        seen = Counter(
            r[0]
            for r in conn.execute(
                "SELECT event_id FROM ingest_seenevent WHERE project_id = %s AND event_id = ANY(%s)",
                (project_id, event_ids),
            )
        )
        times_seen = conn.execute(
            "SELECT coalesce(sum(times_seen), 0) FROM errorhub_issue WHERE project_id = %s", (project_id,)
        ).fetchone()[0]
        dead = conn.execute("SELECT count(*) FROM ingest_deadletter WHERE project_id = %s", (project_id,)).fetchone()[0]
        outbox = conn.execute(
            "SELECT count(*) FROM ingest_indexoutbox WHERE project_id = %s", (project_id,)
        ).fetchone()[0]
    return {
        "stored": stored,
        "seen": seen,
        "times_seen": int(times_seen),
        "dead_letters": int(dead),
        "outbox": int(outbox),
    }


def search_counts(search_url: str, index_prefix: str, project_id: int, event_ids: list[str]) -> Counter[str]:
    """Documents per event id in the search index (a terms aggregation, after a refresh)."""
    requests.post(f"{search_url}/{index_prefix}*/_refresh", timeout=30)
    found: Counter[str] = Counter()
    for start in range(0, len(event_ids), 1000):
        chunk = event_ids[start : start + 1000]
        body = {
            "size": 0,
            "query": {"bool": {"filter": [{"term": {"project_id": str(project_id)}}, {"terms": {"event_id": chunk}}]}},
            "aggs": {"ids": {"terms": {"field": "event_id", "size": len(chunk) + 10}}},
        }
        answer = requests.post(f"{search_url}/{index_prefix}*/_search", json=body, timeout=30).json()
        for bucket in answer.get("aggregations", {}).get("ids", {}).get("buckets", []):
            found[bucket["key"]] += bucket["doc_count"]
    return found


def queue_backlog(broker_url: str) -> int:
    """Messages waiting or held unacknowledged in the Redis broker (-1 when it does not answer)."""
    import redis

    try:
        client = redis.Redis.from_url(broker_url, socket_timeout=2)
        waiting = sum(int(client.llen(q)) for q in ("ingest", "ingest-retry", "index", "alerts"))
        return waiting + int(client.hlen("unacked"))
    except Exception:
        return -1


def settle(count, expected: int, broker_url: str, timeout: float, quiet: float = 10.0) -> float:
    """Wait until ``count()`` reaches ``expected`` (or stops moving for ``quiet`` s with an empty
    queue), at most ``timeout`` s; returns the seconds waited."""
    started = time.monotonic()
    last, last_change = -1, started
    while time.monotonic() - started < timeout:
        now_count = count()
        if now_count != last:
            last, last_change = now_count, time.monotonic()
        if now_count >= expected:
            return round(time.monotonic() - started, 1)
        if time.monotonic() - last_change > quiet and queue_backlog(broker_url) == 0:
            break
        time.sleep(1.0)
    return round(time.monotonic() - started, 1)


def verdict(stream: Stream, stored: Counter[str], *, times_seen: int | None = None) -> dict[str, Any]:
    """Every event answered 200 stored exactly once: what was lost, what was doubled."""
    accepted = {e.event_id for e in stream.events if e.accepted}
    missing = sorted(accepted - set(stored))
    doubled = sorted(eid for eid, n in stored.items() if n > 1)
    out = {
        **stream.summary(),
        "stored": len(set(stored) & {e.event_id for e in stream.events}),
        "stored_not_accepted": len(set(stored) - accepted),
        "missing": len(missing),
        "duplicated": len(doubled),
        "missing_sample": missing[:5],
        "duplicated_sample": doubled[:5],
    }
    if times_seen is not None:  # issue counters count each event once too
        out["times_seen_minus_stored"] = times_seen - len(stored)
    return out
