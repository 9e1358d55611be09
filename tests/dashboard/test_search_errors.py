"""A query the search cannot answer is a message under the box (what and where), never
"No issues match."; the API's issue search answers 400 with the same message."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from errorhub.issues.services import issue_snooze
from tests.dashboard.conftest import crash, record_event

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("query", "message", "bad"),
    [
        ("is:unresolved foo:bar", "Unknown search key `foo` at position 14.", "foo:bar"),
        ("first_seen:-1d time_seen:>10", "Did you mean `times_seen`?", "time_seen:&gt;10"),
        ("times_seen:>abc", "expected a number, got 'abc' in 'times_seen:>abc'", "&gt;abc"),
        ('level:error "unclosed', "unclosed quote at position 12", '"unclosed'),
    ],
)
def test_bad_query_is_reported_under_the_box(login, world, issue, query, message, bad):
    response = login(world.member).get("/issues/", {"query": query})
    assert response.status_code == 400
    page = text_of(response)
    assert "Search error" in page and message in page
    assert page.count("at position") == 1, "the position is said once, in the message or before it"
    assert f"<mark>{html.unescape(bad)}</mark>" in page
    assert "No issues match." not in page
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_unknown_key_message_lists_the_known_keys(login, world, issue):
    page = text_of(login(world.member).get("/issues/", {"query": "foo:bar"}))
    assert "Known keys: is, assigned, has, times_seen, first_release, age, firstSeen, lastSeen" in page


def test_a_tag_events_carry_is_not_unknown(login, world, issue):
    response = login(world.member).get("/issues/", {"query": "browser:Firefox"})
    assert response.status_code == 200 and issue.title in text_of(response)


def test_is_unresolved_hides_snoozed_issues_in_the_list(login, world, issue):
    client = login(world.member)
    assert issue.title in text_of(client.get("/issues/", {"query": "is:new"}))
    issue_snooze(issue=issue, user=world.member, reason="deploy", until=timezone.now() + timedelta(hours=1))
    assert issue.title not in text_of(client.get("/issues/", {"query": "is:unresolved"}))
    assert issue.title in text_of(client.get("/issues/", {"query": "is:ignored"}))


def test_the_api_answers_400_with_the_same_message(world, issue):
    api = world.api(world.member)
    response = api.get("/api/0/projects/acme/shop/issues/", {"query": "is:unresolved foo:bar"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Unknown search key `foo` at position 14.") and body["position"] == 14
    org = api.get("/api/0/organizations/acme/issues/", {"query": "timesSeen:>abc"})
    assert org.status_code == 400 and "expected a number, got 'abc'" in org.json()["detail"]


def test_the_api_default_query_lists_unresolved_in_sentrys_sense(world, issue):
    other, _ = record_event(world.project, **crash(exception={"values": [{"type": "OSError", "value": "disk"}]}))
    issue_snooze(issue=other, user=world.member, reason="known", until=timezone.now() + timedelta(hours=1))
    listed = world.api(world.member).get("/api/0/projects/acme/shop/issues/").json()
    assert [i["id"] for i in listed] == [str(issue.pk)]
    ignored = world.api(world.member).get("/api/0/projects/acme/shop/issues/", {"query": "is:ignored"}).json()
    assert [i["id"] for i in ignored] == [str(other.pk)]
