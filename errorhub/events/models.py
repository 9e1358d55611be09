"""Events: the SQL event store's rows and tags, de-duplication, the search-engine
outbox, trace links, attachments and user feedback.

Tables keep their ``ingest_*`` names (moved here by state-only migrations).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.db import models
from django.utils import timezone

from errorhub.accounts.models import Project
from ingest.protocol.search.mappings import dumps_document


class StoredEvent(models.Model):
    """One event in the SQL event store (the embedded default).

    ``search_text`` holds message, exception types/values and frame functions;
    PostgreSQL searches it with full-text search, SQLite with an FTS5 table kept
    in step by triggers (see migration ``0002_search_text_fts``).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey("issues.Issue", on_delete=models.CASCADE, related_name="events")
    event_id = models.CharField(max_length=32)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()
    level = models.CharField(max_length=16)
    release = models.CharField(max_length=200, blank=True, default="")
    environment = models.CharField(max_length=200, blank=True, default="")
    trace_id = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=128, blank=True, default="")
    transaction = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=128, blank=True, default="")
    tags = models.JSONField(default=dict)
    search_text = models.TextField(default="")
    body = models.JSONField()

    class Meta:
        db_table = "ingest_storedevent"
        constraints = [models.UniqueConstraint(fields=["project", "event_id"], name="storedevent_unique")]
        indexes = [
            models.Index(fields=["issue", "-timestamp", "-id"]),
            models.Index(fields=["project", "-timestamp"]),
            models.Index(fields=["trace_id"]),
            models.Index(fields=["request_id"]),
        ]


class EventTag(models.Model):
    """Tag key/value rows so tag filters and top-values stay indexed in SQL."""

    event = models.ForeignKey(StoredEvent, on_delete=models.CASCADE, related_name="tag_rows")
    issue_id = models.BigIntegerField(db_index=False)
    key = models.CharField(max_length=200)
    value = models.CharField(max_length=200)

    class Meta:
        db_table = "ingest_eventtag"
        # (issue_id, key, value) answers "top values of a tag for an issue" from the index alone
        indexes = [models.Index(fields=["key", "value"]), models.Index(fields=["issue_id", "key", "value"])]


class SeenEvent(models.Model):
    """(project, event_id) seen once: the idempotency guard for every store."""

    project_id = models.BigIntegerField()
    event_id = models.CharField(max_length=32)
    issue_id = models.BigIntegerField(null=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ingest_seenevent"
        constraints = [models.UniqueConstraint(fields=["project_id", "event_id"], name="seenevent_unique")]
        indexes = [models.Index(fields=["received_at"])]


class IndexOutbox(models.Model):
    """Events waiting for the search engine; drained in bulk, kept while it is down.

    ``document`` holds the JSON text exactly as it goes to the bulk API, not a
    JSON column: the database neither parses nor compresses it (on PostgreSQL,
    jsonb parsing and TOAST compression of ~4 KB documents made this insert the
    costliest statement of an event, ``bench/storm``) and the drain sends it on
    unread. ``timestamp`` is the document's, to pick its daily index.
    """

    project_id = models.BigIntegerField()
    issue_id = models.BigIntegerField()
    event_id = models.CharField(max_length=32)
    timestamp = models.CharField(max_length=40, blank=True, default="", db_default="")
    document = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ingest_indexoutbox"

    @classmethod
    def of(
        cls, *, project_id: int, issue_id: int, document: dict[str, Any], source: bytes | None = None
    ) -> IndexOutbox:
        """A row for a document from ``document_from_event`` (``source``: its JSON, if already written)."""
        return cls(
            project_id=project_id,
            issue_id=issue_id,
            event_id=str(document.get("event_id", "")),
            timestamp=str(document.get("timestamp", "")),
            document=(source if source is not None else dumps_document(document)).decode(),
        )

    def decoded(self) -> dict[str, Any]:
        """The document as a dict (dead letters and tests; the drain never decodes)."""
        return orjson.loads(self.document)


class TraceLink(models.Model):
    """A transaction kept as a lightweight record so errors link to it by trace id."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=64, db_index=True)
    transaction = models.CharField(max_length=200, blank=True, default="")
    op = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=64, blank=True, default="")
    http_status = models.PositiveIntegerField(null=True)
    duration_ms = models.FloatField(null=True)
    timestamp = models.DateTimeField()

    class Meta:
        db_table = "ingest_tracelink"


class Attachment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=32, db_index=True)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ingest_attachment"


class UserFeedback(models.Model):
    """What a user wrote about an error: envelope ``user_report`` / ``feedback`` items and
    the user-feedback API.

    ``feedback_id`` makes writes idempotent (a retried payload updates, never doubles):
    the named event's id for a legacy user report (Sentry keeps one per event), the
    feedback event's own id otherwise. ``issue`` is filled when the named event was
    already stored; feedback that arrived first is found through ``SeenEvent`` when
    the issue is read (``ingest.feedback.feedback_for_issue``).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    feedback_id = models.CharField(max_length=32)
    event_id = models.CharField(max_length=32, blank=True, default="")
    issue = models.ForeignKey("issues.Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    comments = models.TextField()
    url = models.CharField(max_length=1024, blank=True, default="")
    source = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "ingest_userfeedback"
        constraints = [models.UniqueConstraint(fields=["project", "feedback_id"], name="userfeedback_unique")]
        indexes = [models.Index(fields=["project", "event_id"])]
        ordering = ["-created_at"]
