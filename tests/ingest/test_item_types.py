"""Every envelope item type lands where it belongs: counters and rows in ingest.models."""

from __future__ import annotations

import time
import uuid

import pytest

from errorhub.events.models import Attachment, StoredEvent, TraceLink
from ingest.models import ClientOutcome, ItemCounter, SessionAggregate
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def _post(client, world, *items, headers=None) -> dict:
    response = post_envelope(client, world, envelope(*items, headers=headers))
    assert response.status_code == 200, response.content
    return response.json()


def _counted(world, item_type: str) -> int:
    row = ItemCounter.objects.filter(project=world.project, item_type=item_type).first()
    return row.count if row else 0


def test_session_updates(client, world):
    attrs = {"release": "shop@2.0", "environment": "prod"}
    started = "2026-11-26T10:15:00Z"
    _post(
        client,
        world,
        (
            {"type": "session"},
            {"sid": uuid.uuid4().hex, "status": "ok", "errors": 0, "init": True, "started": started, "attrs": attrs},
        ),
    )
    _post(
        client,
        world,
        (
            {"type": "session"},
            {"sid": uuid.uuid4().hex, "status": "exited", "errors": 2, "started": started, "attrs": attrs},
        ),
    )
    _post(
        client,
        world,
        ({"type": "session"}, {"sid": uuid.uuid4().hex, "status": "crashed", "started": started, "attrs": attrs}),
    )
    row = SessionAggregate.objects.get(project=world.project, release="shop@2.0", environment="prod")
    assert (row.healthy, row.errored, row.crashed, row.abnormal) == (0, 1, 1, 0)
    assert row.hour.hour == 10


def test_sessions_aggregates(client, world):
    body = {
        "attrs": {"release": "shop@2.0", "environment": "prod"},
        "aggregates": [
            {"started": "2026-11-26T10:00:00Z", "exited": 10, "errored": 3, "crashed": 1},
            {"started": "2026-11-26T11:00:00Z", "exited": 5, "abnormal": 2},
        ],
    }
    _post(client, world, ({"type": "sessions"}, body))
    rows = {
        r.hour.hour: (r.healthy, r.errored, r.crashed, r.abnormal)
        for r in SessionAggregate.objects.filter(project=world.project)
    }
    assert rows == {10: (7, 3, 1, 0), 11: (5, 0, 0, 2)}


def test_client_report(client, world):
    report = {
        "timestamp": time.time(),
        "discarded_events": [
            {"reason": "queue_overflow", "category": "error", "quantity": 3},
            {"reason": "ratelimit_backoff", "category": "transaction", "quantity": 7},
        ],
    }
    _post(client, world, ({"type": "client_report"}, report))
    _post(client, world, ({"type": "client_report"}, report))
    got = {(o.reason, o.category): o.quantity for o in ClientOutcome.objects.filter(project=world.project)}
    assert got == {("queue_overflow", "error"): 6, ("ratelimit_backoff", "transaction"): 14}


def test_transaction_becomes_trace_link(client, world):
    trace_id = uuid.uuid4().hex
    body = {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": "POST /checkout",
        "start_timestamp": 1_764_000_000.0,
        "timestamp": 1_764_000_000.25,
        "contexts": {
            "trace": {
                "trace_id": trace_id,
                "span_id": "a" * 16,
                "op": "http.server",
                "status": "ok",
                "data": {"http.response.status_code": 200},
            }
        },
    }
    _post(client, world, ({"type": "transaction"}, body))
    link = TraceLink.objects.get(project=world.project, trace_id=trace_id)
    assert (link.transaction, link.op, link.status, link.http_status) == ("POST /checkout", "http.server", "ok", 200)
    assert link.duration_ms == pytest.approx(250.0)
    assert _counted(world, "transaction") == 1
    assert not StoredEvent.objects.filter(project=world.project).exists(), "a transaction is not an error"


def test_attachment_kept_beside_its_event(client, world):
    body = event()
    data = b"line one\nline two\x00binary\n"
    _post(
        client,
        world,
        ({"type": "event"}, body),
        ({"type": "attachment", "filename": "app.log", "content_type": "text/plain"}, data),
        headers={"event_id": body["event_id"]},
    )
    att = Attachment.objects.get(project=world.project, event_id=body["event_id"])
    assert (att.filename, att.content_type, att.size, bytes(att.data)) == ("app.log", "text/plain", len(data), data)
    assert StoredEvent.objects.filter(event_id=body["event_id"]).exists()


def test_check_in_counted(client, world):
    body = {"check_in_id": uuid.uuid4().hex, "monitor_slug": "nightly-export", "status": "ok", "duration": 3.2}
    _post(client, world, ({"type": "check_in"}, body))
    _post(client, world, ({"type": "check_in"}, body))
    assert _counted(world, "check_in") == 2


def test_log_items_counted_and_errors_become_events(client, world):
    body = {
        "items": [
            {"timestamp": time.time(), "level": "info", "body": "user logged in"},
            {"timestamp": time.time(), "level": "warn", "body": "slow query"},
            {
                "timestamp": time.time(),
                "level": "error",
                "body": "payment gateway timeout",
                "attributes": {"service": {"value": "checkout", "type": "string"}},
            },
        ]
    }
    _post(
        client, world, ({"type": "log", "item_count": 3, "content_type": "application/vnd.sentry.items.log+json"}, body)
    )
    assert _counted(world, "log") == 2
    stored = list(StoredEvent.objects.filter(project=world.project))
    assert len(stored) == 1 and stored[0].level == "error"
    assert "payment gateway timeout" in stored[0].search_text


def test_unknown_item_type_counted_not_refused(client, world):
    body = event()
    _post(client, world, ({"type": "profile_chunk"}, {"whatever": True}), ({"type": "event"}, body))
    _post(client, world, ({"type": "replay_video"}, b"\x00\x01binary"))
    assert _counted(world, "profile_chunk") == 1 and _counted(world, "replay_video") == 1
    assert StoredEvent.objects.filter(event_id=body["event_id"]).exists()


def test_invalid_session_beside_event_keeps_the_event(client, world):
    body = event()
    answer = _post(client, world, ({"type": "session"}, b"not json"), ({"type": "event"}, body))
    assert answer["id"] == body["event_id"]
    assert StoredEvent.objects.filter(event_id=body["event_id"]).exists()
    assert not SessionAggregate.objects.filter(project=world.project).exists()
