"""Lifecycle actions, bulk triage, search errors, projects/keys, teams and tokens from the dashboard."""

from __future__ import annotations

import pytest

from errorhub.accounts.models import ApiToken, Project
from errorhub.issues.models import Activity, Issue
from tests.dashboard.conftest import crash, record_event

pytestmark = pytest.mark.django_db


def test_acknowledge_resolve_in_release_snooze_reopen(login, world, issue):
    client = login(world.member)
    assert client.post(f"/issues/{issue.pk}/acknowledge/", {"reason": "mine"}).status_code == 302
    issue.refresh_from_db()
    assert issue.lifecycle == "acknowledged" and issue.assignee == world.member and not issue.in_inbox
    client.post(f"/issues/{issue.pk}/resolve/", {"release": "shop@1.3.0"})
    issue.refresh_from_db()
    assert issue.lifecycle == "resolved" and issue.resolved_in_release == "shop@1.3.0"
    client.post(f"/issues/{issue.pk}/snooze/", {"reason": "vendor outage", "hours": 4})
    issue.refresh_from_db()
    assert issue.lifecycle == "snoozed" and issue.snooze_reason == "vendor outage" and issue.snooze_until
    client.post(f"/issues/{issue.pk}/reopen/")
    issue.refresh_from_db()
    assert issue.lifecycle == "acknowledged"
    kinds = list(Activity.objects.filter(issue=issue).values_list("kind", flat=True))
    assert {"acknowledged", "resolved", "snoozed", "reopened"} <= set(kinds)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "vendor outage" in page and "shop@1.3.0" in page


def test_snooze_without_reason_or_end_is_400_with_message(login, world, issue):
    client = login(world.member)
    response = client.post(f"/issues/{issue.pk}/snooze/", {"reason": "later"})
    assert response.status_code == 400 and b"a snooze needs an end" in response.content
    response = client.post(f"/issues/{issue.pk}/snooze/", {"count": 10})
    assert response.status_code == 400
    issue.refresh_from_db()
    assert issue.lifecycle == "new"


def test_assign_unknown_user_is_400(login, world, issue):
    response = login(world.member).post(f"/issues/{issue.pk}/acknowledge/", {"assignee": "nobody-here"})
    assert response.status_code == 400 and b"no user called" in response.content


def test_comment_and_merge(login, world, issue):
    client = login(world.member)
    client.post(f"/issues/{issue.pk}/comment/", {"text": "looking into it"})
    other, _ = record_event(world.project, **crash(exception={"values": [{"type": "OSError", "value": "disk"}]}))
    assert client.post(f"/issues/{issue.pk}/merge/", {"other": other.pk}).status_code == 302
    other.refresh_from_db()
    assert other.merged_into_id == issue.pk
    assert b"looking into it" in client.get(f"/issues/{issue.pk}/").content


def test_merge_with_invisible_issue_is_refused(login, world, issue, other_issue):
    response = login(world.member).post(f"/issues/{issue.pk}/merge/", {"other": other_issue.pk})
    assert response.status_code == 400 and b"you can see" in response.content
    other_issue.refresh_from_db()
    assert other_issue.merged_into_id is None


def test_bulk_resolve_and_snooze_from_inbox(login, world, issue):
    second, _ = record_event(world.project, **crash(exception={"values": [{"type": "OSError", "value": "x"}]}))
    client = login(world.member)
    response = client.post("/inbox/bulk/", {"action": "resolve", "issues": [issue.pk, second.pk]})
    assert response.status_code == 302
    assert set(Issue.objects.filter(pk__in=[issue.pk, second.pk]).values_list("lifecycle", flat=True)) == {"resolved"}
    assert b"Inbox zero" in client.get("/").content
    third, _ = record_event(world.project, **crash(exception={"values": [{"type": "IOError", "value": "y"}]}))
    assert client.post("/inbox/bulk/", {"action": "snooze", "issues": [third.pk]}).status_code == 400
    client.post("/inbox/bulk/", {"action": "snooze", "issues": [third.pk], "reason": "deploy", "hours": 2})
    third.refresh_from_db()
    assert third.lifecycle == "snoozed"


def test_search_error_is_shown_inline_not_500(login, world, issue):
    response = login(world.member).get("/issues/", {"query": 'level:"unclosed'})
    assert response.status_code == 400 and b"Search error" in response.content


