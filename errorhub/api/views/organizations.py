"""Organisations and their projects and repositories, in Sentry's shapes
(``sentry-cli organizations list``, ``projects list``, ``releases set-commits``)."""

from __future__ import annotations

from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts.models import Organization
from errorhub.api.pagination import last_page
from errorhub.api.sentry_shapes import organization_json, project_json
from errorhub.api.views.base import Base, organizations_for_request, projects_for_request


def organization_for(request: Request, slug: str) -> Organization:
    """The organisation the request may reach, or 404 (also for one that exists elsewhere)."""
    organization = organizations_for_request(request).filter(slug=slug).first()
    if organization is None:
        raise Http404("no such organization")
    return organization


class Organizations(Base):
    read_scope = "org:read"

    def get(self, request: Request) -> Response:
        organizations = organizations_for_request(request).order_by("slug")
        return last_page(request, [organization_json(org) for org in organizations])


class OrganizationDetail(Base):
    read_scope = "org:read"

    def get(self, request: Request, org: str) -> Response:
        return Response(organization_json(organization_for(request, org)))


class OrganizationProjects(Base):
    read_scope = "project:read"

    def get(self, request: Request, org: str) -> Response:
        organization = organization_for(request, org)
        projects = (
            projects_for_request(request).filter(organization=organization).prefetch_related("teams").order_by("slug")
        )
        return last_page(request, [project_json(project) for project in projects])


class OrganizationRepos(Base):
    """ErrorHub has no source-control integrations: no repositories, so ``set-commits`` sends the
    commits themselves (``--local``) or names their heads (``refs``)."""

    read_scope = "org:read"

    def get(self, request: Request, org: str) -> Response:
        organization_for(request, org)
        return last_page(request, [])
