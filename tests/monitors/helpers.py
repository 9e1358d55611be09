"""Check-ins posted to the envelope door as the real clients sent them (``tests/fixtures/monitors``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client

from errorhub.issues.models import Issue
from errorhub.monitors.models import MonitorEnvironment
from ingest.protocol.envelope import parse_envelope, parse_event_json
from tests.ingest.helpers import envelope, post_envelope
from tests.personas import World

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "monitors"


def fixture_checkin(name: str, **changes: Any) -> dict[str, Any]:
    """The check-in body a real client sent, with ``changes`` applied (``None`` removes a field)."""
    body = parse_event_json(parse_envelope((FIXTURES / name).read_bytes()).items[0].payload)
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def post_checkin(client: Client, world: World, body: dict[str, Any]) -> dict[str, Any]:
    response = post_envelope(client, world, envelope(({"type": "check_in"}, body)))
    assert response.status_code == 200, response.content
    return response.json()


def monitor_issue(world: World, slug: str, environment: str = "production") -> Issue:
    env = MonitorEnvironment.objects.select_related("issue").get(
        monitor__project=world.project, monitor__slug=slug, environment=environment
    )
    assert env.issue is not None, f"monitor {slug} in {environment} has no issue"
    return env.issue
