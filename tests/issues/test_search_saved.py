"""Saved searches: per user, validated, replaced by name, bounded, deleted only by their owner."""

from __future__ import annotations

import pytest
from django.http import Http404

from errorhub.issues.models import SavedSearch
from errorhub.issues.saved_searches import (
    MAX_PER_USER,
    InvalidSavedSearch,
    saved_search_delete,
    saved_search_save,
    saved_searches_for_user,
)
from ingest.protocol.search.query import QueryError
from tests.factories import SavedSearchFactory

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_save_lists_only_the_users_own(world):
    saved_search_save(user=world.member, name="  My   errors ", query="assigned:me is:unresolved ")
    SavedSearchFactory(user=world.owner, name="Owner's")
    assert [(s.name, s.query) for s in saved_searches_for_user(world.member)] == [
        ("My errors", "assigned:me is:unresolved")
    ]


def test_saving_the_same_name_replaces_the_query(world):
    first = saved_search_save(user=world.member, name="mine", query="assigned:me")
    second = saved_search_save(user=world.member, name="mine", query="assigned:me level:fatal")
    assert first.pk == second.pk
    assert SavedSearch.objects.get(pk=first.pk).query == "assigned:me level:fatal"


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("", "is:new", "give the saved search a name"),
        ("x" * 101, "is:new", "the name is too long"),
        ("empty", "   ", "there is no query to save"),
    ],
)
def test_invalid_saved_searches_say_why(world, name, query, message):
    with pytest.raises(InvalidSavedSearch, match=message):
        saved_search_save(user=world.member, name=name, query=query)
    assert not SavedSearch.objects.exists()


def test_a_malformed_query_is_not_saved(world):
    with pytest.raises(QueryError, match="unclosed quote"):
        saved_search_save(user=world.member, name="broken", query='level:"error')
    assert not SavedSearch.objects.exists()


def test_at_most_so_many_per_user(world):
    SavedSearchFactory.create_batch(MAX_PER_USER, user=world.member)
    with pytest.raises(InvalidSavedSearch, match=f"at most {MAX_PER_USER}"):
        saved_search_save(user=world.member, name="one more", query="is:new")
    assert saved_search_save(user=world.owner, name="one more", query="is:new").user == world.owner


def test_delete_own_only(world):
    mine = SavedSearchFactory(user=world.member)
    theirs = SavedSearchFactory(user=world.owner)
    with pytest.raises(Http404):
        saved_search_delete(user=world.member, saved_search_id=theirs.pk)
    saved_search_delete(user=world.member, saved_search_id=mine.pk)
    assert list(SavedSearch.objects.values_list("pk", flat=True)) == [theirs.pk]
