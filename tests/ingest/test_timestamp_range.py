"""An item's time must still be a time once in UTC, within years 1970 to 9000: an aware ISO
time at the end of the datetime range ("0001-01-01T00:30:00+01:00") is an ``invalid``
outcome at the door, not an OverflowError when the worker stores it."""

from __future__ import annotations

import uuid

import pytest

from errorhub.events.models import StoredEvent, TraceLink
from ingest.models import DeadLetter, SessionAggregate
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def session(started: object) -> tuple[dict, dict]:
    return {"type": "session"}, {
        "sid": uuid.uuid4().hex,
        "status": "exited",
        "errors": 1,
        "started": started,
        "attrs": {"release": "shop@2.0"},
    }


def transaction(timestamp: object) -> tuple[dict, dict]:
    return {"type": "transaction"}, {
        "event_id": uuid.uuid4().hex,
        "type": "transaction",
        "transaction": "GET /",
        "timestamp": timestamp,
        "contexts": {"trace": {"trace_id": uuid.uuid4().hex, "span_id": "a" * 16}},
    }


def post_beside_an_event(client, world, item: tuple[dict, dict]):
    body = event()
    response = post_envelope(
        client, world, envelope(({"type": "event"}, body), item, headers={"event_id": body["event_id"]})
    )
    assert response.status_code == 200, response.content
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    return response.json()


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:30:00+01:00",
        "9999-12-31T23:30:00-01:00",
        "1969-12-31T23:59:59Z",
        "9001-01-01T00:00:00Z",
        -1.0,
        253402300799.0,
    ],
)
@pytest.mark.parametrize("item", [session, transaction])
def test_times_outside_the_range_are_an_invalid_outcome(client, world, item, when):
    answer = post_beside_an_event(client, world, item(when))
    assert len(answer["dropped"]) == 1 and "1970 to 9000" in answer["dropped"][0], answer
    assert not SessionAggregate.objects.exists() and not TraceLink.objects.exists()
    assert not DeadLetter.objects.exists()


def test_an_offset_time_inside_the_range_is_kept(client, world):
    post_beside_an_event(client, world, session("2026-11-26T10:30:00+01:00"))
    post_beside_an_event(client, world, transaction("2026-11-26T10:30:00-01:00"))
    assert SessionAggregate.objects.get(project=world.project).hour.hour == 9
    assert TraceLink.objects.get(project=world.project).timestamp.hour == 11
    assert not DeadLetter.objects.exists()
