"""A replayed Slack request — same timestamp, body and signature, inside Slack's five-minute
window — changes nothing and says so; the digests it is recognised by expire and are pruned."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.integrations.slack.replay import slack_request_claim
from alerts.models import SlackRequestSeen
from errorhub.issues.models import Activity, Issue
from errorhub.issues.services import issue_reopen
from tests.alerts.conftest import make_event, record
from tests.alerts.slack_requests import button, command, snooze_submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

ALREADY = "already applied"


@pytest.fixture
def issue(world) -> Issue:
    return Issue.objects.get(pk=next(iter(record(world.project, make_event()).changes)))


def _replay(client, first):
    """Send ``first``'s request again, byte for byte, with its headers."""
    req = first.wsgi_request
    return client.post(
        req.path,
        data=req.body,
        content_type=req.content_type,
        HTTP_X_SLACK_REQUEST_TIMESTAMP=req.headers["X-Slack-Request-Timestamp"],
        HTTP_X_SLACK_SIGNATURE=req.headers["X-Slack-Signature"],
    )


def test_replayed_button_press_is_not_applied_again(client, slack, world, issue):
    first = button(client, "U0OLIVIA", "issue_resolve", str(issue.pk))
    assert first.status_code == 200 and "resolved" in first.json()["text"]
    issue_reopen(issue=Issue.objects.get(pk=issue.pk), user=world.owner)  # someone reopened it meanwhile

    again = _replay(client, first)
    assert again.status_code == 200 and ALREADY in again.json()["text"]
    issue.refresh_from_db()
    assert issue.lifecycle != "resolved"
    assert Activity.objects.filter(issue=issue, kind="resolved").count() == 1


def test_replayed_slash_command_and_modal_submission_change_nothing(client, slack, world, issue):
    first = command(client, "U0OLIVIA", f"ack {issue.short_code}")
    assert "acknowledged" in first.json()["text"]
    again = _replay(client, first)
    assert again.status_code == 200 and ALREADY in again.json()["text"]
    assert Activity.objects.filter(issue=issue, kind="acknowledged").count() == 1

    first = snooze_submission(client, "U0OLIVIA", str(issue.pk), "deploy tonight", "4")
    assert first.status_code == 200
    again = _replay(client, first)
    assert again.status_code == 200 and ALREADY in again.json()["errors"]["reason"]
    assert Activity.objects.filter(issue=issue, kind="snoozed").count() == 1


def test_a_new_press_of_the_same_button_is_applied(client, slack, world, issue):
    """Slack signs each press with its own timestamp: only byte-identical requests are replays."""
    stamp = int(time.time())
    first = button(client, "U0MIKE", "issue_ack", str(issue.pk), stamp=str(stamp))
    assert "acknowledged" in first.json()["text"]
    later = button(client, "U0MIKE", "issue_ack", str(issue.pk), stamp=str(stamp + 1))
    assert later.status_code == 200 and "acknowledged" in later.json()["text"]
    assert Activity.objects.filter(issue=issue, kind="acknowledged").count() == 2


def test_seen_digests_expire_and_are_pruned():
    SlackRequestSeen.objects.create(digest="a" * 64, expires_at=timezone.now() - timedelta(seconds=1))
    SlackRequestSeen.objects.create(digest="b" * 64, expires_at=timezone.now() + timedelta(minutes=5))
    assert slack_request_claim(digest="c" * 64) is True
    assert set(SlackRequestSeen.objects.values_list("digest", flat=True)) == {"b" * 64, "c" * 64}
    assert slack_request_claim(digest="c" * 64) is False
    assert slack_request_claim(digest="a" * 64) is True  # expired, so pruned: a new claim
