"""CORS for browser SDKs: preflight, and Access-Control-Allow-Origin only for allowed origins."""

from __future__ import annotations

import pytest

from tests.ingest.helpers import event_envelope, post_envelope

pytestmark = pytest.mark.django_db


def test_preflight_answers_methods_and_headers(client, world):
    response = client.options(
        f"/api/{world.project.pk}/envelope/",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-sentry-auth",
    )
    assert response.status_code == 200
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-sentry-auth", "content-encoding", "sentry-trace", "baggage"} <= allowed
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert int(response["Access-Control-Max-Age"]) > 0


def test_post_from_any_origin_by_default(client, world):
    response = post_envelope(client, world, event_envelope(), HTTP_ORIGIN="https://anything.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://anything.example"
    assert "Origin" in response["Vary"]
    assert "X-Sentry-Rate-Limits" in response["Access-Control-Expose-Headers"]


def test_restricted_project_refuses_other_origins(client, world):
    world.project.allowed_origins = "https://shop.example"
    world.project.save()
    allowed = post_envelope(client, world, event_envelope(), HTTP_ORIGIN="https://shop.example")
    assert allowed.status_code == 200 and allowed["Access-Control-Allow-Origin"] == "https://shop.example"
    other = post_envelope(client, world, event_envelope(), HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def test_store_door_has_cors_too(client, world):
    response = client.post(
        f"/api/{world.project.pk}/store/",
        data=b'{"message": "x"}',
        content_type="text/plain",
        HTTP_ORIGIN="https://shop.example",
        HTTP_X_SENTRY_AUTH=world.auth_header(),
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"


def test_no_origin_no_cors_headers(client, world):
    response = post_envelope(client, world, event_envelope())
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response
