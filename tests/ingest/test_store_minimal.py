"""Apps without an SDK: a bare ``{"message", "level"}`` JSON on the store endpoint,
including the curl one-liner from the docs (key in the query string), becomes an issue."""

from __future__ import annotations

import pytest

from errorhub.events.models import StoredEvent
from tests.ingest.helpers import post_store, stored_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def test_message_and_level_only(client, world):
    response = post_store(client, world, b'{"message": "nightly export failed", "level": "error"}')
    assert response.status_code == 200, response.content
    event_id = response.json()["id"]
    assert len(event_id) == 32
    event = stored_event(world, event_id)
    assert (event["title"], event["level"]) == ("nightly export failed", "error")
    issues = world.api(world.member).get("/api/0/projects/acme/shop/issues/?query=").json()
    assert [i["title"] for i in issues] == ["nightly export failed"]


def test_curl_one_liner(client, world):
    """curl -X POST 'https://errorhub.example/api/<project>/store/?sentry_key=<key>&sentry_version=7' \\
         -H 'Content-Type: application/json' -d '{"message":"deploy failed","level":"warning"}'"""
    url = f"/api/{world.project.pk}/store/?sentry_key={world.key.public_key}&sentry_version=7"
    response = client.post(url, data=b'{"message":"deploy failed","level":"warning"}', content_type="application/json")
    assert response.status_code == 200, response.content
    event = stored_event(world, response.json()["id"])
    assert (event["title"], event["level"]) == ("deploy failed", "warning")


def test_key_only_query_string(client, world):
    """Even ``sentry_version`` may be left out by a hand-written client."""
    response = client.post(
        f"/api/{world.project.pk}/store/?sentry_key={world.key.public_key}",
        data=b'{"message": "disk almost full"}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert stored_event(world, response.json()["id"])["level"] in ("error", "info")


def test_curl_form_default_content_type(client, world):
    """``curl -d`` without -H sends application/x-www-form-urlencoded: still one event."""
    url = f"/api/{world.project.pk}/store/?sentry_key={world.key.public_key}&sentry_version=7"
    response = client.post(
        url, data=b'{"message":"cron job missed","level":"error"}', content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    assert stored_event(world, response.json()["id"])["title"] == "cron job missed"


def test_same_event_id_twice_stored_once(client, world):
    body = b'{"event_id": "5b8f7c1a2d3e4f5a6b7c8d9e0f1a2b3c", "message": "retry storm", "level": "error"}'
    assert [post_store(client, world, body).status_code for _ in range(2)] == [200, 200]
    assert StoredEvent.objects.filter(event_id="5b8f7c1a2d3e4f5a6b7c8d9e0f1a2b3c").count() == 1


def test_level_outside_the_vocabulary(client, world):
    response = post_store(client, world, b'{"message": "odd level", "level": "CRITICAL"}')
    assert response.status_code == 200, response.content
    assert stored_event(world, response.json()["id"])["level"] in ("fatal", "error")
