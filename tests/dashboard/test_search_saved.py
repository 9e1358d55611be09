"""Saved searches on the issues page: save the query with a name, list them next to the box,
delete your own; nobody else sees them; every write is a CSRF-protected POST."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from errorhub.issues.models import SavedSearch
from tests.factories import SavedSearchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_save_then_listed_and_reused(login, world, issue):
    client = login(world.member)
    response = client.post("/issues/searches/", {"name": "Firefox crashes", "query": "browser:Firefox level:error"})
    assert response.status_code == 302
    assert response["Location"] == "/issues/?query=browser%3AFirefox+level%3Aerror"
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Saved the search “Firefox crashes”." in page
    assert (
        '<a href="/issues/?query=browser%3AFirefox%20level%3Aerror" title="browser:Firefox level:error">'
        "Firefox crashes</a>" in page
    )
    assert issue.title in page


def test_other_users_never_see_them(login, world):
    SavedSearchFactory(user=world.owner, name="Olivia's secret search", query="assigned:me")
    page = login(world.member).get("/issues/").content.decode()
    assert "secret search" not in page


def test_a_bad_save_says_why_and_keeps_the_query(login, world):
    client = login(world.member)
    response = client.post("/issues/searches/", {"name": "", "query": "level:fatal"}, follow=True)
    page = html.unescape(response.content.decode())
    assert "Could not save the search: give the saved search a name" in page
    assert 'value="level:fatal"' in page
    assert not SavedSearch.objects.exists()


def test_delete_own_and_not_anothers(login, world):
    mine = SavedSearchFactory(user=world.member)
    theirs = SavedSearchFactory(user=world.owner)
    client = login(world.member)
    assert client.post(f"/issues/searches/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/issues/searches/{mine.pk}/delete/").status_code == 302
    assert list(SavedSearch.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_writes_need_post_and_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    assert client.post("/issues/searches/", {"name": "x", "query": "is:new"}).status_code == 403
    assert client.get("/issues/searches/").status_code == 405
    mine = SavedSearchFactory(user=world.member)
    assert client.post(f"/issues/searches/{mine.pk}/delete/").status_code == 403
    assert SavedSearch.objects.filter(pk=mine.pk).exists()
    assert not SavedSearch.objects.filter(name="x").exists()
