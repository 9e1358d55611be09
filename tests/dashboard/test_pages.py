"""Every dashboard page: 200 for a member, login first for strangers, 404 across teams."""

from __future__ import annotations

import pytest
from django.urls import reverse

from errorhub.events.models import StoredEvent
from errorhub.issues.models import Issue
from ingest.models import DeadLetter

pytestmark = pytest.mark.django_db


def _pages(world, issue: Issue) -> list[str]:
    event_id = StoredEvent.objects.filter(issue=issue).values_list("event_id", flat=True).first()
    org, proj = world.project.organization.slug, world.project.slug
    return [
        "/",
        "/issues/",
        f"/issues/{issue.pk}/",
        f"/issues/{issue.pk}/events/{event_id}/",
        f"/projects/{org}/{proj}/releases/",
        "/projects/",
        f"/projects/{org}/{proj}/",
        "/health/",
        "/teams/",
        "/profile/",
        "/monitors/",
    ]


def test_every_page_answers_a_member(login, world, issue):
    client = login(world.member)
    for url in _pages(world, issue):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_page_needs_login(client, world, issue):
    for url in _pages(world, issue):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_login_page_and_password_reset_render(client, world, mailoutbox):
    assert client.get("/login/").status_code == 200
    assert client.post("/login/", {"username": "mike", "password": "pw-for-tests-123"}).status_code == 302
    client.logout()
    assert client.post("/password-reset/", {"email": world.member.email}).status_code == 302
    assert len(mailoutbox) == 1 and "/password-reset/" in mailoutbox[0].body


def test_outsider_gets_404_on_pages_and_actions(login, world, issue):
    client = login(world.outsider)
    event_id = StoredEvent.objects.filter(issue=issue).values_list("event_id", flat=True).first()
    for url in (
        f"/issues/{issue.pk}/",
        f"/issues/{issue.pk}/events/{event_id}/",
        f"/issues/{issue.pk}/events/{event_id}/json",
        "/projects/acme/shop/",
        "/projects/acme/shop/releases/",
    ):
        assert client.get(url).status_code == 404, url
    for action, data in (
        ("acknowledge", {}),
        ("resolve", {}),
        ("snooze", {"reason": "x", "hours": 1}),
        ("reopen", {}),
        ("merge", {"other": issue.pk}),
        ("comment", {"text": "hi"}),
    ):
        assert client.post(f"/issues/{issue.pk}/{action}/", data).status_code == 404, action
    assert client.post("/inbox/bulk/", {"action": "resolve", "issues": [issue.pk]}).status_code == 404
    key = world.key
    assert client.post(f"/projects/acme/shop/keys/{key.pk}/rotate/").status_code == 404
    issue.refresh_from_db()
    assert issue.lifecycle == "new" and issue.in_inbox


def test_outsider_does_not_see_the_issue_in_lists(login, world, issue):
    client = login(world.outsider)
    assert issue.title.encode() not in client.get("/").content
    assert issue.title.encode() not in client.get("/issues/").content


def test_empty_inbox_says_so(login, world):
    assert b"Inbox zero" in login(world.member).get("/").content


def test_inbox_lists_issue_with_sparkline_and_summary(login, world, issue):
    body = login(world.member).get("/").content.decode()
    assert "KeyError" in body and 'class="spark"' in body and "Oldest untriaged" in body
    assert "acme/shop" in body


def test_event_json_download(login, world, issue):
    event_id = StoredEvent.objects.filter(issue=issue).values_list("event_id", flat=True).first()
    response = login(world.member).get(reverse("issue-event-json", args=[issue.pk, event_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.json()["event_id"] == event_id


def test_event_of_another_issue_is_404(login, world, issue):
    from tests.dashboard.conftest import crash, record_event

    second, event = record_event(world.project, **crash(exception={"values": [{"type": "OSError", "value": "x"}]}))
    assert second.pk != issue.pk
    assert login(world.member).get(f"/issues/{issue.pk}/events/{event['event_id']}/").status_code == 404


def test_issue_page_shows_stack_trace_and_trace_link(login, world, issue):
    body = login(world.member).get(f"/issues/{issue.pk}/").content.decode()
    assert "checkout" in body and "basket = session" in body
    assert '<details class="frame in-app" open>' in body and '<details class="frame">' in body
    assert "/issues/?query=trace_id%3A4bf92f3577b34da6a3ce929d0e0e4736" in body


def test_health_page_lists_dead_letters_and_replays(login, world, settings):
    letter = DeadLetter.objects.create(
        task="ingest.tasks.process_payload",
        project_id=world.project.pk,
        payload={"kind": "bogus", "project_id": world.project.pk},
        error="boom",
    )
    client = login(world.member)
    assert b"boom" in client.get("/health/").content
    response = client.post(f"/health/dead-letters/{letter.pk}/discard/", {"reason": "test data"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.discarded_at and letter.discard_reason == "test data"
    other = DeadLetter.objects.create(task="t", project_id=world.other_project.pk, payload={}, error="theirs")
    assert client.post(f"/health/dead-letters/{other.pk}/replay/").status_code == 404