def test_search_by_tag_trace_and_filters(login, world, issue):
    record_event(
        world.project,
        **crash(
            tags={"browser": "Chrome"},
            exception={"values": [{"type": "TypeError", "value": "x is undefined"}]},
            contexts={},
        ),
    )
    client = login(world.member)
    body = client.get("/issues/", {"query": "browser:Firefox"}).content.decode()
    assert "KeyError" in body and "TypeError" not in body
    body = client.get("/issues/", {"query": "trace_id:4bf92f3577b34da6a3ce929d0e0e4736"}).content.decode()
    assert "KeyError" in body and "TypeError" not in body
    body = client.get(
        "/issues/",
        {
            "lifecycle": "new",
            "level": "error",
            "release": "shop@1.2.0",
            "project": world.project.pk,
            "sort": "times_seen",
        },
    ).content.decode()
    assert "KeyError" in body and "TypeError" in body


def test_cursor_pagination(login, world, monkeypatch):
    from errorhub.dashboard.views import issue_list

    monkeypatch.setattr(issue_list, "PAGE_SIZE", 2)
    for n in range(5):
        record_event(world.project, **crash(exception={"values": [{"type": f"Err{n}", "value": "v"}]}))
    client = login(world.member)
    seen, url, params = [], "/issues/", {"sort": "last_seen"}
    for _ in range(5):
        response = client.get(url, params)
        seen += [t for t in (f"Err{n}" for n in range(5)) if t in response.content.decode()]
        if response.context["next_cursor"] is None:
            break
        url, params = "/issues/?" + response.context["next_cursor"], None
    assert sorted(seen) == [f"Err{n}" for n in range(5)]
    assert client.get("/issues/", {"cursor": "garbage"}).status_code == 400


def test_project_create_shows_dsn_and_snippets(login, world):
    client = login(world.member)
    team = world.project.teams.first()
    response = client.post("/projects/", {"name": "Mobile App", "team": team.pk, "platform": "python"})
    assert response.status_code == 302
    project = Project.objects.get(slug="mobile-app")
    body = client.get(response["Location"]).content.decode()
    key = project.keys.get()
    assert f"{key.public_key}@testserver/{project.pk}" in body
    for name in ("Python", "JavaScript", "Go", "Java", "Ruby", "PHP", ".NET", "Rust", f"/api/{project.pk}/logs/"):
        assert name in body


def test_key_rotate_disable_and_settings(login, world):
    client = login(world.member)
    key = world.key
    client.post(f"/projects/acme/shop/keys/{key.pk}/rotate/")
    key.refresh_from_db()
    assert not key.is_active and world.project.keys.filter(is_active=True).exists()
    response = client.post(
        "/projects/acme/shop/",
        {
            "allowed_origins": "https://shop.example",
            "retention_days": 30,
            "rate_limit_per_minute": 100,
            "quiet_period_days": 7,
        },
    )
    assert response.status_code == 302
    world.project.refresh_from_db()
    assert world.project.retention_days == 30 and world.project.allowed_origins == "https://shop.example"
    assert client.post("/projects/acme/shop/", {"retention_days": 0}).status_code == 400


def test_owner_adds_and_removes_members_member_cannot(login, world):
    team = world.project.teams.first()
    client = login(world.member)
    assert client.post(f"/teams/{team.pk}/members/", {"user": world.outsider.pk}).status_code == 404
    client = login(world.owner)
    assert b"mike" in client.get("/teams/").content
    client.post(f"/teams/{team.pk}/members/", {"user": world.outsider.pk})  # picked, no longer typed
    assert team.members.filter(username="oscar").exists()
    client.post(f"/teams/{team.pk}/members/{world.outsider.pk}/remove/")
    assert not team.members.filter(username="oscar").exists()


def test_profile_and_tokens(login, world):
    client = login(world.member)
    response = client.post("/profile/", {"timezone": "Europe/Berlin", "digest_hour": 9, "digest_enabled": "on"})
    assert response.status_code == 302
    assert client.post("/profile/", {"timezone": "Mars/Base", "digest_hour": 9}).status_code == 400
    response = client.post("/profile/tokens/", {"label": "ci", "can_write": "on"})
    token = response.context["new_token"]
    assert token.startswith("ehp_") and token in response.content.decode()
    assert token not in client.get("/profile/").content.decode(), "the token is shown once"
    stored = ApiToken.objects.get(user=world.member)
    assert stored.token_hash == ApiToken.hash_token(token)
    assert login(world.outsider).post(f"/profile/tokens/{stored.pk}/revoke/").status_code == 404
    assert login(world.member).post(f"/profile/tokens/{stored.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.filter(pk=stored.pk).exists()


def test_releases_page_counts_new_issues_and_crash_free(login, world, issue):
    from datetime import timedelta

    from django.utils import timezone

    from ingest.models import SessionAggregate

    SessionAggregate.objects.create(
        project=world.project,
        release="shop@1.2.0",
        hour=timezone.now() - timedelta(hours=1),
        healthy=90,
        errored=5,
        crashed=5,
    )
    body = login(world.member).get("/projects/acme/shop/releases/").content.decode()
    assert "shop@1.2.0" in body and "95.0%" in body and issue.short_code in body
