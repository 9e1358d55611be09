"""The storm of the multi-node test: SDK-built envelopes for the same issues sent to every web
node at once.

The envelope is one sentry-python built (``tests/fixtures/sentry/python``), re-addressed to the
test's project as a new event each time (its own event id, its fingerprint, the time of sending)
the way ``tests/sentry_fixtures.fresh_envelope`` does. Events go out in pairs, the two of a pair
to different web nodes at the same moment, so every fingerprint is hit from both nodes at once,
and a new fingerprint's first two events race to create its issue on two nodes.
"""

from __future__ import annotations

import http.client
import random
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson

from tests.sentry_fixtures import FIXTURES, fresh_envelope

#: the SDK-built envelope every event of the storm is made from
ENVELOPE = FIXTURES / "python" / "normal_01_event.envelope"


@dataclass(frozen=True)
class Shot:
    """One event to send: its id, its issue's fingerprint, the web node (index) it goes to."""

    event_id: str
    fingerprint: str
    web: int
    body: bytes


@dataclass(frozen=True)
class Outcome:
    shot: Shot
    status: int  # 0 = no answer
    answered_id: str

    @property
    def accepted(self) -> bool:
        """What an SDK counts as delivered: a 2xx naming the event."""
        return 200 <= self.status < 300 and self.answered_id == self.shot.event_id


def plan(events: dict[str, int], *, new: set[str], dsn: str, seed: int, webs: int = 2) -> list[Shot]:
    """``events[fingerprint]`` events each, in pairs sent to two web nodes at once; the first
    two events of every fingerprint in ``new`` form one pair (both nodes race to create it)."""
    rng = random.Random(seed)
    template = ENVELOPE.read_bytes()
    firsts = [(fp, fp) for fp in sorted(new) if events[fp] >= 2]
    rest = [fp for fp, n in sorted(events.items()) for _ in range(n - (2 if fp in new and n >= 2 else 0))]
    rng.shuffle(rest)
    pairs = firsts + [tuple(rest[i : i + 2]) for i in range(0, len(rest), 2)]
    rng.shuffle(pairs)
    ordered = [fp for pair in pairs for fp in pair]
    now = datetime.now(UTC).isoformat()
    shots = []
    for position, fingerprint in enumerate(ordered):
        event_id = uuid.UUID(int=rng.getrandbits(128)).hex
        body = fresh_envelope(template, dsn, event_id, fingerprint=fingerprint, timestamp=now)
        shots.append(Shot(event_id, fingerprint, position % webs, body))
    return shots


@dataclass
class Storm:
    """Send ``shots`` to ``web_urls`` (shot.web indexes it), ``threads`` keep-alive connections
    per node, as fast as the nodes answer. ``outcomes`` fills as answers come."""

    shots: list[Shot]
    web_urls: list[str]
    project_id: int
    public_key: str
    threads: int = 4
    outcomes: list[Outcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Storm:
        queues = [deque(s for s in self.shots if s.web == web) for web in range(len(self.web_urls))]
        for web, url in enumerate(self.web_urls):
            for _ in range(self.threads):
                thread = threading.Thread(target=self._send_all, args=(url, queues[web]), daemon=True)
                thread.start()
                self._workers.append(thread)
        return self

    def sent(self) -> int:
        with self._lock:
            return len(self.outcomes)

    def join(self, timeout: float) -> None:
        for thread in self._workers:
            thread.join(timeout)
        if any(t.is_alive() for t in self._workers):
            raise RuntimeError(f"the storm did not finish within {timeout} s ({self.sent()} of {len(self.shots)})")

    def _send_all(self, url: str, queue: deque[Shot]) -> None:
        parts = urlsplit(url)
        path = f"/api/{self.project_id}/envelope/"
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={self.public_key}, sentry_client=sentry.python",
        }
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            try:
                shot = queue.popleft()
            except IndexError:
                conn.close()
                return
            try:
                conn.request("POST", path, shot.body, headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                answered = orjson.loads(answer).get("id", "") if status == 200 else ""
            except (OSError, http.client.HTTPException, orjson.JSONDecodeError):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status, answered = 0, ""
            with self._lock:
                self.outcomes.append(Outcome(shot, status, answered))
