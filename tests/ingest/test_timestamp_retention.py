"""Issue #19: an event time older than the project's retention (or in the future) is clamped to the
receive time, and the original is kept in the event's ``errors``; a time within retention is kept."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.ingest.helpers import post_store, stored_event
from tests.ingest.protocol.sdk_payloads import payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def send_at(client, world, when: str) -> dict:
    body = {**payload("python_raven_legacy.json"), "event_id": uuid.uuid4().hex, "timestamp": when}
    assert post_store(client, world, json.dumps(body).encode()).status_code == 200
    return stored_event(world, body["event_id"])


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_within_retention_is_kept(client, world):
    world.project.retention_days = 90
    world.project.save()
    when = iso(-timedelta(days=60))
    event = send_at(client, world, when)
    assert event["dateCreated"].startswith(when[:16]) and event["errors"] == []


def test_older_than_retention_is_clamped_and_the_original_kept(client, world):
    world.project.retention_days = 30
    world.project.save()
    when = iso(-timedelta(days=60))
    event = send_at(client, world, when)
    assert not event["dateCreated"].startswith(when[:10])
    assert event["errors"] == [{"type": "past_timestamp", "name": "timestamp", "value": when}]


def test_future_is_clamped_and_the_original_kept(client, world):
    when = iso(timedelta(days=2))
    event = send_at(client, world, when)
    assert event["errors"] == [{"type": "future_timestamp", "name": "timestamp", "value": when}]
    assert event["dateCreated"] < when
