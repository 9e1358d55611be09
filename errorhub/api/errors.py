"""API errors as JSON 4xx: lifecycle and query errors are the client's to fix."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from errorhub.services.issues import LifecycleError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from ingest.search.query import QueryError

    if isinstance(exc, QueryError):
        return Response({"detail": str(exc), "position": getattr(exc, "position", None)}, status=400)
    if isinstance(exc, (LifecycleError, ValueError)):
        return Response({"detail": str(exc)}, status=400)
    return drf_handler(exc, context)
