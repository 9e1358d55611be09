"""The ingest endpoints' own short path through WSGI, beside Django's full request cycle.

An SDK's POST to the store, envelope or security endpoint needs none of the
dashboard's middleware (sessions, CSRF — the views are exempt —, auth,
messages, static files, CSP, clickjacking) nor URL resolution; in the storm
profile those cost about a fifth of an ingest request. Such requests go
straight to the same view functions, and what the middleware gave them is done
here: the correlation id (bound for logs, answered in ``X-Request-ID``, one
"request finished" line), the 5xx counter, the security headers, database
connection hygiene. Every other request takes Django's full path.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import close_old_connections
from django.http import HttpResponse, JsonResponse

from errorhub import logging as correlation
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest import views

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_ROUTE = re.compile(r"^/api/(\d{1,18})/(store|envelope|security)/$")
_VIEWS = {"store": views.store_view, "envelope": views.envelope_view, "security": views.security_view}


def _security_headers(request: WSGIRequest, response: HttpResponse) -> None:
    """What SecurityMiddleware adds to every answer, for these JSON answers."""
    response.setdefault("X-Content-Type-Options", "nosniff")
    if settings.SECURE_REFERRER_POLICY:
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        response.setdefault("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
    if settings.SECURE_HSTS_SECONDS and request.is_secure():
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        response.setdefault("Strict-Transport-Security", hsts)


def _handle(request: WSGIRequest, kind: str, project_id: int) -> HttpResponse:
    try:
        return _VIEWS[kind](request, project_id)
    except Exception:  # the views turn every known failure into a 4xx/503; anything else is our bug
        logger.exception("ingest request failed")
        return JsonResponse({"detail": "internal error"}, status=500)


class IngestWSGIPath:
    """Wraps Django's WSGI application; answers the Sentry ingest endpoints itself."""

    def __init__(self, django_app: WSGIApp) -> None:
        self.django_app = django_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        match = _ROUTE.match(environ.get("PATH_INFO", ""))
        if match is None or environ.get("SCRIPT_NAME"):
            return self.django_app(environ, start_response)
        started = time.perf_counter()
        request = WSGIRequest(environ)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.django_app(environ, start_response)  # Django answers with its redirect
        close_old_connections()  # as Django does at request start: drop broken or expired connections
        request_id = correlation.sane_request_id(environ.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        with correlation.bound(request_id=request_id, event_id=None, project_id=None, issue_id=None, task_id=None):
            response = _handle(request, match.group(2), int(match.group(1)))
            ServerErrorCounterMiddleware.observe(request.method or "", request.path, response.status_code)
            _security_headers(request, response)
            response["X-Request-ID"] = request_id
            correlation.request_finished(request, response, started)
        close_old_connections()
        status = f"{response.status_code} {response.reason_phrase}"
        start_response(status, list(response.items()))
        return response
