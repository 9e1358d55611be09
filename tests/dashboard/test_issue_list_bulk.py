"""Bulk triage from the issue list: the same bar and service as the inbox, returning to the same
query on success and showing that list again, selection kept, on failure."""

from __future__ import annotations

import re

import pytest

from errorhub.issues.models import Issue
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def pair(world) -> list[Issue]:
    return [
        record_event(world.project, **crash(exception={"values": [{"type": k, "value": k}]}))[0]
        for k in ("KeyError", "OSError")
    ]


def test_resolve_returns_to_the_same_query(login, world, pair):
    client = login(world.member)
    response = client.post("/issues/bulk/?query=is%3Ainbox", {"action": "resolve", "issues": [p.pk for p in pair]})
    assert response.status_code == 302 and response["Location"] == "/issues/?query=is%3Ainbox"
    assert set(Issue.objects.filter(pk__in=[p.pk for p in pair]).values_list("lifecycle", flat=True)) == {"resolved"}
    assert "Resolve: 2 issue(s)." in client.get(response["Location"]).content.decode()


def test_without_a_query_it_returns_to_the_plain_list(login, world, pair):
    response = login(world.member).post("/issues/bulk/", {"action": "resolve", "issues": [pair[0].pk]})
    assert response.status_code == 302 and response["Location"] == "/issues/"


def test_failure_renders_the_same_list_with_the_selection(login, world, pair):
    response = login(world.member).post(
        "/issues/bulk/?query=KeyError", {"action": "assign", "issues": [pair[0].pk], "assignee": "ghost"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(rf'name="issues" value="{pair[0].pk}"[^>]*\bchecked\b', body)
    assert 'value="KeyError"' in body, "the search box still holds the query"
    assert 'action="/issues/bulk/?query=KeyError"' in body, "the bar posts to the same list again"
    assert '<input name="assignee" value="ghost"' in body
    assert re.search(r'class="error bulk-error" role="alert">[^<]*ghost', body)
    assert "OSError" not in body, "the list is the filtered one"
    assert Issue.objects.get(pk=pair[0].pk).assignee_id is None


def test_another_teams_issue_is_404_and_unchanged(login, world, pair, other_issue):
    response = login(world.member).post("/issues/bulk/", {"action": "resolve", "issues": [pair[0].pk, other_issue.pk]})
    assert response.status_code == 404
    assert Issue.objects.get(pk=pair[0].pk).lifecycle == "new"
    assert Issue.objects.get(pk=other_issue.pk).lifecycle == "new"


def test_anonymous_post_goes_to_the_login_page(client, pair):
    response = client.post("/issues/bulk/", {"action": "resolve", "issues": [pair[0].pk]})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Issue.objects.get(pk=pair[0].pk).lifecycle == "new"
