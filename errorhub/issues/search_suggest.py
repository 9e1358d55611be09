"""Selectors behind search autocomplete: keys and values seen in the last 14 days.

Every read is scoped to the caller's ``project_ids`` (never another organisation's
values), looks only at issues seen in the window (the ``(project, last_seen)``
index) and is cut at a ``LIMIT``: autocomplete answers while the user types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from errorhub.accounts.models import Project
from errorhub.events.models import EventTag
from errorhub.events.stores import get_event_store
from errorhub.issues.models import Issue, Release
from errorhub.issues.search import LATEST
from ingest.protocol.search.complete import (
    Cursor,
    closed_values,
    key_suggestions,
    token_at,
    value_suggestions,
)
from ingest.protocol.search.keys import search_key
from ingest.protocol.search.query import FIELDS, FieldTerm, HasTerm, Query

WINDOW = timedelta(days=14)
VALUE_LIMIT = 50
EVENT_SAMPLE = 200

#: keys whose values live on the issue row: (column, extra values offered first)
_ISSUE_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "environment": ("environment", ()),
    "platform": ("platform", ()),
    "source": ("source", ()),
    "first_release": ("first_release", (LATEST,)),
    "release": ("last_release", (LATEST,)),
}


def suggest(*, user: AbstractBaseUser, projects: Sequence[Project], text: str, cursor: int) -> dict[str, Any]:
    """The suggestions for the token under ``cursor`` in ``text``, as the endpoint's JSON."""
    at = token_at(text, cursor)
    ids = [p.pk for p in projects]
    since = timezone.now() - WINDOW
    if at.key is None:
        found = key_suggestions(at.prefix, tag_keys(ids, since, at.prefix))
        kind = "key"
    else:
        found = value_suggestions(_shown_key(at), at.prefix, _values(at, user, projects, since))
        kind = "value"
    return {
        "kind": kind,
        "start": at.start + (1 if at.negated else 0),
        "end": at.end,
        "suggestions": [{"text": s.text, "label": s.label, "detail": s.detail} for s in found],
    }


def _shown_key(at: Cursor) -> str:
    return at.key or ""


def _values(at: Cursor, user: AbstractBaseUser, projects: Sequence[Project], since: datetime) -> list[str]:
    key = at.key or ""
    ids = [p.pk for p in projects]
    fixed = closed_values(key)
    if fixed:
        return list(fixed)
    known = search_key(key)
    if known is None:
        tag = key[5:-1] if key.lower().startswith("tags[") and key.endswith("]") else key
        return tag_values(ids, since, tag, at.prefix)
    if known.name == "has":
        return ["user", "error", "stack", "request", *FIELDS, *tag_keys(ids, since, at.prefix)]
    if known.name == "project":
        return [p.slug for p in projects]
    if known.name == "assigned":
        return ["me", *assignees(ids, since)]
    if known.name in _ISSUE_COLUMNS:
        column, extra = _ISSUE_COLUMNS[known.name]
        values = list(extra) + issue_values(ids, since, column, at.prefix)
        if known.name == "release":
            values += recent_releases(ids, since, at.prefix)
        return values
    return []


def _recent_issues(project_ids: Sequence[int], since: datetime) -> QuerySet[Issue]:
    return Issue.objects.filter(project_id__in=list(project_ids), last_seen__gte=since)


def issue_values(project_ids: Sequence[int], since: datetime, column: str, prefix: str) -> list[str]:
    """Distinct non-empty ``column`` values of issues seen since ``since``."""
    qs = _recent_issues(project_ids, since).exclude(**{column: ""})
    if prefix:
        qs = qs.filter(**{f"{column}__istartswith": prefix})
    return list(qs.order_by(column).values_list(column, flat=True).distinct()[:VALUE_LIMIT])


def recent_releases(project_ids: Sequence[int], since: datetime, prefix: str) -> list[str]:
    """Release versions first seen since ``since``, newest first."""
    qs = Release.objects.filter(project_id__in=list(project_ids), first_seen__gte=since)
    if prefix:
        qs = qs.filter(version__istartswith=prefix)
    return list(qs.order_by("-first_seen").values_list("version", flat=True)[:VALUE_LIMIT])


def assignees(project_ids: Sequence[int], since: datetime) -> list[str]:
    """Usernames assigned to issues seen since ``since``."""
    qs = _recent_issues(project_ids, since).filter(assignee__isnull=False)
    return list(qs.order_by("assignee__username").values_list("assignee__username", flat=True).distinct()[:VALUE_LIMIT])


def tag_keys(project_ids: Sequence[int], since: datetime, prefix: str) -> list[str]:
    """Tag keys on events of issues seen since ``since`` (a sample on a search engine)."""
    if not project_ids:
        return []
    if settings.EVENT_STORE == "sql":
        rows = EventTag.objects.filter(issue_id__in=_recent_issues(project_ids, since).values("pk"))
        if prefix:
            rows = rows.filter(key__startswith=prefix)
        return list(rows.order_by("key").values_list("key", flat=True).distinct()[:VALUE_LIMIT])
    return sorted({k for k, _ in _sampled_tags(project_ids, since, Query()) if k.startswith(prefix)})


def tag_values(project_ids: Sequence[int], since: datetime, key: str, prefix: str) -> list[str]:
    """Values of tag ``key`` on events since ``since`` whose value starts with ``prefix``."""
    if not project_ids:
        return []
    if settings.EVENT_STORE == "sql":
        rows = EventTag.objects.filter(
            key=key, issue_id__in=_recent_issues(project_ids, since).values("pk"), event__timestamp__gte=since
        )
        if prefix:
            rows = rows.filter(value__startswith=prefix)
        return list(rows.order_by("value").values_list("value", flat=True).distinct()[:VALUE_LIMIT])
    term = (
        FieldTerm(key, "wildcard", (prefix.replace("*", "") + "*",), is_tag=True)
        if prefix
        else HasTerm(key, is_tag=True)
    )
    pairs = _sampled_tags(project_ids, since, Query((term,)))
    return sorted({v for k, v in pairs if k == key})


def _sampled_tags(project_ids: Sequence[int], since: datetime, query: Query) -> list[tuple[str, str]]:
    page = get_event_store().search(query, list(project_ids), start=since, limit=EVENT_SAMPLE)
    return [pair for event in page.events for pair in _tag_pairs(event.get("tags"))]


def _tag_pairs(tags: Any) -> Iterable[tuple[str, str]]:
    if isinstance(tags, dict):
        return [(str(k), str(v)) for k, v in tags.items() if v is not None]
    if isinstance(tags, list):
        return [(str(p[0]), str(p[1])) for p in tags if isinstance(p, (list, tuple)) and len(p) == 2]
    return []
