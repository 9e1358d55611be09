"""The ingest endpoints' own short path through WSGI, beside Django's full request cycle.

An SDK's POST to the store, envelope or security endpoint needs none of the
dashboard's middleware (sessions, CSRF — the views are exempt —, auth,
messages, static files, CSP, clickjacking) nor URL resolution; in the storm
profile those cost about a fifth of an ingest request. Such requests go
straight to the same view functions, through the middleware they do need —
the very classes of ``settings.MIDDLEWARE``: the 5xx counter, the correlation
id, the security headers (and HTTPS redirect) — and Django's request
signals (database connection hygiene). Every other request takes Django's full path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import sentry_sdk

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, JsonResponse
from django.middleware.security import SecurityMiddleware

from errorhub.logging import CorrelationIdMiddleware
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest import views

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_ROUTE = re.compile(r"^/api/(\d{1,18})/(store|envelope|security)/$")
_VIEWS = {"store": views.store_view, "envelope": views.envelope_view, "security": views.security_view}


def _handle(request: WSGIRequest) -> HttpResponse:
    """The view for the route ``IngestWSGIPath`` matched (``request.ingest_route``)."""
    kind, project_id = request.ingest_route  # type: ignore[attr-defined]
    try:
        return _VIEWS[kind](request, project_id)
    except Exception:  # the views turn every client error into a 4xx (503 when a service is down): our bug
        logger.exception("ingest request failed")
        sentry_sdk.capture_exception()  # Django's got_request_exception signal is not sent on this path
        return JsonResponse({"detail": "internal error"}, status=500)


class IngestWSGIPath:
    """Wraps Django's WSGI application; answers the Sentry ingest endpoints itself."""

    def __init__(self, django_app: WSGIApp) -> None:
        self.django_app = django_app
        # outermost first, as in settings.MIDDLEWARE
        self.handler = ServerErrorCounterMiddleware(CorrelationIdMiddleware(SecurityMiddleware(_handle)))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _ROUTE.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("SCRIPT_NAME"):
            return self.django_app(environ, start_response)
        signals.request_started.send(sender=type(self), environ=environ)  # closing the response ends it
        request = WSGIRequest(environ)
        request.ingest_route = (match.group(2), int(match.group(1)))  # type: ignore[attr-defined]
        response = self.handler(request)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return response
