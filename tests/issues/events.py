"""Build normalised events the way processing does and record them (no HTTP)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from errorhub.accounts.models import Project
from errorhub.issues.digest import RecordResult, events_record
from errorhub.issues.models import Issue
from ingest.protocol.normalize import normalize_sentry_event


def sentry_event(
    project: Project,
    *,
    fingerprint: str,
    release: str = "",
    when: datetime | None = None,
    message: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    received = when or datetime.now(UTC)
    body = {
        "message": message or f"boom {fingerprint}",
        "level": "error",
        "platform": "python",
        "fingerprint": [fingerprint],
        "timestamp": received.timestamp(),
        **extra,
    }
    if release:
        body["release"] = release
    return normalize_sentry_event(body, project_id=project.pk, event_id=uuid.uuid4().hex, received_at=received)


def record(
    project: Project, fingerprint: str, *, count: int = 1, release: str = "", when: datetime | None = None
) -> RecordResult:
    base = when or datetime.now(UTC)
    events = [
        sentry_event(project, fingerprint=fingerprint, release=release, when=base + timedelta(milliseconds=i))
        for i in range(count)
    ]
    return events_record(project=project, events=events)


def issue_of(project: Project, fingerprint: str, **kwargs: Any) -> Issue:
    result = record(project, fingerprint, **kwargs)
    (issue_id,) = result.changes
    return Issue.objects.get(pk=issue_id)
