"""Releases, Sentry's way: one version of an organisation across projects; created, finalised,
given commits, listed, read and deleted (``sentry-cli releases …``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts import selectors as account_selectors
from errorhub.accounts.models import Project
from errorhub.api.pagination import last_page
from errorhub.api.release_serializers import ReleaseCreateSerializer, ReleaseUpdateSerializer, commits_of
from errorhub.api.sentry_shapes import commit_json, release_json
from errorhub.api.serializers import first_error
from errorhub.api.views.base import Base, projects_for_request
from errorhub.api.views.organizations import organization_for
from errorhub.issues import selectors
from errorhub.issues.models import Release
from errorhub.issues.release_services import release_create, release_delete, release_update
from ingest.protocol.errors import ClientError


class InvalidRelease(ClientError):
    """A release or deploy body with a missing, mistyped or unknown field (named in the message)."""


def validated(serializer_class: type, request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    if not body.is_valid():
        raise InvalidRelease(first_error(body.errors))
    return dict(body.validated_data)


def org_projects(request: Request, org: str) -> QuerySet[Project]:
    """The projects of organisation ``org`` the request may reach (404 for an unknown one)."""
    return projects_for_request(request).filter(organization=organization_for(request, org))


def named_projects(projects: QuerySet[Project], names: list[str]) -> list[Project]:
    """The projects a body names by slug or id; an unknown one is a 400 that names it."""
    found = []
    for name in names:
        project = projects.filter(slug=name).first() or (
            projects.filter(pk=int(name)).first() if name.isdigit() else None
        )
        if project is None:
            raise InvalidRelease(f"projects: no project {name!r} in this organisation")
        found.append(project)
    return found


def rows_or_404(projects: QuerySet[Project], version: str) -> list[Release]:
    rows = selectors.release_rows(projects, version)
    if not rows:
        raise Http404("no such release")
    return rows


class OrganizationReleases(Base):
    read_scope, write_scope = "project:read", "project:releases"

    def get(self, request: Request, org: str) -> Response:
        projects = org_projects(request, org)
        wanted = request.query_params.getlist("project")
        if wanted:
            projects = projects.filter(pk__in=[p for p in wanted if p.isdigit()])
        return last_page(request, [release_json(v) for v in selectors.release_versions(projects)])

    def post(self, request: Request, org: str) -> Response:
        """Create (or, for an existing version, update: Sentry's POST is an upsert)."""
        projects = org_projects(request, org)
        data = validated(ReleaseCreateSerializer, request)
        rows = release_create(
            projects=named_projects(projects, data["projects"]),
            version=data["version"],
            url=data.get("url") or "",
            date_released=data.get("dateReleased"),
        )
        commits = commits_of(data)
        if commits is not None:
            release_update(releases=rows, commits=commits)
        return Response(release_json(selectors.release_view(data["version"], rows)), status=http.HTTP_201_CREATED)


class ProjectReleases(Base):
    read_scope = "project:read"

    def get(self, request: Request, org: str, project: str) -> Response:
        proj = account_selectors.project_get_for_user(request.user, org, project)
        projects = Project.objects.filter(pk=proj.pk)
        return last_page(request, [release_json(v) for v in selectors.release_versions(projects)])


class OrganizationReleaseDetail(Base):
    read_scope, write_scope = "project:read", "project:releases"

    def get(self, request: Request, org: str, version: str) -> Response:
        rows = rows_or_404(org_projects(request, org), version)
        return Response(release_json(selectors.release_view(version, rows)))

    def put(self, request: Request, org: str, version: str) -> Response:
        """Finalise (``dateReleased``), set the url, or set the commits (``commits`` or ``refs``)."""
        projects = org_projects(request, org)
        data = validated(ReleaseUpdateSerializer, request)
        rows = rows_or_404(projects, version)
        if data.get("projects"):
            rows = release_create(projects=named_projects(projects, data["projects"]), version=version)
        release_update(
            releases=rows, url=data.get("url") or "", date_released=data.get("dateReleased"), commits=commits_of(data)
        )
        return Response(release_json(selectors.release_view(version, rows)))

    def delete(self, request: Request, org: str, version: str) -> Response:
        release_delete(releases=rows_or_404(org_projects(request, org), version))
        return Response(status=http.HTTP_204_NO_CONTENT)


class ReleaseCommits(Base):
    read_scope = "project:read"

    def get(self, request: Request, org: str, version: str) -> Response:
        rows = rows_or_404(org_projects(request, org), version)
        return last_page(request, [commit_json(c) for c in selectors.release_commits(rows)])


class PreviousReleaseWithCommits(Base):
    """The release before this one that has commits; ``{}`` when there is none (Sentry's answer)."""

    read_scope = "project:read"

    def get(self, request: Request, org: str, version: str) -> Response:
        previous = selectors.previous_release_with_commits(org_projects(request, org), version)
        return Response(release_json(previous) if previous else {})
