"""User feedback is kept and shown on its issue: envelope ``user_report`` and ``feedback``
items, and Sentry's legacy ``/user-feedback/`` API — whichever arrives first, the
feedback or its event — always escaped on the page (the text is the sender's)."""

from __future__ import annotations

import uuid

import pytest

from errorhub.events.models import UserFeedback
from errorhub.issues.models import Issue
from tests.ingest.helpers import envelope, event, event_envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

HOSTILE = '<script>alert("owned")</script> checkout froze'
URL = "/api/0/projects/acme/shop/user-feedback/"


def issue_page(client, world, issue: Issue) -> str:
    client.force_login(world.member)
    response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_user_report_before_its_event_is_shown_on_the_issue_escaped(client, world):
    body = event()
    report = {"event_id": body["event_id"], "name": "Jane <b>Doe</b>", "email": "jane@example.com", "comments": HOSTILE}
    assert post_envelope(client, world, envelope(({"type": "user_report"}, report))).status_code == 200
    feedback = UserFeedback.objects.get(project=world.project)
    assert (feedback.event_id, feedback.comments, feedback.issue_id) == (body["event_id"], HOSTILE, None)

    assert post_envelope(client, world, event_envelope(body)).status_code == 200
    page = issue_page(client, world, Issue.objects.get(project=world.project))
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; checkout froze" in page
    assert "Jane &lt;b&gt;Doe&lt;/b&gt;" in page
    assert HOSTILE not in page


def test_feedback_item_after_its_event_is_linked(client, world):
    body = event()
    assert post_envelope(client, world, event_envelope(body)).status_code == 200
    feedback_event = {
        "event_id": uuid.uuid4().hex,
        "timestamp": 1764000000.0,
        "level": "info",
        "contexts": {
            "feedback": {
                "message": "The pay button does nothing",
                "name": "Sam",
                "contact_email": "sam@example.com",
                "associated_event_id": body["event_id"],
                "url": "https://shop.example.com/pay",
            }
        },
    }
    response = post_envelope(
        client,
        world,
        envelope(({"type": "feedback"}, feedback_event), headers={"event_id": feedback_event["event_id"]}),
    )
    assert response.status_code == 200, response.content
    issue = Issue.objects.get(project=world.project)
    feedback = UserFeedback.objects.get(project=world.project)
    assert (feedback.issue_id, feedback.source, feedback.email) == (issue.pk, "feedback", "sam@example.com")
    page = issue_page(client, world, issue)
    assert "The pay button does nothing" in page and "https://shop.example.com/pay" in page


def test_api_post_and_list(client, world):
    body = event()
    api = world.api(world.member)
    created = api.post(
        URL,
        {"event_id": body["event_id"], "name": "Ann", "email": "ann@example.com", "comments": "Crashed when I paid"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["eventID"] == body["event_id"]
    again = api.post(URL, {"event_id": body["event_id"], "name": "Ann", "comments": "Still crashes"}, format="json")
    assert again.status_code == 409 and "already exists" in again.json()["detail"], "never replaced (Sentry: 409)"
    listed = api.get(URL).json()
    assert [f["comments"] for f in listed] == ["Crashed when I paid"], "one report per event, as Sentry keeps it"
    assert post_envelope(client, world, event_envelope(body)).status_code == 200
    assert "Crashed when I paid" in issue_page(client, world, Issue.objects.get(project=world.project))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Ann", "comments": "no id"}, "event_id"),
        ({"event_id": "not-hex", "comments": "x"}, "event_id"),
        ({"event_id": uuid.uuid4().hex}, "comments"),
    ],
)
def test_api_refuses_bad_feedback_with_the_field(world, payload, field):
    response = world.api(world.member).post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not UserFeedback.objects.exists()


def test_api_hides_other_projects(world):
    response = world.api(world.outsider).post(URL, {"event_id": uuid.uuid4().hex, "comments": "x"}, format="json")
    assert response.status_code == 404
    assert not UserFeedback.objects.exists()
