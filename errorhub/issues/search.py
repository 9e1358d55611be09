"""Apply the one search language to issues.

Issue-level terms (``is:``, ``assigned:``, ``firstSeen``/``lastSeen``, level,
project, free text over title/culprit) filter the ``Issue`` table directly;
event-level terms (tags, trace/request ids, exception fields ...) are answered
by the event store and narrow the issues to those with a matching event.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue, Lifecycle
from ingest.protocol.search.query import AssignedTerm, FieldTerm, HasTerm, Query, StateTerm, TextTerm, TimeTerm

_ISSUE_FIELDS = {
    "level": "level",
    "project": "project__slug",
    "environment": "environment",
    "platform": "platform",
    "source": "source",
}
_TIME_FIELDS = {"first_seen": "first_seen", "last_seen": "last_seen", "timestamp": "last_seen"}
_OPS = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "eq": "exact"}
_EVENT_SCAN_LIMIT = 5000


def _state_q(states: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for state in states:
        if state == "inbox":
            q |= Q(in_inbox=True)
        elif state == "unresolved":
            q |= ~Q(lifecycle__in=[Lifecycle.RESOLVED, Lifecycle.FIXED])
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


def _issue_term_q(term: object, me: AbstractBaseUser) -> tuple[Q | None, bool]:
    """(Q for the term, negated) or (None, False) when the event store must answer it."""
    if isinstance(term, StateTerm):
        return _state_q(term.states), term.negated
    if isinstance(term, AssignedTerm):
        return _assigned_q(term.users, me), term.negated
    if isinstance(term, TimeTerm) and term.key in _TIME_FIELDS:
        return Q(**{f"{_TIME_FIELDS[term.key]}__{_OPS[term.op]}": term.when}), False
    if isinstance(term, FieldTerm) and not term.is_tag and term.key in _ISSUE_FIELDS and term.op == "eq":
        return Q(**{f"{_ISSUE_FIELDS[term.key]}__in": list(term.values)}), term.negated
    if isinstance(term, TextTerm):
        return Q(title__icontains=term.text) | Q(culprit__icontains=term.text), term.negated
    return None, False


def filter_issues(
    qs: QuerySet[Issue], query: Query, *, me: AbstractBaseUser, project_ids: list[int], start: datetime | None = None
) -> QuerySet[Issue]:
    event_terms = []
    for term in query.terms:
        q, negated = _issue_term_q(term, me)
        if q is None:
            event_terms.append(term)
        else:
            qs = qs.exclude(q) if negated else qs.filter(q)
    if event_terms:
        qs = qs.filter(pk__in=_issue_ids_with_events(Query(terms=tuple(event_terms)), project_ids, start))
    return qs


def _issue_ids_with_events(query: Query, project_ids: list[int], start: datetime | None) -> set[int]:
    page = get_event_store().search(query, project_ids, start=start, limit=_EVENT_SCAN_LIMIT)
    return {int(ev["issue_id"]) for ev in page.events if ev.get("issue_id") is not None}


__all__ = ["filter_issues", "HasTerm"]
