"""Writes of the events app: draining the search-engine outbox, applying retention."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction

from errorhub import metrics
from errorhub.accounts.models import Project
from errorhub.events.models import IndexOutbox, SeenEvent
from errorhub.events.signals import outbox_documents_rejected
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable
from errorhub.events.stores.engine import DocumentsRejected
from ingest.protocol.search.mappings import SerializedDocument

logger = logging.getLogger(__name__)


def outbox_drain(*, batch_size: int = 500, max_batches: int = 100) -> int:
    """Bulk-index outbox rows; on failure they stay (with the error) for the next run."""
    store = get_event_store()
    if store.transactional:
        return 0
    done = 0
    for _ in range(max_batches):
        # the documents' JSON text as the database holds it: never decoded here
        rows = list(
            IndexOutbox.objects.order_by("id").values_list("pk", "project_id", "event_id", "timestamp", "document")[
                :batch_size
            ]
        )
        if not rows:
            break
        pks = [row[0] for row in rows]
        started = metrics.clock()
        try:
            store.index_serialized(
                [
                    SerializedDocument(project_id, event_id, timestamp, source)
                    for _, project_id, event_id, timestamp, source in rows
                ]
            )
            metrics.store_bulk_observed("search", started)
        except DocumentsRejected as exc:  # refused for good: set aside, never block the outbox
            _set_aside_rejected(list(IndexOutbox.objects.filter(pk__in=pks)), exc.rejected)
            done += len(rows) - len(exc.rejected)
            continue
        except EventStoreUnavailable as exc:
            IndexOutbox.objects.filter(pk__in=pks).update(last_error=str(exc)[:2000])
            logger.warning("event store unavailable, %d events wait in the outbox: %s", len(rows), exc)
            break
        IndexOutbox.objects.filter(pk__in=pks).delete()
        done += len(rows)
    return done


def _set_aside_rejected(rows: list[IndexOutbox], rejected: list[tuple[str, str]]) -> None:
    """Hand the refused rows to ``outbox_documents_rejected``'s receivers (ingest keeps
    them as dead letters), then delete them. With no receiver connected they would be
    lost, so the drain stops instead and the rows stay."""
    if not outbox_documents_rejected.has_listeners():
        raise RuntimeError("no receiver keeps the documents the event store refused (is the ingest app installed?)")
    outbox_documents_rejected.send(sender=IndexOutbox, rows=rows, reasons=dict(rejected))
    IndexOutbox.objects.filter(pk__in=[r.pk for r in rows]).delete()


def retention_apply(*, now: datetime) -> int:
    """Drop events older than their project's retention, and the exactly-once claims
    older than the longest retention (a redelivery that old cannot happen)."""
    retention = dict(Project.objects.values_list("id", "retention_days"))
    deleted = get_event_store().apply_retention(now, retention)
    longest = max(retention.values(), default=90)
    with transaction.atomic():
        SeenEvent.objects.filter(received_at__lt=now - timedelta(days=longest + 1)).delete()
    return deleted
