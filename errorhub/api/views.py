"""REST API views (thin): validate, call one service or selector, serialise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework import status as http
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errorhub.accounts import selectors
from errorhub.issues import selectors as issue_selectors
from errorhub.api.auth import TokenScopePermission
from errorhub.api.pagination import paginate_issues, paginate_events
from errorhub.api.serializers import (
    CommentSerializer,
    IssueSerializer,
    IssueUpdateSerializer,
    ProjectCreateSerializer,
    ProjectKeySerializer,
    ProjectScrubSettingsSerializer,
    ProjectSerializer,
    first_error,
)
from errorhub.issues.search import filter_issues
from errorhub.issues.models import Issue
from errorhub.issues import services as lifecycle
from errorhub.accounts.services import project_create, project_key_create, project_settings_update
from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import parse_query
from errorhub.events.stores import get_event_store

_PERIODS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
            "14d": timedelta(days=14), "30d": timedelta(days=30), "90d": timedelta(days=90)}


class Base(APIView):
    permission_classes = [IsAuthenticated, TokenScopePermission]


def _body(request: Request) -> Mapping[str, Any]:
    """The request body as an object; a JSON list or scalar is the client's mistake (400, not 500)."""
    if not isinstance(request.data, Mapping):
        raise ClientError("the request body must be a JSON object")
    return request.data


def _search(request: Request, qs: QuerySet[Issue], project_ids: list[int]) -> QuerySet[Issue]:
    period = request.query_params.get("statsPeriod")
    if period and period not in _PERIODS:
        raise ClientError(f"statsPeriod must be one of {', '.join(_PERIODS)}")
    start = timezone.now() - _PERIODS[period] if period else None
    if start:
        qs = qs.filter(last_seen__gte=start)
    text = request.query_params.get("query", "is:unresolved")
    return filter_issues(qs, parse_query(text), me=request.user, project_ids=project_ids, start=start)


class OrganizationIssues(Base):
    def get(self, request: Request, org: str) -> Response:
        projects = selectors.projects_for_user(request.user).filter(organization__slug=org)
        if not projects.exists() and not selectors.organizations_for_user(request.user).filter(slug=org).exists():
            raise Http404("no such organization")
        ids = list(projects.values_list("id", flat=True))
        qs = _search(request, issue_selectors.issues_for_user(request.user).filter(project_id__in=ids), ids)
        return paginate_issues(request, qs)


class ProjectIssues(Base):
    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        qs = _search(request, issue_selectors.issues_for_user(request.user).filter(project=proj), [proj.pk])
        return paginate_issues(request, qs)

    def put(self, request: Request, org: str, project: str) -> Response:
        """Bulk: ``?id=1&id=2`` with ``{"merge": 1}`` merges, else applies an update to each."""
        proj = selectors.project_get_for_user(request.user, org, project)
        ids = request.query_params.getlist("id")
        issues = [issue_selectors.issue_get_for_user(request.user, i) for i in ids]
        if any(i.project_id != proj.pk for i in issues) or not issues:
            raise ClientError("pass ?id= for one or more issues of this project")
        if _body(request).get("merge"):
            survivor = max(issues, key=lambda i: i.times_seen)
            lifecycle.issue_merge(survivor=survivor, others=issues, user=request.user)
            return Response({"merge": {"parent": str(survivor.pk), "children": [str(i.pk) for i in issues
                                                                               if i.pk != survivor.pk]}})
        for issue in issues:
            _apply_update(request, issue)
        return Response(IssueSerializer(issues, many=True).data)


class UnknownUser(ClientError):
    """A user name or e-mail that names no member of the issue's organisation."""


def _member_by_name(name: object, issue: Issue) -> Any:
    """The member of the issue's organisation called ``name`` (username or e-mail), None for no
    name; an unknown name and another organisation's user get the same 400, naming no one."""
    if name is None or name == "":
        return None
    if not isinstance(name, str):
        raise UnknownUser("a user is named by a username or e-mail string")
    user = selectors.member_by_name(name, [issue.project.organization])
    if user is None:
        raise UnknownUser(f"no user {name[:150]!r} in this organisation")
    return user


def _snooze_until(details: Mapping[str, Any]) -> datetime | None:
    """The snooze end: ``ignoreUntil``, or ``ignoreDuration`` minutes from now (both validated
    and bounded by ``StatusDetailsSerializer``)."""
    minutes = details.get("ignoreDuration")
    if minutes:
        return timezone.now() + timedelta(minutes=minutes)
    return details.get("ignoreUntil")


class InvalidUpdate(ClientError):
    """An issue update body with a field of the wrong type or out of bounds (named in the message)."""


def _apply_update(request: Request, issue: Issue) -> Issue:
    body = IssueUpdateSerializer(data=request.data)
    if not body.is_valid():
        raise InvalidUpdate(first_error(body.errors))
    data, details = body.validated_data, body.validated_data.get("statusDetails") or {}
    user, reason = request.user, data.get("reason", "")
    if "assignedTo" in data:
        lifecycle.issue_assign(issue=issue, user=user, assignee=_member_by_name(data["assignedTo"], issue))
    state = data.get("status")
    if state == "acknowledged":
        lifecycle.issue_acknowledge(issue=issue, user=user, assignee=_member_by_name(details.get("assignee"), issue),
                                    reason=reason)
    elif state == "resolved":
        lifecycle.issue_resolve(issue=issue, user=user, release=details.get("inRelease"),
                                next_release=bool(details.get("inNextRelease")), reason=reason)
    elif state == "resolvedInNextRelease":
        lifecycle.issue_resolve(issue=issue, user=user, next_release=True, reason=reason)
    elif state == "ignored":
        when = _snooze_until(details)
        count = details.get("ignoreCount") or details.get("ignoreUntilCount")
        lifecycle.issue_snooze(issue=issue, user=user, reason=details.get("ignoreReason") or reason, until=when,
                               count=count)
    elif state == "unresolved":
        lifecycle.issue_reopen(issue=issue, user=user)
    issue.refresh_from_db()
    return issue


