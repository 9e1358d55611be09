"""Cursor pagination with Sentry-style ``Link`` headers.

Issues page by ``(last_seen, id)`` keyset cursors; events by the store's own
opaque cursors. Both stay fast at any depth (no OFFSET).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.api.serializers import IssueSerializer, event_json
from errorhub.events.stores.base import Page
from errorhub.events.stores.cursors import decode_keyset
from errorhub.issues.models import Issue
from errorhub.issues.selectors import issue_stats
from ingest.protocol.errors import ClientError

MAX_LIMIT = 100


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit") or request.query_params.get("per_page") or "25"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ClientError(f"limit must be a number from 1 to {MAX_LIMIT}")
    return int(raw)


def _link(request: Request, cursor: str | None) -> str:
    params = request.query_params.copy()
    if cursor:
        params["cursor"] = cursor
    url = request.build_absolute_uri(request.path) + "?" + params.urlencode()
    return f'<{url}>; rel="next"; results="{"true" if cursor else "false"}"; cursor="{cursor or ""}"'


def _issue_cursor(issue: Issue) -> str:
    return base64.urlsafe_b64encode(f"{issue.last_seen.isoformat()}|{issue.pk}".encode()).decode()


def _after(qs: QuerySet[Issue], cursor: str) -> QuerySet[Issue]:
    try:
        stamp, after = decode_keyset(cursor)
        when = parse_datetime(stamp)
    except ValueError:  # bad base64, UTF-8, shape, date or number: the client's mistake
        when = None
    if when is None:
        raise ClientError("invalid cursor: pass back the cursor of a Link header unchanged")
    return qs.filter(Q(last_seen__lt=when) | Q(last_seen=when, pk__lt=after))


def paginate_issues(request: Request, qs: QuerySet[Issue], *, stats: tuple[str, timedelta] | None = None) -> Response:
    """A page of issues; with ``stats`` (Sentry's period name and length), each carries
    ``stats: {name: [[unix time, events], ...]}``."""
    limit = _limit(request)
    cursor = request.query_params.get("cursor")
    if cursor:
        qs = _after(qs, cursor)
    rows = list(qs.order_by("-last_seen", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    data = IssueSerializer(rows, many=True).data
    if stats is not None:
        name, period = stats
        counts = issue_stats([i.pk for i in rows], period, now=timezone.now())
        for row, issue in zip(data, rows, strict=True):
            row["stats"] = {name: counts[issue.pk]}
    response = Response(data)
    response["Link"] = _link(request, _issue_cursor(rows[-1]) if more else None)
    return response


def paginate_events(request: Request, fetch: Callable[[str | None, int], Page], *, full: bool) -> Response:
    page = fetch(request.query_params.get("cursor"), _limit(request))
    response = Response([event_json(ev, full=full) for ev in page.events])
    response["Link"] = _link(request, page.next_cursor)
    return response


def last_page(request: Request, data: object) -> Response:
    """A whole (bounded) list as one page, with the ``Link`` header Sentry clients page by."""
    response = Response(data)
    response["Link"] = _link(request, None)
    return response
