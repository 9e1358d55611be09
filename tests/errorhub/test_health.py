"""``/healthz`` says the process is alive; ``/readyz`` checks database, broker and
event store and names the one that fails."""

from __future__ import annotations

import os
import socket

import pytest


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    checks = body["checks"]
    assert set(checks) == {"database", "broker", "event_store"}
    assert all(check["ok"] for check in checks.values())
    assert checks["database"]["vendor"] in ("postgresql", "sqlite")
    assert set(checks["broker"]["queues"]) >= {"ingest", "ingest-retry", "index", "alerts", "housekeeping"}
    assert checks["event_store"]["backend"] == "sql"


@pytest.mark.django_db
def test_readyz_with_a_real_redis_broker(client, settings):
    url = os.environ.get("ERRORHUB_TEST_REDIS_URL", "").strip()
    if not url:
        pytest.fail("ERRORHUB_TEST_REDIS_URL is not set: run `bash scripts/services.sh up && . .services/env`")
    settings.CELERY_BROKER_URL = url
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["queues"]["ingest"] >= 0


@pytest.mark.django_db
def test_readyz_names_the_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    broker = body["checks"]["broker"]
    assert broker["ok"] is False and "Connection" in broker["error"]
    assert body["checks"]["database"]["ok"] is True
