"""Events: of one issue (paged, or the latest), one by id, and searched across projects."""

from __future__ import annotations

from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts import selectors
from errorhub.api.pagination import paginate_events
from errorhub.api.serializers import event_json
from errorhub.api.views.base import Base, projects_for_request
from errorhub.events.stores import get_event_store
from errorhub.issues import selectors as issue_selectors
from ingest.protocol.search.query import parse_query


class IssueEvents(Base):
    read_scope = "event:read"

    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        full = request.query_params.get("full") in ("1", "true", "True")
        return paginate_events(
            request, lambda cursor, limit: get_event_store().list_for_issue(issue.pk, cursor, limit), full=full
        )


class IssueLatestEvent(Base):
    read_scope = "event:read"

    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        page = get_event_store().list_for_issue(issue.pk, None, 1)
        if not page.events:
            raise Http404("this issue has no stored event")
        return Response(event_json(page.events[0], full=True))


class ProjectEvent(Base):
    read_scope = "event:read"

    def get(self, request: Request, org: str, project: str, event_id: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        event = get_event_store().get(proj.pk, event_id.replace("-", "").lower())
        if event is None:
            raise Http404("no such event")
        return Response(event_json(event, full=True))


class ProjectEvents(Base):
    """``GET /api/0/projects/<org>/<project>/events/``: a project's events, newest first."""

    read_scope = "event:read"

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        full = request.query_params.get("full") in ("1", "true", "True")
        query = parse_query(request.query_params.get("query", ""))
        return paginate_events(
            request,
            lambda cursor, limit: get_event_store().search(query, [proj.pk], cursor=cursor, limit=limit),
            full=full,
        )


class EventSearch(Base):
    """``GET /api/0/events/?query=trace_id:…``: events across every project the user (or an
    organisation token) may see."""

    read_scope = "event:read"

    def get(self, request: Request) -> Response:
        ids = list(projects_for_request(request).values_list("id", flat=True))
        query = parse_query(request.query_params.get("query", ""))
        return paginate_events(
            request, lambda cursor, limit: get_event_store().search(query, ids, cursor=cursor, limit=limit), full=False
        )
