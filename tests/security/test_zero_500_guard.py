"""The zero-500s guard works: a real server error is written to ERRORHUB_500_LOG.

``ServerErrorCounterMiddleware`` appends a line per 5xx (not 503) answer, and
the session fixture in tests/conftest.py fails the run if the log has any. To
prove it without a test-only view, the API is pointed at an event store that
is down (a search engine on a closed port): listing an issue's events then
fails for real. The test removes its own line afterwards, so the session guard
stays green for everything else.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from errorhub.middleware import ServerErrorCounterMiddleware
from errorhub.services.projects import api_token_create
from ingest.stores import get_event_store
from tests.core.events import issue_of

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
    new_lines = LOG.read_text()[len(own_log_lines):].splitlines()
    assert len(new_lines) == 1
    assert new_lines[0].endswith(f"GET /api/0/issues/{issue.pk}/events/")


def test_4xx_answers_are_not_logged(world, own_log_lines):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=world.member)}")
    assert client.get("/api/0/issues/999999/").status_code == 404
    assert client.get("/api/0/projects/acme/shop/issues/?query=level:[").status_code == 400
    assert (LOG.read_text() if LOG.exists() else "") == own_log_lines