class IssueDetail(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        return Response(IssueSerializer(issue_selectors.issue_get_for_user(request.user, issue_id)).data)

    def put(self, request: Request, issue_id: str) -> Response:
        issue = _apply_update(request, issue_selectors.issue_get_for_user(request.user, issue_id))
        return Response(IssueSerializer(issue).data)


class IssueEvents(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        full = request.query_params.get("full") in ("1", "true", "True")
        return paginate_events(request, lambda cursor, limit: get_event_store().list_for_issue(issue.pk, cursor,
                                                                                                limit), full=full)


class IssueLatestEvent(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        page = get_event_store().list_for_issue(issue.pk, None, 1)
        if not page.events:
            raise Http404("this issue has no stored event")
        return Response(_event_json(page.events[0], full=True))


class ProjectEvent(Base):
    def get(self, request: Request, org: str, project: str, event_id: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        event = get_event_store().get(proj.pk, event_id.replace("-", "").lower())
        if event is None:
            raise Http404("no such event")
        return Response(_event_json(event, full=True))


class EventSearch(Base):
    """``GET /api/0/events/?query=trace_id:…``: events across every project the user may see."""

    def get(self, request: Request) -> Response:
        ids = list(selectors.projects_for_user(request.user).values_list("id", flat=True))
        query = parse_query(request.query_params.get("query", ""))
        return paginate_events(request, lambda cursor, limit: get_event_store().search(query, ids, cursor=cursor,
                                                                                        limit=limit), full=False)


def _event_json(event: dict[str, Any], *, full: bool) -> dict[str, Any]:
    from ingest.protocol.normalize import event_title

    summary = {"id": event.get("event_id"), "eventID": event.get("event_id"), "groupID": str(event.get("issue_id")),
               "projectID": str(event.get("project_id")), "title": event_title(event),
               "message": event.get("message"), "dateCreated": event.get("timestamp"),
               "dateReceived": event.get("received_at"), "level": event.get("level"),
               "release": event.get("release"), "environment": event.get("environment"),
               "tags": [{"key": k, "value": v} for k, v in (event.get("tags") or {}).items()],
               "trace_id": event.get("trace_id"), "request_id": event.get("request_id")}
    if full:
        summary["entries"] = event.get("exception") or []
        summary["body"] = event
    return summary


class IssueComments(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        return Response(CommentSerializer(issue.comments.order_by("created_at"), many=True).data)

    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        comment = lifecycle.issue_comment(issue=issue, user=request.user, text=str(_body(request).get("text", "")))
        return Response(CommentSerializer(comment).data, status=http.HTTP_201_CREATED)


class IssueMerge(Base):
    def post(self, request: Request, issue_id: str) -> Response:
        survivor = issue_selectors.issue_get_for_user(request.user, issue_id)
        ids = _body(request).get("issues", [])
        if not isinstance(ids, list):
            raise ClientError("issues must be a list of issue ids")
        others = [issue_selectors.issue_get_for_user(request.user, i) for i in ids]
        lifecycle.issue_merge(survivor=survivor, others=others, user=request.user)
        survivor.refresh_from_db()
        return Response(IssueSerializer(survivor).data)


class IssueUnmerge(Base):
    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        group_hash = str(_body(request).get("hash", ""))
        if not issue.hashes.filter(hash=group_hash).exists():  # the service's .get() would raise: a 500
            raise ClientError(f"hash {group_hash[:64]!r} is not one of this issue's fingerprints")
        new_issue = lifecycle.issue_unmerge(issue=issue, group_hash=group_hash, user=request.user)
        return Response(IssueSerializer(new_issue).data, status=http.HTTP_201_CREATED)


class Projects(Base):
    def get(self, request: Request) -> Response:
        return Response(ProjectSerializer(selectors.projects_for_user(request.user), many=True).data)

    def post(self, request: Request) -> Response:
        body = ProjectCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org_slug = body.validated_data["organization"]
        org = selectors.organizations_for_user(request.user).filter(slug=org_slug).first()
        if org is None and not request.user.is_superuser:
            raise Http404("no such organization")
        created = project_create(org_name=org.name if org else org_slug, name=body.validated_data["name"],
                                 team_name=body.validated_data.get("team"),
                                 platform=body.validated_data.get("platform", ""))
        if not request.user.is_superuser:
            for team in created.project.teams.all():
                team.members.add(request.user)
        data = ProjectSerializer(created.project).data
        data["dsn"] = created.key.dsn()
        return Response(data, status=http.HTTP_201_CREATED)


class ProjectDetail(Base):
    def get(self, request: Request, org: str, project: str) -> Response:
        return Response(ProjectSerializer(selectors.project_get_for_user(request.user, org, project)).data)

    def patch(self, request: Request, org: str, project: str) -> Response:
        """Change what ingest scrubs for this project (``scrub_rules``, ``scrub_ip_addresses`` …)."""
        proj = selectors.project_get_for_user(request.user, org, project)
        body = ProjectScrubSettingsSerializer(data=request.data, context={"project": proj})
        body.is_valid(raise_exception=True)
        return Response(ProjectSerializer(project_settings_update(project=proj, **body.validated_data)).data)


class ProjectKeys(Base):
    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        return Response(ProjectKeySerializer(proj.keys.order_by("id"), many=True).data)

    def post(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        key = project_key_create(project=proj, label=str(_body(request).get("name") or "Default")[:100])
        return Response(ProjectKeySerializer(key).data, status=http.HTTP_201_CREATED)
