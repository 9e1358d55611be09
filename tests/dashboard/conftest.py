"""Dashboard test helpers: logged-in clients per persona and stored events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from errorhub.accounts.models import Project
from errorhub.issues.digest import events_record
from errorhub.issues.models import Issue
from ingest.protocol.normalize import normalize_sentry_event


def record_event(project: Project, **payload: Any) -> tuple[Issue, dict[str, Any]]:
    """Normalise a Sentry-shaped payload and group/store it as processing would."""
    event_id = uuid.uuid4().hex
    payload.setdefault("platform", "python")
    event = normalize_sentry_event(payload, project_id=project.pk, event_id=event_id, received_at=datetime.now(UTC))
    result = events_record(project=project, events=[event])
    (issue_id,) = result.changes
    return Issue.objects.get(pk=issue_id), event


def crash(**extra: Any) -> dict[str, Any]:
    payload = {
        "level": "error",
        "release": "shop@1.2.0",
        "environment": "production",
        "tags": {"browser": "Firefox", "region": "eu"},
        "exception": {
            "values": [
                {
                    "type": "KeyError",
                    "value": "'basket'",
                    "stacktrace": {
                        "frames": [
                            {"filename": "django/core/handlers.py", "function": "inner", "lineno": 55, "in_app": False},
                            {
                                "filename": "shop/views.py",
                                "function": "checkout",
                                "lineno": 42,
                                "in_app": True,
                                "context_line": "    basket = session['basket']",
                                "pre_context": ["def checkout(request):"],
                                "post_context": ["    return render(request)"],
                            },
                        ]
                    },
                }
            ]
        },
        "contexts": {"trace": {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}},
    }
    payload.update(extra)
    return payload


@pytest.fixture
def login(client: Client):
    def as_user(user: Any) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def issue(world) -> Issue:
    return record_event(world.project, **crash())[0]


@pytest.fixture
def other_issue(world) -> Issue:
    return record_event(
        world.other_project,
        **crash(message="billing", exception={"values": [{"type": "ValueError", "value": "billing broke"}]}),
    )[0]


def pytest_configure(config) -> None:
    # registered here so --strict-markers accepts it; belongs in pytest.ini's markers list
    config.addinivalue_line("markers", "browser: drives Debian's Chromium through Playwright against a live server")
