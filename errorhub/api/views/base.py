"""What every REST view shares: authentication by session or token, and the body as an object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from errorhub.accounts import selectors
from errorhub.accounts.models import Organization, Project
from errorhub.api.auth import TokenScopePermission, token_organization
from ingest.protocol.errors import ClientError


class Base(APIView):
    """Session or token; a token needs ``read_scope`` to read and ``write_scope`` to change
    (``scopes`` names another per method), Sentry's scope names."""

    permission_classes = [IsAuthenticated, TokenScopePermission]
    read_scope = "project:read"
    write_scope = "project:write"


def projects_for_request(request: Request) -> QuerySet[Project]:
    """The projects a request may reach: its user's, within an organisation token's organisation."""
    projects = selectors.projects_for_user(request.user)
    organization = token_organization(request)
    return projects if organization is None else projects.filter(organization=organization)


def organizations_for_request(request: Request) -> QuerySet[Organization]:
    """The organisations a request may reach (an organisation token: its own, if its user's)."""
    organizations = selectors.organizations_for_user(request.user)
    organization = token_organization(request)
    return organizations if organization is None else organizations.filter(pk=organization.pk)


def body_object(request: Request) -> Mapping[str, Any]:
    """The request body as an object; a JSON list or scalar is the client's mistake (400, not 500)."""
    if not isinstance(request.data, Mapping):
        raise ClientError("the request body must be a JSON object")
    return request.data
