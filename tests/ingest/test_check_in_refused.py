"""A bad check-in (unknown schedule type, unknown time zone, a crontab that is not one) is the
client's error: alone in an envelope it is a 400 naming the field; beside an event it is an
``invalid`` outcome of its own, counted, and the event is stored. Never a 500, never a dead letter."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from errorhub.events.models import StoredEvent
from errorhub.monitors.models import Monitor
from ingest.models import DeadLetter, IngestCounter
from tests.ingest.helpers import assert_refused, envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

BAD = [
    ({"schedule": {"type": "weekly", "value": 1}}, "schedule.type"),
    ({"schedule": {"type": "crontab", "value": "every day at 3"}}, "crontab"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "timezone": "Europe/Atlantis"}, "timezone"),
    ({"schedule": {"type": "interval", "value": -2, "unit": "hour"}}, "schedule.value"),
    ({"schedule": {"type": "crontab", "value": "0 3 * * *"}, "failure_issue_threshold": 0}, "failure_issue_threshold"),
]


def bad_checkin(config: dict) -> dict:
    return {"check_in_id": "a" * 32, "monitor_slug": "nightly", "status": "ok", "monitor_config": config}


@pytest.mark.parametrize(("config", "fragment"), BAD)
def test_a_bad_check_in_alone_is_a_400_that_names_the_field(client, world, config, fragment):
    response = post_envelope(client, world, envelope(({"type": "check_in"}, bad_checkin(config))))
    assert_refused(response, 400, fragment)
    assert not Monitor.objects.exists()


@pytest.mark.parametrize(("config", "fragment"), BAD)
def test_a_bad_check_in_beside_an_event_is_its_own_outcome(client, world, config, fragment):
    body = event()
    data = envelope(
        ({"type": "event"}, body), ({"type": "check_in"}, bad_checkin(config)), headers={"event_id": body["event_id"]}
    )
    response = post_envelope(client, world, data)
    assert response.status_code == 200, response.content
    assert fragment in response.json()["dropped"][0]
    assert StoredEvent.objects.filter(project=world.project, event_id=body["event_id"]).exists()
    counted = IngestCounter.objects.filter(project_id=world.project.pk, outcome="invalid", reason="invalid_check_in")
    assert counted.aggregate(n=Sum("count"))["n"] == 1
    assert not Monitor.objects.exists() and not DeadLetter.objects.exists()
