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
from errorhub.issues.search import filter_issues, parse_issue_query
from errorhub.issues.services import issue_apply_action
from ingest.protocol.errors import ClientError

_PERIODS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "14d": timedelta(days=14),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


def _search(request: Request, qs: QuerySet[Issue], project_ids: list[int]) -> QuerySet[Issue]:
    period = request.query_params.get("statsPeriod")
    if period and period not in _PERIODS:
        raise ClientError(f"statsPeriod must be one of {', '.join(_PERIODS)}")
    start = timezone.now() - _PERIODS[period] if period else None
    if start:
        qs = qs.filter(last_seen__gte=start)
    text = request.query_params.get("query", "is:unresolved")
    query = parse_issue_query(text, project_ids=project_ids)
    return filter_issues(qs, query, me=request.user, project_ids=project_ids, start=start)


def _stats_period(request: Request) -> tuple[str, timedelta] | None:
    """The ``stats`` a list asks for: ``groupStatsPeriod``, else ``statsPeriod`` (Sentry's names)."""
    name = request.query_params.get("groupStatsPeriod") or request.query_params.get("statsPeriod")
    if not name:
        return None
    if name not in _PERIODS:
        raise ClientError(f"groupStatsPeriod must be one of {', '.join(_PERIODS)}")
    return name, _PERIODS[name]


class OrganizationIssues(Base):
    read_scope, write_scope = "event:read", "event:write"

    def get(self, request: Request, org: str) -> Response:
        projects = selectors.projects_for_user(request.user).filter(organization__slug=org)
        if not projects.exists() and not selectors.organizations_for_user(request.user).filter(slug=org).exists():
            raise Http404("no such organization")
        ids = list(projects.values_list("id", flat=True))
        qs = _search(request, issue_selectors.issues_for_user(request.user).filter(project_id__in=ids), ids)
        return paginate_issues(request, qs, stats=_stats_period(request))


class ProjectIssues(Base):
    read_scope, write_scope = "event:read", "event:write"

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = selectors.project_get_for_user(request.user, org, project)
        qs = _search(request, issue_selectors.issues_for_user(request.user).filter(project=proj), [proj.pk])
        return paginate_issues(request, qs, stats=_stats_period(request))

    def put(self, request: Request, org: str, project: str) -> Response:
        """Bulk, Sentry's way: the issues are ``?id=1&id=2``, or those with ``?status=``, or (no
        filter) every unresolved one. ``{"merge": 1}`` merges them; any other body is applied to
        each, and the answer is Sentry's summary: the change as applied (validated body)."""
        proj = selectors.project_get_for_user(request.user, org, project)
        issues = _bulk_targets(request, proj)
        if body_object(request).get("merge"):
            if not issues:
                raise ClientError("pass ?id= for the issues of this project to merge")
            survivor = max(issues, key=lambda i: i.times_seen)
            result = issue_apply_action(survivor, Merge(others=tuple(issues)), user=request.user)
            return Response({"merge": {"parent": str(survivor.pk), "children": [str(i.pk) for i in result.merged]}})
        summary = _validated_update(request)
        for issue in issues:
            _apply_update(request, issue)
        if not issues:
            return Response(status=http.HTTP_204_NO_CONTENT)
        return Response(summary)


#: the most issues one bulk update without ``?id=`` changes (Sentry's own bound)
BULK_LIMIT = 1000
_STATUS_LIFECYCLES = {
    "unresolved": ("new", "acknowledged", "regressed"),
    "resolved": ("resolved", "fixed"),
    "ignored": ("snoozed",),
    "muted": ("snoozed",),
}


def _bulk_targets(request: Request, proj: Any) -> list[Issue]:
    """The issues a bulk request names: its ``?id=``s (each of this project), or a status."""
    ids = request.query_params.getlist("id")
    if ids:
        issues = [issue_selectors.issue_get_for_user(request.user, i) for i in ids]
        if any(i.project_id != proj.pk for i in issues):
            raise ClientError("every ?id= must be an issue of this project")
        return issues
    status = request.query_params.get("status") or "unresolved"
    if status not in _STATUS_LIFECYCLES:
        raise ClientError(f"status must be one of {', '.join(_STATUS_LIFECYCLES)}")
    qs = issue_selectors.issues_for_user(request.user).filter(project=proj, lifecycle__in=_STATUS_LIFECYCLES[status])
    return list(qs.order_by("-last_seen")[:BULK_LIMIT])


class InvalidUpdate(ClientError):
    """An issue update body with a field of the wrong type or out of bounds (named in the message)."""


