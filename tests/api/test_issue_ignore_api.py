"""``ignored`` (and sentry-cli's old ``muted``) with Sentry's ``statusDetails`` becomes a snooze
with that end; without any end it is a 400 that explains ErrorHub has no permanent ignore."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.digest import events_record
from errorhub.issues.models import Activity, Issue
from tests.issues.events import issue_of, record, sentry_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def ignore(world, issue: Issue, body: dict):
    return world.api(world.member).put(f"/api/0/issues/{issue.pk}/", body, format="json")


@pytest.mark.parametrize("status", ["ignored", "muted"])
def test_an_ignore_without_an_end_is_a_400_that_says_why(world, status):
    issue = issue_of(world.project, f"forever-{status}")
    for body in (
        {"status": status},
        {"status": status, "snoozeDuration": None},
        {"status": status, "statusDetails": {"ignoreReason": "noisy"}},
    ):
        response = ignore(world, issue, body)
        assert response.status_code == 400, body
        assert "ErrorHub has no permanent ignore" in response.json()["detail"]
    assert Issue.objects.get(pk=issue.pk).lifecycle == "new"


def test_ignore_duration_and_snooze_duration_end_after_those_minutes(world):
    for n, body in enumerate(
        (
            {"status": "ignored", "statusDetails": {"ignoreDuration": 90, "ignoreReason": "r"}},
            {"status": "muted", "snoozeDuration": 90, "statusDetails": {"ignoreReason": "r"}},
        )
    ):
        issue = issue_of(world.project, f"duration-{n}")
        assert ignore(world, issue, body).status_code == 200
        snoozed = Issue.objects.get(pk=issue.pk)
        assert snoozed.lifecycle == "snoozed"
        assert timedelta(minutes=89) < snoozed.snooze_until - timezone.now() <= timedelta(minutes=90)


def test_ignore_until_and_ignore_count(world):
    issue = issue_of(world.project, "until")
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    body = ignore(
        world,
        issue,
        {
            "status": "ignored",
            "statusDetails": {"ignoreUntil": until.isoformat(), "ignoreCount": 5, "ignoreReason": "weekend"},
        },
    ).json()
    assert body["status"] == "ignored" and body["statusDetails"]["ignoreUntilCount"] == issue.times_seen + 5
    assert Issue.objects.get(pk=issue.pk).snooze_until == until


def test_ignore_user_count_ends_the_snooze_after_that_many_more_users(world):
    issue = issue_of(world.project, "users")
    assert (
        ignore(
            world, issue, {"status": "ignored", "statusDetails": {"ignoreUserCount": 2, "ignoreReason": "one tester"}}
        ).status_code
        == 200
    )
    for name in ("ann", "ann", "bob"):
        assert Issue.objects.get(pk=issue.pk).lifecycle == "snoozed"
        events_record(
            project=world.project, events=[sentry_event(world.project, fingerprint="users", user={"id": name})]
        )
    ended = Issue.objects.get(pk=issue.pk)
    assert ended.lifecycle == "new" and ended.in_inbox and ended.inbox_reason == "snooze_ended"
    assert Activity.objects.get(issue=issue, kind="snooze_ended").data["why"] == "users"
    record(world.project, "users")
    assert Issue.objects.get(pk=issue.pk).snooze_until_users is None


def test_a_bad_user_count_is_a_400_naming_it(world):
    issue = issue_of(world.project, "bad-users")
    response = ignore(world, issue, {"status": "ignored", "statusDetails": {"ignoreUserCount": 0, "ignoreReason": "r"}})
    assert response.status_code == 400 and "statusDetails.ignoreUserCount" in response.json()["detail"]
