"""Sentry ``log`` items: the attributes that become top-level event fields (release,
environment) are bounded text whatever JSON type the SDK sent, so an error record with
an object, a list or a number there is an issue, not a failed batch."""

from __future__ import annotations

import time

import pytest

from errorhub.events.models import StoredEvent
from errorhub.issues.models import Issue
from ingest.models import DeadLetter
from tests.ingest.helpers import envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def log_item(release: object, environment: object) -> tuple[dict, dict]:
    attributes = {"sentry.release": {"value": release, "type": "string"}, "sentry.environment": environment}
    return {"type": "log"}, {
        "items": [{"timestamp": time.time(), "level": "error", "body": "payment failed\x00", "attributes": attributes}]
    }


@pytest.mark.parametrize(
    ("release", "environment", "kept"),
    [
        ({"v": 2}, ["prod"], (None, None)),
        (3, 1.5, ("3", "1.5")),
        ("shop@2.0" * 50, "prod", (("shop@2.0" * 50)[:200], "prod")),
    ],
)
def test_log_record_attributes_of_any_type_become_an_issue(client, world, release, environment, kept):
    response = post_envelope(client, world, envelope(log_item(release, environment)))
    assert response.status_code == 200, response.content
    stored = StoredEvent.objects.get(project=world.project)
    issue = Issue.objects.get(project=world.project)
    assert (issue.last_release or None, issue.environment or None) == kept
    assert stored.event_id and not DeadLetter.objects.exists()