class NoPermanentIgnore(ClientError):
    """``ignored`` (or ``muted``) without an end: ErrorHub snoozes, it never ignores for good."""

    def __init__(self) -> None:
        super().__init__(
            "ErrorHub has no permanent ignore: every ignored issue comes back to the inbox. Say when, in "
            "statusDetails: ignoreDuration (minutes), ignoreUntil (a time), ignoreCount (further events) or "
            "ignoreUserCount (further users) — or snoozeDuration (minutes) — with an ignoreReason"
        )


def _snooze_until(details: Mapping[str, Any], data: Mapping[str, Any]) -> datetime | None:
    """The snooze end: ``ignoreUntil``, or ``ignoreDuration`` (or the body's ``snoozeDuration``)
    minutes from now (all validated and bounded by the serializers)."""
    minutes = details.get("ignoreDuration") or data.get("snoozeDuration")
    if minutes:
        return timezone.now() + timedelta(minutes=minutes)
    return details.get("ignoreUntil")


def _snooze(data: Mapping[str, Any], details: Mapping[str, Any], reason: str) -> Snooze:
    """``ignored``/``muted`` as a snooze with the end asked for; without any end, a 400."""
    until = _snooze_until(details, data)
    count = details.get("ignoreCount") or details.get("ignoreUntilCount")
    users = details.get("ignoreUserCount")
    if until is None and not count and not users:
        raise NoPermanentIgnore()
    return Snooze(reason=details.get("ignoreReason") or reason, until=until, count=count, users=users)


def _status_action(data: Mapping[str, Any], issue: Issue) -> IssueAction | None:
    """The lifecycle action a validated ``status`` (with its ``statusDetails``) asks for."""
    details, reason = data.get("statusDetails") or {}, data.get("reason", "")
    match data.get("status"):
        case "acknowledged":
            organizations = [issue.project.organization]
            return Acknowledge(assignee=member_named(details.get("assignee"), organizations), reason=reason)
        case "resolved":
            return Resolve(
                release=details.get("inRelease"), next_release=bool(details.get("inNextRelease")), reason=reason
            )
        case "resolvedInNextRelease":
            return Resolve(next_release=True, reason=reason)
        case "ignored" | "muted":
            return _snooze(data, details, reason)
        case "unresolved":
            return Reopen()
    return None


def _validated_update(request: Request) -> dict[str, Any]:
    """The update body, validated (a 400 naming the first bad field otherwise)."""
    body = IssueUpdateSerializer(data=request.data)
    if not body.is_valid():
        raise InvalidUpdate(first_error(body.errors))
    return dict(body.validated_data)


def update_actions(request: Request, issue: Issue) -> list[IssueAction]:
    """An update body as the actions it asks for, in order: the assignment, then the status."""
    data = _validated_update(request)
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
    read_scope, write_scope = "event:read", "event:write"

    def get(self, request: Request, issue_id: str) -> Response:
        return Response(IssueSerializer(issue_selectors.issue_get_for_user(request.user, issue_id)).data)

    def put(self, request: Request, issue_id: str) -> Response:
        issue = _apply_update(request, issue_selectors.issue_get_for_user(request.user, issue_id))
        return Response(IssueSerializer(issue).data)


class IssueComments(Base):
    read_scope, write_scope = "event:read", "event:write"

    def get(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        return Response(CommentSerializer(issue.comments.order_by("created_at"), many=True).data)

    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        action = AddComment(text=str(body_object(request).get("text", "")))
        comment = issue_apply_action(issue, action, user=request.user).comment
        return Response(CommentSerializer(comment).data, status=http.HTTP_201_CREATED)


class IssueMerge(Base):
    read_scope, write_scope = "event:read", "event:write"

    def post(self, request: Request, issue_id: str) -> Response:
        survivor = issue_selectors.issue_get_for_user(request.user, issue_id)
        ids = body_object(request).get("issues", [])
        if not isinstance(ids, list):
            raise ClientError("issues must be a list of issue ids")
        others = tuple(issue_selectors.issue_get_for_user(request.user, i) for i in ids)
        result = issue_apply_action(survivor, Merge(others=others), user=request.user)
        return Response(IssueSerializer(result.issue).data)


class IssueUnmerge(Base):
    read_scope, write_scope = "event:read", "event:write"

    def post(self, request: Request, issue_id: str) -> Response:
        issue = issue_selectors.issue_get_for_user(request.user, issue_id)
        action = Unmerge(group_hash=str(body_object(request).get("hash", "")))
        result = issue_apply_action(issue, action, user=request.user)
        return Response(IssueSerializer(result.new_issue).data, status=http.HTTP_201_CREATED)
