"""The logs door and the worker frame a body the same way: whatever the view answers 200
for is processed by the worker — no retry, no dead letter, no ``invalid_logs`` outcome
found only later. The view queues the format the client named (never its own guess, which
the worker would hold to the stricter rules of a named format) and the worker inflates
within the same limit as the view (``INGEST_MAX_LOG_BYTES``, not a fixed 10 MB)."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from errorhub.issues.models import Issue
from ingest.models import DeadLetter, IngestCounter
from ingest.processing import process_payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

LINES = [
    b"<12>garbage",
    b"<34>1 2026-11-01T00:00:00Z host app - - - ERROR payment failed",
    b"Nov  1 12:00:00 host app[12]: ERROR payment failed",
    b'{"level":"error","message":"payment failed"}',
    b'{"short_message":"payment failed","level":3}',
    b'{"log":"ERROR x\\n","stream":"stderr","time":"2026-11-01T00:00:00Z"}',
    b"2026-11-01T00:00:00.000000000Z stderr F ERROR payment failed",
    b"ERROR plain text line",
    b"not json",
    b"[1,2",
    b"{",
    b"83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up",
    b'{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":0,"message":"ERROR x"}]}',
    b"",
    b"\x00\xff",
    b"H4sIAAAA",
]
FORMATS = [None, "plain", "ndjson", "json", "syslog", "logplex", "cloudwatch", "cri", "docker", "gelf", "text"]
CONTENT_TYPES = [
    "application/octet-stream",
    "text/plain",
    "application/x-ndjson",
    "application/json",
    "application/logplex-1",
]
bodies = st.builds(
    lambda lines, zipped: gzip.compress(b"\n".join(lines)) if zipped else b"\n".join(lines),
    st.lists(st.sampled_from(LINES) | st.binary(max_size=12), min_size=1, max_size=6),
    st.booleans(),
)


def post_logs(client, world, body: bytes, fmt: str | None, content_type: str):
    query = f"sentry_key={world.key.public_key}" + (f"&format={fmt}" if fmt else "")
    return client.post(f"/api/{world.project.pk}/logs/?{query}", data=body, content_type=content_type)


def invalid_later(world) -> int:
    rows = IngestCounter.objects.filter(project_id=world.project.pk, outcome="invalid", reason="invalid_logs")
    return rows.aggregate(n=Sum("count"))["n"] or 0


@hsettings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(body=bodies, fmt=st.sampled_from(FORMATS), content_type=st.sampled_from(CONTENT_TYPES))
def test_any_body_answered_200_is_processed_by_the_worker(client, world, body, fmt, content_type):
    response = post_logs(client, world, body, fmt, content_type)
    assert response.status_code in (200, 400, 413), (response.status_code, response.content[:300])
    assert not DeadLetter.objects.exists(), DeadLetter.objects.values_list("error", flat=True).first()
    assert invalid_later(world) == 0, "the worker refused a body the view accepted"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<12>garbage\n<12>more garbage\n", "application/octet-stream"),  # guessed syslog: no line is one
        (b"ERROR payment failed\nnot json either\n", "application/x-ndjson"),  # JSON type, text lines
    ],
)
def test_a_guessed_format_is_not_held_to_a_named_one(client, world, body, content_type):
    response = post_logs(client, world, body, None, content_type)
    assert response.status_code == 200, response.content
    assert not DeadLetter.objects.exists() and invalid_later(world) == 0


def test_the_worker_inflates_within_the_log_limit(client, world, settings):
    """A Firehose record's gzip'd CloudWatch message larger than the old fixed 10 MB."""
    settings.INGEST_MAX_LOG_BYTES = 16 * 1024 * 1024
    message = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "shop",
        "logStream": "web",
        "logEvents": [
            {"id": "1", "timestamp": 1_764_000_000_000, "message": "ERROR payment failed " + "x" * (11 * 1024 * 1024)}
        ],
    }
    record = base64.b64encode(gzip.compress(json.dumps(message).encode(), compresslevel=1)).decode()
    body = json.dumps({"requestId": "r-1", "timestamp": 1_764_000_000_000, "records": [{"data": record}]}).encode()
    response = post_logs(client, world, body, "cloudwatch", "application/json")
    assert response.status_code == 200, response.content
    assert not DeadLetter.objects.exists() and invalid_later(world) == 0
    assert Issue.objects.filter(project=world.project).count() == 1


def test_an_unreadable_queued_body_is_an_invalid_outcome_not_a_dead_letter(world):
    """A payload queued before view and worker agreed (or replayed) that still names a format
    its body is not: counted as ``invalid``, never retried into a dead letter."""
    payload = {
        "v": 1,
        "kind": "logs",
        "project_id": world.project.pk,
        "data": "<12>garbage\n",
        "b64": False,
        "received_at": 1_764_000_000.0,
        "client": "tests/1.0",
        "format": "syslog",
        "content_type": "application/octet-stream",
    }
    outcome = process_payload(payload)  # the worker's entry point, as the task calls it
    assert outcome.dropped == {("invalid", "invalid_logs"): 1} and not outcome.events
    assert invalid_later(world) == 1 and not DeadLetter.objects.exists()
