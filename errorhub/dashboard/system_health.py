"""What the system health page shows: ingest outcomes, queues, event store, dead letters, own 500s."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from errorhub.accounts import selectors
from errorhub.events.models import IndexOutbox
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest.heartbeats import STALE_AFTER_INTERVALS, heartbeats_recent
from ingest.models import IngestCounter
from ingest.quotas import queue_depths


def _store_status() -> dict[str, Any]:
    store = get_event_store()
    try:
        store.ping()
        ok, error = True, ""
    except EventStoreUnavailable as exc:
        ok, error = False, str(exc)
    return {"kind": type(store).__name__, "ok": ok, "error": error, "outbox": IndexOutbox.objects.count()}


def _queue_depths() -> tuple[dict[str, int], str]:
    try:
        return queue_depths(), ""
    except Exception as exc:  # a broker that cannot be read is shown, not raised: this page diagnoses it
        return {}, f"{type(exc).__name__}: {exc}"


def processes_context() -> dict[str, Any]:
    """The workers and beats that recorded a heartbeat, and whether any is alive: without a
    live worker events are accepted and queued but nothing processes them."""
    seen = heartbeats_recent()
    return {
        "workers": seen["worker"],
        "beats": seen["beat"],
        "worker_alive": any(w.alive for w in seen["worker"]),
        "beat_alive": any(b.alive for b in seen["beat"]),
        "stale_after_intervals": STALE_AFTER_INTERVALS,
    }


def health_context(user: Any, dead_letters: QuerySet) -> dict[str, Any]:
    projects = {p.pk: p for p in selectors.projects_for_user(user)}
    since = timezone.now() - timedelta(hours=1)
    outcomes: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        IngestCounter.objects.filter(minute__gte=since, project_id__in=list(projects))
        .values("project_id", "outcome")
        .annotate(n=Sum("count"))
    ):
        outcomes[row["project_id"]][row["outcome"]] = row["n"]
    names = sorted({o for per in outcomes.values() for o in per})
    depths, queue_error = _queue_depths()
    return {
        "outcome_names": names,
        "outcomes": [(projects[pid], [per.get(n, 0) for n in names]) for pid, per in sorted(outcomes.items())],
        "queues": sorted(depths.items()),
        "queue_error": queue_error,
        "store": _store_status(),
        "dead_letters": list(dead_letters[:50]),
        "dead_letter_count": dead_letters.count(),
        "server_errors": ServerErrorCounterMiddleware.count,
        **processes_context(),
    }
