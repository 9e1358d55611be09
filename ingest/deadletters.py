"""Keeping a payload that failed every retry: a ``DeadLetter`` row, scrubbed, or a file
in the data directory when the database itself is what fails.

Apart from ``ingest.services``: the tasks keep dead letters, and the services queue
the tasks (a replay), so this sits below both. Also keeps documents the search
engine refused for good (``keep_rejected_documents``, connected to the outbox drain's
signal by ``IngestConfig.ready``).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.events.models import IndexOutbox
from ingest.models import DeadLetter
from ingest.protocol.scrub import ScrubConfig, scrub_text
from ingest.protocol.scrub_raw import scrub_payload

logger = logging.getLogger(__name__)


def dead_letter_store(*, task: str, payload: dict[str, Any], error: str, tb: str, attempts: int) -> None:
    """Keep a payload that failed every retry. Falls back to a file when the
    database itself is what fails, so the payload survives either way."""
    now = timezone.now()
    config = _dead_letter_scrub_config(payload.get("project_id"))
    payload, error, tb = _dead_letter_scrubbed(payload, error, tb, config)
    try:
        DeadLetter.objects.create(
            task=task,
            project_id=payload.get("project_id"),
            payload=payload,
            error=error[:5000],
            traceback=tb[-20000:],
            attempts=attempts,
            first_failed_at=now,
            last_failed_at=now,
        )
    except DatabaseError as db_exc:
        folder = Path(settings.DATA_DIR) / "deadletters"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{int(time.time())}-{uuid.uuid4().hex}.json"
        path.write_text(
            json.dumps(
                {
                    "task": task,
                    "payload": payload,
                    "error": error,
                    "traceback": tb,
                    "attempts": attempts,
                    "db_error": str(db_exc),
                }
            )
        )
        logger.error("dead letter written to %s (database unavailable: %s)", path, db_exc)


def _dead_letter_scrubbed(
    payload: dict[str, Any], error: str, tb: str, config: ScrubConfig
) -> tuple[dict[str, Any], str, str]:
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
        kept = (
            {**payload, "data": scrub_text(data, config)}
            if isinstance(data, str) and not payload.get("b64")
            else payload
        )
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


def keep_rejected_documents(*, rows: list[IndexOutbox], reasons: dict[str, str], **_: Any) -> None:
    """Receiver of ``errorhub.events.signals.outbox_documents_rejected``: each outbox row
    the engine refused (``reasons`` by ``"<project id>:<event id>"``) becomes a dead letter
    of kind ``ingest.index_document`` (a replay puts it back in the outbox)."""
    for row in rows:
        reason = reasons.get(f"{row.project_id}:{row.event_id}")
        if reason is not None:
            dead_letter_store(
                task="ingest.index_document",
                payload={"project_id": row.project_id, "issue_id": row.issue_id, "document": row.decoded()},
                error=f"rejected by the event store: {reason}",
                tb="",
                attempts=row.attempts + 1,
            )
