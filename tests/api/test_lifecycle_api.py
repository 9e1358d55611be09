"""The issue lifecycle driven through the REST API, with events recorded the way
processing records them (normalised, then ``events_record``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.models import Activity, Issue
from errorhub.issues.services import issues_tick
from tests.issues.events import issue_of, record

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def put(api, issue: Issue, body: dict) -> dict:
    response = api.put(f"/api/0/issues/{issue.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def fresh(issue: Issue) -> Issue:
    return Issue.objects.get(pk=issue.pk)


def test_acknowledge_gives_the_issue_an_owner(world):
    issue = issue_of(world.project, "ack")
    api = world.api(world.member)
    body = put(api, issue, {"status": "acknowledged"})
    assert body["lifecycle"] == "acknowledged" and body["inbox"] is False
    assert body["assignedTo"]["name"] == "mike", "the acting user owns it by default"
    body = put(api, issue, {"status": "acknowledged", "statusDetails": {"assignee": "olivia"}})
    assert body["assignedTo"]["name"] == "olivia"
    response = api.put(
        f"/api/0/issues/{issue.pk}/", {"status": "acknowledged", "statusDetails": {"assignee": "nobody"}}, format="json"
    )
    assert response.status_code == 400 and "nobody" in response.json()["detail"]
    assert Activity.objects.filter(issue=issue, kind="acknowledged").count() == 2


def test_resolved_in_release_regresses_on_a_newer_release_only(world):
    api = world.api(world.owner)
    issue = issue_of(world.project, "regress", release="1.0.0")
    record(world.project, "regress", release="1.1.0")
    body = put(api, issue, {"status": "resolved", "statusDetails": {"inRelease": "1.1.0"}})
    assert body["status"] == "resolved" and body["statusDetails"] == {"inRelease": "1.1.0"}

    record(world.project, "regress", release="1.0.0")  # an old deployment still running
    assert fresh(issue).lifecycle == "resolved" and fresh(issue).in_inbox is False

    record(world.project, "regress", release="1.2.0")
    regressed = fresh(issue)
    assert regressed.lifecycle == "regressed" and regressed.in_inbox and regressed.inbox_reason == "regressed"
    assert Activity.objects.get(issue=issue, kind="regressed").data["release"] == "1.2.0"
    assert api.get(f"/api/0/issues/{issue.pk}/").json()["status"] == "unresolved"


def test_resolved_without_release_regresses_on_any_event(world):
    issue = issue_of(world.project, "plain")
    put(world.api(world.member), issue, {"status": "resolved"})
    record(world.project, "plain")
    assert fresh(issue).lifecycle == "regressed"


def test_snooze_needs_a_reason_and_an_end(world):
    issue = issue_of(world.project, "snooze-bad")
    api = world.api(world.member)
    for details in ({"ignoreCount": 5}, {"ignoreReason": "noisy"}):
        response = api.put(f"/api/0/issues/{issue.pk}/", {"status": "ignored", "statusDetails": details}, format="json")
        assert response.status_code == 400, details
    assert fresh(issue).lifecycle == "new"


def test_snooze_ends_after_a_number_of_events(world):
    issue = issue_of(world.project, "snooze-count")
    body = put(
        world.api(world.member),
        issue,
        {"status": "ignored", "statusDetails": {"ignoreCount": 3, "ignoreReason": "deploy noise"}},
    )
    assert body["status"] == "ignored" and body["inbox"] is False
    record(world.project, "snooze-count", count=2)
    assert fresh(issue).lifecycle == "snoozed"
    record(world.project, "snooze-count")
    ended = fresh(issue)
    assert ended.lifecycle == "new" and ended.in_inbox and ended.inbox_reason == "snooze_ended"
    assert Activity.objects.get(issue=issue, kind="snooze_ended").data["why"] == "count"


def test_snooze_ends_at_its_time(world):
    issue = issue_of(world.project, "snooze-time")
    put(
        world.api(world.member),
        issue,
        {"status": "ignored", "statusDetails": {"ignoreDuration": 30, "ignoreReason": "maintenance"}},
    )
    assert issues_tick(now=timezone.now() + timedelta(minutes=10))["snoozes_ended"] == 0
    assert fresh(issue).lifecycle == "snoozed"
    assert issues_tick(now=timezone.now() + timedelta(minutes=31))["snoozes_ended"] == 1
    ended = fresh(issue)
    assert ended.lifecycle == "new" and ended.in_inbox
    assert Activity.objects.get(issue=issue, kind="snooze_ended").data["why"] == "time"


def test_merge_then_later_events_land_in_the_survivor(world):
    api = world.api(world.member)
    big = issue_of(world.project, "merge-big", count=3)
    small = issue_of(world.project, "merge-small")
    response = api.put(f"/api/0/projects/acme/shop/issues/?id={big.pk}&id={small.pk}", {"merge": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["merge"] == {"parent": str(big.pk), "children": [str(small.pk)]}
    assert fresh(big).times_seen == 4

    result = record(world.project, "merge-small")
    assert list(result.changes) == [big.pk]
    assert fresh(big).times_seen == 5 and fresh(small).times_seen == 1
    assert api.get(f"/api/0/issues/{small.pk}/").status_code == 404, "a merged issue is gone from the API"
    listed = api.get("/api/0/projects/acme/shop/issues/?query=").json()
    assert [i["id"] for i in listed] == [str(big.pk)]


def test_comments(world):
    issue = issue_of(world.project, "comments")
    api = world.api(world.member)
    created = api.post(f"/api/0/issues/{issue.pk}/comments/", {"text": "  looking into it  "}, format="json")
    assert created.status_code == 201
    assert api.post(f"/api/0/issues/{issue.pk}/comments/", {"text": " "}, format="json").status_code == 400
    world.api(world.owner).post(f"/api/0/issues/{issue.pk}/comments/", {"text": "thanks"}, format="json")
    listed = api.get(f"/api/0/issues/{issue.pk}/comments/").json()
    assert [(c["text"], c["user"]["name"]) for c in listed] == [("looking into it", "mike"), ("thanks", "olivia")]


def test_issue_list_pages_with_link_headers(world):
    api = world.api(world.member)
    ids = {str(issue_of(world.project, f"page-{n}").pk) for n in range(5)}
    seen: list[str] = []
    url = "/api/0/projects/acme/shop/issues/?query=&limit=2"
    for _ in range(5):
        response = api.get(url)
        assert response.status_code == 200
        seen += [i["id"] for i in response.json()]
        link = re.match(r'<([^>]+)>; rel="next"; results="(true|false)"; cursor="([^"]*)"', response["Link"])
        assert link, response["Link"]
        if link.group(2) == "false":
            assert link.group(3) == ""
            break
        url = link.group(1)
    assert len(seen) == 5 and set(seen) == ids
    assert api.get("/api/0/projects/acme/shop/issues/?limit=0").status_code == 400
    assert api.get("/api/0/projects/acme/shop/issues/?cursor=!!").status_code == 400
