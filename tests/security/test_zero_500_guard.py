"""The zero-500s guard works: a real server error is written to ERRORHUB_500_LOG.

And (issue #17.4) only the client-error family becomes a 4xx: a bare ``ValueError``
under an API or ingest view is a 500 that is counted, and a bug after an ingest
payload was queued is counted and reported while the client still gets its 200.

``ServerErrorCounterMiddleware`` appends a line per 5xx (not 503) answer, and
the session fixture in tests/conftest.py fails the run if the log has any. To
prove it without a test-only view, the API is pointed at an event store that
is down (a search engine on a closed port): listing an issue's events then
fails for real. The test removes its own line afterwards, so the session guard
stays green for everything else.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from django.test import Client
from rest_framework.test import APIClient
from sentry_sdk.transport import Transport

from errorhub.accounts.services import api_token_create
from errorhub.events.stores import get_event_store
from errorhub.middleware import ServerErrorCounterMiddleware
from ingest import http as ingest_http
from ingest import views as ingest_views
from ingest import wsgi_path
from tests.ingest.helpers import event, event_envelope, post_envelope, post_store, stored_event
from tests.ingest.test_wsgi_path import call
from tests.issues.events import issue_of

pytestmark = pytest.mark.django_db
LOG = Path(os.environ["ERRORHUB_500_LOG"])


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once closed: connections to it are refused


@pytest.fixture
def store_down(settings):
    settings.EVENT_STORE = "elasticsearch"
    settings.EVENT_STORE_URL = f"http://127.0.0.1:{_closed_port()}"
    get_event_store.cache_clear()
    yield
    get_event_store.cache_clear()


@pytest.fixture
def own_log_lines():
    """Keep the lines other tests wrote; drop only this test's."""
    before = LOG.read_text() if LOG.exists() else ""
    yield before
    LOG.write_text(before)


def test_a_real_server_error_is_logged_for_the_session_guard(world, store_down, own_log_lines):
    issue = issue_of(world.project, "guard")  # recording queues search indexing; reading needs the engine
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member)}")
    count = ServerErrorCounterMiddleware.count

    response = client.get(f"/api/0/issues/{issue.pk}/events/")

    assert response.status_code == 500
    assert ServerErrorCounterMiddleware.count == count + 1
    new_lines = LOG.read_text()[len(own_log_lines) :].splitlines()
    assert len(new_lines) == 1
    assert new_lines[0].endswith(f"GET /api/0/issues/{issue.pk}/events/")


def test_4xx_answers_are_not_logged(world, own_log_lines):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member)}")
    assert client.get("/api/0/issues/999999/").status_code == 404
    assert client.get("/api/0/projects/acme/shop/issues/?query=level:[").status_code == 400
    assert (LOG.read_text() if LOG.exists() else "") == own_log_lines


# --- #17.4: only the client-error family is a 4xx; a bug is a counted, reported 500 -----------------


class _Reports(Transport):
    """sentry-sdk's own client with an in-memory transport: what ErrorHub would report."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)

    def exception_types(self) -> list[str]:
        return [
            value["type"]
            for env in self.envelopes
            for item in env.items
            if item.type == "event"
            for value in item.payload.json["exception"]["values"]
        ]


@pytest.fixture
def reports():
    transport = _Reports()
    client = sentry_sdk.Client(
        dsn="https://key@errorhub.invalid/1", transport=transport, default_integrations=False, integrations=[]
    )
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        yield transport


@pytest.fixture
def misconfigure_engine(settings):
    """Call to name an event store kind no code knows: building it raises a bare ``ValueError`` deep inside."""

    def misconfigure() -> None:
        settings.EVENT_STORE = "solr"
        get_event_store.cache_clear()

    yield misconfigure
    get_event_store.cache_clear()


def test_a_bare_value_error_under_an_api_view_is_a_counted_500_not_a_400(world, misconfigure_engine, own_log_lines):
    issue = issue_of(world.project, "value-error")  # recorded while the store still works
    misconfigure_engine()
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member)}")
    count = ServerErrorCounterMiddleware.count

    response = client.get(f"/api/0/issues/{issue.pk}/events/")

    assert response.status_code == 500
    assert ServerErrorCounterMiddleware.count == count + 1
    assert LOG.read_text()[len(own_log_lines) :].rstrip().endswith(f"GET /api/0/issues/{issue.pk}/events/")


def _quota_bug(*args: Any, **kwargs: Any) -> None:
    raise ValueError("a bug in the quota check, not the client's mistake")


@pytest.mark.sqlite
def test_a_bare_value_error_under_an_ingest_view_is_a_counted_500(world, monkeypatch, own_log_lines):
    monkeypatch.setattr(ingest_http, "check_quotas", _quota_bug)  # as test_wsgi_path breaks a view
    client = Client(raise_request_exception=False)
    count = ServerErrorCounterMiddleware.count

    response = post_store(client, world, json.dumps(event()).encode())

    assert response.status_code == 500
    assert ServerErrorCounterMiddleware.count == count + 1
    assert LOG.read_text()[len(own_log_lines) :].rstrip().endswith(f"POST /api/{world.project.pk}/store/")


def _metrics_bug(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("a bug in the bookkeeping after the payload was queued")


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_a_bug_after_the_payload_was_queued_still_answers_200_and_is_counted_and_reported(
    world, monkeypatch, own_log_lines, reports
):
    monkeypatch.setattr(ingest_views.metrics, "envelope_items", _metrics_bug)
    body = event()
    count = ServerErrorCounterMiddleware.count

    response = post_envelope(Client(raise_request_exception=False), world, event_envelope(body))

    assert response.status_code == 200, response.content
    assert response.json() == {"id": body["event_id"]}
    assert stored_event(world, body["event_id"])["title"].startswith("ValueError")  # nothing queued was lost
    assert ServerErrorCounterMiddleware.count == count + 1
    assert LOG.read_text()[len(own_log_lines) :].rstrip().endswith(f"POST /api/{world.project.pk}/envelope/")
    assert reports.exception_types() == ["RuntimeError"]


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_a_bug_on_the_short_wsgi_path_is_reported_as_well_as_counted(world, monkeypatch, own_log_lines, reports):
    monkeypatch.setitem(wsgi_path._VIEWS, "store", lambda request, project_id: _quota_bug())
    status, _, _ = call(
        "POST",
        f"/api/{world.project.pk}/store/",
        json.dumps(event()).encode(),
        content_type="application/json",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
    )
    assert status == 500
    assert reports.exception_types() == ["ValueError"]
    assert LOG.read_text()[len(own_log_lines) :].rstrip().endswith(f"POST /api/{world.project.pk}/store/")
