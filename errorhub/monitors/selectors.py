"""Reads for cron monitors: the list the dashboard and the API show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from errorhub.accounts.models import Project
from errorhub.monitors.models import CheckIn, Monitor, MonitorEnvironment


@dataclass(frozen=True)
class MonitorRow:
    """One monitor in one environment, as a list shows it."""

    monitor: Monitor
    environment: str
    status: str
    last_checkin_at: datetime | None
    next_expected_at: datetime | None
    issue_id: int | None
    last_checkin: CheckIn | None


def monitors_of_projects(projects: QuerySet[Project] | list[Project]) -> list[MonitorRow]:
    """Every monitor of ``projects`` with each environment's state and latest check-in."""
    environments = MonitorEnvironment.objects.select_related("monitor__project__organization").filter(
        monitor__project__in=projects).order_by("monitor__project__slug", "monitor__slug", "environment")
    rows = []
    for env in environments.prefetch_related(Prefetch("checkins", queryset=CheckIn.objects.order_by("-created_at"))):
        latest = next(iter(env.checkins.all()), None)
        rows.append(MonitorRow(monitor=env.monitor, environment=env.environment, status=env.status,
                               last_checkin_at=env.last_checkin_at, next_expected_at=env.next_expected_at,
                               issue_id=env.issue_id, last_checkin=latest))
    return rows
