"""``GET /api/0/projects/<org>/<project>/monitors/``: a project's monitors with their config and
each environment's state; a project of another team is a 404."""

from __future__ import annotations

import pytest

from errorhub.monitors.models import MonitorEnvironment
from tests.monitors.history import monitors  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def test_project_monitors_listed_with_config_and_environments(world, monitors):  # noqa: F811
    response = world.api(world.member).get("/api/0/projects/acme/shop/monitors/")
    assert response.status_code == 200, response.content
    (monitor,) = response.json()
    assert monitor["slug"] == "nightly-export"
    assert monitor["config"]["schedule"] == {"type": "crontab", "value": "0 3 * * *"}
    assert monitor["config"]["timezone"] == "Europe/Vienna" and monitor["config"]["checkin_margin"] == 5.0
    by_env = {env["name"]: env for env in monitor["environments"]}
    failing = MonitorEnvironment.objects.get(monitor__slug="nightly-export", environment="production")
    assert by_env["production"]["status"] == "error" and by_env["production"]["issue"] == str(failing.issue_id)
    assert by_env["production"]["nextCheckIn"] == "2026-03-03T02:00:00+00:00"
    assert by_env["staging"]["status"] == "ok" and by_env["staging"]["issue"] is None


def test_another_teams_project_is_not_found(world, monitors):  # noqa: F811
    assert world.api(world.member).get("/api/0/projects/acme/billing/monitors/").status_code == 404
