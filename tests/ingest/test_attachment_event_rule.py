"""Attachments never point at an event that cannot exist: beside an invalid event item
they are dropped with an outcome; sent alone (the event travels separately) they are
kept under the envelope's event id and shown once that event exists."""

from __future__ import annotations

import uuid

import pytest
from django.db.models import Sum

from errorhub.events.models import Attachment, StoredEvent
from ingest.models import DeadLetter, IngestCounter
from tests.ingest.helpers import assert_refused, envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

LOG = ({"type": "attachment", "filename": "app.log", "content_type": "text/plain"}, b"boot\nfailed\x00\n")
SESSION = (
    {"type": "session"},
    {
        "sid": uuid.uuid4().hex,
        "status": "exited",
        "errors": 1,
        "started": "2026-11-26T10:00:00Z",
        "attrs": {"release": "shop@2.0"},
    },
)


def outcome_count(world, outcome: str, reason: str) -> int:
    rows = IngestCounter.objects.filter(project_id=world.project.pk, outcome=outcome, reason=reason)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def test_attachment_beside_an_invalid_event_is_dropped_with_an_outcome(client, world):
    event_id = uuid.uuid4().hex
    bad_event = ({"type": "event"}, b'{"event_id": "' + event_id.encode() + b'", "level": ')
    response = post_envelope(client, world, envelope(bad_event, LOG, SESSION, headers={"event_id": event_id}))
    assert response.status_code == 200, response.content
    dropped = response.json()["dropped"]
    assert len(dropped) == 2 and dropped[1] == "item 2 (attachment): its event item was dropped"
    assert not Attachment.objects.filter(project=world.project).exists()
    assert outcome_count(world, "invalid", "invalid_event") == 1
    assert outcome_count(world, "invalid", "attachment_event_dropped") == 1
    assert not DeadLetter.objects.exists()


def test_attachment_sent_alone_waits_for_its_event(client, world):
    body = event()
    alone = post_envelope(client, world, envelope(LOG, headers={"event_id": body["event_id"]}))
    assert alone.status_code == 200, alone.content
    att = Attachment.objects.get(project=world.project, event_id=body["event_id"])
    assert bytes(att.data) == LOG[1]
    later = post_envelope(client, world, envelope(({"type": "event"}, body), headers={"event_id": body["event_id"]}))
    assert later.status_code == 200
    stored = StoredEvent.objects.get(project=world.project, event_id=body["event_id"])
    assert Attachment.objects.filter(project=world.project, event_id=stored.event_id).count() == 1
    client.force_login(world.member)
    page = client.get(f"/issues/{stored.issue_id}/").content.decode()
    assert "<code>app.log</code>" in page and "text/plain" in page


def test_attachment_without_any_event_id_is_refused_at_the_door(client, world):
    assert_refused(post_envelope(client, world, envelope(LOG)), 400, "item 1 (attachment)", "no event_id")
    assert not Attachment.objects.exists()


def test_attachment_without_event_id_beside_a_session_is_an_outcome(client, world):
    response = post_envelope(client, world, envelope(LOG, SESSION))
    assert response.status_code == 200, response.content
    assert response.json()["dropped"] == [
        "item 1 (attachment): no event_id in the envelope header or an event item to attach to"
    ]
    assert not Attachment.objects.exists()
    assert outcome_count(world, "invalid", "attachment_without_event_id") == 1


def test_attachment_beside_a_valid_event_is_kept_under_its_id(client, world):
    body = event()
    response = post_envelope(client, world, envelope(({"type": "event"}, body), LOG))  # no header event_id
    assert response.status_code == 200, response.content
    assert Attachment.objects.filter(project=world.project, event_id=body["event_id"]).count() == 1
