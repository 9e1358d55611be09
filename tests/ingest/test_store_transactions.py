"""Issue #19: a transaction posted to ``/store/`` is counted like an envelope's transaction item
(a trace link and the ``transaction`` item counter), never made into an error issue."""

from __future__ import annotations

import json
import uuid

import pytest

from errorhub.events.models import StoredEvent, TraceLink
from errorhub.issues.models import Issue
from ingest.models import ItemCounter
from tests.ingest.helpers import envelope, post_envelope, post_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def transaction(trace_id: str) -> dict:
    return {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": "GET /api/orders/{id}",
        "platform": "python",
        "start_timestamp": 1_764_000_000.0,
        "timestamp": 1_764_000_000.5,
        "contexts": {"trace": {"trace_id": trace_id, "span_id": "b" * 16, "op": "http.server", "status": "ok"}},
        "spans": [],
    }


def test_store_transaction_is_counted_not_an_issue(client, world):
    trace_id = uuid.uuid4().hex
    response = post_store(client, world, json.dumps(transaction(trace_id)).encode())
    assert response.status_code == 200, response.content
    link = TraceLink.objects.get(project=world.project, trace_id=trace_id)
    assert (link.transaction, link.op, link.duration_ms) == ("GET /api/orders/{id}", "http.server", 500.0)
    assert ItemCounter.objects.get(project=world.project, item_type="transaction").count == 1
    assert not Issue.objects.filter(project=world.project).exists()
    assert not StoredEvent.objects.filter(project=world.project).exists()


def test_store_and_envelope_transactions_count_alike(client, world):
    post_store(client, world, json.dumps(transaction(uuid.uuid4().hex)).encode())
    body = transaction(uuid.uuid4().hex)
    assert post_envelope(client, world, envelope(({"type": "transaction"}, body))).status_code == 200
    assert ItemCounter.objects.get(project=world.project, item_type="transaction").count == 2
    assert TraceLink.objects.filter(project=world.project).count() == 2
    assert not Issue.objects.filter(project=world.project).exists()
