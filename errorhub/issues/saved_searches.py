"""Saved searches: a user's named queries (services and the one selector).

They are per user: every read and write is filtered by the acting user, so another
user's saved search is neither listed nor deletable (it answers 404, as if absent).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from errorhub.issues.models import SavedSearch
from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import MAX_QUERY_BYTES, parse_query

MAX_PER_USER = 50
MAX_NAME = 100


class InvalidSavedSearch(ClientError):
    """A saved search without a name, with a bad query, or one too many."""


def saved_searches_for_user(user: AbstractBaseUser) -> QuerySet[SavedSearch]:
    """The user's own saved searches, by name."""
    return SavedSearch.objects.filter(user=user).order_by("name")


def _validate(name: str, query: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidSavedSearch("give the saved search a name")
    if len(name) > MAX_NAME:
        raise InvalidSavedSearch(f"the name is too long (at most {MAX_NAME} characters)")
    if not query.strip():
        raise InvalidSavedSearch("there is no query to save: type one in the search box first")
    if len(query.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise InvalidSavedSearch(f"the query is too long (at most {MAX_QUERY_BYTES} bytes)")
    parse_query(query)  # a QueryError (a ClientError) says what is wrong and where
    return name


@transaction.atomic
def saved_search_save(*, user: AbstractBaseUser, name: str, query: str) -> SavedSearch:
    """Saves ``query`` under ``name``; saving an existing name replaces its query."""
    name = _validate(name, query)
    existing = SavedSearch.objects.select_for_update().filter(user=user, name=name).first()
    if existing is not None:
        existing.query = query.strip()
        existing.save(update_fields=["query"])
        return existing
    if SavedSearch.objects.filter(user=user).count() >= MAX_PER_USER:
        raise InvalidSavedSearch(f"at most {MAX_PER_USER} saved searches: delete one first")
    return SavedSearch.objects.create(user=user, name=name, query=query.strip())


@transaction.atomic
def saved_search_delete(*, user: AbstractBaseUser, saved_search_id: int) -> None:
    """Deletes one of the user's saved searches; anyone else's is a 404."""
    deleted, _ = SavedSearch.objects.filter(user=user, pk=saved_search_id).delete()
    if not deleted:
        raise Http404("no such saved search")
