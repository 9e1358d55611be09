"""Apply the one search language to issues.

Issue-level terms (``is:``, ``assigned:``, ``firstSeen``/``lastSeen``/``age``,
``timesSeen``, ``firstRelease``, level, project, free text over title/culprit)
filter the ``Issue`` table directly; event-level terms (tags, trace/request ids,
exception fields ...) are answered by the event store and narrow the issues to
those with a matching event.

``is:unresolved`` means what it means in Sentry: neither resolved (nor fixed) nor
ignored — and ErrorHub's snooze is Sentry's ignore/archive, so snoozed issues are
*not* unresolved. (Until issue #22 it only excluded resolved and fixed.) The API's
default query ``is:unresolved`` therefore lists what Sentry's does; the inbox
links use ``is:inbox``, which snoozed issues leave and re-enter when the snooze ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from errorhub.events.models import EventTag
from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue, Lifecycle, Release
from ingest.protocol.search.query import (
    AssignedTerm,
    FieldTerm,
    HasTerm,
    Query,
    StateTerm,
    Term,
    TextTerm,
    TimeTerm,
    parse_query,
)

_ISSUE_FIELDS = {
    "level": "level",
    "project": "project__slug",
    "environment": "environment",
    "platform": "platform",
    "source": "source",
    "first_release": "first_release",
    "times_seen": "times_seen",
}
_TIME_FIELDS = {"first_seen": "first_seen", "last_seen": "last_seen", "timestamp": "last_seen"}
_OPS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "eq": "exact"}
#: the most issues one event-field or tag term can narrow the list to (the store returns ids only)
_ISSUE_ID_LIMIT = 10_000
#: Sentry's states that are not (Sentry's) unresolved: resolved, and ignored = snoozed.
_NOT_UNRESOLVED = (Lifecycle.RESOLVED, Lifecycle.FIXED, Lifecycle.SNOOZED)
_RELEASE_KEYS = ("release", "first_release")
LATEST = "latest"


def parse_issue_query(text: str, *, project_ids: Sequence[int], now: datetime | None = None) -> Query:
    """Parses an issue search; a key that is neither a search key nor a tag seen in
    ``project_ids`` raises ``QueryError`` (shown under the box, 400 from the API)."""
    return parse_query(text, now=now, known_tag=functools.cache(_tag_checker(list(project_ids))))


def _tag_checker(project_ids: list[int]) -> Callable[[str], bool]:
    def seen(key: str) -> bool:
        return tag_key_seen(key, project_ids)

    return seen


def tag_key_seen(key: str, project_ids: Sequence[int]) -> bool:
    """Whether any stored event of ``project_ids`` carries the tag ``key``.

    The SQL store answers from the ``EventTag`` (key, value) index; a search engine
    from its ``tag_keys`` field with a one-hit search.
    """
    if not project_ids:
        return False
    if settings.EVENT_STORE == "sql":
        issues = Issue.objects.filter(project_id__in=list(project_ids)).values("pk")
        return EventTag.objects.filter(key=key, issue_id__in=issues).exists()
    page = get_event_store().search(Query((HasTerm(key, is_tag=True),)), list(project_ids), limit=1)
    return bool(page.events)


def _state_q(states: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for state in states:
        if state == "inbox":
            q |= Q(in_inbox=True)
        elif state == "unresolved":
            q |= ~Q(lifecycle__in=_NOT_UNRESOLVED)
        elif state == "assigned":
            q |= Q(assignee__isnull=False)
        elif state == "unassigned":
            q |= Q(assignee__isnull=True)
        else:
            q |= Q(lifecycle=state)
    return q


def _assigned_q(users: tuple[str, ...], me: AbstractBaseUser) -> Q:
    q = Q(pk__in=[])
    for name in users:
        q |= Q(assignee=me) if name == "me" else Q(assignee__username=name)
    return q


def _time_q(term: TimeTerm) -> Q:
    # age: is the issue's age (first seen) when issues are searched, as in Sentry.
    column = "first_seen" if term.typed == "age" else _TIME_FIELDS[term.key]
    return Q(**{f"{column}__{_OPS[term.op]}": term.when})


def _field_q(term: FieldTerm) -> Q | None:
    column = _ISSUE_FIELDS[term.key]
    if term.op in ("gt", "gte", "lt", "lte"):
        return Q(**{f"{column}__{term.op}": int(term.values[0])})
    if term.op == "eq":
        return Q(**{f"{column}__in": list(term.values)})
    if term.key == "first_release":  # wildcard on an issue-only field: no event answers it
        return _wildcard_q(column, term.values)
    return None


def _wildcard_q(column: str, values: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for value in values:
        parts = value.split("*")
        part_q = Q()
        if parts[0]:
            part_q &= Q(**{f"{column}__startswith": parts[0]})
        if parts[-1]:
            part_q &= Q(**{f"{column}__endswith": parts[-1]})
        for middle in parts[1:-1]:
            if middle:
                part_q &= Q(**{f"{column}__contains": middle})
        q |= part_q
    return q


def _issue_term_q(term: Term, me: AbstractBaseUser) -> tuple[Q | None, bool]:
    """(Q for the term, negated) or (None, False) when the event store must answer it."""
    if isinstance(term, StateTerm):
        return _state_q(term.states), term.negated
    if isinstance(term, AssignedTerm):
        return _assigned_q(term.users, me), term.negated
    if isinstance(term, TimeTerm) and term.key in _TIME_FIELDS:
        return _time_q(term), False
    if isinstance(term, FieldTerm) and not term.is_tag and term.key in _ISSUE_FIELDS:
        q = _field_q(term)
        return (q, term.negated) if q is not None else (None, False)
    if isinstance(term, TextTerm):
        return Q(title__icontains=term.text) | Q(culprit__icontains=term.text), term.negated
    return None, False


def latest_releases(project_ids: Sequence[int]) -> tuple[str, ...]:
    """The newest release (by first sighting) of each project: what ``release:latest`` means."""
    versions = []
    for project_id in project_ids:
        newest = Release.objects.filter(project_id=project_id).order_by("-first_seen", "-pk").first()
        if newest is not None:
            versions.append(newest.version)
    return tuple(dict.fromkeys(versions))


def _resolve_latest(query: Query, project_ids: Sequence[int]) -> Query:
    """Replaces ``latest`` in ``release:``/``firstRelease:`` by the projects' newest releases."""
    terms: list[Term] = []
    latest: tuple[str, ...] | None = None
    for term in query.terms:
        if isinstance(term, FieldTerm) and not term.is_tag and term.key in _RELEASE_KEYS and LATEST in term.values:
            latest = latest_releases(project_ids) if latest is None else latest
            values = tuple(v for v in term.values if v != LATEST) + latest
            term = FieldTerm(term.key, "eq" if term.op == "eq" else term.op, values or ("",), term.negated)
        terms.append(term)
    return Query(tuple(terms))


def filter_issues(
    qs: QuerySet[Issue], query: Query, *, me: AbstractBaseUser, project_ids: list[int], start: datetime | None = None
) -> QuerySet[Issue]:
    """``qs`` narrowed to the issues ``query`` matches (every term must hold)."""
    event_terms = []
    for term in _resolve_latest(query, project_ids).terms:
        q, negated = _issue_term_q(term, me)
        if q is None:
            event_terms.append(term)
        else:
            qs = qs.exclude(q) if negated else qs.filter(q)
    if event_terms:
        qs = qs.filter(pk__in=_issue_ids_with_events(Query(terms=tuple(event_terms)), project_ids, start))
    return qs


def _issue_ids_with_events(query: Query, project_ids: list[int], start: datetime | None) -> set[int]:
    return get_event_store().issue_ids_matching(query, project_ids, start=start, limit=_ISSUE_ID_LIMIT)


__all__ = ["filter_issues", "latest_releases", "parse_issue_query", "tag_key_seen"]
