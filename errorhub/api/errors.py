"""API errors as JSON: only the client-error family (``ClientError``) becomes a 4xx.

A ``QueryError`` also says where in the query the problem is. DRF's own
``APIException``s (validation, authentication, throttling, 404) keep DRF's
answers. Anything else — a bare ``ValueError`` from deep inside included — is
ErrorHub's bug: left to Django, it is a 500, counted and reported.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from ingest.protocol.errors import ClientError
from ingest.protocol.search.query import QueryError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, QueryError):
        return Response({"detail": exc.message, "position": exc.position}, status=exc.status)
    if isinstance(exc, ClientError):
        return Response({"detail": exc.message}, status=exc.status, headers=exc.headers or None)
    return drf_handler(exc, context)
