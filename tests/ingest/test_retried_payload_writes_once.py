"""A payload that fails after its items were read, and is retried, writes each of its
rows once: trace link, attachment, feedback (also the one with no event id), client
report, check-in, session and unknown-item counts.

The failure is real, staged as in ``tests/events/stores/test_issue_deleted_mid_batch.py``:
another connection holds the row lock of the issue the payload's event groups onto,
waits until the worker blocks on it, deletes the issue and commits. The worker's
``events_record`` then fails (the issue is gone), the batch hands the payload back,
and the retry (run inline: tasks are eager here) regroups it onto a new issue.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection

from errorhub.events.models import Attachment, StoredEvent, TraceLink, UserFeedback
from errorhub.issues.models import Issue
from ingest import counters
from ingest.models import ClientOutcome, DeadLetter, IngestCounter, ItemCounter, SessionAggregate
from tests.ingest.helpers import envelope, event, post_envelope
from tests.issues.events import issue_of
from tests.races import issue_row_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)


def _every_item(body: dict) -> bytes:
    """One envelope with an item of each kind that writes a row or a count."""
    trace_id = uuid.uuid4().hex
    transaction_body = {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": "POST /checkout",
        "start_timestamp": 1_764_000_000.0,
        "timestamp": 1_764_000_000.5,
        "contexts": {"trace": {"trace_id": trace_id, "span_id": "b" * 16, "op": "http.server"}},
    }
    feedback = {
        "timestamp": 1_764_000_000.0,
        "level": "info",  # no event id: its key is minted by the worker
        "contexts": {"feedback": {"message": "checkout froze", "name": "Sam"}},
    }
    report = {"event_id": body["event_id"], "name": "Jane", "email": "jane@example.com", "comments": "it broke"}
    client_report = {
        "timestamp": time.time(),
        "discarded_events": [{"reason": "queue_overflow", "category": "error", "quantity": 3}],
    }
    session = {
        "sid": uuid.uuid4().hex,
        "status": "exited",
        "errors": 1,
        "started": "2026-11-26T10:15:00Z",
        "attrs": {"release": "shop@3.0", "environment": "prod"},
    }
    return envelope(
        ({"type": "event"}, body),
        ({"type": "attachment", "filename": "app.log", "content_type": "text/plain"}, b"line one\n"),
        ({"type": "transaction"}, transaction_body),
        ({"type": "feedback"}, feedback),
        ({"type": "user_report"}, report),
        ({"type": "client_report"}, client_report),
        ({"type": "check_in"}, {"monitor_slug": "nightly", "status": "ok"}),
        ({"type": "session"}, session),
        ({"type": "x-invented"}, {"a": 1}),
    )


def _counted(project, item_type: str) -> int:
    return sum(ItemCounter.objects.filter(project=project, item_type=item_type).values_list("count", flat=True))


def test_payload_retried_after_its_issue_was_deleted_writes_each_row_once(client, world, settings):
    assert connection.vendor == "postgresql", "row locks: the PostgreSQL run only"
    assert settings.INGEST_TASK_MAX_RETRIES >= 1
    project = world.project
    issue = issue_of(project, "gone")
    body = event(fingerprint=["gone"])
    with issue_row_held_elsewhere(issue.pk, then=Issue.objects.filter(pk=issue.pk).delete, who="the worker"):
        response = post_envelope(client, world, _every_item(body))

    assert response.status_code == 200, response.content
    assert not Issue.objects.filter(pk=issue.pk).exists(), "the first attempt really failed"
    assert not DeadLetter.objects.filter(project_id=project.pk).exists(), "the retry succeeded"
    stored = StoredEvent.objects.get(project=project, event_id=body["event_id"])
    assert stored.issue_id != issue.pk
    assert TraceLink.objects.filter(project=project).count() == 1
    assert _counted(project, "transaction") == 1
    assert Attachment.objects.filter(project=project, event_id=body["event_id"]).count() == 1
    assert sorted(UserFeedback.objects.filter(project=project).values_list("source", flat=True)) == [
        "feedback",
        "user_report",
    ]
    assert list(ClientOutcome.objects.filter(project=project).values_list("quantity", flat=True)) == [3]
    assert _counted(project, "check_in") == 1
    assert _counted(project, "unknown_type") == 1
    row = SessionAggregate.objects.get(project=project, release="shop@3.0")
    assert (row.healthy, row.errored) == (0, 1)
    counters.flush_outcomes()
    unsupported = IngestCounter.objects.filter(project_id=project.pk, outcome="unsupported")
    assert sum(unsupported.values_list("count", flat=True)) == 1
