"""Issues: search and list, read, update (the lifecycle in Sentry's field names), merge,
unmerge, comments. Every change is one typed action for ``issue_apply_action``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts import selectors
from errorhub.api.pagination import paginate_issues
from errorhub.api.serializers import (
    CommentSerializer,
    IssueSerializer,
    IssueUpdateSerializer,
    first_error,
)
from errorhub.api.views.base import Base, body_object
from errorhub.issues import selectors as issue_selectors
from errorhub.issues.actions import (
    Acknowledge,
    AddComment,
    Assign,
    IssueAction,
    Merge,
    Reopen,
    Resolve,
    Snooze,
    Unmerge,
    member_named,
)
from errorhub.issues.models import Issue
from errorhub.issues.search import filter_issues
from errorhub.issues.services import issue_apply_action
from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import parse_query

_PERIODS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
            "14d": timedelta(days=14), "30d": timedelta(days=30), "90d": timedelta(days=90)}


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
        if body_object(request).get("merge"):
            survivor = max(issues, key=lambda i: i.times_seen)
            result = issue_apply_action(survivor, Merge(others=tuple(issues)), user=request.user)
            return Response({"merge": {"parent": str(survivor.pk), "children": [str(i.pk) for i in result.merged]}})
        updated = [_apply_update(request, issue) for issue in issues]
        return Response(IssueSerializer(updated, many=True).data)


class InvalidUpdate(ClientError):
    """An issue update body with a field of the wrong type or out of bounds (named in the message)."""


def _snooze_until(details: Mapping[str, Any]) -> datetime | None:
    """The snooze end: ``ignoreUntil``, or ``ignoreDuration`` minutes from now (both validated
    and bounded by ``StatusDetailsSerializer``)."""
    minutes = details.get("ignoreDuration")
    if minutes:
        return timezone.now() + timedelta(minutes=minutes)
    return details.get("ignoreUntil")


def _status_action(data: Mapping[str, Any], issue: Issue) -> IssueAction | None:
    """The lifecycle action a validated ``status`` (with its ``statusDetails``) asks for."""
    details, reason = data.get("statusDetails") or {}, data.get("reason", "")
    match data.get("status"):
        case "acknowledged":
            organizations = [issue.project.organization]
            return Acknowledge(assignee=member_named(details.get("assignee"), organizations), reason=reason)
        case "resolved":
            return Resolve(release=details.get("inRelease"), next_release=bool(details.get("inNextRelease")),
                           reason=reason)
        case "resolvedInNextRelease":
            return Resolve(next_release=True, reason=reason)
        case "ignored":
            return Snooze(reason=details.get("ignoreReason") or reason, until=_snooze_until(details),
                          count=details.get("ignoreCount") or details.get("ignoreUntilCount"))
        case "unresolved":
            return Reopen()
    return None


def update_actions(request: Request, issue: Issue) -> list[IssueAction]:
    """An update body as the actions it asks for, in order: the assignment, then the status."""
    body = IssueUpdateSerializer(data=request.data)
    if not body.is_valid():
        raise InvalidUpdate(first_error(body.errors))
    data = body.validated_data
    actions: list[IssueAction] = []
    if "assignedTo" in data:
        actions.append(Assign(assignee=member_named(data["assignedTo"], [issue.project.organization])))
    status_action = _status_action(data, issue)
    if status_action is not None:
        actions.append(status_action)
    return actions


def _apply_update(request: Request, issue: Issue) -> Issue:
    for action in update_actions(request, issue):
        issue = issue_apply_action(issue, action, user=request.user).issue
    return issue


class IssueDetail(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        return Response(IssueSerializer(issue_selectors.issue_get_for_user(request.user, issue_id)).data)

    def put(self, request: Request, issue_id: str) -> Response:
        issue = _apply_update(request, issue_selectors.issue_get_for_user(request.user, issue_id))
        return Response(IssueSerializer(issue).data)


class IssueComments(Base):
    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        return Response(CommentSerializer(issue.comments.order_by("created_at"), many=True).data)

    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        action = AddComment(text=str(body_object(request).get("text", "")))
        comment = issue_apply_action(issue, action, user=request.user).comment
        return Response(CommentSerializer(comment).data, status=http.HTTP_201_CREATED)


class IssueMerge(Base):
    def post(self, request: Request, issue_id: str) -> Response:
        survivor = issue_selectors.issue_get_for_user(request.user, issue_id)
        ids = body_object(request).get("issues", [])
        if not isinstance(ids, list):
            raise ClientError("issues must be a list of issue ids")
        others = tuple(issue_selectors.issue_get_for_user(request.user, i) for i in ids)
        result = issue_apply_action(survivor, Merge(others=others), user=request.user)
        return Response(IssueSerializer(result.issue).data)


class IssueUnmerge(Base):
    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        action = Unmerge(group_hash=str(body_object(request).get("hash", "")))
        result = issue_apply_action(issue, action, user=request.user)
        return Response(IssueSerializer(result.new_issue).data, status=http.HTTP_201_CREATED)
