"""The ingest endpoints' own WSGI path (``ingest.wsgi_path``) behind ``errorhub.wsgi.application``.

The rest of tests/ingest drives the same view functions through Django's
test client; here requests go through the real WSGI entry point gunicorn
serves, so what the short path adds (ids, headers, counting, fall-backs) is
checked as a client sees it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.wsgi import get_wsgi_application
from django.test import RequestFactory

from errorhub.middleware import ServerErrorCounterMiddleware
from errorhub.wsgi import application
from ingest import wsgi_path
from tests.ingest.helpers import ENVELOPE_TYPE, event, event_envelope, stored_event

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


def call(
    method: str, path: str, data: bytes = b"", *, app: Any = application, **headers: Any
) -> tuple[int, dict[str, str], bytes]:
    """One request through the WSGI application: (status, headers, body)."""
    environ = (
        RequestFactory()
        .generic(method, path, data=data, content_type=headers.pop("content_type", ENVELOPE_TYPE), **headers)
        .environ
    )
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def test_an_envelope_is_accepted_and_stored(world):
    body = event()
    status, headers, answer = call(
        "POST",
        f"/api/{world.project.pk}/envelope/",
        event_envelope(body),
        HTTP_X_SENTRY_AUTH=world.auth_header(),
        HTTP_X_REQUEST_ID="req-42",
    )
    assert status == 200, answer
    assert json.loads(answer) == {"id": body["event_id"]}
    assert headers["X-Request-ID"] == "req-42"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Type"] == "application/json"
    assert stored_event(world, body["event_id"])["title"].startswith("ValueError")


def test_a_forged_request_id_is_replaced(world):
    status, headers, _ = call(
        "POST",
        f"/api/{world.project.pk}/store/",
        json.dumps(event()).encode(),
        content_type="application/json",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
        HTTP_X_REQUEST_ID='x"\n{"level": "fake"}',
    )
    assert status == 200
    assert len(headers["X-Request-ID"]) == 32 and "\n" not in headers["X-Request-ID"]


def test_bad_input_gets_its_4xx_with_a_reason(world):
    status, _, answer = call(
        "POST", f"/api/{world.project.pk}/envelope/", b"{not json", HTTP_X_SENTRY_AUTH=world.auth_header()
    )
    assert status == 400
    assert "invalid envelope" in json.loads(answer)["detail"]


def test_unknown_key_is_refused(world):
    status, _, answer = call(
        "POST",
        f"/api/{world.project.pk}/envelope/",
        event_envelope(),
        HTTP_X_SENTRY_AUTH="Sentry sentry_key=" + "0" * 32 + ", sentry_version=7",
    )
    assert status in (401, 403)
    assert json.loads(answer)["detail"]


def test_preflight_from_a_browser(world):
    status, headers, _ = call(
        "OPTIONS",
        f"/api/{world.project.pk}/envelope/",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert status == 200
    assert "POST" in headers["Access-Control-Allow-Methods"]


def test_an_unexpected_failure_is_a_counted_500_not_a_crash(world, monkeypatch, tmp_path):
    def broken(request, project_id):
        raise RuntimeError("bug")

    monkeypatch.setitem(wsgi_path._VIEWS, "envelope", broken)
    monkeypatch.setenv("ERRORHUB_500_LOG", str(tmp_path / "500.log"))  # this 500 is the point of the test
    before = ServerErrorCounterMiddleware.count
    status, _, answer = call(
        "POST", f"/api/{world.project.pk}/envelope/", event_envelope(), HTTP_X_SENTRY_AUTH=world.auth_header()
    )
    assert status == 500
    assert json.loads(answer) == {"detail": "internal error"}
    assert ServerErrorCounterMiddleware.count == before + 1
    assert f"POST /api/{world.project.pk}/envelope/" in (tmp_path / "500.log").read_text()


def test_other_paths_take_djangos_full_cycle(world):
    status, headers, _ = call("GET", "/healthz")
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"  # added by Django's middleware only


def test_the_https_redirect_still_applies(world, settings):
    settings.SECURE_SSL_REDIRECT = True  # Django's middleware reads it when the application is built
    app = wsgi_path.IngestWSGIPath(get_wsgi_application())
    status, headers, _ = call(
        "POST", f"/api/{world.project.pk}/envelope/", event_envelope(), app=app, HTTP_X_SENTRY_AUTH=world.auth_header()
    )
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_too_many_query_fields_is_a_400_not_a_500(world):
    before = ServerErrorCounterMiddleware.count
    query = "&".join(f"f{n}=1" for n in range(1100))  # past DATA_UPLOAD_MAX_NUMBER_FIELDS (1000)
    status, _, answer = call(
        "POST",
        f"/api/{world.project.pk}/store/?{query}",
        json.dumps(event()).encode(),
        content_type="application/json",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
    )
    assert status == 400, answer
    assert "bad request" in json.loads(answer)["detail"]
    assert ServerErrorCounterMiddleware.count == before


def test_a_host_outside_allowed_hosts_is_refused(world):
    status, _, answer = call(
        "POST",
        f"/api/{world.project.pk}/envelope/",
        event_envelope(),
        HTTP_X_SENTRY_AUTH=world.auth_header(),
        HTTP_HOST="attacker.example",
    )
    assert status == 400
    assert json.loads(answer) == {"detail": "host not allowed"}
