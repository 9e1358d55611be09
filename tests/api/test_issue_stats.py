"""Issue lists carry Sentry's ``stats`` for ``statsPeriod`` (or ``groupStatsPeriod``): events per
hour over a day, per day over longer periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.issues.events import issue_of, record

pytestmark = pytest.mark.django_db


def test_hourly_stats_over_a_day(world):
    issue = issue_of(world.project, "hourly", count=2)
    record(world.project, "hourly", when=datetime.now(UTC) - timedelta(hours=3))
    body = world.api(world.member).get("/api/0/projects/acme/shop/issues/", {"query": "", "statsPeriod": "24h"})
    (row,) = [r for r in body.json() if r["id"] == str(issue.pk)]
    points = row["stats"]["24h"]
    assert len(points) == 24 and sum(n for _, n in points) == 3
    assert points[-1][1] == 2 and points[-4][1] == 1
    assert points[1][0] - points[0][0] == 3600


def test_daily_stats_over_two_weeks_and_no_stats_unless_asked(world):
    issue = issue_of(world.project, "daily")
    api = world.api(world.member)
    body = api.get("/api/0/organizations/acme/issues/", {"query": "", "groupStatsPeriod": "14d"}).json()
    (row,) = [r for r in body if r["id"] == str(issue.pk)]
    assert len(row["stats"]["14d"]) == 14 and row["stats"]["14d"][-1][1] == 1
    assert "stats" not in api.get("/api/0/projects/acme/shop/issues/", {"query": ""}).json()[0]
    bad = api.get("/api/0/projects/acme/shop/issues/", {"query": "", "groupStatsPeriod": "3w"})
    assert bad.status_code == 400 and "groupStatsPeriod" in bad.json()["detail"]
