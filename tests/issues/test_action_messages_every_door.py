"""A refused issue action reads the same through every door: the API's ``detail``, the
dashboard's page and Slack's answer carry the message of ``issue_apply_action`` (or of
``member_named``), not three wordings of one rule."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from errorhub.issues.models import Issue
from tests.alerts.conftest import slack  # noqa: F401  (the Slack stand-in fixture)
from tests.alerts.slack_requests import snooze_submission
from tests.issues.events import issue_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def _dashboard(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unknown_assignee(world):
    issue = issue_of(world.project, "assignee")
    says = "no user called 'ghost' in this organisation"
    api = world.api(world.member).put(f"/api/0/issues/{issue.pk}/", {"assignedTo": "ghost"}, format="json")
    assert api.status_code == 400 and api.json()["detail"] == says
    page = _dashboard(world.member).post(f"/issues/{issue.pk}/assign/", {"assignee": "ghost"})
    assert page.status_code == 400 and escape(says) in page.content.decode()
    assert Issue.objects.get(pk=issue.pk).assignee is None


def test_merging_an_issue_into_itself(world):
    issue = issue_of(world.project, "itself")
    says = "an issue cannot be merged into itself"
    api = world.api(world.member).post(f"/api/0/issues/{issue.pk}/merge/", {"issues": [issue.pk]}, format="json")
    assert api.status_code == 400 and api.json()["detail"] == says
    page = _dashboard(world.member).post(f"/issues/{issue.pk}/merge/", {"other": issue.pk})
    assert page.status_code == 400 and says in page.content.decode()
    assert not Issue.objects.get(pk=issue.pk).activities.filter(kind="merged").exists()


def test_a_snooze_without_a_reason(client, slack, world):  # noqa: F811
    issue = issue_of(world.project, "reasonless")
    says = "a snooze needs a reason"
    api = world.api(world.owner).put(
        f"/api/0/issues/{issue.pk}/", {"status": "ignored", "statusDetails": {"ignoreDuration": 60}}, format="json"
    )
    assert api.status_code == 400 and api.json()["detail"] == says
    answer = snooze_submission(client, "U0OLIVIA", str(issue.pk), "", "4").json()
    assert answer == {"response_action": "errors", "errors": {"reason": says}}
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"
