"""Projects: list and create, read and change scrub settings, DSN keys."""

from __future__ import annotations

from django.http import Http404
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.accounts import selectors
from errorhub.accounts.services import (
    project_create,
    project_key_create,
    project_settings_update,
)
from errorhub.api.auth import token_organization
from errorhub.api.serializers import (
    ProjectCreateSerializer,
    ProjectKeySerializer,
    ProjectScrubSettingsSerializer,
    ProjectSerializer,
)
from errorhub.api.views.base import Base, body_object, projects_for_request


class Projects(Base):
    def get(self, request: Request) -> Response:
        return Response(ProjectSerializer(projects_for_request(request), many=True).data)

    def post(self, request: Request) -> Response:
        body = ProjectCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org_slug = body.validated_data["organization"]
        org = selectors.organizations_for_user(request.user).filter(slug=org_slug).first()
        limited_to = token_organization(request)
        if limited_to is not None and org_slug != limited_to.slug:
            raise Http404("no such organization")
        if org is None and not request.user.is_superuser:
            raise Http404("no such organization")
        created = project_create(
            org_name=org.name if org else org_slug,
            name=body.validated_data["name"],
            team_name=body.validated_data.get("team"),
            platform=body.validated_data.get("platform", ""),
        )
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
        key = project_key_create(project=proj, label=str(body_object(request).get("name") or "Default")[:100])
        return Response(ProjectKeySerializer(key).data, status=http.HTTP_201_CREATED)
