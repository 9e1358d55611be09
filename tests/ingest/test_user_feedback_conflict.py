"""The feedback API never overwrites what an end user wrote: an SDK ``user_report`` for an
event is kept, and a later ``POST /user-feedback/`` for the same event answers 409."""

from __future__ import annotations

import pytest

from errorhub.events.models import UserFeedback
from tests.ingest.helpers import envelope, event, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

URL = "/api/0/projects/acme/shop/user-feedback/"


def test_api_post_after_an_sdk_user_report_is_a_409(client, world):
    body = event()
    report = {
        "event_id": body["event_id"],
        "name": "Jane",
        "email": "jane@example.com",
        "comments": "The checkout page froze after I pressed pay",
    }
    assert post_envelope(client, world, envelope(({"type": "user_report"}, report))).status_code == 200

    response = world.api(world.member).post(
        URL, {"event_id": body["event_id"], "name": "Support bot", "comments": "auto-closed"}, format="json"
    )

    assert response.status_code == 409, response.content
    assert body["event_id"] in response.json()["detail"]
    kept = UserFeedback.objects.get(project=world.project)
    assert (kept.name, kept.comments, kept.source) == ("Jane", report["comments"], "user_report")
