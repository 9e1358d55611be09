"""User feedback is scrubbed with the project's rules before it is kept, whichever door it
came through (envelope ``user_report``, ``feedback`` item, the ``/user-feedback/`` API); the
e-mail follows the project's ``email`` rule like any other e-mail address."""

from __future__ import annotations

import uuid

import pytest

from errorhub.accounts.models import Project
from errorhub.events.models import UserFeedback
from ingest.protocol.scrub import DEFAULT_RULES
from tests.ingest.helpers import envelope, post_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

URL = "/api/0/projects/acme/shop/user-feedback/"
CARD = "4111 1111 1111 1111"
COMMENTS = f"charged twice on card {CARD}, my password=hunter2 still works"
NAME = "Jane ORD-123456"
PAGE = "https://jane:s3cret-pass@shop.example.com/pay"


def _with_order_pattern(project: Project, *, email: bool = False) -> None:
    project.scrub_patterns = r"ORD-\d{6}"
    project.scrub_rules = list(DEFAULT_RULES) + (["email"] if email else [])
    project.save()


def _assert_scrubbed(feedback: UserFeedback) -> None:
    assert CARD not in feedback.comments and "hunter2" not in feedback.comments
    assert feedback.comments.startswith("charged twice on card [Filtered]")
    assert feedback.name == "Jane [Filtered]"


def test_user_report_item_is_scrubbed(client, world):
    _with_order_pattern(world.project)
    report = {"event_id": uuid.uuid4().hex, "name": NAME, "email": "jane@example.com", "comments": COMMENTS}
    assert post_envelope(client, world, envelope(({"type": "user_report"}, report))).status_code == 200
    feedback = UserFeedback.objects.get(project=world.project)
    _assert_scrubbed(feedback)
    assert feedback.email == "jane@example.com", "e-mail kept: the project's e-mail rule is off"


def test_feedback_item_is_scrubbed_url_included_and_email_by_the_email_rule(client, world):
    _with_order_pattern(world.project, email=True)
    body = {
        "event_id": uuid.uuid4().hex,
        "timestamp": 1764000000.0,
        "level": "info",
        "contexts": {"feedback": {"message": COMMENTS, "name": NAME, "contact_email": "sam@example.com", "url": PAGE}},
    }
    response = post_envelope(
        client, world, envelope(({"type": "feedback"}, body), headers={"event_id": body["event_id"]})
    )
    assert response.status_code == 200, response.content
    feedback = UserFeedback.objects.get(project=world.project)
    _assert_scrubbed(feedback)
    assert feedback.url == "https://[Filtered]@shop.example.com/pay"
    assert feedback.email == "[Filtered]", "the project scrubs e-mail addresses"


def test_api_feedback_is_scrubbed(world):
    _with_order_pattern(world.project)
    response = world.api(world.member).post(
        URL,
        {"event_id": uuid.uuid4().hex, "name": NAME, "email": "ann@example.com", "comments": COMMENTS},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert CARD not in response.content.decode()
    _assert_scrubbed(UserFeedback.objects.get(project=world.project))
