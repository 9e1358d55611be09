"""Periodic tasks of the events app (thin: one service call each).

Found by the Celery app's autodiscovery (``errorhub.events`` is an installed app).
The tasks keep the wire names they had in ``ingest.tasks``: a message that beat
or a batch queued before an upgrade is still run by the upgraded worker, not
refused as unregistered. Routes and beat entries in settings name them the same way.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from errorhub.events.services import outbox_drain, retention_apply

#: set while an outbox drain is queued and not started (``schedule_indexing``)
INDEX_SCHEDULED_KEY = "errorhub:index-scheduled"


@shared_task(name="ingest.tasks.index_pending", bind=True, acks_late=True, max_retries=None)
def index_pending(self: Any, batch_size: int = 500) -> int:
    """Drain the search-engine outbox in bulk; rows stay while the engine is down."""
    # from here on, a batch that commits must schedule the next drain itself
    cache.delete(INDEX_SCHEDULED_KEY)
    return outbox_drain(batch_size=batch_size)


@shared_task(name="ingest.tasks.apply_retention")
def apply_retention() -> int:
    return retention_apply(now=timezone.now())


def schedule_indexing() -> None:
    """Queue one outbox drain, not one per batch: while a drain is scheduled and
    has not started, later batches ride along with it (the drain clears the
    flag when it starts). Beat also drains every few seconds, so a lost flag
    only delays indexing."""
    if cache.add(INDEX_SCHEDULED_KEY, 1, timeout=5):
        index_pending.apply_async()  # at once: an idle event is searchable within milliseconds
