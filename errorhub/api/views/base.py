"""What every REST view shares: authentication by session or token, and the body as an object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from errorhub.api.auth import TokenScopePermission
from ingest.protocol.errors import ClientError


class Base(APIView):
    permission_classes = [IsAuthenticated, TokenScopePermission]


def body_object(request: Request) -> Mapping[str, Any]:
    """The request body as an object; a JSON list or scalar is the client's mistake (400, not 500)."""
    if not isinstance(request.data, Mapping):
        raise ClientError("the request body must be a JSON object")
    return request.data
