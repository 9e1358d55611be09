"""Drive a target with the real ``sentry_sdk`` from several processes.

Each process initialises the SDK with the target's DSN and raises exceptions at
20 distinct sites (distinct types, functions and lines, so 20 issues). Every
event carries the tags ``bench_run`` (one id per run) and ``bench_seq`` (0..N-1)
so the harness can count what was lost or stored twice. The SDK's transport is
wrapped only to time each HTTP request and record its status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from bench.storm.loadgen_replay import run_senders

SITES = 20

# Generated once so each site is its own function, exception type and line.
_SITES_SRC = "\n".join(
    f"class StormError{i}(Exception):\n    pass\n\n\ndef storm_site_{i}(seq):\n"
    f"    raise StormError{i}('storm site {i} failed for item %d' % seq)\n\n"
    for i in range(SITES)
)


def _sites() -> list[Any]:
    namespace: dict[str, Any] = {"__name__": "bench.storm.sites"}
    exec(compile(_SITES_SRC, "bench/storm/sites.py", "exec"), namespace)
    return [namespace[f"storm_site_{i}"] for i in range(SITES)]


@dataclass
class SenderStats:
    """What one process saw: request statuses and the first/last times (epoch seconds)."""

    events: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    first_send: float = 0.0
    last_ok: float = 0.0
    captured_in: float = 0.0


def _instrument(stats: SenderStats) -> None:
    from sentry_sdk import transport

    original = transport.HttpTransport._request

    def timed(self: Any, method: str, endpoint_type: Any, body: Any, headers: Any) -> Any:
        if not stats.first_send:
            stats.first_send = time.time()
        try:
            response = original(self, method, endpoint_type, body, headers)
        except Exception:
            stats.errors += 1
            raise
        status = int(getattr(response, "status", getattr(response, "status_code", 0)))
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if status == 200:
            stats.last_ok = time.time()
        return response

    transport.HttpTransport._request = timed


def _sender(dsn: str, run_id: str, seqs: list[int], start_at: float, out: Any) -> None:
    import sentry_sdk

    stats = SenderStats(events=len(seqs))
    _instrument(stats)
    sentry_sdk.init(
        dsn=dsn,
        default_integrations=False,
        auto_enabling_integrations=False,
        traces_sample_rate=0.0,
        transport_queue_size=len(seqs) + 100,
        keep_alive=True,
        release="storm@1.0.0",
        environment="bench",
        send_client_reports=False,
    )
    sites = _sites()
    while time.time() < start_at:
        time.sleep(0.005)
    began = time.time()
    for seq in seqs:
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("bench_run", run_id)
            scope.set_tag("bench_seq", str(seq))
            try:
                sites[seq % SITES](seq)
            except Exception:
                sentry_sdk.capture_exception()
    stats.captured_in = time.time() - began
    sentry_sdk.flush(timeout=600)
    out.put(stats.__dict__)


def storm(dsn: str, run_id: str, events: int, procs: int) -> list[dict[str, Any]]:
    """Send ``events`` events from ``procs`` processes; return each process's stats."""
    start_at = time.time() + 3.0  # every process imported and initialised before the first event
    return run_senders(_sender, [(dsn, run_id, list(range(i, events, procs)), start_at) for i in range(procs)])
