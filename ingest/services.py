"""Writes of the ingest side: queueing payloads, and replaying or discarding dead letters.

Keeping a dead letter (``ingest.deadletters``) is apart from this module: the tasks
keep them, and this module queues the tasks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from errorhub.events.models import IndexOutbox
from ingest.deadletters import dead_letter_store
from ingest.models import DeadLetter
from ingest.queue import publish
from ingest.tasks import process_batch


def payload_enqueue(payload: dict[str, Any]) -> None:
    """Hand a raw payload to the processing queue (the only work the ingest view defers)."""
    # argsrepr: Celery would otherwise render the whole payload as text for its logs
    publish(process_batch, [payload], queue="ingest", argsrepr=f"(<{payload['kind']} payload>)")


def dead_letters_import_files() -> int:
    """Move dead letters written to files (database was down) into the table."""
    folder = Path(settings.DATA_DIR) / "deadletters"
    moved = 0
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        data = json.loads(path.read_text())
        dead_letter_store(
            task=data["task"],
            payload=data["payload"],
            error=data["error"],
            tb=data["traceback"],
            attempts=data["attempts"],
        )
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
