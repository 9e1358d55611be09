"""A NUL character in the text of a non-event item (PostgreSQL refuses it in text columns)
is stored as U+FFFD: the item is kept and its envelope never fails into a dead letter."""

from __future__ import annotations

import uuid

import pytest

from errorhub.events.models import Attachment, StoredEvent, TraceLink, UserFeedback
from ingest.models import ClientOutcome, DeadLetter, SessionAggregate
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

NUL, KEPT = "shop\x00web", "shop\ufffdweb"
ITEMS = {
    "transaction": (
        {"type": "transaction"},
        {
            "event_id": uuid.uuid4().hex,
            "type": "transaction",
            "transaction": NUL,
            "timestamp": 1_764_000_000.0,
            "contexts": {"trace": {"trace_id": NUL, "span_id": "a" * 16, "op": NUL, "status": NUL}},
        },
    ),
    "session": (
        {"type": "session"},
        {
            "sid": uuid.uuid4().hex,
            "status": "exited",
            "errors": 1,
            "started": "2026-11-26T10:00:00Z",
            "attrs": {"release": NUL, "environment": NUL},
        },
    ),
    "client_report": (
        {"type": "client_report"},
        {"discarded_events": [{"reason": NUL, "category": NUL, "quantity": 1}]},
    ),
    "user_report": (
        {"type": "user_report"},
        {"event_id": uuid.uuid4().hex, "name": NUL, "email": NUL, "comments": NUL},
    ),
    "feedback": (
        {"type": "feedback"},
        {
            "event_id": uuid.uuid4().hex,
            "contexts": {"feedback": {"message": NUL, "name": NUL, "contact_email": NUL, "url": NUL}},
        },
    ),
    "attachment": ({"type": "attachment", "filename": NUL, "content_type": NUL}, b"boot failed\n"),
}
STORED = {
    "transaction": lambda: TraceLink.objects.values_list("trace_id", "transaction", "op", "status").get(),
    "session": lambda: SessionAggregate.objects.values_list("release", "environment").get(),
    "client_report": lambda: ClientOutcome.objects.values_list("reason", "category").get(),
    "user_report": lambda: UserFeedback.objects.values_list("name", "email", "comments").get(),
    "feedback": lambda: UserFeedback.objects.values_list("name", "email", "comments", "url").get(),
    "attachment": lambda: Attachment.objects.values_list("filename", "content_type").get(),
}


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_nul_in_item_text_is_replaced_and_kept(client, world, name):
    body = event()
    response = post_envelope(
        client, world, envelope(({"type": "event"}, body), ITEMS[name], headers={"event_id": body["event_id"]})
    )
    assert response.status_code == 200, response.content
    assert not response.json().get("dropped")
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    assert set(STORED[name]()) == {KEPT}
    assert not DeadLetter.objects.exists()
