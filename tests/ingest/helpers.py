"""Posting to the ingest doors in-process (Django test client), as an SDK would."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse
from django.test import Client

from ingest.protocol.envelope import serialize_envelope
from tests.personas import World

ENVELOPE_TYPE = "application/x-sentry-envelope"


def event(**fields: Any) -> dict[str, Any]:
    """A small valid error event with a fresh id."""
    return {
        "event_id": uuid.uuid4().hex,
        "level": "error",
        "platform": "python",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "bad order",
                    "stacktrace": {
                        "frames": [{"function": "process_order", "filename": "shop/orders.py", "lineno": 3}]
                    },
                }
            ]
        },
        **fields,
    }


def envelope(*items: tuple[dict[str, Any], Any], headers: dict[str, Any] | None = None) -> bytes:
    return serialize_envelope(headers or {}, items)


def event_envelope(body: dict[str, Any] | None = None) -> bytes:
    body = body or event()
    return envelope(({"type": "event"}, body), headers={"event_id": body["event_id"]})


def post_envelope(
    client: Client,
    world: World,
    data: bytes,
    *,
    project_id: int | None = None,
    content_type: str = ENVELOPE_TYPE,
    **extra: Any,
) -> HttpResponse:
    extra.setdefault("HTTP_X_SENTRY_AUTH", world.auth_header())
    return client.post(
        f"/api/{project_id or world.project.pk}/envelope/", data=data, content_type=content_type, **extra
    )


def post_store(
    client: Client, world: World, data: bytes, *, content_type: str = "application/json", **extra: Any
) -> HttpResponse:
    extra.setdefault("HTTP_X_SENTRY_AUTH", world.auth_header())
    return client.post(f"/api/{world.project.pk}/store/", data=data, content_type=content_type, **extra)


def assert_refused(response: HttpResponse, status: int, *fragments: str) -> str:
    """A 4xx with a JSON ``detail`` that says what was wrong; returns the detail."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    detail = response.json()["detail"]
    assert detail and all(f.lower() in detail.lower() for f in fragments), detail
    return detail


def stored_event(world: World, event_id: str) -> dict[str, Any]:
    """The stored event as the API shows it to a project member."""
    response = world.api(world.member).get(f"/api/0/projects/acme/shop/events/{event_id}/")
    assert response.status_code == 200, response.content[:500]
    return response.json()
