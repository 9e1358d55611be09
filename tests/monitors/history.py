"""Monitors with a history, made by the check-in service as processing makes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from errorhub.monitors.services import checkin_record
from ingest.protocol.checkins import parse_check_in

WHEN = datetime(2026, 3, 2, 9, 58, tzinfo=UTC)
NIGHTLY = {"schedule": {"type": "crontab", "value": "0 3 * * *"}, "timezone": "Europe/Vienna", "checkin_margin": 5}


def record(project, slug: str, status: str, *, environment: str = "production", config: dict | None = None) -> None:
    body = {"monitor_slug": slug, "status": status, "check_in_id": uuid.uuid4().hex, "environment": environment}
    if config:
        body["monitor_config"] = config
    checkin_record(project=project, checkin=parse_check_in(body), when=WHEN)


@pytest.fixture
def monitors(world) -> None:
    """``nightly-export`` failing in production and fine in staging; ``billing-sync`` of another team."""
    record(world.project, "nightly-export", "error", config=NIGHTLY)
    record(world.project, "nightly-export", "ok", environment="staging")
    record(world.other_project, "billing-sync", "ok", config=NIGHTLY)
