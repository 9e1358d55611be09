"""#24.6: one malformed non-event item is an ``invalid`` outcome of its own; the real SDK
event beside it is stored, nothing is retried or dead-lettered, and the outcome is counted."""

from __future__ import annotations

import uuid

import orjson
import pytest
from django.db.models import Sum

from errorhub.events.models import StoredEvent
from ingest.models import DeadLetter, IngestCounter
from ingest.protocol.envelope import parse_envelope
from tests.ingest.helpers import envelope, post_envelope
from tests.sentry_fixtures import FIXTURES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

POISON = orjson.loads((FIXTURES / "poison" / "items.json").read_bytes())


def node_sdk_event() -> dict:
    """The event a real Node SDK sent (fixture), as a new event."""
    captured = parse_envelope((FIXTURES / "node" / "normal_01_event.envelope").read_bytes())
    body = orjson.loads(next(i.payload for i in captured.items if i.type == "event"))
    return {**body, "event_id": uuid.uuid4().hex}


def outcome_count(world, outcome: str, reason: str) -> int:
    rows = IngestCounter.objects.filter(project_id=world.project.pk, outcome=outcome, reason=reason)
    return rows.aggregate(n=Sum("count"))["n"] or 0


@pytest.mark.parametrize("name", sorted(POISON))
def test_poison_item_is_its_own_outcome_and_the_event_is_stored(client, world, name):
    poison = POISON[name]
    body = node_sdk_event()
    payload = poison["payload"].encode() if isinstance(poison["payload"], str) else poison["payload"]
    data = envelope(({"type": "event"}, body), (poison["headers"], payload), headers={"event_id": body["event_id"]})

    response = post_envelope(client, world, data)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["id"] == body["event_id"]
    assert len(answer["dropped"]) == 1 and "item 2" in answer["dropped"][0] and poison["says"] in answer["dropped"][0]
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    assert outcome_count(world, "invalid", poison["reason"]) == 1
    assert not DeadLetter.objects.exists(), "client data is an outcome, never a retried payload"


def test_envelope_of_only_poison_items_is_refused_with_every_reason(client, world):
    data = envelope(
        *[
            (p["headers"], p["payload"].encode() if isinstance(p["payload"], str) else p["payload"])
            for p in POISON.values()
        ]
    )
    response = post_envelope(client, world, data)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert all(p["says"] in detail for p in POISON.values()), detail
    assert not DeadLetter.objects.exists()


def test_oversized_item_beside_an_event_is_a_too_large_outcome(client, world, settings):
    settings.INGEST_MAX_ATTACHMENT_BYTES = 1024
    body = node_sdk_event()
    data = envelope(
        ({"type": "event"}, body),
        ({"type": "attachment", "filename": "core.dmp"}, b"\x00" * 4096),
        headers={"event_id": body["event_id"]},
    )
    response = post_envelope(client, world, data)
    assert response.status_code == 200, response.content
    assert "size limit" in response.json()["dropped"][0]
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    assert outcome_count(world, "too_large", "attachment_too_large") == 1
