"""Reads for cron monitors: the list the dashboard and the API show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from errorhub.accounts.models import Project
from errorhub.monitors.models import Monitor, MonitorEnvironment


@dataclass(frozen=True)
class MonitorRow:
    """One monitor in one environment, as a list shows it (``status`` is its last run's outcome)."""

    monitor: Monitor
    environment: str
    status: str
    last_checkin_at: datetime | None
    next_expected_at: datetime | None
    issue_id: int | None


def monitors_of_projects(projects: Iterable[Project]) -> list[MonitorRow]:
    """Every monitor of ``projects`` with each environment's state, by project, monitor, environment."""
    environments = (
        MonitorEnvironment.objects.select_related("monitor__project__organization")
        .filter(monitor__project__in=projects)
        .order_by("monitor__project__slug", "monitor__slug", "environment")
    )
    return [
        MonitorRow(
            monitor=env.monitor,
            environment=env.environment,
            status=env.status,
            last_checkin_at=env.last_checkin_at,
            next_expected_at=env.next_expected_at,
            issue_id=env.issue_id,
        )
        for env in environments
    ]
