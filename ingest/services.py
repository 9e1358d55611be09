"""Writes of the ingest side: queueing payloads, dead letters, outbox, retention."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from errorhub import metrics
from errorhub.accounts.models import Project
from errorhub.events.models import IndexOutbox, SeenEvent
from ingest.models import DeadLetter
from ingest.protocol.scrub import ScrubConfig, scrub_text
from ingest.protocol.scrub_raw import scrub_payload
from errorhub.events.stores import get_event_store
from errorhub.events.stores.base import EventStoreUnavailable
from ingest.protocol.search.mappings import SerializedDocument
from errorhub.events.stores.engine import DocumentsRejected

logger = logging.getLogger(__name__)


def payload_enqueue(payload: dict[str, Any]) -> None:
    """Hand a raw payload to the processing queue (the only work the ingest view defers)."""
    from ingest.queue import publish
    from ingest.tasks import process_batch

    # argsrepr: Celery would otherwise render the whole payload as text for its logs
    publish(process_batch, [payload], queue="ingest", argsrepr=f"(<{payload['kind']} payload>)")


def dead_letter_store(*, task: str, payload: dict[str, Any], error: str, tb: str, attempts: int) -> None:
    """Keep a payload that failed every retry. Falls back to a file when the
    database itself is what fails, so the payload survives either way."""
    now = timezone.now()
    config = _dead_letter_scrub_config(payload.get("project_id"))
    payload, error, tb = _dead_letter_scrubbed(payload, error, tb, config)
    try:
        DeadLetter.objects.create(task=task, project_id=payload.get("project_id"), payload=payload, error=error[:5000],
                                  traceback=tb[-20000:], attempts=attempts, first_failed_at=now, last_failed_at=now)
    except DatabaseError as db_exc:
        folder = Path(settings.DATA_DIR) / "deadletters"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{int(time.time())}-{uuid.uuid4().hex}.json"
        path.write_text(json.dumps({"task": task, "payload": payload, "error": error, "traceback": tb,
                                    "attempts": attempts, "db_error": str(db_exc)}))
        logger.error("dead letter written to %s (database unavailable: %s)", path, db_exc)


def _dead_letter_scrubbed(payload: dict[str, Any], error: str, tb: str,
                          config: ScrubConfig) -> tuple[dict[str, Any], str, str]:
    """The payload, error and traceback scrubbed. A failure of the scrubber (a bug of
    ours, or input it cannot walk) must never lose the payload: it is then kept with
    its data scrubbed as plain text, or as it came, and the scrub error is noted."""
    try:
        return scrub_payload(payload, config), scrub_text(error, config), scrub_text(tb, config)
    except Exception as exc:  # noqa: BLE001 - whatever it is, the dead letter is still written
        logger.exception("dead letter payload could not be scrubbed; kept with text scrubbing")
        note = f"\n[dead letter scrubbing failed: {type(exc).__name__}: {str(exc)[:200]}]"
    try:
        data = payload.get("data")
        kept = {**payload, "data": scrub_text(data, config)} if isinstance(data, str) and not payload.get("b64") \
            else payload
        return kept, scrub_text(error, config) + note, scrub_text(tb, config)
    except Exception:  # noqa: BLE001
        logger.exception("dead letter text scrubbing failed too; kept as it came")
        return payload, error + note, tb


def _dead_letter_scrub_config(project_id: Any) -> ScrubConfig:
    """The project's scrubbing rules; the defaults when it cannot be read (the database
    being down is a reason to dead-letter, not to keep a payload unscrubbed)."""
    try:
        project = Project.objects.filter(pk=project_id).first() if isinstance(project_id, int) else None
        return project.scrub_config() if project else ScrubConfig()
    except (DatabaseError, ValueError):
        return ScrubConfig()


def dead_letters_import_files() -> int:
    """Move dead letters written to files (database was down) into the table."""
    folder = Path(settings.DATA_DIR) / "deadletters"
    moved = 0
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        data = json.loads(path.read_text())
        dead_letter_store(task=data["task"], payload=data["payload"], error=data["error"], tb=data["traceback"],
                          attempts=data["attempts"])
        path.unlink()
        moved += 1
    return moved


def dead_letter_replay(*, dead_letter: DeadLetter) -> None:
    if dead_letter.replayed_at or dead_letter.discarded_at:
        raise ValueError(f"dead letter {dead_letter.pk} was already replayed or discarded")
    if dead_letter.task == "ingest.index_document":  # back into the outbox for the indexer
        p = dead_letter.payload
        IndexOutbox.of(project_id=p["project_id"], issue_id=p["issue_id"], document=p["document"]).save()
    else:
        payload_enqueue(dead_letter.payload)
    dead_letter.replayed_at = timezone.now()
    dead_letter.save(update_fields=["replayed_at"])


def dead_letter_discard(*, dead_letter: DeadLetter, reason: str) -> None:
    if not reason.strip():
        raise ValueError("discarding a dead letter needs a reason")
    dead_letter.discarded_at = timezone.now()
    dead_letter.discard_reason = reason.strip()
    dead_letter.save(update_fields=["discarded_at", "discard_reason"])


def outbox_drain(*, batch_size: int = 500, max_batches: int = 100) -> int:
    """Bulk-index outbox rows; on failure they stay (with the error) for the next run."""
    store = get_event_store()
    if store.transactional:
        return 0
    done = 0
    for _ in range(max_batches):
        # the documents' JSON text as the database holds it: never decoded here
        rows = list(IndexOutbox.objects.order_by("id").values_list(
            "pk", "project_id", "event_id", "timestamp", "document")[:batch_size])
        if not rows:
            break
        pks = [row[0] for row in rows]
        started = metrics.clock()
        try:
            store.index_serialized([SerializedDocument(project_id, event_id, timestamp, source)
                                    for _, project_id, event_id, timestamp, source in rows])
            metrics.store_bulk_observed("search", started)
        except DocumentsRejected as exc:  # refused for good: set aside, never block the outbox
            _dead_letter_rejected(list(IndexOutbox.objects.filter(pk__in=pks)), exc.rejected)
            done += len(rows) - len(exc.rejected)
            continue
        except EventStoreUnavailable as exc:
            IndexOutbox.objects.filter(pk__in=pks).update(last_error=str(exc)[:2000])
            logger.warning("event store unavailable, %d events wait in the outbox: %s", len(rows), exc)
            break
        IndexOutbox.objects.filter(pk__in=pks).delete()
        done += len(rows)
    return done


def _dead_letter_rejected(rows: list[IndexOutbox], rejected: list[tuple[str, str]]) -> None:
    reasons = dict(rejected)
    for row in rows:
        reason = reasons.get(f"{row.project_id}:{row.event_id}")
        if reason is not None:
            dead_letter_store(task="ingest.index_document", payload={"project_id": row.project_id,
                              "issue_id": row.issue_id, "document": row.decoded()},
                              error=f"rejected by the event store: {reason}", tb="", attempts=row.attempts + 1)
    IndexOutbox.objects.filter(pk__in=[r.pk for r in rows]).delete()


def retention_apply(*, now: datetime) -> int:
    retention = dict(Project.objects.values_list("id", "retention_days"))
    deleted = get_event_store().apply_retention(now, retention)
    longest = max(retention.values(), default=90)
    with transaction.atomic():
        SeenEvent.objects.filter(received_at__lt=now - timedelta(days=longest + 1)).delete()
    return deleted
