"""The ingest endpoints' own short path through WSGI, beside Django's full request cycle.

An SDK's POST to the store, envelope or security endpoint needs none of the
dashboard's middleware (sessions, CSRF — the views are exempt —, auth,
messages, static files, CSP, clickjacking) nor URL resolution; in the storm
profile those cost about a fifth of an ingest request. Such requests go
straight to the same view functions, through the middleware they do need and
Django's request signals (database connection hygiene). Every other request
takes Django's full path.

Which middleware the short path applies is derived from ``settings.MIDDLEWARE``
by one rule: every class there runs, in the same order, unless
``SKIPPED_ON_INGEST`` names it with the reason the ingest doors do not need it.
``APPLIED_ON_INGEST`` names the ones that run and why; a class in neither is
still applied (correct, if slower) and fails
``tests/ingest/test_wsgi_path_middleware.py`` until someone decides which it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import sentry_sdk
from django.conf import settings
from django.core import signals
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse, JsonResponse
from django.utils.module_loading import import_string

from ingest import views

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: Middleware of ``settings.MIDDLEWARE`` the ingest doors need, and why.
APPLIED_ON_INGEST: dict[str, str] = {
    "errorhub.middleware.ServerErrorCounterMiddleware": "every 5xx is counted and logged, the doors' too",
    "errorhub.logging.CorrelationIdMiddleware": "X-Request-ID in and out, and on the request's log lines",
    "django.middleware.security.SecurityMiddleware": "nosniff and HSTS headers, the HTTPS redirect",
}

#: Middleware of ``settings.MIDDLEWARE`` the ingest doors skip, and why they need not run.
SKIPPED_ON_INGEST: dict[str, str] = {
    "whitenoise.middleware.WhiteNoiseMiddleware": "serves static files; an ingest path is never one",
    "django.contrib.sessions.middleware.SessionMiddleware": "SDKs authenticate with a DSN key, never a session",
    "django.middleware.common.CommonMiddleware": "slash/www redirects: the route matches exact paths only, "
    "and an SDK does not follow a redirect of its POST",
    "django.middleware.csrf.CsrfViewMiddleware": "the ingest views are csrf_exempt (key-authenticated, no cookies)",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "no user: the DSN key is the credential",
    "django.contrib.messages.middleware.MessageMiddleware": "no pages, so no flashed messages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "answers are JSON, never framed",
    "errorhub.middleware.ContentSecurityPolicyMiddleware": "a policy for HTML answers; the doors answer JSON",
}


def ingest_middleware(middleware: Iterable[str]) -> list[str]:
    """The middleware the short path applies: ``middleware`` (settings order) minus the skipped."""
    return [path for path in middleware if path not in SKIPPED_ON_INGEST]


def undeclared_middleware(middleware: Iterable[str]) -> list[str]:
    """Middleware neither applied nor skipped by name (applied anyway; a test fails on them)."""
    return [path for path in middleware if path not in APPLIED_ON_INGEST and path not in SKIPPED_ON_INGEST]


def _chain(paths: list[str], handler: Callable[[WSGIRequest], HttpResponse]) -> Callable[[WSGIRequest], HttpResponse]:
    """Wrap ``handler`` in ``paths``, outermost first, as Django's handler does (one that
    raises ``MiddlewareNotUsed`` is left out, as Django leaves it out)."""
    for path in reversed(paths):
        try:
            handler = import_string(path)(handler)
        except MiddlewareNotUsed:
            continue
    return handler


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
        undeclared = undeclared_middleware(settings.MIDDLEWARE)
        if undeclared:
            logger.warning("ingest fast path applies %s: declare it in ingest.wsgi_path", ", ".join(undeclared))
        self.handler = _chain(ingest_middleware(settings.MIDDLEWARE), _handle)

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
