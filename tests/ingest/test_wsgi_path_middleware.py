"""The ingest fast path (``ingest.wsgi_path``) derives its middleware from ``settings.MIDDLEWARE``.

Every middleware in settings is declared either applied on the ingest doors or skipped with
a reason; adding one to settings without deciding fails here. The chain the fast path
builds is the applied ones, in settings order, and an undeclared one is applied.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.test import override_settings

from ingest import wsgi_path
from ingest.wsgi_path import APPLIED_ON_INGEST, SKIPPED_ON_INGEST, IngestWSGIPath, undeclared_middleware
from tests.ingest.helpers import event_envelope
from tests.ingest.test_wsgi_path import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


class StampMiddleware:
    """A middleware the fast path was never told about."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        response["X-Stamp"] = "seen"
        return response


def _chain_classes(handler: Any) -> list[str]:
    names = []
    while handler is not wsgi_path._handle:
        names.append(f"{type(handler).__module__}.{type(handler).__qualname__}")
        handler = handler.get_response
    return names


def test_every_middleware_in_settings_is_applied_or_skipped_with_a_reason() -> None:
    assert undeclared_middleware(settings.MIDDLEWARE) == [], (
        "declare each in ingest.wsgi_path: APPLIED_ON_INGEST or SKIPPED_ON_INGEST, with the reason"
    )
    assert set(APPLIED_ON_INGEST).isdisjoint(SKIPPED_ON_INGEST)
    assert all(reason.strip() for reason in [*APPLIED_ON_INGEST.values(), *SKIPPED_ON_INGEST.values()])


def test_no_declaration_names_a_middleware_settings_no_longer_has() -> None:
    assert set(APPLIED_ON_INGEST) | set(SKIPPED_ON_INGEST) == set(settings.MIDDLEWARE)


def test_the_fast_path_applies_the_declared_middleware_in_settings_order() -> None:
    app = IngestWSGIPath(get_wsgi_application())
    assert _chain_classes(app.handler) == [path for path in settings.MIDDLEWARE if path in APPLIED_ON_INGEST]


def test_a_middleware_added_to_settings_is_caught_and_still_applied(world) -> None:
    added = [*settings.MIDDLEWARE, f"{__name__}.StampMiddleware"]
    assert undeclared_middleware(added) == [f"{__name__}.StampMiddleware"]
    with override_settings(MIDDLEWARE=added):
        app = IngestWSGIPath(get_wsgi_application())
        status, headers, answer = call(
            "POST",
            f"/api/{world.project.pk}/envelope/",
            event_envelope(),
            app=app,
            HTTP_X_SENTRY_AUTH=world.auth_header(),
        )
    assert status == 200, answer
    assert headers["X-Stamp"] == "seen"
