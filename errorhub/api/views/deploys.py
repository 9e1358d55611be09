"""Deploys of a release (``sentry-cli deploys new | list``); a deploy also settles the issues
resolved "in the next release" of its projects."""

from __future__ import annotations

from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from errorhub.api.pagination import last_page
from errorhub.api.release_serializers import DeploySerializer
from errorhub.api.sentry_shapes import deploy_json
from errorhub.api.views.base import Base
from errorhub.api.views.releases import InvalidRelease, named_projects, org_projects, rows_or_404, validated
from errorhub.issues import selectors
from errorhub.issues.release_services import deploy_create


class ReleaseDeploys(Base):
    read_scope, write_scope = "project:read", "project:releases"

    def get(self, request: Request, org: str, version: str) -> Response:
        rows = rows_or_404(org_projects(request, org), version)
        return last_page(request, [deploy_json(d) for d in selectors.deploys_of(rows)])

    def post(self, request: Request, org: str, version: str) -> Response:
        """Record a deploy of this release, to every project it has or the ``projects`` named."""
        projects = org_projects(request, org)
        data = validated(DeploySerializer, request)
        rows = rows_or_404(projects, version)
        if data.get("projects"):
            wanted = {p.pk for p in named_projects(projects, data["projects"])}
            rows = [row for row in rows if row.project_id in wanted]
            if not rows:
                raise InvalidRelease(f"projects: release {version!r} is in none of the projects named")
        deploys = deploy_create(
            releases=rows,
            environment=data["environment"],
            name=data.get("name") or "",
            url=data.get("url") or "",
            date_started=data.get("dateStarted"),
            date_finished=data.get("dateFinished"),
        )
        return Response(deploy_json(deploys[0]), status=http.HTTP_201_CREATED)
