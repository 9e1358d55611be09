"""Cross-cutting HTTP middleware: ErrorHub's own 500 counter and the CSP header."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)
GetResponse = Callable[[HttpRequest], HttpResponse]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class ServerErrorCounterMiddleware:
    """Counts every 5xx answer ErrorHub gives (its own zero-500s goal).

    The count is kept in memory for the health page and, when
    ``ERRORHUB_500_LOG`` names a file, appended there so a test run can fail
    if any request it made got a 500, across processes.
    """

    count = 0

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500 and response.status_code != 503:  # 503 = deliberate "not ready"
            self.record(request)
        return response

    @classmethod
    def record(cls, request: HttpRequest, what: str = "500 answered") -> None:
        """Count one of ErrorHub's own failures on ``request`` — a 500, or a bug an
        ingest view hid from a client whose payload was already queued."""
        cls.count += 1
        logger.error("%s for %s %s", what, request.method, request.path)
        log_path = os.environ.get("ERRORHUB_500_LOG")  # read when needed: tests point it elsewhere
        if log_path:
            with open(log_path, "a") as handle:
                handle.write(f"{time.time():.3f} {request.method} {request.path}\n")


class ContentSecurityPolicyMiddleware:
    """A strict CSP (no inline scripts) on every HTML answer: event data is hostile."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", CSP)
        return response
