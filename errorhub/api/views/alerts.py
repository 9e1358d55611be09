"""REST: ``POST /api/0/projects/<org>/<project>/alert-rules/dry-run/`` with an event as the body."""

from __future__ import annotations

from dataclasses import asdict

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.dryrun import alert_dry_run
from errorhub.accounts import selectors
from errorhub.api.auth import TokenScopePermission


class AlertRuleDryRun(APIView):
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scopes = {"POST": "alerts:write"}

    def post(self, request: Request, org: str, project: str) -> Response:
        target = selectors.project_get_for_user(request.user, org, project)
        if not isinstance(request.data, dict) or not request.data:
            return Response({"detail": "the body must be a JSON event object"}, status=400)
        return Response(asdict(alert_dry_run(project=target, event=dict(request.data))))
