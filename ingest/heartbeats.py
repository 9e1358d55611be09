"""Heartbeats of the background processes (Celery workers and beat): write and read.

The processes call the services from ``errorhub.heartbeats`` (the Celery wiring, which
also sets the interval: each row keeps its own, so staleness needs no shared constant); the
health page reads ``heartbeats_recent``. The rows live in the database because it is
the one store every process shares on every backend: the embedded default has no
Redis, and its local-memory cache is private to each process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ingest.models import ProcessHeartbeat

#: a process silent for more than this many of its intervals is shown as stale (down)
STALE_AFTER_INTERVALS = 3
#: rows of processes gone for longer than this are deleted (a renamed host does not linger)
FORGET_AFTER = timedelta(days=7)


@transaction.atomic
def heartbeat_record(
    *, kind: str, hostname: str, pid: int, queues: list[str], interval_seconds: int, now: datetime | None = None
) -> ProcessHeartbeat:
    """Record that ``kind`` on ``hostname`` is alive now. A new pid means a restart:
    ``started_at`` starts again; the same pid only moves ``last_seen``."""
    now = now or timezone.now()
    row = ProcessHeartbeat.objects.select_for_update().filter(kind=kind, hostname=hostname).first()
    if row is None:
        return ProcessHeartbeat.objects.create(
            kind=kind,
            hostname=hostname,
            pid=pid,
            queues=queues,
            interval_seconds=interval_seconds,
            started_at=now,
            last_seen=now,
        )
    if row.pid != pid or row.stopped_at is not None:
        row.started_at = now
    row.pid, row.queues, row.interval_seconds, row.last_seen, row.stopped_at = pid, queues, interval_seconds, now, None
    row.save()
    return row


def heartbeat_stopped(*, kind: str, hostname: str, pid: int, now: datetime | None = None) -> int:
    """A clean shutdown: the page says "stopped" rather than "silent". Only the row of
    this very process (a newer process on the same host keeps its own)."""
    return ProcessHeartbeat.objects.filter(kind=kind, hostname=hostname, pid=pid).update(
        stopped_at=now or timezone.now()
    )


def heartbeats_forget(*, now: datetime | None = None) -> int:
    """Delete the rows of processes silent for longer than ``FORGET_AFTER``."""
    return ProcessHeartbeat.objects.filter(last_seen__lt=(now or timezone.now()) - FORGET_AFTER).delete()[0]


@dataclass(frozen=True)
class HeartbeatStatus:
    """One process as the health page shows it."""

    row: ProcessHeartbeat
    state: str  # "alive", "stale" (silent for more than STALE_AFTER_INTERVALS intervals) or "stopped"

    @property
    def alive(self) -> bool:
        return self.state == "alive"


def heartbeat_state(row: ProcessHeartbeat, now: datetime) -> str:
    """``stopped`` after a clean shutdown, ``stale`` when silent for too long, else ``alive``."""
    if row.stopped_at is not None:
        return "stopped"
    silent_for = (now - row.last_seen).total_seconds()
    return "stale" if silent_for > STALE_AFTER_INTERVALS * row.interval_seconds else "alive"


def heartbeats_recent(*, now: datetime | None = None) -> dict[str, list[HeartbeatStatus]]:
    """Workers and beats seen within ``FORGET_AFTER``, per kind, most recent first."""
    now = now or timezone.now()
    found: dict[str, list[HeartbeatStatus]] = {kind: [] for kind in ProcessHeartbeat.Kind.values}
    for row in ProcessHeartbeat.objects.filter(last_seen__gte=now - FORGET_AFTER).order_by("-last_seen", "hostname"):
        found[row.kind].append(HeartbeatStatus(row=row, state=heartbeat_state(row, now)))
    return found
