"""``GET /api/0/``: who is asking and with which scopes (``sentry-cli info`` reads it), and the
JSON 404 for every ``/api/0/`` path that names no endpoint."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from errorhub.accounts.models import TOKEN_SCOPES
from errorhub.api.auth import token_of


class ApiRoot(APIView):
    """Anonymous callers get nulls (as from Sentry), not a 401: ``info`` tells them apart."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        user = request.user if request.user.is_authenticated else None
        token = token_of(request)
        auth: dict[str, Any] | None = None
        if token is not None:
            auth = {
                "scopes": sorted(token.effective_scopes()),
                "organization": token.organization.slug if token.organization else None,
            }
        elif user is not None:
            auth = {"scopes": sorted(TOKEN_SCOPES), "session": True}  # a session may do all its user may
        return Response({"version": "0", "auth": auth, "user": _user_json(user) if user else None})


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "id": str(user.pk),
        "username": user.get_username(),
        "email": user.email or "",
        "name": user.get_full_name() or user.get_username(),
    }


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown ``/api/0/`` paths: a JSON 404 naming the path, never the dashboard's HTML page."""
    return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)
